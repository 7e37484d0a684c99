package org.cvmmap.streamer.record.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvmmap.streamer.cli.Main;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.McapCheck;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rig of four built-in producers at 30, 30, 15 and 29.97 fps recorded for 10 s by {@code
 * record-bundle} (nearest), then bundled again offline from the same one-camera recordings with
 * {@code bundle} under strict and copy. Every producer publishes v2 LEFT+DEPTH; the files are written
 * with zstd (nearest, the default), none (strict) and lz4 (copy) chunks. Each file is read by the MCAP project's reader
 * ({@code test-peers/bundle-check.mjs}, @mcap/core), which the assertions judge: nearest → one bundle
 * per frame of the slowest camera, every member within half its camera's frame period of the bundle
 * time; strict → every member within the tolerance, the others dropped; copy → each camera at its own
 * count and cadence, no {@code /bundle}; every depth image holds the producer's values pixel for pixel.
 */
class RigBundleTest {
    private static final String[] LABELS = {"cam1", "cam2", "cam3", "cam4"};
    private static final double[] FPS = {30, 30, 15, 29.97};
    private static final long RECORD_S = 10;

    @TempDir
    Path dir;

    private static JsonNode check(Path file) throws Exception {
        return McapCheck.bundleCheck(file);
    }

    private static int cli(StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        int rc = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(rc).as(String.join(" ", args) + "\n" + out + err).isZero();
        return rc;
    }

    private static long[] times(JsonNode topic) {
        long[] t = new long[topic.path("logTimes").size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = Long.parseLong(topic.path("logTimes").get(i).asText());
        }
        return t;
    }

