package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.testers.TesterExitCodes;

import org.cvmmap.streamer.testers.FlvChecker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cvmmap-streamer flv-check --mode MODE FILE}: a received FLV checked tag by tag. */
@Command(name = "flv-check", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Checks an FLV file tag by tag: onMetaData first (videocodecid of the mode), sequence header "
                + "before the first coded frame, keyframe first, every video tag in the mode's packaging, time never "
                + "going back. Prints one line per tag with --tags.%n"
                + "Exit: 0 conforming, 4 no coded frame, 6 another packaging, 7 broken structure.")
public final class FlvCheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--mode", required = true, description = "h264 | h265-enhanced | h265-domestic")
    String mode;
    @Option(names = "--tags", description = "Print every tag.")
    boolean tags;
    @Parameters(paramLabel = "FILE", description = "The FLV file.")
    Path file;

    @Override
    public Integer call() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: FILE=" + file + ": cannot be read ("
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
            return TesterExitCodes.CONFIG;
        }
        FlvChecker.Report r = FlvChecker.check(bytes, RtmpStubTesterCommand.packaging(mode));
        PrintWriter out = spec.commandLine().getOut();
        if (tags) {
            r.lines().forEach(out::println);
        }
        out.printf("flv-check file=%s mode=%s tags=%d coded_frames=%d keyframes=%d sequence_starts=%d sequence_ends=%d "
                        + "exit_code=%d%s%n", file, mode, r.lines().size(), r.codedFrames(), r.keyframes(),
                r.sequenceStarts(), r.sequenceEnds(), r.exitCode(), r.problem() == null ? "" : " problem=\"" + r.problem() + "\"");
        out.flush();
        return r.exitCode();
    }
}
