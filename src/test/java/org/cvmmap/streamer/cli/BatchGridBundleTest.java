package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.McapCheck;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code batch bundle} and {@code batch grid} over a dataset of two segments, each holding two one-camera
 * MCAP recordings: every segment bundled into {@code <segment>_bundle.mcap} (read by @mcap/core: both
 * cameras, a {@code /bundle} per bundle); a truncated bundle found by {@code --probe-existing} and written
 * again; then each bundle made a 2×2 mosaic MP4 by a hardware and a software worker (a stand-in element,
 * openh264enc, as the hardware encoder: NVENC is not on CI), which ffprobe reads at 160×120.
 */
class BatchGridBundleTest {

    @TempDir
    Path dir;

    private static int batch(StringWriter out, String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(out, true));
    }

    private static JsonNode bundleCheck(Path file) throws Exception {
        return McapCheck.bundleCheck(file);
    }

    @Test
    void segmentsAreBundledThenGriddedOnMixedPoolsAndATruncatedBundleIsRequeued() throws Exception {
        GstRuntime.init();
        long pid = ProcessHandle.current().pid();
        Path data = Files.createDirectory(dir.resolve("dataset"));
        // two cameras recorded at the same time, the segments copies of them
        java.util.List<java.util.concurrent.CompletableFuture<Integer>> runs = new java.util.ArrayList<>();
        for (String cam : new String[]{"cam1", "cam2"}) {
            runs.add(Streamers.start(new StreamerApp(StreamerConfig.builder().inputMode("dummy").dummyLabel(cam + "-" + pid)
                    .dummyWidth(160).dummyHeight(120).dummyFrames(45).codec("h264").nats(false).statusIntervalMs(0)
                    .recordMcap(dir.resolve(cam + ".mcap")).build())));
        }
        for (java.util.concurrent.CompletableFuture<Integer> r : runs) {
            assertThat(r.get(60, TimeUnit.SECONDS)).isZero();
        }
        for (String cam : new String[]{"cam1", "cam2"}) {
            for (String seg : new String[]{"seg0", "seg1"}) {
                Files.createDirectories(data.resolve(seg));
                Files.copy(dir.resolve(cam + ".mcap"), data.resolve(seg).resolve(cam + ".mcap"));
            }
        }
        // two recordings that share no time: bundling them fails with the reason, the others go on
        Path apart = Files.createDirectories(data.resolve("apart"));
        Files.copy(dir.resolve("cam1.mcap"), apart.resolve("cam1.mcap"));
        StreamerApp later = new StreamerApp(StreamerConfig.builder().inputMode("dummy").dummyLabel("cam3-" + pid)
                .dummyWidth(160).dummyHeight(120).dummyFrames(10).codec("h264").nats(false).statusIntervalMs(0)
                .recordMcap(apart.resolve("cam3.mcap")).build());
        assertThat(Streamers.start(later).get(60, TimeUnit.SECONDS)).isZero();
        StringWriter failing = new StringWriter();
        assertThat(batch(failing, "batch", "bundle", "--segment-dir", apart.toString())).isEqualTo(6);
        assertThat(failing.toString()).contains("no bundle: the recordings share no time", "failed=1");
        assertThat(apart.resolve("apart_bundle.mcap")).doesNotExist();
        org.cvmmap.streamer.util.FileTrees.delete(apart);

        StringWriter bundled = new StringWriter();
        assertThat(batch(bundled, "batch", "bundle", "--root", data.toString(), "--recursive", "--jobs", "2"))
                .as(bundled.toString()).isZero();
        assertThat(bundled.toString()).contains("batch task=bundle items=2 done=2 skipped=0 failed=0");
        for (String seg : new String[]{"seg0", "seg1"}) {
            JsonNode j = bundleCheck(data.resolve(seg).resolve(seg + "_bundle.mcap"));
            assertThat(j.path("topics").has("/cam1/video")).as(j.path("topics").toString().replaceAll("\\[[^]]*\\]", "[]")).isTrue();
            assertThat(j.path("topics").has("/cam2/video")).isTrue();
            assertThat(j.path("bundles").size()).isPositive();
            assertThat(j.path("compression").toString()).isEqualTo("[\"zstd\"]");
        }

        // a truncated bundle: skipped as existing, found by reading it, written again
        Path cut = data.resolve("seg1").resolve("seg1_bundle.mcap");
        byte[] whole = Files.readAllBytes(cut);
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));
        StringWriter again = new StringWriter();
        assertThat(batch(again, "batch", "bundle", "--root", data.toString(), "--recursive")).isZero();
        assertThat(again.toString()).contains("done=0 skipped=2 failed=0");
        StringWriter probe = new StringWriter();
        assertThat(batch(probe, "batch", "bundle", "--root", data.toString(), "--recursive", "--probe-existing"))
                .as(probe.toString()).isZero();
        assertThat(probe.toString()).contains("seg1 action=bundle status=unreadable", "done=1 skipped=1 failed=0");
        bundleCheck(cut);

        // grid over the bundles on one hardware and one software worker
        StringWriter grid = new StringWriter();
        assertThat(batch(grid, "batch", "grid", "--root", data.toString(), "--recursive", "--pattern", "*_bundle.mcap",
                "--hardware-jobs", "1", "--software-jobs", "1", "--hardware-encoder", "openh264enc"))
                .as(grid.toString()).isZero();
        assertThat(grid.toString()).contains("batch task=grid items=2 done=2 skipped=0 failed=0")
                .contains("encoder=openh264enc pool=hardware").contains("encoder=x264enc pool=software");
        for (String seg : new String[]{"seg0", "seg1"}) {
            assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), data.resolve(seg).resolve(seg + "_bundle_grid.mp4")))
                    .as(seg).contains("codec_name=h264", "width=160", "height=120");
        }
    }
}
