package dev.jfork.internal.child;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.TestSupport;

/**
 * A process that connects back opens its first Unix socket with the selector provider its parent
 * named, instead of looking on its class path, only where that look-up could find nothing else:
 * here the class path declares a provider of its own (which the parent would never have let
 * happen), so that whether the name was used shows.
 */
class ConnectBackSelectorTest {
    @TempDir
    Path dir;

    /** Run in a fresh JVM: opens the first channel as a process that connects back does, with the name in args[0] ("-": none). */
    public static void main(String[] args) throws IOException {
        try (SocketChannel ch = ConnectBack.open("-".equals(args[0]) ? null : args[0])) {
            System.out.println("provider=" + SelectorProvider.provider().getClass().getName() + " property="
                    + System.getProperty(ConnectBack.SELECTOR_PROPERTY));
        }
    }

    /** The JDK's provider class, as this test JVM has it (a method: main() must not settle its JVM's provider before open). */
    private static String jdk() {
        return SelectorProvider.provider().getClass().getName();
    }

    @Test
    void theNamedProviderIsUsedAndThePropertyIsGoneAfterwards() throws Exception {
        assertEquals("provider=" + jdk() + " property=null", run(List.of(), Map.of(), jdk()));
    }

    @Test
    void withoutANameTheJdkLooksOnTheClassPath() throws Exception {
        assertEquals("provider=dev.jfork.TestSelectorProvider property=null", run(List.of(), Map.of(), "-"));
    }

    @Test
    void optionsThatWidenTheLookUpOrCannotBeReadKeepTheLookUp() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        String own = "provider=dev.jfork.TestSelectorProvider property=null";
        assertEquals(own, run(List.of("-Xbootclasspath/a:" + empty), Map.of(), jdk()), "the boot class path");
        assertEquals(own, run(List.of(), Map.of("JDK_JAVA_OPTIONS", "-Dx=1"), jdk()), "options from the environment");
        assertEquals("provider=dev.jfork.TestSelectorProvider property=dev.jfork.TestSelectorProvider",
                run(List.of("-Djava.nio.channels.spi.SelectorProvider=dev.jfork.TestSelectorProvider"), Map.of(), jdk()),
                "a provider named by the program, whose property stays");
    }

    @Test
    void aNameThisJdkDoesNotHaveIsIgnored() throws Exception {
        assertEquals("provider=dev.jfork.TestSelectorProvider property=null", run(List.of(), Map.of(), "sun.nio.ch.NoSuchProvider"));
    }

    /** main() above in a JVM whose class path also declares {@code dev.jfork.TestSelectorProvider} as a selector provider. */
    private String run(List<String> options, Map<String, String> env, String name) throws IOException, InterruptedException {
        Path services = dir.resolve("services");
        Path file = services.resolve("META-INF/services/java.nio.channels.spi.SelectorProvider");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "dev.jfork.TestSelectorProvider\n");
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED"); // the test provider delegates to the JDK's
        cmd.addAll(options);
        cmd.add("-cp");
        cmd.add(TestSupport.realClassPath() + java.io.File.pathSeparator + services);
        cmd.add(ConnectBackSelectorTest.class.getName());
        cmd.add(name);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String v : new String[] {"JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"}) {
            pb.environment().remove(v);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(p.waitFor(TestSupport.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "the JVM exits");
            assertEquals(0, p.exitValue(), out);
            String[] lines = out.split("\n");
            return lines[lines.length - 1]; // after the launcher's "Picked up ..." note
        } finally {
            p.destroyForcibly();
        }
    }
}
