package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.control.proto.ErrorCode;
import org.cvmmap.streamer.control.proto.McapRecordingOptions;
import org.cvmmap.streamer.control.proto.RecordingFormat;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusResponse;
import org.cvmmap.streamer.control.proto.SvoRecordingOptions;
import org.cvmmap.streamer.record.Recorders;
import org.cvmmap.streamer.record.RecordRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/** Every endpoint of the service without NATS, including malformed and invalid requests. */
class ControlServiceTest {
    @TempDir
    Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A stand-in streamer that records what it was asked. */
    static final class FakeControl implements StreamerControl {
        @Override
        public void refuse(String why) {
        }

        final List<String> calls = new ArrayList<>();
        final Recorders recorders = new Recorders(Codec.H264, "k", "cam", () -> calls.add("keyframe(recorder)"));
        boolean keyframeOk = true;
        boolean statusThrows;
        RecordRoot root;
        String dot;

        @Override
        public String graphDot() {
            return dot;
        }

        @Override
        public RecordRoot recordRoot() {
            return root;
        }

        @Override
        public Map<String, Object> status() {
            if (statusThrows) {
                throw new IllegalStateException("boom");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("frames", Map.of("in", 5));
            return m;
        }

        @Override
        public boolean requestKeyframe(String why) {
            calls.add("keyframe");
            return keyframeOk;
        }

        @Override
        public void requestRestart(String why) {
            calls.add("restart");
        }

        @Override
        public Recorders recorders() {
            return recorders;
        }

        @Override
        public void producerOnline(String instance, long timestampNs) {
            calls.add("online " + instance + " " + timestampNs);
        }

        @Override
        public void producerOffline(String instance, long timestampNs) {
            calls.add("offline " + instance + " " + timestampNs);
        }

        @Override
        public void producerStreamReset(String instance, long timestampNs) {
            calls.add("reset " + instance + " " + timestampNs);
        }
    }

    private final FakeControl control = new FakeControl();
    private final ControlService service = new ControlService("k", control);

    @BeforeEach
    void recordDir() {
        control.root = RecordRoot.of("--record-dir", dir);
    }

    @AfterEach
    void stopRecorders() {
        control.recorders.close();
    }

    private static JsonNode json(ControlService.Reply r) throws Exception {
        return JSON.readTree(r.body());
    }

    private RecordingStatusResponse recorder(String endpoint, byte[] body, ErrorCode expected) throws Exception {
        ControlService.Reply r = service.handle(endpoint, body);
        assertThat(r.error()).as(endpoint).isEqualTo(expected);
        RecordingStatusResponse s = RecordingStatusResponse.parseFrom(r.body());
        assertThat(s.getError()).isEqualTo(expected);
        return s;
    }

    @Test
    void statusKeyframeRestart() throws Exception {
        assertThat(json(service.handle("status", new byte[0])).path("frames").path("in").asInt()).isEqualTo(5);
        assertThat(json(service.handle("keyframe", new byte[]{1, 2})).path("ok").asBoolean()).isTrue();
        assertThat(json(service.handle("restart", new byte[0])).path("requested").asText()).isEqualTo("restart");
        assertThat(control.calls).containsExactly("keyframe", "restart");
        control.keyframeOk = false;
        ControlService.Reply r = service.handle("keyframe", new byte[0]);
        assertThat(r.error()).isEqualTo(ErrorCode.ERROR_CODE_UNSUPPORTED);
        assertThat(json(r).path("error").asText()).isEqualTo("ERROR_CODE_UNSUPPORTED");
    }

    @Test
    void graphAnswersTheRunningGraphsDotTextOrSaysNoneRuns() throws Exception {
        ControlService.Reply none = service.handle("graph", new byte[0]);
        assertThat(none.error()).isEqualTo(ErrorCode.ERROR_CODE_UNSUPPORTED);
        assertThat(none.status()).isEqualTo(501);
        assertThat(json(none).path("error_message").asText()).isEqualTo("no encode graph is running now");
        control.dot = "digraph pipeline {\n  \"a\" -> \"b\";\n}\n";
        JsonNode r = json(service.handle("graph", new byte[0]));
        assertThat(r.path("key").asText()).isEqualTo("k");
        assertThat(r.path("format").asText()).isEqualTo("dot");
        assertThat(r.path("dot").asText()).isEqualTo(control.dot);
    }

