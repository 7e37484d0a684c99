package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.testers.RtpReceiverTester;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/** {@code cvmmap-streamer rtp-receiver-tester} (docs/specs/streamer.md §8). */
@Command(name = "rtp-receiver-tester", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Binds UDP, validates RTP version/payload type/sequence, counts packets.%n"
                + "Exit: 0 threshold met, 3 payload-type mismatch, 4 threshold not met, 124 timeout (no packet).")
public final class RtpReceiverTesterCommand implements Callable<Integer> {
    @Option(names = "--port", required = true, description = "UDP port to bind.")
    int port;
    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String bind;
    @Option(names = "--expect-pt", defaultValue = "96", description = "Expected payload type (default ${DEFAULT-VALUE}).")
    int expectPt;
    @Option(names = "--packet-threshold", defaultValue = "100", description = "Packets needed to pass (default ${DEFAULT-VALUE}).")
    long threshold;
    @Option(names = "--timeout-ms", defaultValue = "10000", description = "Deadline, ms (default ${DEFAULT-VALUE}).")
    long timeoutMs;
    @Option(names = "--progress-ms", defaultValue = "1000", description = "Progress line period, ms; 0 = off (default ${DEFAULT-VALUE}).")
    long progressMs;

    @Override
    public Integer call() {
        if (port < 1 || port > 65535) {
            throw new ConfigException("--port", port, "must be in 1..65535");
        }
        if (expectPt < 0 || expectPt > 127) {
            throw new ConfigException("--expect-pt", expectPt, "must be in 0..127");
        }
        if (threshold < 1) {
            throw new ConfigException("--packet-threshold", threshold, "must be >= 1");
        }
        if (timeoutMs < 1) {
            throw new ConfigException("--timeout-ms", timeoutMs, "must be >= 1");
        }
        try {
            return new RtpReceiverTester(new RtpReceiverTester.Settings(bind, port, expectPt, threshold, timeoutMs,
                    progressMs)).run().exitCode();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind UDP " + bind + ":" + port + ": " + e.getMessage(), e);
        }
    }
}
