package dev.jfork.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart written as a standalone SVG file, with no dependency: groups along the x
 * axis (burst sizes, say), one bar per series in each group (jfork, Perl, bare JVM), the value
 * written above each bar, a linear or logarithmic y axis with labelled grid lines, a legend, and
 * optional dashed target lines (per group or across the chart).
 *
 * <pre>{@code
 * new SvgChart("p50 to first byte", "ms", List.of("burst of 1", "burst of 3"))
 *         .logScale(true)
 *         .series("Perl", "#4e79a7", new double[] {1.3, 1.0})
 *         .series("jfork", "#e15759", new double[] {3.2, 4.3})
 *         .target(0, 1.3, "target ≤ 1.3")
 *         .write(Path.of("chart.svg"));
 * }</pre>
 * A value that is {@code NaN} (not measured) gets no bar and an "n/a" label.
 */
final class SvgChart {
    private static final int WIDTH = 860;
    private static final int HEIGHT = 470;
    private static final int LEFT = 78;
    private static final int RIGHT = 24;
    /** The top of the plot when the legend takes one line; each further legend line adds 18. */
    private static final int TOP = 112;
    private static final int BOTTOM = 74;
    private static final String FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

    /** Colours that stay apart for colour-blind readers (Tableau 10). */
    static final String BLUE = "#4e79a7";
    static final String ORANGE = "#f28e2b";
    static final String RED = "#e15759";
    static final String TEAL = "#76b7b2";
    static final String GREEN = "#59a14f";
    static final String GREY = "#9c9c9c";
    static final String PURPLE = "#b07aa1";

    /** {@code colors[g]}: the colour of the bar in group {@code g}. */
    private record Series(String name, String[] colors, double[] values) {}

    /** A dashed line at {@code value}; {@code group} -1 spans the whole chart. */
    private record Target(int group, double value, String label) {}

    private final String title;
    private final String yLabel;
    private final List<String> groups;
    private final List<Series> series = new ArrayList<>();
    private final List<Target> targets = new ArrayList<>();
    private String subtitle = "";
    private String note = "";
    private boolean log;

    SvgChart(String title, String yLabel, List<String> groups) {
        this.title = title;
        this.yLabel = yLabel;
        this.groups = List.copyOf(groups);
    }

    SvgChart subtitle(String s) {
        subtitle = s;
        return this;
    }

    /** A line of small print under the chart (machine, date, how to read it). */
    SvgChart note(String s) {
        note = s;
        return this;
    }

    SvgChart logScale(boolean on) {
        log = on;
        return this;
    }

