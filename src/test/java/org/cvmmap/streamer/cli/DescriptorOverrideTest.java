package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ExitCodes;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every graph the process builds can be replaced ({@code --pipeline}, {@code --rtmp-pipeline},
 * {@code --record-mp4-pipeline}, also as streams-config keys); their placeholders are checked before
 * anything runs: an unknown one, or one this configuration has no value for, is exit 2 naming the
 * flag, the file, the line and the placeholder.
 */
class DescriptorOverrideTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "encode: a typo                      | --pipeline            | appsrc name=src caps=\"${caps}\" ! ${encoder} ! ${parser} name=parse ! udpsink host=${rtp_hots} | --rtp  | 3 | unknown placeholder ${rtp_hots}; this graph fills b_frames, bitrate_kbps, caps,",
        "encode: RTP values without --rtp    | --pipeline            | appsrc name=src caps=\"${caps}\" ! ${encoder} ! ${parser} name=parse ! udpsink host=${rtp_host} | --rtmp | 3 | placeholder ${rtp_host} has no value without --rtp",
        "encode: cuframes values, cv-mmap in | --pipeline            | cuframessrc name=src key=${cuframes_key} ! ${encoder} ! ${parser} name=parse ! fakesink         | --rtp  | 3 | placeholder ${cuframes_key} has no value without a cuframes:// or cuframes-packets:// --input-uri",
        "RTMP client: a typo                 | --rtmp-pipeline       | appsrc name=flvsrc ! rtmp2sink location=${rtmp_uri}                                                 | --rtmp | 3 | unknown placeholder ${rtmp_uri}; this graph fills rtmp_url",
        "MP4 recorder: a typo                | --record-mp4-pipeline | appsrc name=src caps=\"${encoded_caps}\" ! ${parser} ! mp4mux fragment-duration=${fragment} ! filesink name=file | --rtp | 3 | unknown placeholder ${fragment}; this graph fills encoded_caps, fragment_ms, parser",
    })
    void aPlaceholderWithoutValueIsExit2NamingFlagFileLineAndPlaceholder(String name, String flag, String text,
                                                                         String output, int line, String reason)
            throws Exception {
        Path file = dir.resolve("my.pipeline");
        Files.writeString(file, "# " + name + "\n\n" + text + "\n");
        List<String> args = new ArrayList<>(List.of("--input-mode", "dummy", "--no-nats", "--codec", "h264", flag,
                file.toString()));
        args.addAll(output.equals("--rtp") ? List.of("--rtp", "--rtp-endpoint", "127.0.0.1:9")
                : List.of("--rtmp", "--rtmp-url", "rtmp://127.0.0.1:1/live/x"));
        StringWriter err = new StringWriter();
        int code = Main.execute(args.toArray(String[]::new), new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.CONFIG);
        assertThat(err.toString()).contains(flag + "=" + file + ":" + line + ": " + reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "an unreadable file       | --pipeline      | --rtp  | cannot be read:",
        "a client graph, no RTMP  | --rtmp-pipeline | --rtp  | needs --rtmp",
    })
    void aDescriptorFlagThatCannotApplyIsExit2(String name, String flag, String output, String reason) {
        Path missing = dir.resolve("missing.pipeline");
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"--input-mode", "dummy", "--no-nats", "--codec", "h264", flag,
                missing.toString(), "--rtp", "--rtp-endpoint", "127.0.0.1:9"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isEqualTo(ExitCodes.CONFIG);
        assertThat(err.toString()).contains(flag + "=" + missing + ": " + reason);
    }
}
