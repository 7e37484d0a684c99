package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.cvmmap.streamer.testers.RtmpStubTester;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cvmmap-streamer rtmp-stub-tester} (docs/specs/streamer.md §8). */
@Command(name = "rtmp-stub-tester", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A minimal RTMP server: accepts one publisher, checks every video tag's packaging against --mode, "
                + "counts frames.%nExit: 0 threshold met, 4 too few frames, 6 mode mismatch, 7 protocol error, 124 timeout.")
public final class RtmpStubTesterCommand implements Callable<Integer> {
    @Option(names = "--mode", required = true, description = "h264 | h265-enhanced | h265-domestic")
    String mode;
    @Option(names = "--listen-host", defaultValue = "127.0.0.1", description = "Address (default ${DEFAULT-VALUE}).")
    String host;
    @Option(names = "--listen-port", defaultValue = "1935", description = "TCP port (default ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--video-threshold", defaultValue = "30", description = "Coded frames needed (default ${DEFAULT-VALUE}).")
    long threshold;
    @Option(names = "--timeout-ms", defaultValue = "15000", description = "Deadline, ms (default ${DEFAULT-VALUE}).")
    long timeoutMs;
    @Option(names = "--dump", paramLabel = "PATH", description = "Write what was received as an FLV file.")
    Path dump;

    /** @throws ConfigException naming {@code --mode} for an unknown mode */
    static VideoPackaging packaging(String mode) {
        return switch (mode) {
            case "h264" -> VideoPackaging.AVC;
            case "h265-enhanced" -> VideoPackaging.HEVC_ENHANCED;
            case "h265-domestic" -> VideoPackaging.HEVC_DOMESTIC;
            default -> throw new ConfigException("--mode", mode, "must be h264, h265-enhanced or h265-domestic");
        };
    }

    @Override
    public Integer call() {
        VideoPackaging p = packaging(mode);
        if (port < 0 || port > 65535) {
            throw new ConfigException("--listen-port", port, "must be in 0..65535");
        }
        if (threshold < 1) {
            throw new ConfigException("--video-threshold", threshold, "must be >= 1");
        }
        try {
            return new RtmpStubTester(new RtmpStubTester.Settings(p, host, port, threshold, timeoutMs, dump)).run().exitCode();
        } catch (IOException e) {
            throw new UncheckedIOException("rtmp-stub-tester on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }
}
