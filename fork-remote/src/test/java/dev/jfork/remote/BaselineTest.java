package dev.jfork.remote;

import org.junit.jupiter.api.Order;

import dev.jfork.BaselineCheck;

/** Runs first. */
@Order(Integer.MIN_VALUE)
class BaselineTest extends BaselineCheck {
}
