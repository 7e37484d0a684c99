package org.cvmmap.streamer.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer run --config FILE}: every stream of a streams config in this one process,
 * each with its own ingest, graph, outputs, recorders and NATS endpoints, each failing alone.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs every stream of a streams config (YAML; keys are the long flag names without --) in this "
                + "one process, each with its own ingest, graph, outputs, recorders and NATS endpoints. A stream that "
                + "ends (or fails) leaves the others running; the process ends when all have.%n"
                + "Exit codes: 0 every stream ended cleanly, 2 bad config file (nothing started), else the first "
                + "non-zero exit code of a stream, in file order.")
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(RunCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The streams config (YAML).")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        List<StreamsConfig.Entry> streams = StreamsConfig.load(config);
        List<StreamerApp> apps = new ArrayList<>();
        for (StreamsConfig.Entry e : streams) {
            apps.add(new StreamerApp(e.config()));
        }
        Signals.onStop(() -> apps.forEach(a -> a.requestStop("signal")));
        int[] codes = new int[apps.size()];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            int n = i;
            String name = streams.get(i).name();
            Thread t = new Thread(() -> {
                codes[n] = apps.get(n).run();
                LOG.info("event=stream_ended stream={} key={} exit_code={}", name,
                        streams.get(n).config().input().streamKey(), codes[n]);
            }, "stream-" + name);
            threads.add(t);
        }
        LOG.info("event=streams_starting file={} streams={}", config,
                String.join(",", streams.stream().map(StreamsConfig.Entry::name).toList()));
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        for (int c : codes) {
            if (c != ExitCodes.OK) {
                return c;
            }
        }
        return ExitCodes.OK;
    }
}
