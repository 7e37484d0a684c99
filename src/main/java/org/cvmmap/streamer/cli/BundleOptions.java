package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.record.bundle.BundlePlan;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.record.bundle.BundleWriter;
import org.cvmmap.streamer.util.ConfigException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The options {@code record-bundle} and {@code bundle} share: the output and how cameras are bundled. */
final class BundleOptions {
    /** A label: a topic segment and a JSON key as they are. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Option(names = "--output", required = true, paramLabel = "FILE.mcap", description = "The bundled MCAP (must not exist; its folder must).")
    Path output;
    @Option(names = "--label", paramLabel = "L", description = "A camera's label, one per input in order (default: the input's instance name / file name).")
    List<String> labels = new ArrayList<>();
    @Option(names = "--bundle-policy", paramLabel = "nearest|strict|copy", defaultValue = "nearest", description = "nearest: one bundle per frame of the slowest camera, each camera's nearest frame; strict: only bundles whose every member is within --sync-tolerance-ms; copy: every camera at its own cadence, no /bundle (default ${DEFAULT-VALUE}).")
    String policy;
    @Option(names = "--sync-tolerance-ms", paramLabel = "MS", defaultValue = "10", description = "strict: the largest distance of a member from the bundle time (default ${DEFAULT-VALUE}).")
    double toleranceMs;
    @Option(names = "--copy-range", paramLabel = "common|full", defaultValue = "common", description = "copy: frames of the common range only, or all (default ${DEFAULT-VALUE}).")
    String copyRange;
    @Option(names = "--start-frame", paramLabel = "N", defaultValue = "0", description = "First bundle index kept, from the common start (default ${DEFAULT-VALUE}).")
    int startFrame;
    @Option(names = "--end-frame", paramLabel = "M", defaultValue = "-1", description = "Last bundle index kept, inclusive; -1 = to the end (default ${DEFAULT-VALUE}).")
    int endFrame;
    @Option(names = "--codec", paramLabel = "h264|h265", defaultValue = "h264", description = "The video codec (default ${DEFAULT-VALUE}).")
    String codec;
    @Option(names = "--compression", paramLabel = "none|zstd|lz4", defaultValue = "zstd", description = "Chunk compression of the bundled MCAP (depth images shrink several times; the video does not) (default ${DEFAULT-VALUE}).")
    String compression;

    /**
     * Checks the options against the inputs.
     *
     * @param defaults each input's default label
     * @return the labels to use
     * @throws ConfigException naming the option and value (exit 2)
     */
    List<String> validate(List<String> defaults) {
        BundlePlan.Policy p = policy();
        if (p == BundlePlan.Policy.STRICT && !(toleranceMs >= 0)) {
            throw new ConfigException("--sync-tolerance-ms", toleranceMs, "must be >= 0");
        }
        range();
        compression();
        if (!codec.equals("h264") && !codec.equals("h265")) {
            throw new ConfigException("--codec", codec, "must be h264 or h265");
        }
        if (startFrame < 0 || (endFrame >= 0 && endFrame < startFrame)) {
            throw new ConfigException("--end-frame", endFrame, "must be -1 or >= --start-frame " + startFrame);
        }
        if (!labels.isEmpty() && labels.size() != defaults.size()) {
            throw new ConfigException("--label", String.join(",", labels), "give one per input (" + defaults.size() + ") or none");
        }
        List<String> out = labels.isEmpty() ? defaults : labels;
        Set<String> seen = new HashSet<>();
        for (String l : out) {
            if (!LABEL.matcher(l).matches()) {
                throw new ConfigException("--label", l, "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}");
            }
            if (!seen.add(l)) {
                throw new ConfigException("--label", l, "names two inputs: give each its own");
            }
        }
        if (Files.exists(output)) {
            throw new ConfigException("--output", output, "exists already: give a new file");
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ConfigException("--output", output, "its folder does not exist");
        }
        return out;
    }

    BundlePlan.Policy policy() {
        try {
            return BundlePlan.Policy.parse(policy);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--bundle-policy", policy, "must be nearest, strict or copy");
        }
    }

    ChunkCompression compression() {
        try {
            return ChunkCompression.parse(compression);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--compression", compression, "must be none, zstd or lz4");
        }
    }

    /** What {@link BundleWriter} is told. */
    BundleWriter.Settings settings() {
        return new BundleWriter.Settings(policy(), Math.round(toleranceMs * 1e6), range(), startFrame, endFrame,
                codec.equals("h265"), compression());
    }

    BundlePlan.CopyRange range() {
        return switch (copyRange) {
            case "common" -> BundlePlan.CopyRange.COMMON;
            case "full" -> BundlePlan.CopyRange.FULL;
            default -> throw new ConfigException("--copy-range", copyRange, "must be common or full");
        };
    }

    /**
     * Writes the bundled file and prints one summary line.
     *
     * @return 0, or 6 when it cannot be written (the reason printed)
     */
    int write(List<BundleWriter.Camera> cameras, PrintWriter out, PrintWriter err) {
        try {
            BundleWriter.Result r = BundleWriter.write(cameras, output, settings());
            StringBuilder frames = new StringBuilder();
            StringBuilder depth = new StringBuilder();
            for (int i = 0; i < cameras.size(); i++) {
                frames.append(i == 0 ? "" : ",").append(cameras.get(i).label()).append(':').append(r.framesWritten()[i]);
                depth.append(i == 0 ? "" : ",").append(cameras.get(i).label()).append(':').append(r.depthWritten()[i]);
            }
            out.printf("bundle output=%s policy=%s reference=%s bundles=%d dropped=%d frames=%s depth=%s compression=%s "
                            + "common_start_ns=%d common_end_ns=%d%n", output, policy, r.plan().reference(),
                    r.plan().bundles().size(), r.plan().dropped(), frames, depth, compression().cliName(),
                    r.plan().commonStartNs(), r.plan().commonEndNs());
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 6;
        }
    }
}
