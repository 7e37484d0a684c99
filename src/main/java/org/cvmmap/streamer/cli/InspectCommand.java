package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.mcap.McapSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer inspect FILE.mcap}: one logfmt line for the file, one per topic (schema,
 * messages, time range, rate), and for a bundled file the bundle count and index range and, per
 * camera, how far its members lie from the bundle times. Exit 0; 3 when the file is not MCAP; 6 when
 * it cannot be read; 4 when it is cut off (what was read is still printed).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "What an MCAP file holds: topics, counts, time range, per-camera rate, bundle statistics.%n"
                + "Exit codes: 0 ok, 2 bad option, 3 not MCAP, 4 cut off (printed up to there), 6 cannot be read or "
                + "the preview not made.")
public final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "FILE", description = "An MCAP file.")
    Path file;
    @picocli.CommandLine.Option(names = "--export-preview", paramLabel = "PNG", description = "Also write one frame of one camera as a PNG picture (with --camera-label, --frame-index).")
    Path preview;
    @picocli.CommandLine.Option(names = "--camera-label", paramLabel = "L", description = "The camera of --export-preview (topic /L/video).")
    String label;
    @picocli.CommandLine.Option(names = "--frame-index", paramLabel = "N", defaultValue = "0", description = "The frame of --export-preview, from the camera's first (default ${DEFAULT-VALUE}).")
    long frameIndex;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        McapSummary s;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            s = McapSummary.of(in);
        } catch (McapReader.NotMcapException e) {
            spec.commandLine().getErr().println("error: " + file + ": " + e.getMessage());
            return 3;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + file + ": " + e.getMessage());
            return 6;
        }
        out.printf("file=%s complete=%s stop=\"%s\" topics=%d%n", file, s.read().complete(), s.read().stop(), s.topics().size());
        for (McapSummary.Topic t : s.topics()) {
            out.printf("topic=%s schema=%s messages=%d first_ns=%d last_ns=%d duration_s=%.3f rate_hz=%.2f%n", t.topic(),
                    t.schema().isEmpty() ? "none" : t.schema(), t.messages(), t.firstNs(), t.lastNs(),
                    t.messages() == 0 ? 0 : (t.lastNs() - t.firstNs()) / 1e9, t.rateHz());
        }
        if (s.bundles() > 0) {
            out.printf("bundles=%d index_first=%d index_last=%d%n", s.bundles(), s.bundleIndexRange()[0],
                    s.bundleIndexRange()[1]);
            s.members().forEach((label, m) -> out.printf("members camera=%s count=%d missing=%d max_skew_ms=%.3f "
                    + "mean_skew_ms=%.3f%n", label, m.members(), m.missing(), m.maxSkewNs() / 1e6, m.meanSkewMs()));
        }
        if (preview != null) {
            if (label == null) {
                throw new org.cvmmap.streamer.util.ConfigException("--camera-label", "(missing)", "--export-preview needs the camera");
            }
            try {
                org.cvmmap.streamer.pipeline.GstRuntime.init();
                int[] wh = org.cvmmap.streamer.record.McapPreview.export(file, label, frameIndex, preview);
                out.printf("preview camera=%s frame=%d output=%s size=%dx%d%n", label, frameIndex, preview, wh[0], wh[1]);
            } catch (IOException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return 6;
            }
        }
        out.flush();
        return s.read().complete() ? 0 : 4;
    }
}
