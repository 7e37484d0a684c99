package org.cvmmap.streamer.ingest.cvmmap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CvmmapTargetTest {

    @Test
    void passesUpstreamUriFixture() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Fixtures.bytes("cvmmap/uri_targets.json"));
        int valid = 0;
        for (JsonNode c : root.get("cases")) {
            CvmmapTarget t = CvmmapTarget.parse(c.get("input").asText());
            assertThat(t.instance()).isEqualTo(c.get("instance").asText());
            assertThat(t.namespace()).isEqualTo(c.get("namespace").asText());
            assertThat(t.prefix()).isEqualTo(c.get("prefix").asText());
            assertThat(t.baseName()).isEqualTo(c.get("base_name").asText());
            assertThat(t.natsTargetKey()).isEqualTo(c.get("nats_target_key").asText());
            assertThat(t.shmName()).isEqualTo(c.get("shm_name").asText());
            assertThat(t.zmqAddress()).isEqualTo(c.get("zmq_addr").asText());
            valid++;
        }
        int invalid = 0;
        for (JsonNode c : root.get("invalid_cases")) {
            assertThatThrownBy(() -> CvmmapTarget.parse(c.get("input").asText()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(c.get("error_contains").asText());
            invalid++;
        }
        assertThat(valid).isEqualTo(2);
        assertThat(invalid).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cvmmap://cam.1                   | cam.1 | cvmmap | /tmp      | ipc:///tmp/cvmmap_cam.1    | cvmmap_cam_1",
        "cvmmap://cam@/run/x/             | cam   | cvmmap | /run/x    | ipc:///run/x/cvmmap_cam    | cvmmap_cam",
        "cvmmap://cam?namespace=zed       | cam   | zed    | /tmp      | ipc:///tmp/zed_cam         | zed_cam",
        "a2345678901234567890123          | a2345678901234567890123 | cvmmap | /tmp | ipc:///tmp/cvmmap_a2345678901234567890123 | cvmmap_a2345678901234567890123",
    })
    void parsesForms(String in, String instance, String ns, String prefix, String zmq, String natsKey) {
        CvmmapTarget t = CvmmapTarget.parse(in);
        assertThat(t.instance()).isEqualTo(instance);
        assertThat(t.namespace()).isEqualTo(ns);
        assertThat(t.prefix()).isEqualTo(prefix);
        assertThat(t.zmqAddress()).isEqualTo(zmq);
        assertThat(t.natsTargetKey()).isEqualTo(natsKey);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                  | empty",
        "a23456789012345678901234            | plain cvmmap instance names",
        "-cam                                | plain cvmmap instance names",
        "rtsp://cam                          | scheme must be cvmmap://",
        "cvmmap://cam@/run//x                | must not contain '//'",
        "cvmmap://cam@/run/../x              | '.' or '..' segments",
        "cvmmap://cam?ns=zed                 | query key 'ns' is not allowed",
        "cvmmap://cam?namespace=-z           | namespace '-z'",
        "cvmmap://ca/m                       | instance 'ca/m'",
    })
    void rejectsWithReason(String in, String reason) {
        assertThatThrownBy(() -> CvmmapTarget.parse(in)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void rejectsSocketPathLongerThanSunPath() {
        String prefix = "/" + "d".repeat(100);
        assertThatThrownBy(() -> CvmmapTarget.parse("cvmmap://cam@" + prefix))
                .hasMessageContaining("longer than 107");
    }

    @Test
    void legacyPairMapsToTheSameTarget() {
        CvmmapTarget t = CvmmapTarget.fromLegacy("zed_camera0", "ipc:///run/cvmmap/zed_camera0", null);
        assertThat(t).isEqualTo(CvmmapTarget.parse("cvmmap://camera0@/run/cvmmap?namespace=zed"));
        assertThatThrownBy(() -> CvmmapTarget.fromLegacy("zed_camera0", "tcp://x:1", null))
                .hasMessageContaining("--zmq-endpoint");
        assertThatThrownBy(() -> CvmmapTarget.fromLegacy("a/b", "ipc:///tmp/x", null))
                .hasMessageContaining("--shm-name");
        assertThatThrownBy(() -> CvmmapTarget.fromLegacy("zed_camera0", "ipc://relative", null))
                .hasMessageContaining("absolute socket path");
    }

    /** The original streamer's README pair: names used verbatim, label from the SHM name. */
    @Test
    void legacyPairWithUnrelatedNamesKeepsBothVerbatim() {
        CvmmapTarget t = CvmmapTarget.fromLegacy("test_stream", "ipc:///tmp/test_sync.ipc", null);
        assertThat(t.shmName()).isEqualTo("test_stream");
        assertThat(t.zmqAddress()).isEqualTo("ipc:///tmp/test_sync.ipc");
        assertThat(t.instance()).isEqualTo("stream");
        assertThat(t.natsTargetKey()).isEqualTo("test_stream");
        CvmmapTarget plain = CvmmapTarget.fromLegacy("/camera", "ipc:///run/cam.sock", null);
        assertThat(plain.shmName()).isEqualTo("camera");
        assertThat(plain.instance()).isEqualTo("camera");
        assertThat(plain.namespace()).isEqualTo(CvmmapTarget.DEFAULT_NAMESPACE);
        assertThat(plain.ipcPath()).isEqualTo("/run/cam.sock");
    }
}
