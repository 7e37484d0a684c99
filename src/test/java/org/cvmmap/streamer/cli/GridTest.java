package org.cvmmap.streamer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code grid}: four single-colour recordings (red, green, blue, white; made here by gst-launch-1.0) into
 * a 2×2 mosaic at half size; Debian's ffprobe reads its size and frame count and ffmpeg's decoded picture
 * shows each colour in its tile, row-major.
 */
class GridTest {
    @TempDir
    Path dir;

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        return out;
    }

    @Test
    void fourRecordingsMakeATwoByTwoMosaicWithEachInItsTile() throws Exception {
        String[] colours = {"red", "green", "blue", "white"};
        List<String> args = new ArrayList<>(List.of("grid"));
        for (String c : colours) {
            Path mp4 = dir.resolve(c + ".mp4");
            run("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=60", "pattern=" + c, "!",
                    "video/x-raw,width=320,height=240,framerate=30/1", "!", "x264enc", "!", "h264parse", "!", "mp4mux", "!",
                    "filesink", "location=" + mp4);
            args.addAll(List.of("--input", mp4.toString()));
        }
        // inspect --export-preview: one frame of an MCAP camera (the green input, converted) as a PNG
        Path green = dir.resolve("green.mcap");
        StringWriter conv = new StringWriter();
        assertThat(Main.execute(new String[]{"convert", dir.resolve("green.mp4").toString(), "--output", green.toString(),
                "--camera-label", "green"}, new PrintWriter(conv, true), new PrintWriter(conv, true))).as(conv.toString()).isZero();
        Path png = dir.resolve("green-30.png");
        StringWriter insp = new StringWriter();
        assertThat(Main.execute(new String[]{"inspect", green.toString(), "--export-preview", png.toString(), "--camera-label",
                "green", "--frame-index", "30"}, new PrintWriter(insp, true), new PrintWriter(insp, true))).as(insp.toString()).isZero();
        assertThat(insp.toString()).contains("preview camera=green frame=30", "size=320x240");
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(320);
        int rgb = img.getRGB(160, 120);
        assertThat(new int[]{(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff}).as("a green picture")
                .satisfies(c -> assertThat(c[0]).isLessThan(40), c -> assertThat(c[1]).isGreaterThan(215),
                        c -> assertThat(c[2]).isLessThan(40));
        StringWriter past = new StringWriter();
        assertThat(Main.execute(new String[]{"inspect", green.toString(), "--export-preview", dir.resolve("x.png").toString(),
                "--camera-label", "green", "--frame-index", "999"}, new PrintWriter(past, true), new PrintWriter(past, true)))
                .isEqualTo(6);
        assertThat(past.toString()).contains("camera green has 60 frames; frame 999 is not one");

        Path grid = dir.resolve("grid.mp4");
        args.addAll(List.of("--output", grid.toString()));
        StringWriter out = new StringWriter();
        int rc = Main.execute(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(out, true));
        assertThat(rc).as(out.toString()).isZero();
        assertThat(out.toString()).contains("layout=2x2 size=320x240 encoder=x264enc");

        assertThat(run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,width,height,nb_read_frames", "-of", "default=nw=1", grid.toString()))
                .contains("codec_name=h264", "width=320", "height=240", "nb_read_frames=60");
        Path raw = dir.resolve("frame.rgb");
        run("ffmpeg", "-v", "error", "-ss", "1", "-i", grid.toString(), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24",
                raw.toString());
        byte[] px = Files.readAllBytes(raw);
        assertThat(px).hasSize(320 * 240 * 3);
        int[][] expected = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
        for (int t = 0; t < 4; t++) {
            int x = (t % 2) * 160 + 80;
            int y = (t / 2) * 120 + 80; // below the overlay's line of text
            int o = (y * 320 + x) * 3;
            for (int ch = 0; ch < 3; ch++) {
                assertThat(px[o + ch] & 0xff).as("tile %d (%s), channel %d", t, colours[t], ch)
                        .isCloseTo(expected[t][ch], org.assertj.core.data.Offset.offset(40));
            }
        }
    }
}
