package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.util.ExitCodes;
import org.cvmmap.streamer.control.proto.ErrorCode;
import org.cvmmap.streamer.control.proto.ModuleStatusCode;
import org.cvmmap.streamer.control.proto.ModuleStatusEvent;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusResponse;
import org.cvmmap.streamer.pipeline.GstBuffers;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.McapCheck;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane against a real nats-server (Debian package, started and stopped by each test
 * on a free loopback port) and the real streamer (built-in producer → x264 → RTP): discovery, every
 * endpoint, producer status events, NATS going away and coming back, recorders started and stopped
 * over NATS with every file checked by independent readers (ffprobe, @mcap/core).
 */
class NatsControlTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String KEY = "cvmmap_dummy";

    @TempDir
    Path dir;
    private NatsServer server;
    private StreamerApp app;
    private CompletableFuture<Integer> exit;
    private ControlClient client;
    /** Access units leaving the parser, all graphs; and keyframes among them. */
    private final AtomicLong units = new AtomicLong();
    private final AtomicLong keyframes = new AtomicLong();
    private final AtomicReference<CountDownLatch> unitsWanted = new AtomicReference<>(new CountDownLatch(0));
    private final AtomicLong generations = new AtomicLong();
    private final AtomicReference<CountDownLatch> rebuilt = new AtomicReference<>(new CountDownLatch(1));

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        if (app != null) {
            app.requestStop("test done");
            assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
        }
        if (server != null) {
            server.stop();
        }
    }

    private NatsControlPlane startStreamer(String natsUrl, int gop) throws Exception {
        launchStreamer(natsUrl, gop);
        NatsControlPlane control = app.awaitControl(15_000);
        assertThat(control).as("control plane connected").isNotNull();
        client = ControlClient.connect(NatsConfig.of(natsUrl, null, null, null, null, false, null, null, 1000));
        return control;
    }

    /** Starts the streamer (built-in producer → x264 → RTP) and waits for its first access units. */
    private void launchStreamer(String natsUrl, int gop) throws Exception {
        GstRuntime.init();
        app = new StreamerApp(StreamerConfig.builder().inputMode("dummy").dummyWidth(320).dummyHeight(240).dummyFps(30)
                .codec("h264").gop(gop).rtp(true).rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort())
                .statusIntervalMs(0).natsUrl(natsUrl).natsReconnectWaitMs(100).recordDir(dir).instanceId("rig-a").build());
        app.addTap((pipeline, gen) -> {
            generations.set(gen);
            if (gen > 1) {
                rebuilt.get().countDown();
            }
            pipeline.getElementByName("parse").getStaticPad("src").addProbe(PadProbeType.BUFFER, (pad, info) -> {
                units.incrementAndGet();
                if (GstBuffers.keyframe(info.getBuffer())) {
                    keyframes.incrementAndGet();
                }
                unitsWanted.get().countDown();
                return PadProbeReturn.OK;
            });
        });
        exit = Streamers.start(app);
        awaitUnits(5);
    }

    private void awaitUnits(int n) throws InterruptedException {
        CountDownLatch l = new CountDownLatch(n);
        unitsWanted.set(l);
        assertThat(l.await(20, TimeUnit.SECONDS)).as(n + " more access units").isTrue();
    }

    private JsonNode json(String endpoint) throws Exception {
        ControlClient.Reply r = client.request(KEY, endpoint, new byte[0], TIMEOUT);
        assertThat(r.failed()).as(endpoint + ": " + r.error()).isFalse();
        return JSON.readTree(r.body());
    }

    private RecordingStatusResponse record(String format, String action, byte[] body, ErrorCode expected) throws Exception {
        ControlClient.Reply r = client.request(KEY, "recorder." + format + "." + action, body, TIMEOUT);
        RecordingStatusResponse s = RecordingStatusResponse.parseFrom(r.body());
        assertThat(s.getError()).as(format + " " + action + ": " + s.getErrorMessage()).isEqualTo(expected);
        assertThat(r.failed()).isEqualTo(expected != ErrorCode.ERROR_CODE_OK);
        return s;
    }

    private static byte[] start(Path p) {
        return RecordingStartRequest.newBuilder().setOutputPath(p.toString()).build().toByteArray();
    }

    @Test
    void discoverableAndEveryEndpointAnswersIncludingMalformedRequests() throws Exception {
        server = NatsServer.start();
        startStreamer(server.url(), 30);

        List<JsonNode> infos = client.discover(Duration.ofMillis(500));
        assertThat(infos).hasSize(1);
        JsonNode info = infos.get(0);
        assertThat(info.path("name").asText()).isEqualTo("cvmmap_streamer");
        assertThat(info.path("version").asText()).isEqualTo("0.1.0");
        assertThat(info.path("metadata").path("instance").asText()).isEqualTo("dummy");
        assertThat(info.path("metadata").path("key").asText()).isEqualTo(KEY);
        assertThat(info.path("metadata").path("outputs").asText()).isEqualTo("rtp");
        assertThat(info.path("metadata").path("version").asText()).isEqualTo("0.1.0");
        assertThat(info.path("endpoints")).hasSize(10);
        assertThat(info.path("endpoints").findValuesAsText("subject")).contains(
                "cvmmap.cvmmap_dummy.streamer.status", "cvmmap.cvmmap_dummy.streamer.recorder.mcap.start");

        JsonNode status = json("status");
        assertThat(status.path("frames").path("in").asLong()).isPositive();
        assertThat(status.path("frames").path("encoded").asLong()).isPositive();
        assertThat(status.path("frames").has("torn")).isTrue();
        assertThat(status.path("encoder").path("name").asText()).isEqualTo("x264enc");
        assertThat(status.path("encoder").path("reason").asText()).contains("nvh264enc");
        assertThat(status.path("outputs").get(0).path("kind").asText()).isEqualTo("rtp");
        assertThat(status.path("outputs").get(0).path("bytes").asLong()).isPositive();
        assertThat(status.path("ingest_latency_ms").isNumber()).isTrue();
        assertThat(status.path("uptime_s").asDouble()).isPositive();
        assertThat(status.path("recorders").path("mp4").path("is_recording").asBoolean()).isFalse();
        assertThat(status.path("nats").path("state").asText()).isEqualTo("CONNECTED");

        long before = keyframes.get();
        assertThat(json("keyframe").path("ok").asBoolean()).isTrue();
        awaitUnits(3);
        assertThat(keyframes.get()).isGreaterThan(before);

        assertThat(json("restart").path("ok").asBoolean()).isTrue();
        assertThat(rebuilt.get().await(20, TimeUnit.SECONDS)).as("pipeline rebuilt").isTrue();
        awaitUnits(5); // and streaming again
        assertThat(json("status").path("restarts").asLong()).isEqualTo(1);

        // malformed and invalid requests: an error reply each, the service goes on
        ControlClient.Reply garbage = client.request(KEY, "recorder.mp4.start", new byte[]{0x0a, 0x7f, 0x41}, TIMEOUT);
        assertThat(garbage.errorCode()).isEqualTo(400);
        assertThat(RecordingStatusResponse.parseFrom(garbage.body()).getError()).isEqualTo(ErrorCode.ERROR_CODE_INVALID_PAYLOAD);
        record("mp4", "start", new byte[0], ErrorCode.ERROR_CODE_INVALID_PAYLOAD);
        assertThat(record("mcap", "start", start(Path.of("/proc/no/such/x.mcap")), ErrorCode.ERROR_CODE_INVALID_PAYLOAD)
                .getErrorMessage()).contains("is outside the record dir");
        Path a = dir.resolve("a.mp4");
        assertThat(record("mp4", "start", start(a), ErrorCode.ERROR_CODE_OK).getIsRecording()).isTrue();
        assertThat(record("mp4", "start", start(dir.resolve("b.mp4")), ErrorCode.ERROR_CODE_ERROR).getErrorMessage())
                .contains("already recording");
        awaitUnits(10);
        RecordingStatusResponse st = record("mp4", "status", new byte[0], ErrorCode.ERROR_CODE_OK);
        assertThat(st.getIsRecording()).isTrue();
        assertThat(st.getActivePath()).isEqualTo(a.toString());
        RecordingStatusResponse stopped = record("mp4", "stop", new byte[0], ErrorCode.ERROR_CODE_OK);
        assertThat(stopped.getIsRecording()).isFalse();
        assertThat(stopped.getFramesEncoded()).isPositive();
        assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), a))
                .contains("nb_read_frames=" + stopped.getFramesEncoded());
        assertThat(json("status").path("nats").path("failed_requests").asLong()).isEqualTo(4);

        // the same through the ctl command
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        assertThat(org.cvmmap.streamer.cli.Main.execute(new String[]{"ctl", "--nats-url", server.url(), "--key", KEY,
                "record", "mcap", "status"}, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true)))
                .as(err.toString()).isZero();
        assertThat(JSON.readTree(out.toString()).path("format").asText()).isEqualTo("RECORDING_FORMAT_MCAP");
        // the running graph, drawn here by Graphviz from the dot text the streamer sent
        Path svg = dir.resolve("graph.svg");
        assertThat(org.cvmmap.streamer.cli.Main.execute(new String[]{"ctl", "--nats-url", server.url(), "--key", KEY,
                "graph", "--format", "svg", "--output", svg.toString()}, new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(err, true))).as(err.toString()).isZero();
        assertThat(Files.readString(svg)).startsWith("<svg").contains("GstX264Enc", "GstUDPSink", "GstRtpH264Pay");
        assertThat(json("graph").path("dot").asText()).startsWith("digraph").contains("GstX264Enc");
        assertThat(org.cvmmap.streamer.cli.Main.execute(new String[]{"ctl", "--nats-url", server.url(), "--key",
                "nobody", "status"}, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true))).isEqualTo(4);
        assertThat(err.toString()).contains("no cvmmap_streamer answers on cvmmap.nobody.streamer.status");
    }

    /**
     * Two processes offering one key used to split its requests between them (one queue group): the
     * second now finds the first in $SRV.PING, refuses its stream and exits 2, and the first answers
     * on, its status naming host and instance id.
     */
    @Test
    void aSecondStreamerOfferingAServedKeyIsRefusedAndTheFirstAnswersOn() throws Exception {
        server = NatsServer.start();
        startStreamer(server.url(), 30);
        List<JsonNode> infos = client.discover(Duration.ofMillis(500));
        assertThat(infos).hasSize(1);
        assertThat(infos.get(0).path("metadata").path("instance_id").asText()).isEqualTo("rig-a");
        java.io.StringWriter ls = new java.io.StringWriter();
        assertThat(org.cvmmap.streamer.cli.Main.execute(new String[] {"ctl", "--nats-url", server.url(), "ls"},
                new java.io.PrintWriter(ls), new java.io.PrintWriter(new java.io.StringWriter()))).isZero();
        assertThat(ls.toString().lines()).hasSize(2).element(1).asString()
                .matches("\\S+ +rig-a +cvmmap_dummy +streaming +x264enc +rtp");
        // a second process reading the same producer (so the same key, cvmmap_dummy) on the same cluster
        StreamerApp second = new StreamerApp(StreamerConfig.builder().inputUri("dummy").codec("h264").rtp(true)
                .rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort()).statusIntervalMs(0).natsUrl(server.url())
                .instanceId("rig-b").build());
        try (LogCapture log = LogCapture.open()) {
            assertThat(Streamers.start(second).get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.CONFIG);
            assertThat(log.lines()).anyMatch(l -> l.contains("event=nats_key_conflict key=cvmmap_dummy")
                    && l.contains("served_by_instance=rig-a"));
        }
        assertThat(client.discover(Duration.ofMillis(500))).hasSize(1);
        JsonNode status = json("status");
        assertThat(status.path("instance_id").asText()).isEqualTo("rig-a");
        assertThat(status.path("host").asText()).isNotBlank();
        awaitUnits(5); // the first stream goes on
    }

    @Test
    void producerStatusEventsRemapAndResetWithoutTearingTheOutputsDown() throws Exception {
        server = NatsServer.start();
        NatsControlPlane control = startStreamer(server.url(), 1000); // no natural keyframe during the test
        try (Connection producer = Nats.connect(server.url())) {
            long keys = keyframes.get();
            long resets = app.stats().resets.get();
            publish(producer, ModuleStatusCode.MODULE_STATUS_CODE_STREAM_RESET);
            awaitUnits(10);
            assertThat(app.stats().resets.get()).as("STREAM_RESET followed").isEqualTo(resets + 1);
            assertThat(keyframes.get()).as("keyframe forced by the reset").isGreaterThan(keys);

            publish(producer, ModuleStatusCode.MODULE_STATUS_CODE_OFFLINE);
            awaitUnits(10); // OFFLINE: idle, nothing torn down (the built-in producer keeps going here)
            assertThat(json("status").path("producer").path("state").asText()).isEqualTo("OFFLINE");

            long beforeOnline = app.stats().resets.get();
            publish(producer, ModuleStatusCode.MODULE_STATUS_CODE_ONLINE);
            awaitUnits(10);
            // counted against the value just before: a loaded CI machine once saw one more reset between
            // the two events than the test had assumed
            assertThat(app.stats().resets.get()).as("ONLINE remaps").isGreaterThan(beforeOnline);
            producer.publish("cvmmap." + KEY + ".status", "not protobuf".getBytes(StandardCharsets.UTF_8));
            producer.flush(TIMEOUT);
            JsonNode s = json("status");
            assertThat(s.path("producer").path("state").asText()).isEqualTo("ONLINE");
            assertThat(s.path("producer").path("instance").asText()).isEqualTo("dummy");
            assertThat(s.path("producer").path("status_events").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(s.path("restarts").asLong()).as("no pipeline rebuild").isZero();
            assertThat(generations.get()).isEqualTo(1);
            assertThat(s.path("producer").path("source_info").path("available").asBoolean()).isFalse();
        }
        assertThat(control.toJson().get("state")).isEqualTo("CONNECTED");
    }

    private static void publish(Connection producer, ModuleStatusCode code) throws Exception {
        producer.publish("cvmmap." + KEY + ".status", ModuleStatusEvent.newBuilder().setStatus(code)
                .setInstance("dummy").setTimestampNs(System.currentTimeMillis() * 1_000_000L).build().toByteArray());
        producer.flush(TIMEOUT);
    }

    @Test
    void natsRestartMidRunLeavesTheStreamUninterruptedAndTheServiceComesBack() throws Exception {
        server = NatsServer.start();
        NatsControlPlane control = startStreamer(server.url(), 30);
        client.close();
        client = null;
        server.stop();
        long unitsAtStop = units.get();
        awaitUnits(30); // a second of video while NATS is gone
        server.restart();
        assertThat(control.awaitReconnects(1, 20_000)).as("reconnected").isTrue();
        client = ControlClient.connect(NatsConfig.of(server.url(), null, null, null, null, false, null, null, 1000));
        JsonNode s = statusRetryingUntilServed();
        assertThat(s.path("nats").path("reconnects").asLong()).isEqualTo(1);
        assertThat(s.path("restarts").asLong()).as("pipeline untouched").isZero();
        // awaitUnits(30) returned after 30 units counted since the stop: the stream went on without NATS
        assertThat(units.get()).isGreaterThanOrEqualTo(unitsAtStop + 30);
        assertThat(generations.get()).isEqualTo(1);
    }

    /** Right after a reconnect the service's subscriptions may still be on their way to the server. */
    private JsonNode statusRetryingUntilServed() throws Exception {
        for (int i = 0; ; i++) {
            try {
                return json("status");
            } catch (ControlClient.NoResponderException e) {
                if (i == 50) {
                    throw e;
                }
                awaitUnits(1);
            }
        }
    }

    @Test
    void aStreamerStartedWithoutNatsStreamsAndAttachesWhenTheServerAppears() throws Exception {
        int port = NatsServer.freePort();
        String url = "nats://127.0.0.1:" + port;
        launchStreamer(url, 30); // no server yet: it must stream anyway
        StreamerApp started = app;
        CompletableFuture<NatsControlPlane> attached = Streamers.onThread("await-control", () -> started.awaitControl(60_000));
        awaitUnits(30);
        assertThat(attached.isDone()).as("no server: not attached, streaming anyway").isFalse();
        server = NatsServer.on(port);
        assertThat(attached.get(30, TimeUnit.SECONDS)).isNotNull();
        client = ControlClient.connect(NatsConfig.of(url, null, null, null, null, false, null, null, 1000));
        assertThat(json("status").path("frames").path("in").asLong()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void twentyRecordStartStopCyclesLeaveTwentyValidFilesOfEachFormat() throws Exception {
        McapCheck.assumeInstalled();
        server = NatsServer.start();
        startStreamer(server.url(), 15);
        for (int i = 0; i < 20; i++) {
            Path mp4 = dir.resolve("cycle-" + i + ".mp4");
            Path mcap = dir.resolve("cycle-" + i + ".mcap");
            record("mp4", "start", start(mp4), ErrorCode.ERROR_CODE_OK);
            record("mcap", "start", start(mcap), ErrorCode.ERROR_CODE_OK);
            awaitUnits(8);
            RecordingStatusResponse m = record("mp4", "stop", new byte[0], ErrorCode.ERROR_CODE_OK);
            RecordingStatusResponse c = record("mcap", "stop", new byte[0], ErrorCode.ERROR_CODE_OK);
            assertThat(m.getFramesEncoded()).as("cycle %d mp4", i).isPositive();
            assertThat(c.getFramesEncoded()).as("cycle %d mcap", i).isPositive();
            assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), mp4)).as("cycle %d", i)
                    .contains("codec_name=h264", "nb_read_frames=" + m.getFramesEncoded());
            JsonNode check = McapCheck.check(mcap, null);
            assertThat(check.path("ok").asBoolean()).as("cycle %d: %s", i, check).isTrue();
            assertThat(check.path("messages").asLong()).isEqualTo(c.getFramesEncoded());
            assertThat(check.path("topics").path("/dummy/video").path("schema").asText()).isEqualTo("foxglove.CompressedVideo");
        }
    }
}
