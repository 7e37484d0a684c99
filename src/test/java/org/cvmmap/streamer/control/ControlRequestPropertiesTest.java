package org.cvmmap.streamer.control;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.cvmmap.streamer.control.proto.ErrorCode;
import org.cvmmap.streamer.control.proto.McapRecordingOptions;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.record.RecordRoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Control requests from the network, generated (issue 12): any endpoint with random bytes, and
 * recorder start requests whose path, topic and frame_id are random text. The service always
 * answers (never throws), a failure always carries a code and a one-line message, and nothing is
 * ever created outside the record dir.
 */
class ControlRequestPropertiesTest {
    private static Path base;
    private static Path root;
    private final ControlServiceTest.FakeControl control = new ControlServiceTest.FakeControl();
    private final ControlService service = new ControlService("fuzz", control);

    @BeforeContainer
    static void folders() throws IOException {
        base = Files.createTempDirectory("control-fuzz");
        root = Files.createDirectories(base.resolve("rec"));
    }

    @AfterContainer
    static void removeFolders() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterTry
    void stopRecorders() {
        control.recorders.close();
    }

    @Provide
    Arbitrary<String> endpoints() {
        java.util.List<String> all = new java.util.ArrayList<>(ControlService.ENDPOINTS);
        all.addAll(java.util.List.of("recorder.svo.start", "recorder.mp4.pause", "nope", ""));
        return Arbitraries.of(all);
    }

    @Property
    void anyBytesOnAnyEndpointGetAReply(@ForAll("endpoints") String endpoint, @ForAll byte[] body) {
        control.root = RecordRoot.of("--record-dir", root);
        ControlService.Reply r = service.handle(endpoint, body);
        assertThat(r.body()).isNotNull();
        if (r.failed()) {
            assertThat(r.status()).isIn(400, 403, 404, 500, 501, 504);
            assertThat(r.message()).isNotBlank().doesNotContain("\n");
        }
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withChars("./-_a\n\u0000\u202e/").ofMaxLength(24),
                Arbitraries.of("/etc/x.mcap", "../x.mcap", "a/../../x.mcap", "x.mcap", "/x", "//", "."));
    }

    @Property
    void recordingRequestsNeverLeaveTheRecordDir(@ForAll("texts") String path, @ForAll("texts") String topic,
                                                  @ForAll("texts") String frameId) throws IOException {
        control.root = RecordRoot.of("--record-dir", root);
        byte[] req = RecordingStartRequest.newBuilder().setOutputPath(path)
                .setMcapOptions(McapRecordingOptions.newBuilder().setTopic(topic).setFrameId(frameId)).build().toByteArray();
        ControlService.Reply r = service.handle("recorder.mcap.start", req);
        if (r.error() != ErrorCode.ERROR_CODE_OK) {
            assertThat(r.message()).isNotBlank().doesNotContain("\n");
        }
        control.recorders.close();
        String created = control.recorders.get(org.cvmmap.streamer.record.Recorder.Format.MCAP).status().path();
        if (r.error() == ErrorCode.ERROR_CODE_OK) {
            Path file = Path.of(created);
            assertThat(file.startsWith(root.toRealPath())).as(created).isTrue();
            Files.delete(file); // keep the folder small: the next check stays cheap
        }
        try (Stream<Path> top = Files.list(base)) {
            assertThat(top).as("nothing beside the record dir").containsExactly(root);
        }
    }
}
