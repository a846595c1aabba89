package dev.jfork.rpc;

import java.io.Serializable;
import java.util.Objects;

/** Value types of the tests' own, sent without any registration. */
public final class Shapes {
    private Shapes() {}

    public record Point(int x, int y) {}

    public enum Color { RED, GREEN }

    /** A plain class without a no-argument constructor. */
    public static final class Pojo {
        final String name;
        final java.util.List<Point> points;

        public Pojo(String name, java.util.List<Point> points) {
            this.name = name;
            this.points = points;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pojo && ((Pojo) o).name.equals(name) && ((Pojo) o).points.equals(points);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, points);
        }
    }

    /** What a worker makes on its own: the parent never sent, registered or allowed it. */
    public static final class Secret implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile int made;

        public Secret() {
            made++; // in the parent this would show that it was instantiated
        }
    }

    /** A worker function: returns a new Secret (or, with an argument, that argument). */
    public static Object makeSecret(Object... args) {
        return args.length > 0 ? args[0] : new Secret();
    }
}
