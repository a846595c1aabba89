package dev.jfork.internal.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options that choose or produce a class-data archive. A template's own are not its
 * forks' (they get the template's archive, if any), and a program's are not its template's: both
 * strip them from the command lines they copy.
 */
public final class ArchiveOptions {
    private ArchiveOptions() {}

    private static final String[] PREFIXES = {"-XX:SharedArchiveFile=", "-XX:AOTCache=", "-XX:AOTMode=",
        "-XX:ArchiveClassesAtExit", "-XX:AOTCacheOutput", "-XX:AOTConfiguration", "-XX:DumpLoadedClassList=",
        "-XX:SharedClassListFile=", "-Xshare:"};

    /**
     * How many nice levels below the process that starts them the JVMs that build a class-data
     * archive run (training, dump, check; at most 19): background work that leaves the CPUs to the
     * processes being started meanwhile. A scheduling choice, not a limit.
     */
    public static final int BACKGROUND_NICE = 10;

    /**
     * What a program's first process gets beside its class-data archive: the JVM's notes about an
     * archive that does not fit go to standard output, which is the program's. Stripped as archive
     * options are: they belong to that archive, not to what the process is forked into.
     */
    public static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");

    /** Whether {@code option} selects, checks or writes a class-data archive. */
    public static boolean isArchiveOption(String option) {
        for (String p : PREFIXES) {
            if (option.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** {@code options} without the archive options. */
    public static List<String> without(List<String> options) {
        List<String> out = new ArrayList<String>(options.size());
        for (String o : options) {
            if (!isArchiveOption(o) && !QUIET.contains(o)) {
                out.add(o);
            }
        }
        return out;
    }

    /** The option that makes a JVM of this {@code feature} version boot from {@code archive}. */
    public static String use(int feature, String archive) {
        return feature >= 25 ? "-XX:AOTCache=" + archive : "-XX:SharedArchiveFile=" + archive;
    }
}
