package org.cvmmap.streamer.config;

import org.cvmmap.streamer.util.ConfigException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The streams config's YAML → command lines, and every malformed file named by place and value. */
class StreamsFileTest {
    private static final Set<String> KEYS = Set.of("input-uri", "codec", "gop", "rtp", "rtp-endpoint", "rtmp", "rtmp-url");

    @Test
    void aFleetHostFileMayHoldProcessKeysOnly() {
        String host = "nats-url: nats://n1:4222\ninstance-id: rig-a\n";
        assertThat(StreamsFile.parse("host.yaml", host, KEYS, Set.of(), true)).isEmpty();
        assertThat(StreamsFile.parse("host.yaml", host + "streams: {}\n", KEYS, Set.of(), true)).isEmpty();
        assertThatThrownBy(() -> StreamsFile.parse("host.yaml", host, KEYS, Set.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("host.yaml: streams=(missing)");
        assertThatThrownBy(() -> StreamsFile.parse("host.yaml", host + "codec: h264\n", KEYS, Set.of(), true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is a stream key");
    }

    @Test
    void defaultsThenTheStreamThenTheProcessKeysMakeEachCommandLine() {
        List<StreamsFile.Stream> s = StreamsFile.parse("f.yaml", """
                defaults: {codec: h264, gop: 30, rtp: true}
                streams:
                  cam1: {input-uri: "cvmmap://cam1", rtp-endpoint: "10.0.0.5:5004"}
                  cam2: {input-uri: "cvmmap://cam2", codec: h265, rtp: false, rtmp: true}
                nats-url: nats://nats:4222
                instance-id: rig-a
                """, KEYS);
        assertThat(s).extracting(StreamsFile.Stream::name).containsExactly("cam1", "cam2");
        assertThat(s.get(0).args()).containsExactly("--codec", "h264", "--gop", "30", "--rtp", "--input-uri", "cvmmap://cam1",
                "--rtp-endpoint", "10.0.0.5:5004", "--nats-url", "nats://nats:4222", "--instance-id", "rig-a");
        assertThat(s.get(1).args()).containsExactly("--codec", "h265", "--gop", "30", "--input-uri", "cvmmap://cam2",
                "--rtmp", "--nats-url", "nats://nats:4222", "--instance-id", "rig-a");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "streams: {a: {codex: h264}}                  | f.yaml: streams.a.codex=\"h264\": unknown key (keys are the long flag names without --)",
        "codec: h264\\nstreams: {a: {gop: 1}}         | f.yaml: codec=\"h264\": is a stream key: put it under defaults: or a stream",
        "streams: {a: {nats-url: 'nats://x:1'}}       | f.yaml: streams.a.nats-url=\"nats://x:1\": is a process-level key: put it at the top level",
        "streams: {a: {gop: [1, 2]}}                  | f.yaml: streams.a.gop=[1,2]: must be one value",
        "streams: {a: {gop: }}                        | f.yaml: streams.a.gop=(empty): must be one value",
        "streams: {}                                  | f.yaml: streams={}: must map at least one stream name",
        "defaults: {codec: h264}                      | f.yaml: streams=(missing): must map at least one stream name",
        "streams: {'a b': {gop: 1}}                   | f.yaml: streams=a b: stream names match",
        "streams: {a: 3}                              | f.yaml: streams.a=3: must be a mapping of keys",
        "- a\\n- b                                    | f.yaml=(top level): must be a mapping with streams:",
        "streams: {a: {rtmp-url: 'rtmp://h/app/KEY'}}\\nbogus-key: 1 | f.yaml: bogus-key=1: unknown key",
        "streams: {a: {rtmp-ur: x}}\\nnats-password: s3cret\\nx: [ | f.yaml=(YAML)",
        "streams: {a: {codec: h264}}\\nnats-password: {a: s3cret} | f.yaml: nats-password=***: must be one value",
    })
    void aMalformedFileIsRefusedNamingPlaceAndValue(String yaml, String message) {
        assertThatThrownBy(() -> StreamsFile.parse("f.yaml", yaml.replace("\\n", "\n"), KEYS))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message).hasMessageNotContaining("s3cret");
    }
}
