package dev.jfork.internal.wire;

/**
 * How a template keeps spares, from {@code JvmSpec} ({@code spares}, {@code maxSpares},
 * {@code spareDelay}, {@code spareIdleTimeout}, {@code spareMemoryBudget}); part of the launch line.
 *
 * @param base        spares kept at all times once the process is a template
 * @param max         the most spares kept when forks are asked for faster (at least {@code base})
 * @param delayMs     how long after a hand-over a replacement is started
 * @param idleMs      how long spares beyond {@code base} are kept once no fork is asked for
 * @param budgetBytes the memory (PSS) all spares may take before no spare beyond {@code base} is added
 */
public record SparePolicy(int base, int max, long delayMs, long idleMs, long budgetBytes) {
    /** No spares at all (the class-data archive's training JVM). */
    public static final SparePolicy NONE = new SparePolicy(0, 0, 0, 1, 0);

    public SparePolicy {
        max = Math.max(max, base);
    }
}
