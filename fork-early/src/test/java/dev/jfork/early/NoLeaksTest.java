package dev.jfork.early;

import org.junit.jupiter.api.Order;

import dev.jfork.NoLeaksCheck;

/** Runs last: the suite left nothing behind (the early template is the default template here). */
@Order(Integer.MAX_VALUE)
class NoLeaksTest extends NoLeaksCheck {
}
