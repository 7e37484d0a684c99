package org.cvmmap.streamer.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM stops the streamer process cleanly: EOS through the pipeline, exit 0. */
class SignalStopTest {

    @Test
    void sigtermSendsEosAndExitsZero() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--input-mode", "dummy", "--dummy-label", "sigterm-" + ProcessHandle.current().pid(),
                "--dummy-width", "320", "--dummy-height", "240", "--codec", "h264",
                "--rtp", "--rtp-endpoint", "127.0.0.1:9", "--status-interval-ms", "0")
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String l;
            while ((l = out.readLine()) != null) {
                lines.add(l);
                if (l.contains("event=encoder_confirmed")) {
                    p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our pipes)
                }
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor();
            }
        }
        String log = String.join("\n", lines);
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("event=stop").contains("eos_received=true").contains("exit_code=0");
    }
}
