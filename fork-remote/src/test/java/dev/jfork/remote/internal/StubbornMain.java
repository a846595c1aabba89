package dev.jfork.remote.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/** An agent that does not end when its input does: close() must end it all the same. */
public final class StubbornMain {
    private StubbornMain() {}

    public static void main(String[] args) throws Exception {
        Files.writeString(Paths.get(args[0]), ProcessHandle.current().pid() + "\n");
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);
        out.write("\0JFORK-REMOTE 1\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
