package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.testers.TesterExitCodes;

import org.cvmmap.streamer.testers.LatencyBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cvmmap-streamer bench-latency}: publish → RTP-receive latency (a benchmark, not a test). */
@Command(name = "bench-latency", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs the built-in producer, the streamer and an RTP receiver in one process and prints "
                + "publish->RTP-receive latency percentiles. Exit 7 if no access unit could be matched to a frame.")
public final class BenchLatencyCommand implements Callable<Integer> {
    @Option(names = "--width", defaultValue = "1280") int width;
    @Option(names = "--height", defaultValue = "720") int height;
    @Option(names = "--fps", defaultValue = "30") int fps;
    @Option(names = "--seconds", defaultValue = "20") int seconds;
    @Option(names = "--warmup-frames", defaultValue = "60") int warmup;
    @Option(names = "--codec", defaultValue = "h264") String codec;
    @Option(names = "--pipeline", description = "Pipeline descriptor with a payloader named \"pay\" (default: the "
            + "streamer's own built-in graph, from the jar).")
    Path pipeline;

    @Override
    public Integer call() throws Exception {
        LatencyBench.Result r = new LatencyBench(new LatencyBench.Settings(width, height, fps, seconds, warmup, codec,
                pipeline)).run();
        System.out.printf("latency %dx%d@%d %s: samples=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f dropped=%d torn=%d%n",
                width, height, fps, codec, r.samples(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.dropped(), r.torn());
        return r.samples() > 0 ? TesterExitCodes.OK : TesterExitCodes.PROTOCOL;
    }
}
