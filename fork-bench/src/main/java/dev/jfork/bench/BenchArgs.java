package dev.jfork.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The options every benchmark takes the same way: {@code --name=value} (or {@code name=value})
 * arguments, else the system property {@code bench.name}, else the benchmark's default.
 *
 * <p>A benchmark asks for each of its options once, with its default ({@link #integer},
 * {@link #decimal}, {@link #ints}, ...), inside {@link #parse}. Values are trimmed; an
 * empty one (an unset Maven property) counts as not given, so that the default applies. A malformed
 * value or an argument naming no option of the benchmark is an {@link IllegalArgumentException}
 * that says which option and what was expected.
 */
final class BenchArgs {
    /** The arguments by name, trimmed, in the order given (a later one replaces an earlier one). */
    private final Map<String, String> args = new LinkedHashMap<>();
    /** The options asked for so far: the benchmark's options. */
    private final List<String> known = new ArrayList<>();

    private BenchArgs(String[] args) {
        for (String a : args) {
            String s = a.startsWith("--") ? a.substring(2) : a;
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value or --name=value, got: " + a);
            }
            this.args.put(s.substring(0, eq), s.substring(eq + 1).trim());
        }
    }

    /**
     * The options of a benchmark: {@code options} asks for each of them with its default (and may
     * check them); then an argument naming none of them is an error.
     */
    static <T> T parse(String[] args, Function<BenchArgs, T> options) {
        BenchArgs a = new BenchArgs(args);
        T o = options.apply(a);
        a.rejectUnknown();
        return o;
    }

    /**
     * The value of option {@code key}: the argument if there is one (even an empty one), else the
     * system property {@code bench.key}; trimmed; {@code null} if none or empty.
     */
    private String value(String key) {
        if (!known.contains(key)) {
            known.add(key);
        }
        String v = args.containsKey(key) ? args.get(key) : System.getProperty("bench." + key);
        v = v == null ? null : v.trim();
        return v == null || v.isEmpty() ? null : v;
    }

    private static IllegalArgumentException malformed(String key, String expected, String value, Exception cause) {
        return new IllegalArgumentException("option " + key + ": expected " + expected + ", got \"" + value + "\"", cause);
    }

    /** The value of {@code key} read by {@code parse}, {@code dflt} if none. */
    private <T> T number(String key, T dflt, String expected, Function<String, T> parse) {
        String v = value(key);
        try {
            return v == null ? dflt : parse.apply(v);
        } catch (NumberFormatException e) {
            throw malformed(key, expected, v, e);
        }
    }

    int integer(String key, int dflt) {
        return number(key, dflt, "an integer", Integer::valueOf);
    }

    long longInteger(String key, long dflt) {
        return number(key, dflt, "an integer", Long::valueOf);
    }

    double decimal(String key, double dflt) {
        return number(key, dflt, "a number", Double::valueOf);
    }

    String string(String key, String dflt) {
        String v = value(key);
        return v == null ? dflt : v;
    }

    /** A file name, made absolute. */
    Path path(String key, Path dflt) {
        String v = value(key);
        return v == null ? dflt : Paths.get(v).toAbsolutePath();
    }

    /** Comma-separated integers ({@code 1,2}); blank items are skipped. */
    List<Integer> ints(String key, List<Integer> dflt) {
        String v = value(key);
        if (v == null) {
            return dflt;
        }
        List<Integer> l = new ArrayList<>();
        try {
            for (String p : v.split(",")) {
                if (!p.isBlank()) {
                    l.add(Integer.parseInt(p.trim()));
                }
            }
        } catch (NumberFormatException e) {
            throw malformed(key, "comma-separated integers", v, e);
        }
        return l;
    }

    /** Comma-separated names out of {@code choices}; else "unknown <what> <name> (choices)". */
    List<String> names(String key, List<String> dflt, String what, List<String> choices) {
        return names(key, dflt, what, choices::contains, String.join(", ", choices));
    }

    /**
     * Comma-separated names (each trimmed), every one accepted by {@code known}; else
     * "unknown <what> <name> (<choices>)".
     */
    List<String> names(String key, List<String> dflt, String what, Predicate<String> known, String choices) {
        String v = value(key);
        if (v == null) {
            return dflt;
        }
        List<String> l = new ArrayList<>();
        for (String p : v.split(",")) {
            String name = p.trim();
            if (!known.test(name)) {
                throw new IllegalArgumentException("unknown " + what + " " + name + " (" + choices + ")");
            }
            l.add(name);
        }
        return l;
    }

    /** Space-separated words (JVM options); none by default. */
    List<String> words(String key) {
        String v = value(key);
        return v == null ? List.of() : Arrays.asList(v.split("\\s+"));
    }

    /** Fails on an argument (with a value) that names none of the options asked for. */
    private void rejectUnknown() {
        for (Map.Entry<String, String> e : args.entrySet()) {
            if (!e.getValue().isEmpty() && !known.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown option " + e.getKey() + " (" + String.join(", ", known) + ")");
            }
        }
    }
}
