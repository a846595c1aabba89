package dev.jfork;

/**
 * A fresh program whose first {@code Fork.create()} (served by a process started with the JDK alone,
 * before libc is bound) runs the function named by its one argument, prints the line that function
 * writes and then the process's exit ({@code child <ForkExit>}), and exits.
 */
public final class FirstCreateProgram {
    private FirstCreateProgram() {}

    public static void main(String[] args) throws Exception {
        try (Fork f = Fork.create()) {
            ForkChannel ch = TestSupport.await(f.run(args[0]));
            System.out.println(TestSupport.readLine(ch));
            System.out.flush();
            ch.close();
            System.out.println("child " + TestSupport.exitOf(f));
        }
        Fork template = Fork.defaultTemplate();
        template.close();
        template.onExit().get();
    }
}
