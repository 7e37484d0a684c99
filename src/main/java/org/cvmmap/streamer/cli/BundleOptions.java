package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.record.bundle.BundlePlan;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.record.bundle.BundleWriter;
import org.cvmmap.streamer.util.ConfigException;
import picocli.CommandLine.Mixin;
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

/** The options {@code record-bundle} and {@code bundle} share: the output, labels and how cameras are bundled. */
final class BundleOptions {
    /** A label: a topic segment and a JSON key as they are. */
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Option(names = "--output", required = true, paramLabel = "FILE.mcap", description = "The bundled MCAP (must not exist; its folder must).")
    Path output;
    @Option(names = "--label", paramLabel = "L", description = "A camera's label, one per input in order (default: the input's instance name / file name).")
    List<String> labels = new ArrayList<>();
    @Mixin
    BundlePolicyOptions policy = new BundlePolicyOptions();

    /**
     * Checks the options against the inputs.
     *
     * @param defaults each input's default label
     * @return the labels to use
     * @throws ConfigException naming the option and value (exit 2)
     */
    List<String> validate(List<String> defaults) {
        policy.validate();
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

    /**
     * Writes the bundled file and prints one summary line.
     *
     * @return 0, or 6 when it cannot be written (the reason printed)
     */
    int write(List<BundleWriter.Camera> cameras, PrintWriter out, PrintWriter err) {
        try {
            BundleWriter.Result r = BundleWriter.write(cameras, output, policy.settings());
            StringBuilder frames = new StringBuilder();
            StringBuilder depth = new StringBuilder();
            for (int i = 0; i < cameras.size(); i++) {
                frames.append(i == 0 ? "" : ",").append(cameras.get(i).label()).append(':').append(r.framesWritten()[i]);
                depth.append(i == 0 ? "" : ",").append(cameras.get(i).label()).append(':').append(r.depthWritten()[i]);
            }
            out.printf("bundle output=%s policy=%s reference=%s bundles=%d dropped=%d frames=%s depth=%s compression=%s "
                            + "common_start_ns=%d common_end_ns=%d%n", output, policy.policy, r.plan().reference(),
                    r.plan().bundles().size(), r.plan().dropped(), frames, depth, policy.compression().cliName(),
                    r.plan().commonStartNs(), r.plan().commonEndNs());
            out.flush();
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 6;
        }
    }
}