    @Test
    void fourCamerasBundledNearestStrictAndCopyAsAnIndependentReaderSeesThem() throws Exception {
        GstRuntime.init();
        long pid = ProcessHandle.current().pid();
        List<DummyProducer> producers = new ArrayList<>();
        List<CompletableFuture<Long>> runs = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("record-bundle"));
        // a synchronized rig: genlocked to one origin, so 30, 30 and 15 fps are in phase and the 29.97 fps
        // camera drifts away from them by 1 ms a second
        long origin = org.cvmmap.streamer.util.WallClock.nowNanos() + 500_000_000L;
        try {
            for (int i = 0; i < LABELS.length; i++) {
                String instance = "rig" + i + "-" + pid;
                DummyProducer p = new DummyProducer(new DummyProducer.Settings(new CvmmapTarget(instance,
                        CvmmapTarget.DEFAULT_NAMESPACE, CvmmapTarget.DEFAULT_PREFIX), 160, 120, FPS[i], 0,
                        DummyProducer.Pattern.MOVING, 0, origin, true));
                producers.add(p);
                runs.add(Streamers.onThread("producer-" + i, p::run));
                args.addAll(List.of("--input", "cvmmap://" + instance, "--label", LABELS[i]));
            }
            Path nearest = dir.resolve("nearest.mcap");
            args.addAll(List.of("--output", nearest.toString(), "--duration-seconds", Long.toString(RECORD_S), "--keep-parts"));
            StringWriter out = new StringWriter();
            cli(out, args.toArray(String[]::new));
            assertThat(out.toString()).contains("policy=nearest reference=cam3");

            Path parts = Path.of(nearest + ".parts");
            List<String> offline = new ArrayList<>(List.of("bundle"));
            for (String l : LABELS) {
                offline.addAll(List.of("--input", parts.resolve(l + ".mcap").toString()));
            }
            Path strict = dir.resolve("strict.mcap");
            StringWriter strictOut = new StringWriter();
            List<String> s = new ArrayList<>(offline);
            s.addAll(List.of("--output", strict.toString(), "--bundle-policy", "strict", "--sync-tolerance-ms", "5",
                    "--compression", "none"));
            cli(strictOut, s.toArray(String[]::new));
            Path copy = dir.resolve("copy.mcap");
            List<String> c = new ArrayList<>(offline);
            c.addAll(List.of("--output", copy.toString(), "--bundle-policy", "copy", "--copy-range", "full",
                    "--compression", "lz4"));
            cli(new StringWriter(), c.toArray(String[]::new));

            // nearest: one bundle per frame of the slowest camera between the first and last bundle
            JsonNode n = check(nearest);
            assertThat(n.path("compression").toString()).isEqualTo("[\"zstd\"]");
            assertThat(out.toString()).contains("compression=zstd");
            // depth: each camera's images, every pixel the producer's, at the times of its video frames
            for (String l : LABELS) {
                JsonNode depth = n.path("topics").path("/" + l + "/depth");
                int video = n.path("topics").path("/" + l + "/video").path("messages").asInt();
                assertThat(depth.path("schema").asText()).as(l).isEqualTo("foxglove.RawImage");
                assertThat(depth.path("width").asInt()).isEqualTo(160);
                assertThat(depth.path("height").asInt()).isEqualTo(120);
                assertThat(depth.path("messages").asInt()).as(l + " depth images vs video frames")
                        .isBetween(video * 9 / 10, video + video / 10);
                assertThat(depth.path("depthPixelsChecked").asLong()).isEqualTo(depth.path("messages").asLong() * (160 * 120 - 1));
                assertThat(depth.path("withoutVideo").asInt()).as(l + " depth images whose frame was dropped")
                        .isLessThanOrEqualTo(video / 20);
            }
            JsonNode bundles = n.path("bundles");
            long[] ref = times(n.path("topics").path("/cam3/video"));
            long first = Long.parseLong(bundles.get(0).path("timestamp_ns").asText());
            long last = Long.parseLong(bundles.get(bundles.size() - 1).path("timestamp_ns").asText());
            long refFrames = java.util.Arrays.stream(ref).filter(t -> t >= first && t <= last).count();
            assertThat((long) bundles.size()).as("bundles = frames of the 15 fps camera").isEqualTo(refFrames)
                    .isGreaterThanOrEqualTo(15 * (RECORD_S - 2));
            // every member is its camera's message nearest to the bundle time (recomputed here from what the
            // reader saw) and, but where the camera itself lost frames (a loaded machine drops some at the
            // latest-frame queue), within half its frame period
            int[] beyondHalf = new int[LABELS.length];
            for (int b = 0; b < bundles.size(); b++) {
                JsonNode bundle = bundles.get(b);
                assertThat(bundle.path("bundle_index").asInt()).isEqualTo(b);
                long t = Long.parseLong(bundle.path("timestamp_ns").asText());
                for (int i = 0; i < LABELS.length; i++) {
                    long member = Long.parseLong(bundle.path("members").path(LABELS[i]).asText());
                    long[] cam = times(n.path("topics").path("/" + LABELS[i] + "/video"));
                    long nearestDistance = java.util.Arrays.stream(cam).map(x -> Math.abs(x - t)).min().orElseThrow();
                    assertThat(cam).as("a message of " + LABELS[i]).contains(member);
                    assertThat(Math.abs(member - t)).as("bundle %d, %s: the nearest frame", b, LABELS[i])
                            .isEqualTo(nearestDistance);
                    if (Math.abs(member - t) > Math.round(1e9 / FPS[i] / 2) + 1_000_000) {
                        beyondHalf[i]++;
                    }
                }
            }
            for (int i = 0; i < LABELS.length; i++) {
                assertThat(beyondHalf[i]).as(LABELS[i] + ": members beyond half a frame period (lost frames)")
                        .isLessThanOrEqualTo(bundles.size() / 20);
            }

            // inspect says what the independent reader saw
            StringWriter inspected = new StringWriter();
            cli(inspected, "inspect", nearest.toString());
            for (String l : LABELS) {
                assertThat(inspected.toString()).contains("topic=/" + l + "/video schema=foxglove.CompressedVideo messages="
                        + n.path("topics").path("/" + l + "/video").path("messages").asInt() + " ");
                assertThat(inspected.toString()).contains("members camera=" + l + " count=" + bundles.size() + " missing=0 ");
            }
            assertThat(inspected.toString()).contains("complete=true", "bundles=" + bundles.size() + " index_first=0 index_last="
                    + (bundles.size() - 1));

            // convert: each camera remuxed to an MP4 that ffprobe counts as many frames in
            Path mp4s = Files.createDirectory(dir.resolve("mp4"));
            StringWriter converted = new StringWriter();
            cli(converted, "convert", nearest.toString(), "--output", mp4s.toString());
            assertThat(converted.toString()).contains("event=progress_start task=\"convert nearest.mcap\"", "event=progress_done");
            for (String l : LABELS) {
                Path mp4 = mp4s.resolve("nearest_" + l + ".mp4");
                assertThat(org.cvmmap.streamer.support.Peers.countFrames(new ProcessBuilder("ffprobe"), mp4)).as(l)
                        .contains("codec_name=h264", "width=160", "height=120",
                                "nb_read_frames=" + n.path("topics").path("/" + l + "/video").path("messages").asInt());
            }

            // and back: one MP4 to a one-camera MCAP that @mcap/core reads whole, placed at a given time
            Path back = dir.resolve("cam1-back.mcap");
            cli(new StringWriter(), "convert", mp4s.resolve("nearest_cam1.mp4").toString(), "--output", back.toString(),
                    "--camera-label", "cam1", "--time-base-ns", "1700000000000000000");
            JsonNode backCheck = McapCheck.check(back, null);
            assertThat(backCheck.path("ok").asBoolean()).as(backCheck.toString()).isTrue();
            assertThat(backCheck.path("messages").asInt()).isEqualTo(n.path("topics").path("/cam1/video").path("messages").asInt());
            assertThat(backCheck.path("firstLogTime").asText()).isEqualTo("1700000000000000000");
            assertThat(backCheck.path("topics").has("/cam1/video")).isTrue();

            // grid of the four cameras of the MCAP, in sync from the earliest start, 3 s of it
            Path grid = dir.resolve("grid.mp4");
            StringWriter gridOut = new StringWriter();
            cli(gridOut, "grid", "--mcap", nearest.toString(), "--output", grid.toString(), "--duration-seconds", "3");
            assertThat(gridOut.toString()).contains("inputs=4 layout=2x2 size=160x120");
            String probed = org.cvmmap.streamer.support.Peers.countFrames(new ProcessBuilder("ffprobe"), grid);
            assertThat(probed).contains("codec_name=h264", "width=160", "height=120");
            int gridFrames = Integer.parseInt(probed.replaceAll("(?s).*nb_read_frames=(\\d+).*", "$1"));
            assertThat(gridFrames).as("3 s at 30 fps").isBetween(85, 95);

            // strict: every member within 5 ms; the dropped ones are what nearest had more: the drifting
            // camera's frames pass the tolerance for its first 5 s only
            JsonNode st = check(strict);
            assertThat(st.path("compression").toString()).isEqualTo("[\"\"]");
            for (JsonNode bundle : st.path("bundles")) {
                long t = Long.parseLong(bundle.path("timestamp_ns").asText());
                for (Iterator<Map.Entry<String, JsonNode>> it = bundle.path("members").fields(); it.hasNext(); ) {
                    assertThat(Math.abs(Long.parseLong(it.next().getValue().asText()) - t)).isLessThanOrEqualTo(5_000_000);
                }
            }
            int dropped = Integer.parseInt(strictOut.toString().replaceAll("(?s).*dropped=(\\d+).*", "$1"));
            assertThat(st.path("bundles").size() + dropped).isEqualTo(bundles.size());
            assertThat(st.path("bundles").size()).as("strict bundles kept").isPositive();
            assertThat(dropped).as("strict bundles dropped").isPositive();

            // copy: no /bundle, each camera at its own cadence
            JsonNode cp = check(copy);
            assertThat(cp.path("compression").toString()).isEqualTo("[\"lz4\"]");
            for (String l : LABELS) {
                assertThat(cp.path("topics").path("/" + l + "/depth").path("depthPixelsChecked").asLong()).as(l).isPositive();
            }
            assertThat(cp.path("topics").has("/bundle")).isFalse();
            for (int i = 0; i < LABELS.length; i++) {
                long[] t = times(cp.path("topics").path("/" + LABELS[i] + "/video"));
                double meanMs = (t[t.length - 1] - t[0]) / 1e6 / (t.length - 1);
                assertThat(meanMs).as(LABELS[i] + " mean frame interval, ms").isCloseTo(1000 / FPS[i],
                        org.assertj.core.data.Percentage.withPercentage(3));
                assertThat((double) t.length).as(LABELS[i] + " frames").isGreaterThan(FPS[i] * (RECORD_S - 2));
            }
            System.out.printf("rig: nearest bundles=%d (members beyond half a period: %s), strict bundles=%d dropped=%d, "
                    + "copy frames=%s%n", bundles.size(), java.util.Arrays.toString(beyondHalf),
                    st.path("bundles").size(), dropped, List.of(LABELS).stream()
                            .map(l -> l + ":" + cp.path("topics").path("/" + l + "/video").path("messages").asInt()).toList());
        } finally {
            producers.forEach(DummyProducer::stop);
            for (CompletableFuture<Long> r : runs) {
                r.get(10, TimeUnit.SECONDS);
            }
            producers.forEach(DummyProducer::close);
        }
    }
}