    @Test
    void aFailingHandlerAnswersWithAnErrorInsteadOfThrowing() throws Exception {
        control.statusThrows = true;
        ControlService.Reply r = service.handle("status", new byte[0]);
        assertThat(r.error()).isEqualTo(ErrorCode.ERROR_CODE_ERROR);
        assertThat(json(r).path("error_message").asText()).contains("boom");
    }

    @Test
    void unknownEndpoints() throws Exception {
        for (String e : List.of("recorder.svo.start", "recorder.mp4.pause", "recorder", "nope")) {
            ControlService.Reply r = service.handle(e, new byte[0]);
            assertThat(r.error()).as(e).isEqualTo(ErrorCode.ERROR_CODE_UNKNOWN_CMD);
            assertThat(json(r).path("error_message").asText()).isNotEmpty();
        }
    }

    @Test
    void recorderStartStatusStopWithTheSharedModel() throws Exception {
        String path = dir.resolve("a.mcap").toString();
        // RecordingStartRequest{output_path=path (field 1), mcap_options (field 11){topic (2)="/c/v"}} as bytes
        byte[] req = RecordingStartRequest.newBuilder().setOutputPath(path)
                .setMcapOptions(McapRecordingOptions.newBuilder().setTopic("/c/v")).build().toByteArray();
        assertThat(req[0]).isEqualTo((byte) 0x0A);
        assertThat(req[2 + path.length()]).isEqualTo((byte) 0x5A); // field 11, wire type 2
        RecordingStatusResponse s = recorder("recorder.mcap.start", req, ErrorCode.ERROR_CODE_OK);
        assertThat(s.getIsRecording()).isTrue();
        assertThat(s.getFormat()).isEqualTo(RecordingFormat.RECORDING_FORMAT_MCAP);
        assertThat(s.getActivePath()).isEqualTo(path);
        assertThat(control.calls).contains("keyframe(recorder)");
        assertThat(recorder("recorder.mcap.status", new byte[0], ErrorCode.ERROR_CODE_OK).getIsRecording()).isTrue();
        // start while recording
        RecordingStatusResponse busy = recorder("recorder.mcap.start",
                RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("b.mcap").toString()).build().toByteArray(),
                ErrorCode.ERROR_CODE_ERROR);
        assertThat(busy.getErrorMessage()).contains("already recording");
        assertThat(busy.getIsRecording()).isTrue();
        RecordingStatusResponse stopped = recorder("recorder.mcap.stop", new byte[0], ErrorCode.ERROR_CODE_OK);
        assertThat(stopped.getIsRecording()).isFalse();
        assertThat(stopped.getActivePath()).isEqualTo(path);
        assertThat(recorder("recorder.mp4.status", new byte[0], ErrorCode.ERROR_CODE_OK).getFormat())
                .isEqualTo(RecordingFormat.RECORDING_FORMAT_MP4);
    }

