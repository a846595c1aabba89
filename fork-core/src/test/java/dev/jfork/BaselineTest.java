package dev.jfork;

import org.junit.jupiter.api.Order;

/** Runs first (see junit-platform.properties). */
@Order(Integer.MIN_VALUE)
class BaselineTest extends BaselineCheck {
}
