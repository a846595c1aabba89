package dev.jfork.remote;

import org.junit.jupiter.api.Order;

import dev.jfork.NoLeaksCheck;

/** Runs last: the suite left nothing behind. */
@Order(Integer.MAX_VALUE)
class NoLeaksTest extends NoLeaksCheck {
}
