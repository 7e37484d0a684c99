package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.record.bundle.BundlePlan;
import org.cvmmap.streamer.record.bundle.BundleWriter;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.util.ConfigException;
import picocli.CommandLine.Option;

/**
 * How cameras are bundled into one MCAP (policy, tolerance, range, codec, compression): the options of
 * {@code record-bundle} and {@code bundle}, and the keys of a {@code bundles:} entry of a streams config
 * (their long names without --), so each default is defined once, here.
 */
final class BundlePolicyOptions {
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
     * Checks the values.
     *
     * @throws ConfigException naming the option and value (exit 2)
     */
    void validate() {
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
}
