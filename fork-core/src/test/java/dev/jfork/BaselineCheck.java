package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Extend in the first test class of a suite ({@code @Order(Integer.MIN_VALUE)}, with
 * {@code junit.jupiter.testclass.order.default=org.junit.jupiter.api.ClassOrderer$OrderAnnotation}):
 * records what is open before jfork does anything.
 */
public abstract class BaselineCheck {
    @Test
    void recordOpenSocketsAndPipes() throws Exception {
        LeakCheck.baseline = LeakCheck.socketsAndPipes();
        assertTrue(LeakCheck.ownedProcesses().isEmpty(), "jfork processes exist before the suite started");
    }
}
