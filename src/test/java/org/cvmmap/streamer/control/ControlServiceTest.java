package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.config.Codec;
import org.cvmmap.streamer.control.proto.ErrorCode;
import org.cvmmap.streamer.control.proto.McapRecordingOptions;
import org.cvmmap.streamer.control.proto.RecordingFormat;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusResponse;
import org.cvmmap.streamer.control.proto.SvoRecordingOptions;
import org.cvmmap.streamer.record.Recorders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
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
        final List<String> calls = new ArrayList<>();
        final Recorders recorders = new Recorders(Codec.H264, "k", "cam", () -> calls.add("keyframe(recorder)"));
        boolean keyframeOk = true;
        boolean statusThrows;

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
                new Case("recorder.mp4.start", new byte[0], ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "output_path is empty"),
                new Case("recorder.mp4.start", RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("x.mp4").toString())
                        .setSvoOptions(SvoRecordingOptions.newBuilder().setBitrate(1)).build().toByteArray(),
                        ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "svo_options"),
                new Case("recorder.mp4.start", RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("x.mp4").toString())
                        .setMcapOptions(McapRecordingOptions.getDefaultInstance()).build().toByteArray(),
                        ErrorCode.ERROR_CODE_INVALID_PAYLOAD, "mcap_options"),
                new Case("recorder.mcap.start", RecordingStartRequest.newBuilder().setOutputPath(dir.resolve("x.mcap").toString())
                        .setMcapOptions(McapRecordingOptions.newBuilder().setCompression("lz4")).build().toByteArray(),
                        ErrorCode.ERROR_CODE_UNSUPPORTED, "lz4"),
                new Case("recorder.mcap.start", RecordingStartRequest.newBuilder().setOutputPath("/proc/nope/x.mcap").build()
                        .toByteArray(), ErrorCode.ERROR_CODE_ERROR, "does not exist"));
        for (Case c : cases) {
            RecordingStatusResponse s = recorder(c.endpoint(), c.body(), c.code());
            assertThat(s.getErrorMessage()).as(c.endpoint() + " " + c.text()).contains(c.text());
            assertThat(s.getIsRecording()).isFalse();
        }
    }
}
