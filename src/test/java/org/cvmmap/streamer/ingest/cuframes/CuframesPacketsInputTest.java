package org.cvmmap.streamer.ingest.cuframes;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.NativePeer;
import org.cvmmap.streamer.support.Streamers;
import org.cvmmap.streamer.util.ExitCodes;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.ElementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cuframes inputs. {@code --input-uri cuframes-packets://KEY} end to end: a cuframespacketsink publisher in its own
 * gst-launch-1.0 process (it encodes), the streamer re-publishing its access units to RTP without
 * an encoder, Debian's ffmpeg decoding the streamer's SDP. The publisher's shutdown ends the
 * streamer with exit 0.
 */
class CuframesPacketsInputTest {
    private static final int W = 320;
    private static final int H = 240;
    private static Path pluginDir;

    @BeforeAll
    static void plugin() {
        pluginDir = GstRuntime.pluginDir();
        assertThat(pluginDir.resolve("libgstcuframes.so")).as("built by mvn compile (gst-plugins/cuframes)").exists();
    }

    /** A gst-launch publisher of {@code frames} live frames into the ring of {@code key}. */
    private static Process publisher(String codec, String key, Path runtimeDir, int frames) throws IOException {
        String enc = codec.equals("h264") ? "x264enc" : "x265enc";
        ProcessBuilder pb = new ProcessBuilder("gst-launch-1.0", "-q", "-e", "videotestsrc", "is-live=true", "num-buffers=" + frames,
                "pattern=ball", "!", "video/x-raw,width=" + W + ",height=" + H + ",framerate=30/1,format=I420", "!", enc,
                "tune=zerolatency", "key-int-max=30", "speed-preset=ultrafast", "!", codec + "parse", "!",
                "video/x-" + codec + ",stream-format=byte-stream,alignment=au", "!", "cuframespacketsink", "key=" + key,
                "runtime-dir=" + runtimeDir).redirectErrorStream(true);
        pb.environment().put("GST_PLUGIN_PATH", pluginDir.toString());
        return pb.start();
    }

    /**
     * Stops a process; a publisher gets SIGINT first (gst-launch -e: EOS, so cuframespacketsink shuts
     * its ring down and removes it and its socket).
     */
    private static void stop(Process p) throws InterruptedException, IOException {
        if (p != null && p.isAlive()) {
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                NativePeer.stop(p); // SIGTERM, then SIGKILL
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"h264, h264, rtph264pay", "h265, hevc, rtph265pay"})
    void republishesTheRingToRtpWithoutAnEncoder(String codec, String ffmpegName, String payloader, @TempDir Path dir)
            throws Exception {
        String key = "e2e-" + codec + "-" + ProcessHandle.current().pid();
        Path run = dir.resolve("run");
        Path sdp = dir.resolve("stream.sdp");
        int port = Streamers.freeUdpPort();
        StreamerApp app = new StreamerApp(StreamerConfig.builder()
                .inputUri("cuframes-packets://" + key + "?runtime-dir=" + run).codec(codec)
                .rtp(true).rtpEndpoint("127.0.0.1:" + port).rtpSdp(sdp).statusIntervalMs(0).build());
        List<String> factories = new CopyOnWriteArrayList<>();
        List<String> encoders = new CopyOnWriteArrayList<>();
        app.addTap((pipeline, gen) -> {
            for (Element e : pipeline.getElements()) {
                ElementFactory f = e.getFactory();
                factories.add(f.getName());
                if (f.getKlass().contains("Encoder")) {
                    encoders.add(f.getName());
                }
            }
        });
        CompletableFuture<Integer> exit = Streamers.start(app);
        Process pub = null;
        Process dec = null;
        try {
            Streamers.awaitFile(sdp, 10_000);
            Path raw = dir.resolve("frames.yuv");
            dec = new ProcessBuilder("ffmpeg", "-hide_banner", "-nostdin", "-protocol_whitelist", "file,udp,rtp",
                    "-i", sdp.toString(), "-frames:v", "60", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-y", raw.toString())
                    .redirectErrorStream(true).start();
            // ffmpeg has opened the SDP (and bound the port) when it prints its input section.
            CountDownLatch opened = new CountDownLatch(1);
            StringBuilder decOut = new StringBuilder();
            Process d = dec;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(d.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (decOut) {
                            decOut.append(line).append('\n');
                        }
                        if (line.contains("Input #0")) {
                            opened.countDown();
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            reader.start();
            long cpuBefore = cpuNanos();
            pub = publisher(codec, key, run, 240);
            assertThat(dec.waitFor(60, TimeUnit.SECONDS)).as("ffmpeg finished").isTrue();
            reader.join(5000);
            String out;
            synchronized (decOut) {
                out = decOut.toString();
            }
            assertThat(dec.exitValue()).as(out).isZero();
            assertThat(Files.size(raw)).as(out).isEqualTo(60L * W * H * 3 / 2);
            assertThat(out).contains("Video: " + ffmpegName).contains(W + "x" + H);
            assertThat(pub.waitFor(30, TimeUnit.SECONDS)).as("publisher sent its 240 frames").isTrue();
            // The publisher's shutdown flag → EOS → the streamer ends by itself, with 0.
            assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(ExitCodes.OK);
            long cpuMs = (cpuNanos() - cpuBefore) / 1_000_000;
            System.out.printf("cuframes-packets %s: streamer JVM CPU %d ms for %d access units%n", codec, cpuMs,
                    app.stats().accessUnits.get());
        } finally {
            app.requestStop("test done");
            stop(dec);
            stop(pub);
        }
        assertThat(factories).contains("cuframespacketsrc", codec + "parse", payloader);
        assertThat(encoders).as("no encoder in the graph").isEmpty();
        assertThat(app.stats().encoder()).isEqualTo("none");
        assertThat(app.stats().accessUnits.get()).isBetween(60L, 240L);
        assertThat(app.stats().framesIn.get()).isEqualTo(app.stats().accessUnits.get());
        assertThat(Path.of("/dev/shm/cuframes-" + key + "-packets")).doesNotExist();
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    @Test
    void aRingOfAnotherCodecIsAConfigErrorNamingCodec(@TempDir Path dir) throws Exception {
        String key = "e2e-mismatch-" + ProcessHandle.current().pid();
        Path run = dir.resolve("run");
        Process pub = publisher("h265", key, run, 100_000);
        try {
            Path ring = Path.of("/dev/shm/cuframes-" + key + "-packets");
            Streamers.awaitFile(ring, 10_000);
            StreamerApp app = new StreamerApp(StreamerConfig.builder()
                    .inputUri("cuframes-packets://" + key + "?runtime-dir=" + run).codec("h264")
                    .rtp(true).rtpEndpoint("127.0.0.1:" + Streamers.freeUdpPort()).statusIntervalMs(0).build());
            assertThat(app.run()).isEqualTo(ExitCodes.CONFIG);
        } finally {
            stop(pub);
        }
        assertThat(Path.of("/dev/shm/cuframes-" + key + "-packets")).as("removed by the publisher at EOS").doesNotExist();
        assertThat(run.resolve(key + ".sock")).doesNotExist();
    }

    /**
     * {@code cuframes://KEY} builds cuframessrc → x264enc → RTP. With the driver check standing in for
     * a GPU, the graph is built; without a real one (CI) cuframessrc then fails at start with "CUDA is
     * not available", on a GPU machine with no publisher after its timeout: either way the supervisor
     * gives up after --max-restarts with exit 6, having built the frames graph.
     */
    @Test
    void framesInputBuildsCuframessrcIntoTheEncodeGraph(@TempDir Path dir) {
        StreamerApp app = new StreamerApp(StreamerConfig.builder()
                .inputUri("cuframes://nopublisher?runtime-dir=" + dir).codec("h264").maxRestarts(0)
                .rtp(true).rtpEndpoint("127.0.0.1:5004").statusIntervalMs(0).build(), GstRuntime::hasElement, () -> null);
        List<String> factories = new CopyOnWriteArrayList<>();
        app.addTap((pipeline, gen) -> pipeline.getElements().forEach(e -> factories.add(e.getFactory().getName())));
        assertThat(app.run()).isEqualTo(ExitCodes.RUNTIME);
        assertThat(factories).contains("cuframessrc", "videoconvert", "x264enc", "h264parse", "rtph264pay");
        assertThat(app.stats().encoder()).isEqualTo("x264enc");
    }

    /** No CUDA driver: exit 5 before any graph is built, not a rebuild loop ending in 6. */
    @Test
    void aFramesInputWithoutCudaExitsFiveAtOnce(@TempDir Path dir) {
        StreamerApp app = new StreamerApp(StreamerConfig.builder()
                .inputUri("cuframes://nopublisher?runtime-dir=" + dir).codec("h264").maxRestarts(10)
                .rtp(true).rtpEndpoint("127.0.0.1:5004").statusIntervalMs(0).build(), GstRuntime::hasElement,
                () -> "libcuda.so.1 cannot be loaded (no NVIDIA driver on this machine)");
        List<String> graphs = new CopyOnWriteArrayList<>();
        app.addTap((pipeline, gen) -> graphs.add("gen " + gen));
        assertThat(app.run()).isEqualTo(ExitCodes.PIPELINE_INIT);
        assertThat(graphs).as("no graph built").isEmpty();
        assertThat(app.stats().restarts.get()).isZero();
    }

    @Test
    void withoutThePluginTheExitCodeIs5() {
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputUri("cuframes-packets://nokey").codec("h264")
                .rtp(true).rtpEndpoint("127.0.0.1:5004").statusIntervalMs(0).build(), f -> !f.startsWith("cuframes"));
        assertThat(app.run()).isEqualTo(ExitCodes.PIPELINE_INIT);
    }
}
