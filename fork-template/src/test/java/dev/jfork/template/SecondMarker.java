package dev.jfork.template;

/** Loaded after {@link FirstMarker}. */
public final class SecondMarker {
    private SecondMarker() {}

    static {
        Markers.initialised("second");
    }
}
