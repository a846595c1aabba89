package dev.jfork.template;

import static dev.jfork.TestSupport.await;
import static dev.jfork.TestSupport.exitOf;
import static dev.jfork.TestSupport.readLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jfork.Fork;
import dev.jfork.ForkChannel;
import dev.jfork.PlainJvm;
import dev.jfork.TestSupport;

/** A template that reproduces the main program, with its classes loaded and initialised in order. */
class ForkTemplateTest {
    @Test
    void classesLoadedBeforeCaptureAreInitialisedInWorkers() throws Exception {
        Class.forName(FirstMarker.class.getName());
        Class.forName(SecondMarker.class.getName());
        List<String> loaded = MainProgram.current().loadedClasses();
        assertTrue(loaded.indexOf(FirstMarker.class.getName()) >= 0
                && loaded.indexOf(FirstMarker.class.getName()) < loaded.indexOf(SecondMarker.class.getName()), loaded.toString());

        Fork template = ForkTemplate.capture();
        assertSame(template, ForkTemplate.capture(), "capture twice returns the same template");
        for (int id = 1; id <= 2; id++) {
            Fork worker = template.fork().sendArg(String.valueOf(id));
            ForkChannel ch = await(worker.run("dev.jfork.template.Markers.report"));
            // the initialisers ran while the worker was prepared, in the program's order, before run
            assertEquals("first,second id=" + id, readLine(ch));
            ch.close();
            assertEquals(OptionalInt.of(0), exitOf(worker).exitCode());
        }
        template.close();
        exitOf(template);
        Fork again = ForkTemplate.capture();
        assertNotSame(template, again, "a closed template is replaced");
        again.close();
        exitOf(again);
    }

    @Test
    void theAgentRecordsTheLoadOrderWithoutAddOpens(@TempDir Path tmp) throws Exception {
        List<String> cmd = TestSupport.javaCommand(a -> !a.contains("java.base/java.lang="));
        cmd.add("-javaagent:" + TestSupport.agentJar(tmp, ForkTemplate.class.getName()));
        cmd.add(CaptureProgram.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("first,second id=agent", out.readLine());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    /** No agent, no --add-opens: the loaded classes come from the JVM's diagnostic command, and nothing is printed. */
    @Test
    void captureNeedsNoJvmOption() throws Exception {
        PlainJvm.Result r = PlainJvm.run(PlainJvm.thisJdk(), List.of(), CaptureProgram.class.getName(), "", "plain");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("first,second id=plain"), r.stdoutLines(), r.toString());
        if (Runtime.version().feature() < 22) {
            assertEquals("", r.stderr(), r.toString());
        }
    }

    @Test
    void captureOnJdk25WithOnlyNativeAccessPrintsNothing() throws Exception {
        Path jdk = PlainJvm.jdk25().orElse(null);
        assumeTrue(jdk != null, "no JDK 25 on this machine");
        PlainJvm.Result r = PlainJvm.run(jdk, List.of("--enable-native-access=ALL-UNNAMED"), CaptureProgram.class.getName(), "", "jdk25");
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals(List.of("first,second id=jdk25"), r.stdoutLines(), r.toString());
        assertEquals("", r.stderr(), r.toString());
    }

    @Test
    void optionsThatMustNotBeCopiedAreNot() throws IOException {
        assertFalse(MainProgram.copyable("-agentlib:jdwp=transport=dt_socket,server=y,address=5005"));
        assertFalse(MainProgram.copyable("-Dcom.sun.management.jmxremote.port=9010"));
        assertFalse(MainProgram.copyable("-XX:StartFlightRecording=filename=rec.jfr"));
        assertFalse(MainProgram.copyable("-Xlog:gc:file=gc.log"));
        assertFalse(MainProgram.copyable("-XX:SharedArchiveFile=app.jsa"));
        assertTrue(MainProgram.copyable("-Xmx512m"));
        assertTrue(MainProgram.copyable("-Dapp.mode=prod"));
        assertTrue(MainProgram.copyable("--add-opens=java.base/java.io=ALL-UNNAMED"));
        assertTrue(MainProgram.copyable("-Xlog:gc"));
    }
}
