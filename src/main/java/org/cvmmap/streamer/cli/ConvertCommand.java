package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.record.McapToMp4;
import org.cvmmap.streamer.util.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer convert FILE.mcap|FILE.mp4}: each camera of an MCAP recording to an MP4, or an
 * MP4's video track to a one-camera MCAP, remuxed (no re-encode), next to the input by default
 * ({@code foo.mcap} → {@code foo_<label>.mp4}; {@code foo.mp4} → {@code foo.mcap}). Exit 0; 2 for a bad
 * option or an output that exists; 6 when the input cannot be read or an output written.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Converts without re-encoding: an MCAP recording's cameras to MP4 files (foo.mcap -> foo_<label>.mp4 "
                + "next to it, or in --output DIR), or an MP4 to a one-camera MCAP (foo.mp4 -> foo.mcap).%n"
                + "Exit codes: 0 ok, 2 bad option or existing output, 6 read/write failure.")
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(paramLabel = "INPUT", description = "An MCAP recording (--record-mcap, record-bundle, bundle) or an MP4 file.")
    Path input;
    @Option(names = "--output", paramLabel = "PATH", description = "A folder for the MP4 files, or, with one camera (--camera-label), the MP4 file.")
    Path output;
    @Option(names = "--camera-label", paramLabel = "L", description = "MCAP input: only this camera (the topic /L/video). MP4 input: the camera's label (default the file name).")
    String label;
    @Option(names = "--time-base-ns", paramLabel = "NS", defaultValue = "0", description = "MP4 input: the Unix-epoch time of the first frame, ns; an MP4 holds times from 0 (default ${DEFAULT-VALUE}).")
    long timeBaseNs;
    @Option(names = "--start-frame", paramLabel = "N", defaultValue = "0", description = "First frame kept per camera, from its first (default ${DEFAULT-VALUE}); the MP4 starts at the keyframe before it.")
    long startFrame;
    @Option(names = "--end-frame", paramLabel = "M", defaultValue = "-1", description = "Last frame kept, inclusive; -1 = to the end (default ${DEFAULT-VALUE}).")
    long endFrame;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isReadable(input)) {
            throw new ConfigException("INPUT", input, "cannot be read");
        }
        String name = input.getFileName().toString();
        if (name.endsWith(".mp4")) {
            return fromMp4(name.substring(0, name.length() - ".mp4".length()), out, err);
        }
        if (!name.endsWith(".mcap")) {
            throw new ConfigException("INPUT", input, "must be an .mcap or .mp4 file");
        }
        if (startFrame < 0 || (endFrame >= 0 && endFrame < startFrame)) {
            throw new ConfigException("--end-frame", endFrame, "must be -1 or >= --start-frame " + startFrame);
        }
        String stem = name.substring(0, name.length() - ".mcap".length());
        Path folder = input.toAbsolutePath().getParent();
        Path single = null;
        if (output != null) {
            if (Files.isDirectory(output)) {
                folder = output;
            } else if (label != null) {
                single = output;
            } else {
                throw new ConfigException("--output", output, "is not a folder: with several cameras give a folder, or "
                        + "--camera-label for one file");
            }
        }
        Path dir = folder;
        Path file = single;
        long size;
        try {
            size = Files.size(input);
        } catch (IOException e) {
            throw new ConfigException("INPUT", input, "cannot be read: " + e.getMessage());
        }
        try (Progress p = Progress.start("convert " + name, size, "bytes", out)) {
            GstRuntime.init();
            List<McapToMp4.Result> results = McapToMp4.convert(input, label,
                    l -> file != null ? file : McapToMp4.defaultOutput(dir, input, l), startFrame, endFrame, p::set);
            for (McapToMp4.Result r : results) {
                out.printf("converted camera=%s output=%s frames=%d duration_s=%.3f%n", r.label(), r.output(), r.frames(),
                        (r.lastNs() - r.firstNs()) / 1e9);
            }
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return e instanceof org.cvmmap.streamer.util.ExclusiveFile.CreateException ? 2 : 6;
        }
    }

    private int fromMp4(String stem, PrintWriter out, PrintWriter err) {
        Path target = output != null ? (Files.isDirectory(output) ? output.resolve(stem + ".mcap") : output)
                : input.toAbsolutePath().resolveSibling(stem + ".mcap");
        String camera = label != null ? label : stem;
        try (Progress p = Progress.start("convert " + input.getFileName(), 0, "frames", out)) {
            GstRuntime.init();
            org.cvmmap.streamer.record.Mp4ToMcap.Result r = org.cvmmap.streamer.record.Mp4ToMcap.convert(input, target,
                    camera, timeBaseNs, p::set);
            out.printf("converted camera=%s output=%s frames=%d codec=%s duration_s=%.3f%n", camera, r.output(), r.frames(),
                    r.codec().cliName(), (r.lastNs() - timeBaseNs) / 1e9);
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return e instanceof org.cvmmap.streamer.util.ExclusiveFile.CreateException ? 2 : 6;
        }
    }
}
