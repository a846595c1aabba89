package dev.jfork.remote.internal;

import java.util.ArrayList;
import java.util.List;

import dev.jfork.remote.RemoteSpec;

/**
 * The POSIX sh script that runs first on the remote side: it prepares the jar cache, receives the
 * jars it lacks and execs the JVM. Written for dash and busybox ash as much as for bash: no arrays,
 * no {@code local}, no {@code read -n}.
 *
 * <p>Binary data and lines share one stream, the remote stdin, so what reads it must never read
 * ahead: the shells' {@code read} builtin takes a pipe one byte at a time (it cannot give bytes
 * back), GNU {@code head -c N} asks {@code read(2)} for at most the bytes still wanted, and so does
 * {@code dd bs=N count=1}. busybox's and BSD's {@code head} read through stdio buffers and would
 * swallow what follows, so without GNU head the script reads with {@code dd}, one
 * {@code read(2)} per call.
 */
final class RemoteScript {
    private RemoteScript() {}

    /**
     * The script. Its stdout lines ({@code JFORK-...}) and the manifest it reads are the protocol of
     * {@link RemoteLaunch}; the steps are named after the failures they report.
     */
    static String script(RemoteSpec spec, String mainClass, List<String> mainArgs) {
        StringBuilder exec = new StringBuilder("exec ").append(quote(spec.java())).append(" -XX:+DisplayVMOutputToStderr");
        for (String option : spec.jvmOptions()) {
            exec.append(' ').append(quote(option));
        }
        exec.append(" -cp \"$cp\" ").append(quote(mainClass));
        for (String arg : mainArgs) {
            exec.append(' ').append(quote(arg));
        }
        return HEAD + "d=" + cacheWord(spec.cacheDirectory()) + "\n" + BODY + exec + "\n";
    }

    /** The first lines: nothing in them depends on the spec. */
    private static final String HEAD = String.join("\n",
            "# jfork-remote bootstrap, protocol 1",
            // file names and hashes are expanded unquoted on purpose (lists without arrays): no globbing
            "set -f",
            // default field splitting whatever the environment says; a CDPATH would make cd print
            "unset IFS CDPATH",
            // the cache must be private, but the JVM keeps the user's umask
            "um=$(umask)",
            "umask 077",
            "tmp=",
            "cleanup() { [ -z \"$tmp\" ] || rm -f \"$tmp\" \"$tmp.part\"; }",
            "trap cleanup EXIT",
            "trap 'cleanup; exit 1' HUP INT TERM PIPE",
            "fail() { printf 'JFORK-ERROR %s %s\\n' \"$1\" \"$2\"; exit 1; }",
            "");

