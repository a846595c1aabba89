package dev.jfork;

import org.junit.jupiter.api.Order;

/** Runs last: the suite left nothing behind. */
@Order(Integer.MAX_VALUE)
class NoLeaksTest extends NoLeaksCheck {
}
