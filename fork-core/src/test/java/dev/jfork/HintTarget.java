package dev.jfork;

/** A run function whose class records its initialisation (see SparesTest: hints load, never initialise). */
public final class HintTarget {
    static {
        System.setProperty("jfork.test.hintTargetInitialised", "yes");
    }

    private HintTarget() {}

    public static void run(ForkChannel ch, ForkArgs args) {
        ChildFunctions.writeLine(ch, "ran");
    }
}
