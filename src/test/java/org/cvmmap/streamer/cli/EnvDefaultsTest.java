package org.cvmmap.streamer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** CVMMAP_<FLAG> for every streamer flag: flag > environment > streams config file > default. */
class EnvDefaultsTest {
    @TempDir
    Path dir;

    private static StreamCommand parse(Map<String, String> env, String... args) {
        StreamCommand cmd = new StreamCommand();
        new CommandLine(cmd).setDefaultValueProvider(new EnvDefaults(env::get)).parseArgs(args);
        return cmd;
    }

    @Test
    void theVariableOfAFlag() {
        assertThat(EnvDefaults.variable("--rtp-endpoint")).isEqualTo("CVMMAP_RTP_ENDPOINT");
        assertThat(EnvDefaults.variable("--b-frames")).isEqualTo("CVMMAP_B_FRAMES");
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsTheDefault() {
        Map<String, String> env = Map.of("CVMMAP_GOP", "20", "CVMMAP_RTP", "true", "CVMMAP_QUEUE_SIZE", " ");
        assertThat(parse(env).gop).isEqualTo(20);
        assertThat(parse(env).rtp).isTrue();
        assertThat(parse(env).queueSize).as("blank is unset: the default").isEqualTo(1);
        assertThat(parse(env, "--gop", "10").gop).isEqualTo(10);
        assertThat(parse(Map.of()).gop).isEqualTo(30);
    }

    @Test
    void notTheToolsFlagsAndNotTheRtmpUrlWhichHasItsOwnRule() {
        CommandLine cl = new CommandLine(new StreamCommand())
                .setDefaultValueProvider(new EnvDefaults(Map.of("CVMMAP_LABEL", "x", "CVMMAP_RTMP_URL", "rtmp://h/a/k")::get));
        CommandLine.ParseResult r = cl.parseArgs("dummy-producer");
        DummyProducerCommand p = (DummyProducerCommand) r.subcommand().commandSpec().userObject();
        assertThat(p.label).isEqualTo("dummy");
        assertThat(((StreamCommand) cl.getCommand()).rtmpUrl).isNull();
    }

    @Test
    void theEnvironmentBeatsTheFileWhichBeatsTheDefault() throws Exception {
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, "defaults: {codec: h264, input-mode: dummy, rtp: true, rtp-endpoint: '127.0.0.1:5004', gop: 15}\n"
                + "streams:\n  a: {dummy-label: a}\n  b: {dummy-label: b, gop: 45}\nno-nats: true\n");
        List<StreamsConfig.Entry> fileOnly = StreamsConfig.load(file, Map.<String, String>of()::get);
        assertThat(fileOnly).extracting(e -> e.config().gop()).containsExactly(15, 45);
        assertThat(fileOnly).extracting(e -> e.config().bitrateKbps()).containsExactly(4000, 4000);
        List<StreamsConfig.Entry> withEnv = StreamsConfig.load(file, Map.of("CVMMAP_GOP", "12", "CVMMAP_BITRATE_KBPS", "2500")::get);
        assertThat(withEnv).extracting(e -> e.config().gop()).containsExactly(12, 12);
        assertThat(withEnv).extracting(e -> e.config().bitrateKbps()).containsExactly(2500, 2500);
    }
}
