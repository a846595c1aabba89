package dev.jfork;

import static dev.jfork.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

/** Run functions as method references: checked by the compiler, refused at once when no child could run them. */
class MethodReferenceTest {
    /** Compiles as a ForkFunction (its parameters are wider), but a child calls run functions by their exact signature. */
    public static void loose(Object channel, Object args) {}

    /** An instance method, for a bound reference. */
    void onInstance(ForkChannel channel, ForkArgs args) {}

    static final class Nested {
        public static void run(ForkChannel channel, ForkArgs args) throws IOException {
            ChildFunctions.describe(channel, args);
        }
    }

    @Test
    void aStaticMethodReferenceRunsInTheChild() throws IOException {
        ForkChannel ch = await(Fork.create().sendArg("by reference").run(ChildFunctions::describe));
        String line = TestSupport.readLine(ch);
        assertTrue(line.startsWith("pid=") && line.endsWith("args=s:by reference"), line);
        ch.close();
    }

    @Test
    void aReferenceToAStaticMethodOfANestedClassRunsToo() throws IOException {
        ForkChannel ch = await(Fork.create().run(Nested::run));
        assertTrue(TestSupport.readLine(ch).startsWith("pid="));
        ch.close();
    }

    @Test
    void aLambdaIsRefusedWithWhatToPassInstead() {
        Fork f = Fork.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.run((ch, args) -> ch.close()));
        assertTrue(e.getMessage().contains("lambda") && e.getMessage().contains("method reference to a static method")
                && e.getMessage().contains("public static void run(ForkChannel channel, ForkArgs args)"), e.getMessage());
        assertTrue(f.isAlive(), "nothing was sent: the process can still be run");
        f.close();
    }

    @Test
    void aBoundInstanceMethodIsRefused() {
        Fork f = Fork.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.run(new MethodReferenceTest()::onInstance));
        assertTrue(e.getMessage().contains("captures a value") && e.getMessage().contains("static method"), e.getMessage());
        f.close();
    }

    @Test
    void aMethodWithAnotherSignatureIsRefused() {
        Fork f = Fork.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.run(MethodReferenceTest::loose));
        assertTrue(e.getMessage().contains("loose") && e.getMessage().contains("declare it public static void run(ForkChannel"),
                e.getMessage());
        f.close();
    }
}
