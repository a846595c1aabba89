package dev.jfork.template;

/** Loaded by the main program before capture(); its initialiser leaves a trace in a system property. */
public final class FirstMarker {
    private FirstMarker() {}

    static {
        Markers.initialised("first");
    }
}
