package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --http-listen}: two streams of one {@code run --config} process on {@code /metrics},
 * {@code /healthz}, {@code /readyz}, judged by Prometheus's own tools — Debian's {@code promtool check
 * metrics} on the exposition, and a real {@code prometheus} server started here that scrapes the
 * process every second and whose query API must show {@code cvmmap_frames_encoded_total} growing.
 */
class ObserveEndpointsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }


    @Test
    void metricsPassPromtoolAndARealPrometheusScrapesThem() throws Exception {
        long pid = ProcessHandle.current().pid();
        int http = Streamers.freeTcpPort();
        Path file = dir.resolve("streams.yaml");
        Files.writeString(file, """
                defaults: {codec: h264, input-mode: dummy, dummy-width: 160, dummy-height: 120, rtp: true, status-interval-ms: 0}
                no-nats: true
                http-listen: "127.0.0.1:%1$d"
                streams:
                  a: {dummy-label: ob-a-%2$d, rtp-endpoint: "127.0.0.1:%3$d"}
                  b: {dummy-label: ob-b-%2$d, rtp-endpoint: "127.0.0.1:%4$d"}
                """.formatted(http, pid, Streamers.freeUdpPort(), Streamers.freeUdpPort()));
        String base = "http://127.0.0.1:" + http;
        RunCommand cmd = new RunCommand();
        cmd.config = file;
        Process prometheus = null;
        try (LogCapture log = LogCapture.open()) {
            CompletableFuture<Integer> exit = Streamers.onThread("run", cmd::call);
            try {
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_ob-a-" + pid + " ")).isTrue();
                assertThat(log.await(20_000, "event=encoder_confirmed key=cvmmap_ob-b-" + pid + " ")).isTrue();
                assertThat(log.lines()).anyMatch(l -> l.contains("event=http_listening listen=127.0.0.1:" + http));

                HttpResponse<String> health = get(base + "/healthz");
                assertThat(health.statusCode()).isEqualTo(200);
                HttpResponse<String> ready = get(base + "/readyz");
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).contains("a ready playing=true", "b ready playing=true");

                HttpResponse<String> metrics = get(base + "/metrics");
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.body())
                        .containsPattern("cvmmap_frames_encoded_total\\{key=\"cvmmap_ob-a-" + pid + "\",stream=\"a\"} [1-9]")
                        .containsPattern("cvmmap_stream_playing\\{key=\"cvmmap_ob-b-" + pid + "\",stream=\"b\"} 1")
                        .containsPattern("cvmmap_encoder_info\\{encoder=\"x264enc\",key=\"cvmmap_ob-a-" + pid + "\",reason=\"[^\"]*\",stream=\"a\"} 1")
                        .containsPattern("cvmmap_output_bytes_total\\{key=\"cvmmap_ob-a-" + pid + "\",output=\"rtp\",stream=\"a\"} [1-9]")
                        .containsPattern("cvmmap_encode_latency_seconds_bucket\\{key=\"cvmmap_ob-a-" + pid
                                + "\",stream=\"a\",le=\"\\+Inf\"} [1-9]")
                        .containsPattern("cvmmap_encode_latency_seconds_count\\{key=\"cvmmap_ob-b-" + pid + "\",stream=\"b\"} [1-9]")
                        .containsPattern("cvmmap_ingest_latency_seconds_count\\{key=\"cvmmap_ob-a-" + pid + "\",stream=\"a\"} [1-9]")
                        .contains("cvmmap_recorder_recording{format=\"mp4\"", "jvm_memory_used_bytes");

                // Prometheus's linter on the exposition
                Path exposition = dir.resolve("metrics.txt");
                Files.writeString(exposition, metrics.body());
                Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true)
                        .redirectInput(exposition.toFile()).start();
                String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(promtool.waitFor()).as("promtool check metrics: " + lint).isZero();

                // a real Prometheus scraping the process every second
                int promPort = Streamers.freeTcpPort();
                Path config = dir.resolve("prometheus.yml");
                Files.writeString(config, """
                        global: {scrape_interval: 1s, evaluation_interval: 1s}
                        scrape_configs:
                          - job_name: cvmmap-streamer
                            static_configs: [{targets: ["127.0.0.1:%d"]}]
                        """.formatted(http));
                prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
                String query = "http://127.0.0.1:" + promPort + "/api/v1/query?query="
                        + URLEncoder.encode("cvmmap_frames_encoded_total{stream=\"a\"}", StandardCharsets.UTF_8);
                double first = awaitValue(query, -1, prometheus);
                double later = awaitValue(query, first, prometheus);
                assertThat(later).as("frames encoded, as Prometheus scraped them").isGreaterThan(first);
                System.out.println("prometheus: cvmmap_frames_encoded_total{stream=\"a\"} " + first + " → " + later);
            } finally {
                if (prometheus != null) {
                    prometheus.destroy();
                    prometheus.waitFor(10, TimeUnit.SECONDS);
                }
                cmd.stopAll();
                assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
            }
            assertThatThrownBy(() -> get(base + "/healthz")).as("the endpoints close with the process")
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    /**
     * Polls Prometheus's query API (it scrapes every second) until the query has a value above
     * {@code above}; fails after 30 s or when Prometheus has exited.
     */
    private static double awaitValue(String query, double above, Process prometheus) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            assertThat(prometheus.isAlive()).as("prometheus running").isTrue();
            try {
                JsonNode r = JSON.readTree(get(query).body()).path("data").path("result");
                if (r.size() == 1) {
                    double v = r.get(0).path("value").get(1).asDouble();
                    if (v > above) {
                        return v;
                    }
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250); // polling an external server's API: no event to wait on
        }
        throw new AssertionError("no value above " + above + " for " + query + " within 30 s");
    }
}
