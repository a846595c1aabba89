package dev.jfork.internal.os;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds the descriptor of a Unix socket bound to a known name, without libc: the kernel's table
 * of Unix sockets ({@code /proc/net/unix}) gives the inodes bound to the name, {@code /proc/self/fd}
 * the descriptor of this process that is one of them. The JDK does not tell a channel's
 * descriptor number, and a process started without libc needs it (for its channel streams and
 * descriptor passing). Pure JDK: on the child's boot path.
 */
public final class ProcSockets {
    private ProcSockets() {}

    /**
     * The one descriptor of this process that is a Unix socket bound to {@code path} (an accepted
     * socket carries its listener's name).
     *
     * @throws IOException if there is none, or more than one
     */
    public static int descriptorBoundTo(String path) throws IOException {
        List<String> targets = new ArrayList<>();
        for (String inode : inodesBoundTo(path)) {
            targets.add("socket:[" + inode + "]");
        }
        List<Integer> found = new ArrayList<>();
        for (Map.Entry<Integer, String> socket : socketDescriptors().entrySet()) {
            if (targets.contains(socket.getValue())) {
                found.add(socket.getKey());
            }
        }
        if (found.size() != 1) {
            throw new IOException("expected one descriptor of this process bound to " + path + ", found " + found
                    + " (sockets bound to it: " + targets + ")");
        }
        return found.get(0);
    }

    /** The socket descriptors open in this process, each with its {@code socket:[inode]}. */
    public static Map<Integer, String> socketDescriptors() throws IOException {
        String[] names = new File("/proc/self/fd").list();
        if (names == null) {
            throw new IOException("cannot list /proc/self/fd");
        }
        Map<Integer, String> sockets = new TreeMap<>();
        for (String name : names) {
            try {
                String target = Files.readSymbolicLink(Paths.get("/proc/self/fd", name)).toString();
                if (target.startsWith("socket:")) {
                    sockets.put(Integer.parseInt(name), target);
                }
            } catch (IOException | NumberFormatException e) {
                // closed meanwhile (the listing's own descriptor, say): not a socket of ours
            }
        }
        return sockets;
    }

    /**
     * The inodes of the sockets bound to {@code path}. The table lists every socket of the network
     * namespace, whose names are bytes (any user's, any encoding): compared as ISO-8859-1, which
     * maps every byte to one character, never as UTF-8, which would fail on a stranger's name.
     */
    private static List<String> inodesBoundTo(String path) throws IOException {
        String table = new String(Files.readAllBytes(Paths.get("/proc/net/unix")), StandardCharsets.ISO_8859_1);
        String name = " " + new String(path.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        List<String> inodes = new ArrayList<>();
        // "Num RefCount Protocol Flags Type St Inode Path": the inode is the word before the path
        for (String line : table.split("\n")) {
            if (line.endsWith(name)) {
                String head = line.substring(0, line.length() - name.length()).trim();
                inodes.add(head.substring(head.lastIndexOf(' ') + 1));
            }
        }
        if (inodes.isEmpty()) {
            throw new IOException("no socket bound to " + path + " in /proc/net/unix");
        }
        return inodes;
    }
}
