package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.support.Logfmt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --log-format text|json}: a whole streamer run in its own process, every line of its stderr
 * parsed — logfmt with {@code ts level thread logger} first, or a JSON object whose message is logfmt.
 */
class LogFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"text", "json"})
    void everyLineOfARunParses(String format) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--input-mode", "dummy", "--dummy-label", "lf-" + format + "-" + ProcessHandle.current().pid(),
                "--dummy-width", "160", "--dummy-height", "120", "--dummy-frames", "30", "--codec", "h264",
                "--rtp", "--rtp-endpoint", "127.0.0.1:9", "--no-nats", "--http-listen", "off",
                "--status-interval-ms", "200", "--log-format", format).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).hasSizeGreaterThan(5).anyMatch(l -> l.contains("event=exit"));
        for (String l : lines) {
            String message;
            if (format.equals("json")) {
                JsonNode n = JSON.readTree(l);
                assertThat(n.path("ts").asText()).as(l).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
                assertThat(n.path("level").asText()).as(l).isNotEmpty();
                message = n.path("message").asText();
            } else {
                Map<String, String> m = Logfmt.parse(l);
                assertThat(List.copyOf(m.keySet()).subList(0, 4)).as(l).containsExactly("ts", "level", "thread", "logger");
                message = l;
            }
            assertThat(Logfmt.parse(message)).as(l).containsKey("event");
        }
    }
}
