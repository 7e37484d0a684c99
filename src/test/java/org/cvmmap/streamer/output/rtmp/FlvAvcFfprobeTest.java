package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.pipeline.GstRuntime;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.elements.AppSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AVC tags, fed with a real x264 stream (avcC from h264parse's codec_data, length-prefixed
 * access units), make an FLV that Debian's ffprobe demuxes and decodes frame for frame.
 */
class FlvAvcFfprobeTest {

    @Test
    void x264StreamInOurFlvTagsDecodesInFfprobe(@TempDir Path dir) throws Exception {
        GstRuntime.init();
        Pipeline p = (Pipeline) Gst.parseLaunch("videotestsrc num-buffers=30 pattern=ball"
                + " ! video/x-raw,width=320,height=240,framerate=30/1,format=I420"
                + " ! x264enc tune=zerolatency key-int-max=15 ! h264parse"
                + " ! video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false");
        AppSink sink = (AppSink) p.getElementByName("sink");
        ByteArrayOutputStream flv = new ByteArrayOutputStream();
        flv.write(FlvTags.fileHeader());
        flv.write(FlvTags.metadata(VideoPackaging.AVC, 320, 240, 30, 1000));
        p.play();
        int frames = 0;
        long lastMs = 0;
        try {
            Sample s;
            while ((s = sink.pullSample()) != null) {
                try {
                    if (frames == 0) {
                        Matcher m = Pattern.compile("codec_data=\\(buffer\\)([0-9a-f]+)").matcher(s.getCaps().toString());
                        assertThat(m.find()).as(s.getCaps().toString()).isTrue();
                        flv.write(FlvTags.sequenceStart(VideoPackaging.AVC, HexFormat.of().parseHex(m.group(1)), 0));
                    }
                    Buffer b = s.getBuffer();
                    ByteBuffer bb = b.map(false);
                    byte[] au = new byte[bb.remaining()];
                    bb.get(au);
                    b.unmap();
                    boolean key = !b.getFlags().contains(org.freedesktop.gstreamer.BufferFlags.DELTA_UNIT);
                    long dts = b.getDecodeTimestamp() >= 0 ? b.getDecodeTimestamp() : b.getPresentationTimestamp();
                    long dtsMs = TimeUnit.NANOSECONDS.toMillis(dts);
                    int ctsMs = (int) TimeUnit.NANOSECONDS.toMillis(b.getPresentationTimestamp() - dts);
                    flv.write(FlvTags.codedFrame(VideoPackaging.AVC, key, dtsMs, ctsMs, au));
                    lastMs = dtsMs;
                    frames++;
                } finally {
                    s.dispose();
                }
            }
        } finally {
            p.stop();
            p.dispose();
        }
        flv.write(FlvTags.sequenceEnd(VideoPackaging.AVC, lastMs));
        assertThat(frames).isEqualTo(30);
        Path file = dir.resolve("x264.flv");
        Files.write(file, flv.toByteArray());

        Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "default=nw=1", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes());
        assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("codec_name=h264").contains("width=320").contains("height=240")
                .contains("nb_read_frames=30");
        assertThat(out).as("ffprobe reported no demux/decode error").doesNotContain("rror");
    }
}
