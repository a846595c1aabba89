package dev.jfork.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A modular program ({@code java -p ... -m app/app.Main}, no other option) uses jfork as modules:
 * it creates a fork, calls a worker through RPC and through a pool. The program is compiled here
 * against the module jars the build just made.
 */
class ModulePathTest {
    @TempDir
    Path tmp;

    private static final String MODULE_INFO = "module app {\n    requires dev.jfork.pool;\n}\n";
    private static final String MAIN = String.join("\n",
            "package app;",
            "import java.util.concurrent.TimeUnit;",
            "import dev.jfork.*;",
            "import dev.jfork.rpc.*;",
            "import dev.jfork.pool.*;",
            "public class Main {",
            "    public static void main(String[] args) throws Exception {",
            "        ForkChannel ch = Fork.create().sendArg(\"hi\").run(\"app.Worker.hello\").get(60, TimeUnit.SECONDS);",
            "        System.out.println(\"fork: \" + new String(ch.inputStream().readNBytes(5)));",
            "        ch.close();",
            "        RpcClient rpc = Rpc.run(Fork.create(), \"app.Worker.add\");",
            "        System.out.println(\"rpc: \" + rpc.call(40, 2).get(60, TimeUnit.SECONDS));",
            "        rpc.close();",
            "        try (ForkPool pool = ForkPool.builder(Fork.create(), \"app.Worker.add\").max(2).build()) {",
            "            System.out.println(\"pool: \" + pool.call(1, 2).get(60, TimeUnit.SECONDS));",
            "        }",
            "        System.out.println(\"module: \" + Fork.class.getModule().getName());",
            "        Fork.defaultTemplate().close();",
            "    }",
            "}", "");
    private static final String WORKER = String.join("\n",
            "package app;",
            "import dev.jfork.*;",
            "public class Worker {",
            "    public static void hello(ForkChannel ch, ForkArgs args) throws Exception {",
            "        ch.outputStream().write(\"hello\".getBytes());",
            "    }",
            "    public static Object add(Object... a) {",
            "        return (Integer) a[0] + (Integer) a[1];",
            "    }",
            "}", "");

    @Test
    void aModularProgramForksCallsAWorkerAndUsesAPool() throws Exception {
        List<String> modulePath = new ArrayList<>();
        boolean builtJars = true;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Paths.get(e).getFileName().toString();
            if (e.contains("fork-examples") || name.contains("junit") || name.contains("opentest4j") || name.contains("apiguardian")) {
                continue;
            }
            if (e.contains("/fork-") && !e.endsWith(".jar")) {
                builtJars = false; // mvn test: jfork's modules are class folders, with no descriptor yet
            }
            if (e.endsWith(".jar") && !name.endsWith("-tests.jar")) {
                modulePath.add(e);
            }
        }
        assumeTrue(builtJars, "jfork's module jars are built by mvn package/install");
        String mp = String.join(File.pathSeparator, modulePath);
        Path src = tmp.resolve("src");
        write(src.resolve("module-info.java"), MODULE_INFO);
        write(src.resolve("app/Main.java"), MAIN);
        write(src.resolve("app/Worker.java"), WORKER);
        Path classes = tmp.resolve("classes");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> javacArgs = new ArrayList<>(List.of("-d", classes.toString(), "--module-path", mp));
        try (Stream<Path> files = Files.walk(src)) {
            javacArgs.addAll(files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).collect(Collectors.toList()));
        }
        assertEquals(0, javac.run(null, null, null, javacArgs.toArray(new String[0])), "the app does not compile");
        Path jar = tmp.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path stdout = tmp.resolve("out.txt");
        Path stderr = tmp.resolve("err.txt");
        Process p = new ProcessBuilder(java.toString(), "-p", jar + File.pathSeparator + mp, "-m", "app/app.Main")
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(stdout);
        String report = "stdout:\n" + out + "\nstderr:\n" + Files.readString(stderr);
        assertTrue(ended, "the modular program did not end: " + report);
        assertEquals(0, p.exitValue(), report);
        assertEquals(List.of("fork: hello", "rpc: 42", "pool: 3", "module: dev.jfork"), out.lines().collect(Collectors.toList()), report);
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream o = Files.newOutputStream(file)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
