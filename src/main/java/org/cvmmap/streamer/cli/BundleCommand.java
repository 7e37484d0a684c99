package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.record.bundle.BundleWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer bundle --input A.mcap --input B.mcap … --output OUT.mcap}: one bundled MCAP
 * (docs/mcap_layout.md) from one-camera MCAP recordings, offline. Exit 0; 2 for a bad option (named
 * with its value); 6 when an input cannot be read or the output written.
 */
@Command(name = "bundle", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Bundles one-camera MCAP recordings (--record-mcap) into one MCAP: /<label>/video per camera and a "
                + "/bundle message per bundle (docs/mcap_layout.md).%nExit codes: 0 ok, 2 bad option, 6 an input or the "
                + "output failed.")
public final class BundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--input", required = true, paramLabel = "FILE.mcap", description = "A one-camera MCAP recording; repeat per camera.")
    List<Path> inputs;
    @Mixin
    BundleOptions options;

    @Override
    public Integer call() {
        List<String> defaults = new ArrayList<>();
        for (Path p : inputs) {
            defaults.add(p.getFileName().toString().replaceFirst("\\.mcap$", ""));
        }
        List<String> labels = options.validate(defaults);
        List<BundleWriter.Camera> cams = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            cams.add(new BundleWriter.Camera(labels.get(i), inputs.get(i)));
        }
        return options.write(cams, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
