package org.cvmmap.streamer.record;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.McapCheck;
import org.cvmmap.streamer.support.NativePeer;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recordings of the real stream checked by independent readers: ffprobe for MP4 (also after the
 * streamer was killed with SIGKILL mid-recording), @mcap/core for MCAP, and ffprobe decoding the
 * first keyframe extracted from the MCAP file.
 */
class RecordingEndToEndTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h264", "h265"})
    void cliRecordingsOfAFiniteStreamAreCompleteAndTheirFirstKeyframeDecodes(String codec) throws Exception {
        McapCheck.assumeInstalled();
        GstRuntime.init();
        Path mp4 = dir.resolve("a.mp4");
        Path mcap = dir.resolve("a.mcap");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy").dummyWidth(320).dummyHeight(240)
                .dummyFrames(60).codec(codec).rtp(true).rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort())
                .statusIntervalMs(0).nats(false).recordMp4(mp4).recordMcap(mcap).build());
        assertThat(Streamers.start(app).get(60, TimeUnit.SECONDS)).isZero();
        long encoded = app.stats().accessUnits.get();
        assertThat(encoded).isGreaterThan(40);
        RecorderStatus m = app.recorders().get(Recorder.Format.MP4).status();
        RecorderStatus c = app.recorders().get(Recorder.Format.MCAP).status();
        assertThat(m.framesEncoded()).isEqualTo(encoded); // the first access unit is an IDR: nothing skipped
        assertThat(c.framesEncoded()).isEqualTo(encoded);
        assertThat(m.error()).isEmpty();
        assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), mp4))
                .contains("codec_name=" + (codec.equals("h264") ? "h264" : "hevc"), "width=320", "height=240",
                        "nb_read_frames=" + encoded);
        // fragmented every 500 ms (a crash loses at most that): about one fragment per started 500 ms of
        // the file's own duration (60 frames at 30 fps = 2 s = 4 when the producer kept its pace); mp4mux
        // also closes a fragment early when the next frame's duration would overshoot it, which jittered
        // frame times on a loaded machine do: one or two more are allowed, never one per few frames
        double seconds = Double.parseDouble(new String(new ProcessBuilder("ffprobe", "-v", "error", "-show_entries",
                "format=duration", "-of", "default=nw=1:nk=1", mp4.toString()).start().getInputStream().readAllBytes()).strip());
        long expected = (long) Math.ceil(seconds / 0.5);
        assertThat(topLevelBoxes(mp4).stream().filter("moof"::equals).count()).as("moof boxes for %.3f s", seconds)
                .isBetween(Math.max(1, expected - 1), expected + 2);
        Path first = dir.resolve("first." + codec);
        JsonNode check = McapCheck.check(mcap, first);
        assertThat(check.path("ok").asBoolean()).as(check.toString()).isTrue();
        assertThat(check.path("messages").asLong()).isEqualTo(encoded);
        assertThat(check.path("formats").get(0).asText()).isEqualTo(codec);
        assertThat(check.path("frameId").asText()).isEqualTo("dummy");
        assertThat(check.path("topics").has("/dummy/video")).isTrue();
        assertThat(Peers.countFrames(new ProcessBuilder("ffprobe", "-f", codec.equals("h264") ? "h264" : "hevc"), first))
                .as("the first message alone decodes").contains("width=320", "nb_read_frames=1");
    }

    /**
     * Runs the streamer (built-in producer, H.264) in a child JVM recording with {@code flag} into
     * {@code file}, and SIGKILLs it once its status line reports {@code atLeast} encoded frames: no
     * EOS, no finalization.
     *
     * @return the encoded count it reported last
     */
    private static long killedWhileRecording(String flag, Path file, long atLeast) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.cvmmap.streamer.cli.Main",
                "--input-mode", "dummy", "--dummy-width", "320", "--dummy-height", "240", "--codec", "h264",
                "--rtp", "--rtp-endpoint", "127.0.0.1:" + Streamers.freeUdpPort(), "--no-nats",
                "--status-interval-ms", "250", flag, file.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        long encoded = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Pattern status = Pattern.compile("event=status .* encoded=(\\d+)");
            for (String line; (line = r.readLine()) != null; ) {
                Matcher mt = status.matcher(line);
                if (mt.find() && (encoded = Long.parseLong(mt.group(1))) >= atLeast) {
                    break;
                }
            }
            p.destroyForcibly(); // SIGKILL
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            NativePeer.stop(p);
        }
        assertThat(p.exitValue()).isEqualTo(137);
        assertThat(encoded).isGreaterThanOrEqualTo(atLeast);
        return encoded;
    }

    @Test
    void anMp4OfAStreamerKilledMidRecordingStillPlays() throws Exception {
        Path mp4 = dir.resolve("killed.mp4");
        // ~3 s recorded: several fragments are on disk (the frames that arrived while the first graph
        // was built are encoded in one burst at start-up, so 60 encoded frames may span less than 2 s)
        long encoded = killedWhileRecording("--record-mp4", mp4, 90);
        String probe = Peers.countFrames(new ProcessBuilder("ffprobe"), mp4);
        Matcher frames = Pattern.compile("nb_read_frames=(\\d+)").matcher(probe);
        assertThat(frames.find()).as(probe).isTrue();
        assertThat(Long.parseLong(frames.group(1))).as("frames playable after SIGKILL").isBetween(30L, encoded + 30);
    }

    @Test
    void anMcapOfAStreamerKilledMidRecordingIsMadeCompleteByMcapRecover() throws Exception {
        Path mcap = dir.resolve("killed.mcap");
        Path recovered = dir.resolve("recovered.mcap");
        killedWhileRecording("--record-mcap", mcap, 90); // ~3 s: two or more 1 s chunks are closed on disk
        assertThat(McapCheck.check(mcap, null).path("ok").asBoolean()).as("the indexed reader refuses the unfinished file")
                .isFalse();
        java.io.StringWriter out = new java.io.StringWriter();
        int code = org.cvmmap.streamer.cli.Main.execute(new String[]{"mcap-recover", mcap.toString(), recovered.toString()},
                new java.io.PrintWriter(out, true), new java.io.PrintWriter(out, true));
        assertThat(code).as(out.toString()).isZero();
        Matcher m = Pattern.compile("messages=(\\d+)").matcher(out.toString());
        assertThat(m.find()).as(out.toString()).isTrue();
        long messages = Long.parseLong(m.group(1));
        JsonNode check = McapCheck.check(recovered, null);
        System.out.println("mcap recovery after SIGKILL: " + out.toString().strip() + " | @mcap/core: " + check);
        assertThat(check.path("ok").asBoolean()).as(check.toString()).isTrue();
        assertThat(check.path("messages").asLong()).isEqualTo(messages).isGreaterThanOrEqualTo(30);
    }

    /**
     * {@code --record-mp4-pipeline}: the recorder builds the user's graph, here one that fragments
     * every 100 ms instead of every 500 ms (a constant in place of {@code ${fragment_ms}}): the file
     * is complete and has about five times as many fragments.
     */
    @Test
    void theMp4RecorderGraphCanBeReplacedByTheUsersDescriptor() throws Exception {
        GstRuntime.init();
        Path graph = dir.resolve("mp4.pipeline");
        java.nio.file.Files.writeString(graph, """
                # my MP4 recorder: fragments of 100 ms
                appsrc name=src format=time is-live=false block=true max-bytes=33554432 caps="${encoded_caps}"
                  ! ${parser} name=parse
                  ! mp4mux name=mux fragment-duration=100 trak-timescale=90000
                  ! filesink name=file sync=false async=false
                """);
        Path mp4 = dir.resolve("custom.mp4");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy").dummyWidth(320).dummyHeight(240)
                .dummyFrames(60).codec("h264").rtp(true).rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort())
                .statusIntervalMs(0).nats(false).recordMp4(mp4).mp4PipelineFile(graph).build());
        assertThat(Streamers.start(app).get(60, TimeUnit.SECONDS)).isZero();
        long encoded = app.stats().accessUnits.get();
        assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), mp4)).contains("nb_read_frames=" + encoded);
        assertThat(topLevelBoxes(mp4).stream().filter("moof"::equals).count()).as("moof boxes, 2 s in 100 ms fragments")
                .isBetween(15L, 30L);
    }

    /** The types of an MP4 file's top-level boxes, in order (ISO/IEC 14496-12 §4.2: size, type). */
    static List<String> topLevelBoxes(Path mp4) throws java.io.IOException {
        byte[] d = java.nio.file.Files.readAllBytes(mp4);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(d);
        List<String> types = new java.util.ArrayList<>();
        for (int p = 0; p + 8 <= d.length; ) {
            long size = Integer.toUnsignedLong(b.getInt(p));
            types.add(new String(d, p + 4, 4, StandardCharsets.US_ASCII));
            if (size == 1) {
                size = b.getLong(p + 8);
            } else if (size == 0) {
                size = d.length - p;
            }
            if (size < 8) {
                break;
            }
            p += (int) size;
        }
        return types;
    }
}
