package org.cvmmap.streamer.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles and runs {@code src/test/c/cvmmap_peer.c} against the system libzmq. */
public final class NativePeer {
    private static Path binary;

    private NativePeer() {
    }

    /** Builds the helper once per JVM into target/test-native. */
    public static synchronized Path binary() throws IOException, InterruptedException {
        if (binary == null) {
            Path out = Path.of("target", "test-native", "cvmmap_peer");
            Files.createDirectories(out.getParent());
            Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out.toString(),
                    "src/test/c/cvmmap_peer.c", "-lzmq").redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("gcc cvmmap_peer.c failed (libzmq3-dev installed?):\n" + log);
            }
            binary = out;
        }
        return binary;
    }

    /** Starts the helper with stdout piped (stderr merged). The caller destroys it. */
    public static Process start(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().toString());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Stops a process and waits for it. */
    public static void stop(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
