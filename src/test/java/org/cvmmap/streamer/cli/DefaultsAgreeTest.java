package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.config.StreamerConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A default is defined by the flag (picocli's {@code defaultValue}); what the configuration builder
 * assumes without it and what the README says are checked against it, so the three cannot drift.
 */
class DefaultsAgreeTest {
    private static StreamerConfig fromFlags(String... args) {
        StreamCommand c = new StreamCommand();
        new CommandLine(c).parseArgs(args);
        return c.toConfig();
    }

    @Test
    void theBuilderAssumesWhatTheFlagsDefaultTo() {
        assertThat(fromFlags("--input-mode", "dummy", "--codec", "h264", "--rtp", "--rtp-endpoint", "127.0.0.1:9",
                "--no-nats", "--instance-id", "i"))
                .isEqualTo(StreamerConfig.builder().inputMode("dummy").codec("h264").rtp(true)
                        .rtpEndpoint("127.0.0.1:9").nats(false).instanceId("i").build());
        StreamerConfig flags = fromFlags("--input-uri", "cvmmap://cam", "--codec", "h265", "--rtmp", "--rtmp-url",
                "rtmp://127.0.0.1/live/x", "--rtmp-mode", "enhanced", "--instance-id", "i");
        StreamerConfig builder = StreamerConfig.builder().inputUri("cvmmap://cam").codec("h265").rtmp(true)
                .rtmpUrl("rtmp://127.0.0.1/live/x").rtmpMode("enhanced").instanceId("i").build();
        assertThat(flags.rtmp().reconnectMinMs()).isEqualTo(builder.rtmp().reconnectMinMs());
        assertThat(flags.rtmp().reconnectMaxMs()).isEqualTo(builder.rtmp().reconnectMaxMs());
        assertThat(flags.nats()).isEqualTo(builder.nats());
        assertThat(flags.input()).isEqualTo(builder.input());
    }

    /** Every flag of the streamer is in the README; a default the README states is the flag's. */
    @Test
    void theReadmeNamesEveryFlagAndStatesItsDefaultsAsTheFlagsDefineThem() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<String> problems = new ArrayList<>();
        for (OptionSpec o : new CommandLine(new StreamCommand()).getCommandSpec().options()) {
            String name = o.longestName();
            if (name.equals("--help") || name.equals("--version")) {
                continue;
            }
            List<String> rows = readme.lines().filter(l -> l.startsWith("| `") && l.split("\\|")[1].contains(name + " ")
                    || l.startsWith("| `") && l.split("\\|")[1].contains(name + "`")).toList();
            if (rows.isEmpty()) {
                problems.add(name + ": no row in the README's flag tables");
                continue;
            }
            String row = rows.get(0);
            String[] cells = row.split("(?<!\\\\)\\|");
            boolean alone = cells[1].trim().chars().filter(ch -> ch == '`').count() <= 2; // one flag in the row
            Matcher m = Pattern.compile("\\(default `?([^`),;]+)`?[);]|^default `?([^`),; ]+)`?").matcher(cells[2].trim());
            if (alone && m.find() && o.defaultValue() != null) {
                String stated = m.group(1) != null ? m.group(1) : m.group(2);
                if (!stated.equals(o.defaultValue())) {
                    problems.add(name + ": README says default " + stated + ", the flag's is " + o.defaultValue());
                }
            }
        }
        assertThat(problems).isEmpty();
    }
}
