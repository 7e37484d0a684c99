package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The process's NATS {@code reload} endpoint ({@code cvmmap.process.<instance-id>.reload}, what
 * {@code ctl reload --instance ID} sends) against a real nats-server: an added stream starts, the
 * reply says what changed, {@code streams} lists both; a file with a mistake is refused over NATS
 * with the file, stream, key and value, and nothing stops.
 */
class ProcessReloadTest {
    @TempDir
    Path dir;

    private static int ctl(StringWriter out, StringWriter err, String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aNatsReloadAddsAStreamAndAFileWithAMistakeIsRefusedOverNats() throws Exception {
        long pid = ProcessHandle.current().pid();
        String instance = "pr-" + pid;
        try (NatsServer nats = NatsServer.start(); LogCapture log = LogCapture.open()) {
            Path file = dir.resolve("streams.yaml");
            String common = "defaults: {codec: h264, input-mode: dummy, dummy-width: 160, dummy-height: 120, rtp: true, "
                    + "status-interval-ms: 0}\nnats-url: " + nats.url() + "\ninstance-id: " + instance + "\nstreams:\n";
            String a = "  a: {dummy-label: pr-a-" + pid + ", rtp-endpoint: '127.0.0.1:" + Streamers.freeUdpPort() + "'}\n";
            String b = "  b: {dummy-label: pr-b-" + pid + ", rtp-endpoint: '127.0.0.1:" + Streamers.freeUdpPort() + "'}\n";
            Files.writeString(file, common + a);
            RunCommand cmd = new RunCommand();
            cmd.config = file;
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            try {
                assertThat(log.await(20_000, "event=nats_service_started scope=process instance_id=" + instance + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_pr-a-" + pid + " ")).isTrue();

                Files.writeString(file, common + a + b);
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                assertThat(ctl(out, err, "ctl", "--nats-url", nats.url(), "--instance", instance, "--timeout-ms", "20000",
                        "reload")).as(err.toString()).isZero();
                assertThat(out.toString()).contains("\"added\":[\"b\"]", "\"changed\":[]", "\"removed\":[]", "\"unchanged\":1");
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_pr-b-" + pid + " ")).isTrue();

                out = new StringWriter();
                assertThat(ctl(out, new StringWriter(), "ctl", "--nats-url", nats.url(), "--instance", instance, "streams"))
                        .isZero();
                assertThat(out.toString()).contains("\"a\":\"cvmmap_pr-a-" + pid + "\"", "\"b\":\"cvmmap_pr-b-" + pid + "\"");

                Files.writeString(file, common + a + b.replace("rtp-endpoint", "codec: h266, rtp-endpoint"));
                err = new StringWriter();
                assertThat(ctl(new StringWriter(), err, "ctl", "--nats-url", nats.url(), "--instance", instance, "reload"))
                        .isEqualTo(ExitCodes.CONFIG);
                assertThat(err.toString()).contains(file + ": streams.b.codec=h266").contains("(code 400)");
                assertThat(log.lines()).noneMatch(l -> l.contains("event=stream_ended"));

                err = new StringWriter();
                assertThat(ctl(new StringWriter(), err, "ctl", "--nats-url", nats.url(), "--instance", "nobody-" + pid,
                        "--timeout-ms", "2000", "reload")).as(err.toString()).isEqualTo(CtlCommand.NO_STREAMER);
            } finally {
                cmd.stopAll();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            }
        }
    }
}
