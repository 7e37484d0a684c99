package org.cvmmap.streamer.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.control.ControlService;
import org.cvmmap.streamer.control.ProcessControlPlane;
import org.cvmmap.streamer.record.Recorder;
import org.cvmmap.streamer.record.bundle.BundleRecorder;
import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.util.Logging;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer run --config FILE}: every stream of a streams config in this one process,
 * each with its own ingest, graph, outputs, recorders and NATS endpoints, each failing alone. SIGHUP
 * ({@link #reload()}) and the NATS endpoint {@code cvmmap.process.<instance-id>.reload}
 * ({@link ProcessControlPlane}) read the file again: added streams start, removed ones stop cleanly,
 * changed ones (another command line) stop and start again, the others are not touched.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs every stream of a streams config (YAML; keys are the long flag names without --) in this "
                + "one process, each with its own ingest, graph, outputs, recorders and NATS endpoints. A stream that "
                + "ends (or fails) leaves the others running; the process ends when all have. SIGHUP reads the file "
                + "again: added streams start, removed ones stop cleanly, changed ones restart, the rest go on "
                + "untouched (a file with a mistake is refused, the running streams kept); so does a request to the NATS "
                + "subject cvmmap.process.<instance-id>.reload (ctl reload --instance ID).%n"
                + "Exit codes: 0 every stream ended cleanly, 2 bad config file (nothing started), else the first "
                + "non-zero exit code a stream ended with.")
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(RunCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The streams config (YAML).")
    Path config;

    /** One running stream. */
    private record Running(StreamsConfig.Entry entry, StreamerApp app, Thread thread) {
    }

    /** /metrics, /healthz, /readyz of the process (--http-listen, a process-level key). */
    private volatile Observe observe = Observe.start("off");

    private final Map<String, Running> running = new LinkedHashMap<>();
    /** The config's bundles as read at start (their NATS endpoints are made once). */
    private final Map<String, BundleRecorder> bundles = new LinkedHashMap<>();
    private List<StreamsConfig.BundleEntry> bundleEntries = List.of();
    private final List<StreamerApp> stoppedByReload = new ArrayList<>();
    private int firstFailure = ExitCodes.OK;
    private int reloading;
    private boolean stopping;

    /**
     * What a reload did.
     *
     * @param added     streams started
     * @param changed   streams stopped and started again (another command line)
     * @param removed   streams stopped
     * @param unchanged streams not touched
     */
    public record ReloadResult(List<String> added, List<String> changed, List<String> removed, int unchanged) {
    }

    @Override
    public Integer call() throws InterruptedException {
        List<StreamsConfig.Entry> streams = StreamsConfig.load(config);
        bundleEntries = StreamsConfig.loadBundles(config, streams);
        for (StreamsConfig.BundleEntry b : bundleEntries) {
            bundles.put(b.name(), new BundleRecorder(b.name(), b.members(), this::mcapRecorder, b.settings()));
        }
        if (!streams.isEmpty()) {
            Logging.configure(streams.get(0).command().logFormat, streams.get(0).command().logLevel);
        }
        Signals.onStop(this::stopAll);
        Signals.onReload(this::reload);
        LOG.info("event=streams_starting file={} streams={}", config,
                String.join(",", streams.stream().map(StreamsConfig.Entry::name).toList()));
        // the process-level keys (NATS, instance id) are the same in every stream's configuration
        StreamerConfig first = streams.isEmpty() ? null : streams.get(0).config();
        ProcessControlPlane plane = first == null || first.nats() == null ? null
                : new ProcessControlPlane(first.nats(), first.instanceId(), new NatsProcess());
        if (plane != null) {
            plane.start();
        }
        observe = Observe.start(streams.isEmpty() ? "off" : streams.get(0).command().httpListen);
        try {
            synchronized (this) {
                streams.forEach(this::start);
                while (!running.isEmpty() || reloading > 0) {
                    wait();
                }
                return firstFailure;
            }
        } finally {
            if (plane != null) {
                plane.close();
            }
            observe.close();
        }
    }

    /** The NATS {@code reload} and {@code streams} endpoints of this process. */
    private final class NatsProcess implements ProcessControlPlane.Process {
        @Override
        public Map<String, Object> reload() {
            ReloadResult r;
            try {
                r = apply();
            } catch (ConfigException e) {
                LOG.error("event=reload_refused file={} cause=\"{}\" action=\"running streams kept\" via=nats", config,
                        e.getMessage());
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (r == null) {
                throw new IllegalArgumentException("the process is stopping");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", config.toString());
            m.put("added", r.added());
            m.put("changed", r.changed());
            m.put("removed", r.removed());
            m.put("unchanged", r.unchanged());
            return m;
        }

        @Override
        public List<String> bundles() {
            return List.copyOf(bundles.keySet());
        }

        @Override
        public ControlService.Reply bundleCommand(String bundle, String action, byte[] request) {
            BundleRecorder b = bundles.get(bundle);
            return ControlService.recorderCommand(action, request, b, () -> {
                StreamerApp first = app(b.members().get(0).stream());
                return first == null ? null : first.recordRoot();
            });
        }

        @Override
        public Map<String, Object> streams() {
            Map<String, Object> m = new LinkedHashMap<>();
            synchronized (RunCommand.this) {
                running.forEach((name, r) -> m.put(name, r.entry().config().input().natsKey()));
            }
            return Map.of("file", config.toString(), "streams", m);
        }
    }

    /** A running stream's MCAP recorder, or null. */
    private Recorder mcapRecorder(String stream) {
        StreamerApp a = app(stream);
        return a == null ? null : a.recorders().get(Recorder.Format.MCAP);
    }

    private synchronized StreamerApp app(String stream) {
        Running r = running.get(stream);
        return r == null ? null : r.app();
    }

    /**
     * Asks every stream to stop (SIGINT/SIGTERM); reloads are refused from then on. A bundle being
     * recorded is finished first (its streams' recordings stopped, the bundled file written).
     */
    public void stopAll() {
        bundles.values().forEach(BundleRecorder::stop);
        stopAll0();
    }

    private synchronized void stopAll0() {
        stopping = true;
        running.values().forEach(r -> r.app().requestStop("signal"));
    }

    /**
     * Reads the file again and applies the difference (SIGHUP). A file that does not validate is
     * refused with one line and changes nothing.
     */
    public void reload() {
        try {
            apply();
        } catch (ConfigException e) {
            LOG.error("event=reload_refused file={} cause=\"{}\" action=\"running streams kept\"", config, e.getMessage());
        }
    }

    /**
     * Reads the file again and applies the difference: removed and changed streams are stopped (and
     * joined), then added and changed ones started.
     *
     * @return what was done, or null when the process is stopping (nothing done)
     * @throws ConfigException when the file does not validate (nothing changes)
     */
    ReloadResult apply() {
        List<StreamsConfig.Entry> next = StreamsConfig.load(config);
        List<StreamsConfig.BundleEntry> nextBundles = StreamsConfig.loadBundles(config, next);
        if (!nextBundles.equals(bundleEntries)) {
            LOG.warn("event=reload_bundles_kept file={} cause=\"bundles are read at start; restart the process to apply "
                    + "changed bundles\"", config);
        }
        List<Running> toStop = new ArrayList<>();
        List<StreamsConfig.Entry> toStart = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        synchronized (this) {
            if (stopping) {
                return null;
            }
            reloading++;
            Map<String, StreamsConfig.Entry> byName = new LinkedHashMap<>();
            next.forEach(e -> byName.put(e.name(), e));
            for (Running r : running.values()) {
                StreamsConfig.Entry e = byName.get(r.entry().name());
                if (e == null || !e.args().equals(r.entry().args())) {
                    (e == null ? removed : changed).add(r.entry().name());
                    toStop.add(r);
                    stoppedByReload.add(r.app());
                    r.app().requestStop(e == null ? "removed from " + config : "changed in " + config);
                }
            }
            for (StreamsConfig.Entry e : next) {
                Running r = running.get(e.name());
                if (r == null) {
                    added.add(e.name());
                    toStart.add(e);
                } else if (changed.contains(e.name())) {
                    toStart.add(e);
                }
            }
        }
        try {
            for (Running r : toStop) {
                r.thread().join(); // the old one's files, NATS endpoints and key are released first
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (!stopping) {
                toStart.forEach(this::start);
            }
            reloading--;
            notifyAll();
        }
        int unchanged = next.size() - added.size() - changed.size();
        LOG.info("event=reload file={} added={} changed={} removed={} unchanged={}", config, names(added), names(changed),
                names(removed), unchanged);
        return new ReloadResult(added, changed, removed, unchanged);
    }

    private static String names(List<String> l) {
        return l.isEmpty() ? "-" : String.join(",", l);
    }

    /** Starts one stream on its own thread (caller holds the lock). */
    private void start(StreamsConfig.Entry e) {
        StreamerApp app = new StreamerApp(e.config());
        Runnable unobserve = observe.add(app.view(e.name()));
        Thread t = new Thread(() -> {
            int code = app.run();
            unobserve.run();
            ended(e, app, code);
        }, "stream-" + e.name());
        running.put(e.name(), new Running(e, app, t));
        t.start();
    }

    private synchronized void ended(StreamsConfig.Entry e, StreamerApp app, int code) {
        Running r = running.get(e.name());
        if (r != null && r.app() == app) {
            running.remove(e.name());
        }
        boolean replaced = stoppedByReload.remove(app);
        if (code != ExitCodes.OK && !replaced && firstFailure == ExitCodes.OK) {
            firstFailure = code;
        }
        LOG.info("event=stream_ended stream={} key={} exit_code={} cause={}", e.name(), e.config().input().streamKey(), code,
                replaced ? "reload" : "ended");
        notifyAll();
    }
}