    /** One bar per group, {@code values[g]} for group {@code g}. */
    SvgChart series(String name, String color, double[] values) {
        if (values.length != groups.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + groups.size() + " groups");
        }
        String[] colors = new String[values.length];
        Arrays.fill(colors, color);
        series.add(new Series(name, colors, values.clone()));
        return this;
    }

    /**
     * The only series: one bar per group, each in its own colour (the groups name the bars: no
     * legend).
     */
    SvgChart bars(double[] values, String... colors) {
        if (values.length != groups.size() || colors.length != groups.size()) {
            throw new IllegalArgumentException(values.length + " values, " + colors.length + " colours for " + groups.size() + " groups");
        }
        series.clear();
        series.add(new Series("", colors.clone(), values.clone()));
        return this;
    }

    /** A dashed target line over group {@code group} (-1: over all groups), labelled at its right end. */
    SvgChart target(int group, double value, String label) {
        if (!Double.isNaN(value) && value > 0) {
            targets.add(new Target(group, value, label));
        }
        return this;
    }

    boolean isEmpty() {
        return series.isEmpty();
    }

    void write(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.write(file, render().getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ drawing

    private double lo;
    private double hi;

    /** The plot's top: below the legend. */
    private double top = TOP;

    private double plotTop() {
        return top;
    }

    private double plotBottom() {
        return HEIGHT - BOTTOM;
    }

    /** The y pixel of a value (clamped to the plot). */
    private double y(double v) {
        double f;
        if (log) {
            f = (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
        } else {
            f = (v - lo) / (hi - lo);
        }
        f = Math.max(0, Math.min(1, f));
        return plotBottom() - f * (plotBottom() - plotTop());
    }

    private void scale() {
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (Series s : series) {
            for (double v : s.values) {
                if (!Double.isNaN(v) && v > 0) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        for (Target t : targets) {
            max = Math.max(max, t.value);
            min = Math.min(min, t.value);
        }
        if (max <= 0) {
            max = 1;
            min = 1;
        }
        if (log) {
            lo = Math.pow(10, Math.floor(Math.log10(min)));
            hi = Math.pow(10, Math.ceil(Math.log10(max * 1.6)));
            if (hi / lo < 100) {
                hi = lo * 100;
            }
        } else {
            lo = 0;
            double step = niceStep(max * 1.18 / 5);
            hi = Math.ceil(max * 1.18 / step) * step;
        }
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
    }

    /** Grid values: decades (and 2, 5 between them when there are few decades), or a nice linear step. */
    private List<Double> ticks() {
        List<Double> t = new ArrayList<>();
        if (log) {
            int decades = (int) Math.round(Math.log10(hi / lo));
            for (double d = lo; d <= hi * 1.0001; d *= 10) {
                t.add(d);
                if (decades <= 4 && d * 10 <= hi * 1.0001) {
                    t.add(2 * d);
                    t.add(5 * d);
                }
            }
        } else {
            double step = niceStep(hi / 5);
            for (double v = 0; v <= hi * 1.0001; v += step) {
                t.add(v);
            }
        }
        return t;
    }

    /** A value as it is written on a bar or an axis: 3 significant digits at most, no trailing zeros. */
    static String label(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        String s;
        if (a >= 100 || a == Math.rint(a) && a >= 1) {
            s = String.format(Locale.ROOT, "%.0f", v);
        } else if (a >= 10) {
            s = String.format(Locale.ROOT, "%.1f", v);
        } else if (a >= 1) {
            s = String.format(Locale.ROOT, "%.2f", v);
        } else {
            s = String.format(Locale.ROOT, "%.3f", v);
        }
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }

    String render() {
        scale();
        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" %s>\n",
                WIDTH, HEIGHT, WIDTH, HEIGHT, FONT));
        b.append("<title>").append(esc(title)).append("</title>\n");
        b.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, HEIGHT));
        text(b, LEFT, 26, 17, "start", "bold", "#222222", title);
        List<String> sub = wrap(subtitle, 118);
        for (int i = 0; i < Math.min(2, sub.size()); i++) {
            text(b, LEFT, 46 + 16 * i, 12, "start", "normal", "#555555", sub.get(i));
        }
        int legendLines = legend(b);
        top = TOP + 18 * (legendLines - 1);

        double x0 = LEFT;
        double x1 = WIDTH - RIGHT;
        // grid and y axis
        for (double t : ticks()) {
            double yy = y(t);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>\n",
                    x0, yy, x1, yy));
            text(b, x0 - 6, yy + 4, 11, "end", "normal", "#555555", label(t));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\"/>\n",
                x0, plotTop(), x0, plotBottom()));
        b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888888\"/>\n",
                x0, plotBottom(), x1, plotBottom()));
        String axis = yLabel + (log ? " (log scale)" : "");
        double my = (plotTop() + plotBottom()) / 2;
        b.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#444444\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
                20.0, my, 20.0, my, esc(axis)));

        // bars
        double gw = (x1 - x0) / groups.size();
        int n = Math.max(1, series.size());
        double inner = gw * 0.78;
        double bw = inner / n;
        for (int g = 0; g < groups.size(); g++) {
            double gx = x0 + g * gw + (gw - inner) / 2;
            for (int s = 0; s < series.size(); s++) {
                Series se = series.get(s);
                double v = se.values[g];
                double bx = gx + s * bw + bw * 0.08;
                double w = bw * 0.84;
                if (Double.isNaN(v)) {
                    text(b, bx + w / 2, plotBottom() - 6, 11, "middle", "normal", "#999999", "n/a");
                    continue;
                }
                double top = y(v);
                b.append(String.format(Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s%s: %s</title></rect>\n",
                        bx, top, w, Math.max(0.5, plotBottom() - top), se.colors[g], se.name.isEmpty() ? "" : esc(se.name) + ", ",
                        esc(groups.get(g)), esc(label(v))));
                halo(b, bx + w / 2, top - 4, w < 34 ? 10 : 11, "middle", "bold", "#333333", label(v));
            }
            text(b, x0 + g * gw + gw / 2, plotBottom() + 20, 13, "middle", "normal", "#222222", groups.get(g));
        }

        // targets
        for (Target t : targets) {
            double tx0 = t.group < 0 ? x0 : x0 + t.group * gw + (gw - inner) / 2 - 4;
            double tx1 = t.group < 0 ? x1 : tx0 + inner + 8;
            double ty = y(t.value);
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b00020\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"/>\n",
                    tx0, ty, tx1, ty));
            halo(b, tx1 - 2, ty - 5, 11, "end", "normal", "#b00020", t.label);
        }
        if (!note.isEmpty()) {
            text(b, LEFT, HEIGHT - 16, 11, "start", "normal", "#666666", note);
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** Draws the legend; returns how many lines it took. */
    private int legend(StringBuilder b) {
        double x = LEFT;
        double yy = 90;
        int lines = 1;
        for (Series s : series) {
            if (s.name.isEmpty()) {
                continue;
            }
            double w = 17 + 6.8 * s.name.length() + 18;
            if (x + w > WIDTH - RIGHT) {
                x = LEFT;
                yy += 18;
                lines++;
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x, yy - 10, s.colors[0]));
            text(b, x + 17, yy, 12, "start", "normal", "#222222", s.name);
            x += w;
        }
        if (!targets.isEmpty()) {
            if (x + 80 > WIDTH - RIGHT) {
                x = LEFT;
                yy += 18;
                lines++;
            }
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b00020\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"/>\n",
                    x, yy - 4, x + 22, yy - 4));
            text(b, x + 27, yy, 12, "start", "normal", "#b00020", "target");
        }
        return lines;
    }

    /** {@code s} cut at spaces into lines of at most {@code width} characters (a longer word stays whole). */
    static List<String> wrap(String s, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : s.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static void text(StringBuilder b, double x, double y, int size, String anchor, String weight, String color, String s) {
        b.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" font-weight=\"%s\" fill=\"%s\">%s</text>\n",
                x, y, size, anchor, weight, color, esc(s)));
    }

    /** Text with a white outline, readable over bars and lines. */
    private static void halo(StringBuilder b, double x, double y, int size, String anchor, String weight, String color, String s) {
        b.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\" font-weight=\"%s\" fill=\"%s\""
                        + " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">%s</text>\n",
                x, y, size, anchor, weight, color, esc(s)));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
