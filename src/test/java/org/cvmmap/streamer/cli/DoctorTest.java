package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.pipeline.GstRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code doctor}: the machine's facts, and per configured stream whether it can run and what is
 * missing. An NVENC-only stream (this machine, like CI, has no {@code nvh264enc}) is named with the
 * encoders it lacks and exit 5; the same file with software encoding is exit 0.
 */
class DoctorTest {
    @TempDir
    Path dir;

    private static int doctor(StringWriter out, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "doctor";
        System.arraycopy(args, 0, all, 1, args.length);
        return Main.execute(all, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
    }

    @Test
    void namesWhatAStreamLacksAndExits5AndIs0WhenEveryStreamCanRun() throws Exception {
        GstRuntime.init();
        assertThat(GstRuntime.hasElement("nvh264enc")).as("this test needs a machine without NVENC, as CI is").isFalse();
        Path file = dir.resolve("streams.yaml");
        String common = "defaults: {codec: h264, input-mode: dummy, rtp: true, rtp-endpoint: '127.0.0.1:9'}\nno-nats: true\n"
                + "streams:\n  soft: {dummy-label: doc-soft}\n";
        Files.writeString(file, common + "  gpu: {dummy-label: doc-gpu, encoder-device: nvidia}\n");
        StringWriter out = new StringWriter();
        assertThat(doctor(out, "--config", file.toString())).as(out.toString()).isEqualTo(DoctorCommand.MISSING);
        assertThat(out.toString())
                .contains("check=gstreamer ok=true version=\"GStreamer 1.")
                .contains("check=feature name=\"H.264 software encode\" ok=true")
                .contains("check=feature name=\"H.264 NVENC\" ok=false elements=nvh264enc missing=nvh264enc")
                .contains("check=libzmq ok=true version=4.")
                .contains("check=encode_session element=nvh264enc ok=false detail=\"element not installed")
                .contains("stream=soft key=cvmmap_doc-soft ok=true")
                .containsPattern("stream=gpu key=cvmmap_doc-gpu ok=false missing=\"no h264 encoder for --encoder-device nvidia "
                        + "\\(nvh264enc: element not installed; nvcudah264enc: element not installed\\)\"");

        Files.writeString(file, common);
        out = new StringWriter();
        assertThat(doctor(out, "--config", file.toString())).as(out.toString()).isZero();
        out = new StringWriter();
        assertThat(doctor(out)).as(out.toString()).isZero();
        assertThat(out.toString()).contains("check=basic name=\"H.264 over RTP\" ok=true");
    }

    /**
     * The session check itself, with stand-ins: a software encoder opens one; an element that is not
     * installed, and one whose session fails (an encoder that refuses the NV12 test frames), are named with why.
     */
    @Test
    void anEncodeSessionOpensOrSaysWhyNot() {
        GstRuntime.init();
        assertThat(org.cvmmap.streamer.pipeline.EncodeSession.problem("x264enc")).isNull();
        assertThat(org.cvmmap.streamer.pipeline.EncodeSession.problem("nosuchenc")).isEqualTo("nosuchenc: element not installed");
        // x265enc takes no NV12: negotiation fails, as a session that cannot open does
        assertThat(org.cvmmap.streamer.pipeline.EncodeSession.problem("x265enc")).startsWith("x265enc: ");
    }
}
