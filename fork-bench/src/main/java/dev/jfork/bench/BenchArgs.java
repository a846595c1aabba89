package dev.jfork.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options every benchmark takes the same way: {@code -Dbench.name=value}, then {@code --name=value} arguments. */
final class BenchArgs {
    private BenchArgs() {}

    /**
     * The options given, by name, in that order of precedence (arguments win); values trimmed, empty
     * ones (an unset Maven property) left out so that the benchmark's default applies.
     */
    static Map<String, String> given(String[] args, List<String> keys) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String key : keys) {
            String v = System.getProperty("bench." + key);
            if (v != null) {
                given.put(key, v);
            }
        }
        for (String a : args) {
            String s = a.startsWith("--") ? a.substring(2) : a;
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value or --name=value, got: " + a);
            }
            given.put(s.substring(0, eq), s.substring(eq + 1));
        }
        given.replaceAll((k, v) -> v.trim());
        given.values().removeIf(String::isEmpty);
        return given;
    }
}
