package dev.jfork;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Runs first (see junit-platform.properties): records what is open before jfork does anything. */
@Order(Integer.MIN_VALUE)
class BaselineTest {
    @Test
    void recordOpenSocketsAndPipes() throws Exception {
        LeakCheck.baseline = LeakCheck.socketsAndPipes();
        assertTrue(LeakCheck.ownedProcesses().isEmpty(), "jfork processes exist before the suite started");
    }

}
