package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page in a real browser: Debian's Chromium, headless, loads {@code /} while two streams of
 * one {@code run --config} process run; the DOM it built must name both streams, show them playing
 * and hold one {@code <svg>} (the running encode graph) per stream. A screenshot is kept in
 * {@code target/status-page/status-page.png}. {@code /graph} and {@code --dump-graph} give the same
 * graph as dot text and SVG.
 */
class StatusPageBrowserTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Where the screenshot stays after the test (the build's output, not a temp folder). */
    static final Path SHOTS = Path.of("target", "status-page");

    @TempDir
    Path dir;


    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Headless Chromium with what it needs on a machine without a network (no background requests). */
    private List<String> chromium(String... args) {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + dir.resolve("chromium-profile")));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String run(List<String> cmd, Path log) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("Chromium cannot start (" + e.getMessage()
                    + "): install it (scripts/setup.sh: chromium); this test does not skip", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium ended").isTrue();
        assertThat(p.exitValue()).as("chromium: " + Files.readString(log)).isZero();
        return out;
    }

    @Test
    void chromiumShowsBothStreamsPlayingWithAPictureOfEachGraph() throws Exception {
        long pid = ProcessHandle.current().pid();
        int http = Streamers.freeTcpPort();
        Path graphs = Files.createDirectory(dir.resolve("graphs"));
        Path file = dir.resolve("streams.yaml");
        Files.writeString(file, """
                defaults: {codec: h264, input-mode: dummy, dummy-width: 320, dummy-height: 180, rtp: true, status-interval-ms: 0}
                no-nats: true
                http-listen: "127.0.0.1:%1$d"
                streams:
                  front: {dummy-label: sp-front-%2$d, rtp-endpoint: "127.0.0.1:%3$d", dump-graph: "%5$s"}
                  rear: {dummy-label: sp-rear-%2$d, codec: h265, rtp-endpoint: "127.0.0.1:%4$d"}
                """.formatted(http, pid, Streamers.freeUdpPort(), Streamers.freeUdpPort(), graphs));
        String base = "http://127.0.0.1:" + http;
        RunCommand cmd = new RunCommand();
        cmd.config = file;
        try (LogCapture log = LogCapture.open()) {
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            try {
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_sp-front-" + pid + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_sp-rear-" + pid + " ")).isTrue();

                String dom = run(chromium("--virtual-time-budget=2000", "--dump-dom", base + "/"), dir.resolve("dom.log"));
                for (String[] s : new String[][]{{"front", "GstX264Enc"}, {"rear", "GstX265Enc"}}) {
                    Matcher m = Pattern.compile("<section class=\"stream\" id=\"stream-" + s[0]
                            + "\" data-stream=\"" + s[0] + "\" data-state=\"(\\w+)\">(.*?)</section>", Pattern.DOTALL)
                            .matcher(dom);
                    assertThat(m.find()).as("a section for " + s[0] + " in the DOM Chromium built").isTrue();
                    assertThat(m.group(1)).as(s[0] + " state").isEqualTo("playing");
                    String section = m.group(2);
                    assertThat(Pattern.compile("<svg\\b").matcher(section).results().count()).as(s[0] + ": one <svg>")
                            .isEqualTo(1);
                    assertThat(section).as(s[0] + ": the graph names its encoder and sink (GStreamer type names)").contains(s[1], "GstUDPSink");
                    assertThat(section).contains("cvmmap_sp-" + s[0] + "-" + pid);
                }
                assertThat(dom).contains("2 streams");

                Files.createDirectories(SHOTS);
                Path png = SHOTS.resolve("status-page.png").toAbsolutePath();
                Files.deleteIfExists(png);
                run(chromium("--window-size=1280,2200", "--virtual-time-budget=2000", "--screenshot=" + png, base + "/"),
                        dir.resolve("shot.log"));
                byte[] head = Files.readAllBytes(png);
                assertThat(head.length).as("screenshot size").isGreaterThan(20_000);
                assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
                System.out.println("status page screenshot: " + png + " (" + head.length + " bytes)");

                // the same graph as dot text and SVG from /graph; an unknown stream is 404
                HttpResponse<String> dot = get(base + "/graph?stream=front&format=dot");
                assertThat(dot.statusCode()).isEqualTo(200);
                assertThat(dot.body()).startsWith("digraph").contains("GstX264Enc", "GstRtpH264Pay", "GstUDPSink");
                HttpResponse<String> svg = get(base + "/graph?stream=rear&format=svg");
                assertThat(svg.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
                assertThat(svg.body()).startsWith("<svg").contains("GstX265Enc");
                assertThat(get(base + "/graph?stream=nobody").statusCode()).isEqualTo(404);
                assertThat(get(base + "/nothing-here").statusCode()).isEqualTo(404);

                // --dump-graph: the graph as it played (caps negotiated), as dot and SVG
                String name = "cvmmap_sp-front-" + pid + "-gen1-playing";
                assertThat(log.await(10_000, "event=graph_dumped key=cvmmap_sp-front-" + pid)).isTrue();
                assertThat(Files.readString(graphs.resolve(name + ".dot"))).startsWith("digraph")
                        .contains("GstX264Enc", "video/x-h264");
                awaitFile(graphs.resolve(name + ".svg"));
                assertThat(Files.readString(graphs.resolve(name + ".svg"))).startsWith("<svg");
                try (var files = Files.list(graphs)) {
                    assertThat(files.map(p -> p.getFileName().toString())).as("only the stream with --dump-graph")
                            .allMatch(n -> n.startsWith("cvmmap_sp-front-"));
                }
            } finally {
                cmd.stopAll();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            }
        }
    }

    /** The SVG is rendered on its own thread after the dot file: wait until it is complete. */
    private static void awaitFile(Path p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (Files.exists(p) && Files.readString(p).contains("</svg>")) {
                return;
            }
            Thread.sleep(50); // a file written by a child process (dot): no event to wait on
        }
        throw new AssertionError(p + " not written within 15 s");
    }
}