    @Test
    void malformedAndInvalidRecorderRequests() throws Exception {
        record Case(String endpoint, byte[] body, ErrorCode code, String text) {
        }
        List<Case> cases = List.of(
                // not protobuf: field 1 length-delimited with a length past the end
                new Case("recorder.mp4.start", hexBytes("0a 7f 41"), ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "not a valid protobuf"),
                // wire type 7 does not exist
                new Case("recorder.mcap.start", hexBytes("0f"), ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "not a valid protobuf"),
                new Case("recorder.mp4.stop", hexBytes("ff ff"), ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "not a valid protobuf"),
                new Case("recorder.mp4.status", hexBytes("0a 05 41"), ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "not a valid protobuf"),
                new Case("recorder.mp4.start", new byte[0], ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "output_path=\"\" is empty"),
                new Case("recorder.mp4.start", RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("x.mp4").toString())
                        .setSvoOptions(SvoRecordingOptions.newBuilder().setBitrate(1)).build().toByteArray(),
                        ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "svo_options"),
                new Case("recorder.mp4.start", RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("x.mp4").toString())
                        .setMcapOptions(McapRecordingOptions.getDefaultInstance()).build().toByteArray(),
                        ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "mcap_options"),
                new Case("recorder.mcap.start", RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("x.mcap").toString())
                        .setMcapOptions(McapRecordingOptions.newBuilder().setCompression("brotli")).build().toByteArray(),
                        ErrorCode.ERROR_CODE_UNSUPPORTED, "brotli"),
                new Case("recorder.mcap.start", RecordingStartRequest.newBuilder().setOutputPath("nope/x.mcap").build()
                        .toByteArray(), ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "cannot be opened"));
        for (Case c : cases) {
            RecordingStatusResponse s = recorder(c.endpoint(), c.body(), c.code());
            assertThat(s.getErrorMessage()).as(c.endpoint() + " " + c.text()).contains(c.text());
            assertThat(s.getIsRecording()).isFalse();
        }
    }

    /** Starts an MCAP recording of {@code outputPath} (and topic, when not null) and returns the reply. */
    private ControlService.Reply startMcap(String outputPath, String topic) {
        RecordingStartRequest.Builder b = RecordingStartRequest.newBuilder().setOutputPath(outputPath);
        if (topic != null) {
            b.setMcapOptions(McapRecordingOptions.newBuilder().setTopic(topic));
        }
        return service.handle("recorder.mcap.start", b.build().toByteArray());
    }

    @Test
    void networkRecordingsStayInsideTheRecordDirAndCreateNothingWhenRefused() throws Exception {
        Path root = Files.createDirectories(dir.resolve("rec"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(root.resolve("sub"));
        Files.createSymbolicLink(root.resolve("escape-link"), outside);
        Files.createSymbolicLink(root.resolve("file-link.mcap"), outside.resolve("target.mcap"));
        control.root = RecordRoot.of("--record-dir", root);
        record Case(String path, String topic, int status, String text) {
        }
        List<Case> refused = List.of(
                new Case("/etc/x.mcap", null, 400, "output_path=\"/etc/x.mcap\" is outside the record dir"),
                new Case("/root/x.mcap", null, 400, "is outside the record dir"),
                new Case(outside.resolve("x.mcap").toString(), null, 400, "is outside the record dir"),
                new Case(root + "/sub/../../escape.mcap", null, 400, "is outside the record dir"),
                new Case("sub/../../escape.mcap", null, 400, "leaves the record dir"),
                new Case("../x.mcap", null, 400, "leaves the record dir"),
                new Case(".", null, 400, "names the record dir itself"),
                new Case("home/.ssh/authorized_keys", "/x\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5 k@h\n#", 400, "contains U+000A"),
                new Case("a\u0000b.mcap", null, 400, "output_path=\"a\\u0000b.mcap\" contains U+0000"),
                new Case("a\nb.mcap", null, 400, "contains U+000A"),
                new Case("a\u001bb.mcap", null, 400, "contains U+001B"),
                new Case("escape-link/x.mcap", null, 400, "after its symbolic links, outside " + root.toRealPath()),
                new Case("file-link.mcap", null, 500, "already exists"),
                new Case("no/such/x.mcap", null, 400, "cannot be opened"));
        for (Case c : refused) {
            ControlService.Reply r = startMcap(c.path(), c.topic());
            assertThat(r.status()).as(c.path()).isEqualTo(c.status());
            assertThat(r.message()).as(c.path()).contains(c.text()).doesNotContain("\n");
            assertThat(RecordingStatusResponse.parseFrom(r.body()).getIsRecording()).isFalse();
        }
        assertThat(outside).as("nothing created outside").isEmptyDirectory();
        assertThat(Path.of("/etc/x.mcap")).doesNotExist();
        assertThat(Path.of("/root/x.mcap")).doesNotExist();
        try (var files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile).toList()).as("nothing created inside").isEmpty();
        }
        // relative paths, and absolute ones inside, are taken
        ControlService.Reply ok = startMcap("sub/a.mcap", "/cam0/video");
        assertThat(ok.status()).as(ok.message()).isZero();
        assertThat(RecordingStatusResponse.parseFrom(ok.body()).getActivePath())
                .isEqualTo(root.toRealPath().resolve("sub/a.mcap").toString());
        recorder("recorder.mcap.stop", new byte[0], ErrorCode.ERROR_CODE_OK);
        assertThat(startMcap(root.resolve("sub/b.mcap").toString(), null).status()).isZero();
        recorder("recorder.mcap.stop", new byte[0], ErrorCode.ERROR_CODE_OK);
        assertThat(Files.getPosixFilePermissions(root.resolve("sub/b.mcap")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    }

    @Test
    void withoutARecordDirNetworkRecordingIsForbidden() throws Exception {
        control.root = null;
        for (String format : List.of("mp4", "mcap")) {
            ControlService.Reply r = service.handle("recorder." + format + ".start",
                    RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("a." + format).toString()).build()
                            .toByteArray());
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.message()).contains("no --record-dir");
            assertThat(dir.resolve("a." + format)).doesNotExist();
        }
        // status and stop stay allowed (nothing to protect)
        assertThat(service.handle("recorder.mcap.status", new byte[0]).status()).isZero();
    }
}
