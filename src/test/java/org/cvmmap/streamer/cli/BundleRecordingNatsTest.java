package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.McapCheck;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.util.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A {@code bundles:} entry of a streams config, recorded through its NATS recorder endpoint
 * ({@code cvmmap.<bundle>.streamer.recorder.bundle.start|stop|status}, what {@code ctl --key BUNDLE record
 * bundle …} sends) against a real nats-server: the bundled MCAP is written when the recording stops, the
 * parts are removed, and the MCAP project's reader finds both cameras and one bundle per frame of the
 * slower one; a path leaving the record dir and a second start are refused with the field named.
 */
class BundleRecordingNatsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode ctl(int expect, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(rc).as(String.join(" ", args) + "\n" + out + err).isEqualTo(expect);
        return JSON.readTree(out.toString().isBlank() ? "{}" : out.toString());
    }

    @Test
    void aConfiguredBundleIsRecordedOverNatsIntoOneMcap() throws Exception {
        long pid = ProcessHandle.current().pid();
        String instance = "br-" + pid;
        String bundle = "rig-" + pid;
        Path records = Files.createDirectory(dir.resolve("records"));
        try (NatsServer nats = NatsServer.start(); LogCapture log = LogCapture.open()) {
            Path file = dir.resolve("streams.yaml");
            Files.writeString(file, "defaults: {codec: h264, input-mode: dummy, dummy-width: 160, dummy-height: 120, "
                    + "status-interval-ms: 0, record-dir: '" + records + "'}\n"
                    + "nats-url: " + nats.url() + "\ninstance-id: " + instance + "\nstreams:\n"
                    + "  a: {dummy-label: br-a-" + pid + ", dummy-fps: 30}\n"
                    + "  b: {dummy-label: br-b-" + pid + ", dummy-fps: 15}\n"
                    + "bundles:\n  " + bundle + ": {streams: [a, b], bundle-policy: nearest, compression: lz4}\n");
            RunCommand cmd = new RunCommand();
            cmd.config = file;
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            String[] base = {"ctl", "--nats-url", nats.url(), "--key", bundle, "--timeout-ms", "20000", "record", "bundle"};
            try {
                assertThat(log.await(20_000, "event=nats_service_started scope=process instance_id=" + instance + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_br-a-" + pid + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_br-b-" + pid + " ")).isTrue();

                JsonNode started = ctl(0, concat(base, "start", "rig.mcap"));
                assertThat(started.path("is_recording").asBoolean()).isTrue();
                assertThat(started.path("active_path").asText()).isEqualTo(records.resolve("rig.mcap").toString());
                assertThat(Files.isDirectory(records.resolve("rig.mcap.parts"))).isTrue();
                JsonNode again = ctl(org.cvmmap.streamer.util.ExitCodes.CONFIG, concat(base, "start", "other.mcap"));
                assertThat(again.path("error_message").asText()).contains("already recording bundle " + bundle);
                // recording until each stream wrote some frames (60 of the two together)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                JsonNode st;
                do {
                    st = ctl(0, concat(base, "status"));
                } while (st.path("frames_encoded").asLong() < 60 && System.nanoTime() < deadline);
                assertThat(st.path("frames_encoded").asLong()).isGreaterThanOrEqualTo(60);

                JsonNode stopped = ctl(0, concat(base, "stop"));
                assertThat(stopped.path("is_recording").asBoolean()).isFalse();
                assertThat(stopped.path("error_message").asText()).isEmpty();
                long bundles = stopped.path("frames_encoded").asLong(); // the bundles written
                assertThat(bundles).isPositive();
                assertThat(Files.exists(records.resolve("rig.mcap.parts"))).as("parts removed").isFalse();

                JsonNode j = McapCheck.bundleCheck(records.resolve("rig.mcap"));
                assertThat(j.path("compression").toString()).isEqualTo("[\"lz4\"]");
                assertThat(j.path("bundles").size()).isEqualTo((int) bundles);
                long slow = j.path("topics").path("/br-b-" + pid + "/video").path("messages").asLong();
                assertThat(j.path("topics").path("/br-a-" + pid + "/video").path("messages").asLong()).isGreaterThan(slow);
                assertThat(bundles).as("one bundle per frame of the 15 fps stream").isBetween(slow - 3, slow);

                JsonNode outside = ctl(org.cvmmap.streamer.util.ExitCodes.CONFIG, concat(base, "start", "../escape.mcap"));
                assertThat(outside.path("error_message").asText()).contains("output_path");
                assertThat(Files.exists(dir.resolve("escape.mcap.parts"))).isFalse();
            } finally {
                cmd.stopAll();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            }
        }
    }

    @Test
    void aBundleWithAMistakeIsRefusedNamingTheFileBundleKeyAndValue() throws Exception {
        String streams = "defaults: {input-mode: dummy, codec: h264, rtp: true, rtp-endpoint: '127.0.0.1:9'}\nno-nats: true\nstreams:\n"
                + "  a: {dummy-label: a}\n  b: {dummy-label: b}\n  c: {dummy-label: c, codec: h265}\n";
        record Case(String bundles, String message) {
        }
        List<Case> cases = List.of(
                new Case("bundles:\n  rig: {streams: [a, z]}\n", "bundles.rig.streams=\"z\": is not a stream of this file"),
                new Case("bundles:\n  rig: {streams: [a]}\n", "bundles.rig.streams=[\"a\"]: must list two or more stream names"),
                new Case("bundles:\n  rig: {streams: [a, a]}\n", "bundles.rig.streams=a: is listed twice"),
                new Case("bundles:\n  rig: {streams: [a, c]}\n", "bundles.rig.streams=c: encodes h265, the others h264"),
                new Case("bundles:\n  rig: {streams: [a, b], bundle-policy: newest}\n", "bundles.rig.bundle-policy=newest"),
                new Case("bundles:\n  rig: {streams: [a, b], compression: brotli}\n", "bundles.rig.compression=brotli"),
                new Case("bundles:\n  rig: {streams: [a, b], codec: h265}\n", "bundles.rig.codec=\"h265\": unknown key"),
                new Case("bundles:\n  r.g: {streams: [a, b]}\n", "bundles=r.g: bundle names match"));
        for (Case c : cases) {
            Path file = dir.resolve("s.yaml");
            Files.writeString(file, streams + c.bundles());
            assertThatThrownBy(() -> StreamsConfig.loadBundles(file, StreamsConfig.load(file))).as(c.bundles())
                    .isInstanceOf(ConfigException.class).hasMessageContaining(c.message());
        }
        Path file = dir.resolve("ok.yaml");
        Files.writeString(file, streams + "bundles:\n  rig: {streams: [b, a], sync-tolerance-ms: 4, bundle-policy: strict}\n");
        List<StreamsConfig.BundleEntry> ok = StreamsConfig.loadBundles(file, StreamsConfig.load(file));
        assertThat(ok).hasSize(1);
        assertThat(ok.get(0).members().stream().map(m -> m.stream() + "=" + m.label()).toList()).containsExactly("b=b", "a=a");
        assertThat(ok.get(0).settings().toleranceNs()).isEqualTo(4_000_000);
        assertThat(ok.get(0).settings().compression().cliName()).isEqualTo("zstd");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