    private static final String BODY = String.join("\n",
            // the cache path goes into a class path, where a colon separates entries
            "case $d in *:*) fail cache \"the cache directory must not contain a colon: $d\";; esac",
            "mkdir -p \"$d/jars\" || fail cache \"cannot create $d/jars\"",
            // also when they existed: nobody else may put classes into our JVM
            "chmod 700 \"$d\" \"$d/jars\" || fail cache \"cannot make $d private (chmod 700)\"",
            "if command -v sha256sum >/dev/null 2>&1; then sum=sha256sum; verify=sha256",
            "elif command -v shasum >/dev/null 2>&1; then sum='shasum -a 256'; verify=sha256",
            "else sum=; verify=size; fi",
            // not from our stdin: an unknown head may take --version for a file name and read stdin
            "if head --version </dev/null 2>/dev/null | grep 'GNU coreutils' >/dev/null 2>&1; then reader=head; else reader=dd; fi",
            "size() { set -- $(wc -c <\"$1\"); echo \"$1\"; }",
            // recv BYTES FILE: exactly BYTES bytes of stdin into FILE, and not one more
            "recv() {",
            "  if [ \"$reader\" = head ]; then head -c \"$1\" >\"$2\"; return; fi",
            "  : >\"$2\" || return 1",
            "  r=$1",
            "  while [ \"$r\" -gt 0 ]; do",
            "    b=$r",
            "    [ \"$b\" -le 65536 ] || b=65536",
            "    dd bs=\"$b\" count=1 2>/dev/null >\"$2.part\" || return 1",
            "    got=$(size \"$2.part\")",
            "    [ \"$got\" -gt 0 ] || return 1",
            "    cat \"$2.part\" >>\"$2\" || return 1",
            "    r=$((r - got))",
            "  done",
            "  rm -f \"$2.part\"",
            "}",
            "printf 'JFORK-REMOTE-SH 1 %s %s %s\\n' \"$verify\" \"$reader\" \"$d\"",
            "read -r tag version count rest || fail protocol 'no manifest'",
            "[ \"$tag $version\" = 'JFORK-MANIFEST 1' ] || fail protocol \"expected JFORK-MANIFEST 1, got: $tag $version\"",
            "case $count in ''|*[!0-9]*) fail protocol \"bad entry count: $count\";; esac",
            "all=",
            "i=0",
            "while [ \"$i\" -lt \"$count\" ]; do",
            "  read -r h s n || fail protocol \"the manifest ended after $i of $count entries\"",
            "  case $h in *[!0-9a-f]*) fail protocol \"bad sha256: $h\";; esac",
            "  [ ${#h} -eq 64 ] || fail protocol \"bad sha256: $h\"",
            "  case $s in ''|*[!0-9]*) fail protocol \"bad size: $s\";; esac",
            "  case $n in ''|*[!A-Za-z0-9._+-]*) n=entry;; esac",
            "  all=\"$all $h:$s:$n\"",
            "  i=$((i + 1))",
            "done",
            // a cached jar counts only if its content still has its name's hash (one sha256sum for all)
            "present=",
            "for t in $all; do h=${t%%:*}; if [ -f \"$d/jars/$h.jar\" ]; then present=\"$present $h.jar\"; fi; done",
            "sums=",
            "if [ -n \"$sum\" ] && [ -n \"$present\" ]; then sums=$(cd \"$d/jars\" && $sum $present 2>/dev/null); fi",
            "need=",
            "list=",
            "for t in $all; do",
            "  h=${t%%:*}; rest=${t#*:}; s=${rest%%:*}",
            "  if [ -n \"$sum\" ]; then",
            "    case $sums in *\"$h  $h.jar\"*) continue;; esac",
            "  elif [ -f \"$d/jars/$h.jar\" ] && [ \"$(size \"$d/jars/$h.jar\")\" = \"$s\" ]; then",
            "    continue",
            "  fi",
            "  need=\"$need $t\"",
            "  list=\"$list $h\"",
            "done",
            "printf 'NEED%s\\n' \"$list\"",
            // each jar goes to a name of its own first: a jar under its hash name is always complete
            "for t in $need; do",
            "  h=${t%%:*}; rest=${t#*:}; s=${rest%%:*}; n=${rest#*:}",
            "  tmp=\"$d/jars/.$h.$$.tmp\"",
            "  recv \"$s\" \"$tmp\" || fail transfer \"receiving $n ($s bytes) failed\"",
            "  [ \"$(size \"$tmp\")\" = \"$s\" ] || fail transfer \"$n: the connection ended before its $s bytes arrived\"",
            "  if [ -n \"$sum\" ]; then",
            "    set -- $($sum <\"$tmp\")",
            "    [ \"$1\" = \"$h\" ] || fail transfer \"$n: the content received does not have the sha256 $h\"",
            "  fi",
            "  chmod 600 \"$tmp\" || fail transfer \"cannot chmod 600 $tmp\"",
            "  mv -f \"$tmp\" \"$d/jars/$h.jar\" || fail transfer \"cannot store $d/jars/$h.jar\"",
            "  tmp=",
            "done",
            "cp=",
            "for t in $all; do cp=\"$cp${cp:+:}$d/jars/${t%%:*}.jar\"; done",
            "trap - EXIT HUP INT TERM PIPE",
            "umask \"$um\"",
            "printf 'JFORK-EXEC\\n'",
            "");

    /**
     * The cache directory as the right-hand side of an assignment: in double quotes, so that
     * {@code $HOME} (any parameter) is expanded there but nothing is split; backslashes, double
     * quotes and backquotes are escaped so that they stay what they are. RemoteSpec already refuses
     * single quotes and newlines.
     */
    static String cacheWord(String directory) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : directory.toCharArray()) {
            if (c == '\\' || c == '"' || c == '`') {
                s.append('\\');
            }
            s.append(c);
        }
        return s.append('"').toString();
    }

    /** One word for a POSIX shell, taken literally: single quotes, a single quote as {@code '\''}. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * The full argv: the command, then the script as {@code append} says.
     *
     * @param command what reaches the remote side (may be empty: the script then runs here)
     * @param append how the script is added
     * @param script the script
     * @return the argv to start
     */
    static List<String> argv(List<String> command, RemoteLaunch.Append append, String script) {
        List<String> argv = new ArrayList<>(command);
        if (append == RemoteLaunch.Append.SHELL_STRING) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("a shell string needs a command that runs it (ssh ...)");
            }
            argv.add("sh -c " + quote(script));
        } else {
            argv.add("sh");
            argv.add("-c");
            argv.add(script);
        }
        return argv;
    }
}
