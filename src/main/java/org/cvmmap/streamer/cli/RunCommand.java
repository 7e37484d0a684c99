package org.cvmmap.streamer.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.control.ControlService;
import org.cvmmap.streamer.control.FleetAgent;
import org.cvmmap.streamer.control.FleetStore;
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
 * changed ones (another command line) stop and start again, the others are not touched. With
 * {@code --desired-state kv[:BUCKET]} ({@link FleetAgent}, docs/fleet.md) the process also runs the streams
 * the fleet's key-value bucket holds for its instance id, reconciled the same way on every change; a local
 * stream wins over a desired entry of the same name (the entry is refused, said in its observed state).
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

    @Option(names = "--config", paramLabel = "FILE", description = "The streams config (YAML). Optional with --desired-state.")
    Path config;
    @Option(names = "--desired-state", paramLabel = "kv[:BUCKET]", description = "Also run the streams the fleet's JetStream key-value bucket holds for this instance id (keys <instance-id>.<stream>; default bucket " + FleetStore.DESIRED + "), reconciled on every change (docs/fleet.md).")
    String desiredState;
    @Option(names = "--kv-replicas", paramLabel = "N", defaultValue = "1", description = "Copies of a bucket this process makes (a JetStream cluster: 3) (default ${DEFAULT-VALUE}).")
    int kvReplicas;
    @Option(names = "--instance-id", paramLabel = "ID", defaultValue = "${env:CVMMAP_INSTANCE_ID}", description = "This process on the cluster, without --config (with it, the file's instance-id). Default: env CVMMAP_INSTANCE_ID.")
    String instanceId;
    @picocli.CommandLine.Mixin
    NatsOptions natsFlags = new NatsOptions();

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
    /** The fleet's side of this process, with --desired-state. */
    private FleetAgent fleet;
    /** Desired streams that validated: name → entry (under the monitor). */
    private final Map<String, StreamsConfig.Entry> desiredEntries = new LinkedHashMap<>();
    /** Desired entries and their revisions, and why an entry was refused: name → state (under the monitor). */
    private final Map<String, FleetAgent.Desired> desiredRevisions = new LinkedHashMap<>();
    private final Map<String, String> desiredRefused = new LinkedHashMap<>();
    /** The revision of each desired entry that runs (the last one that validated). */
    private final Map<String, Long> desiredApplied = new LinkedHashMap<>();
    /** The process-level keys desired streams get (NATS, instance id): the file's, or the flags'. */
    private Map<String, Object> processKeys = Map.of();

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
        if (config == null && desiredState == null) {
            throw new ConfigException("--config", "(missing)", "give --config FILE and/or --desired-state kv[:BUCKET]");
        }
        List<StreamsConfig.Entry> streams = loadLocal();
        bundleEntries = config == null ? List.of() : StreamsConfig.loadBundles(config, streams);
        if (desiredState != null) {
            fleet = newFleetAgent(streams);
        }
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
        if (fleet != null) {
            org.cvmmap.streamer.pipeline.GstRuntime.init(); // before the first desired stream: it then starts without it
            fleet.start();
        }
        observe = Observe.start(streams.isEmpty() ? "off" : streams.get(0).command().httpListen);
        try {
            synchronized (this) {
                streams.forEach(this::start);
                while (!running.isEmpty() || reloading > 0 || (fleet != null && !stopping)) {
                    wait();
                }
                return firstFailure;
            }
        } finally {
            if (fleet != null) {
                fleet.close();
            }
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
        notifyAll(); // a process held open by --desired-state with no stream running ends too
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
        List<StreamsConfig.Entry> local = loadLocal();
        if (config != null) {
            List<StreamsConfig.BundleEntry> nextBundles = StreamsConfig.loadBundles(config, local);
            if (!nextBundles.equals(bundleEntries)) {
                LOG.warn("event=reload_bundles_kept file={} cause=\"bundles are read at start; restart the process to apply "
                        + "changed bundles\"", config);
            }
        }
        return apply(local);
    }

    /**
     * Applies the difference between what runs and {@code local} plus the desired entries that validated
     * (a local stream winning over a desired one of its name).
     */
    private ReloadResult apply(List<StreamsConfig.Entry> local) {
        List<StreamsConfig.Entry> next = new ArrayList<>(local);
        synchronized (this) {
            for (StreamsConfig.Entry e : desiredEntries.values()) {
                if (local.stream().noneMatch(l -> l.name().equals(e.name()))) {
                    next.add(e);
                }
            }
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
                    r.app().requestStop((e == null ? "removed from " : "changed in ")
                            + (config == null ? "the desired state" : config.toString()));
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
        LOG.info("event=reload file={} added={} changed={} removed={} unchanged={}", config == null ? "-" : config,
                names(added), names(changed), names(removed), unchanged);
        if (fleet != null) {
            removed.forEach(fleet::forget);
        }
        return new ReloadResult(added, changed, removed, unchanged);
    }

    /** The local streams: none without --config; with --desired-state the file may hold process keys only. */
    private List<StreamsConfig.Entry> loadLocal() {
        if (config == null) {
            return List.of();
        }
        return desiredState != null ? StreamsConfig.loadHost(config) : StreamsConfig.load(config);
    }

    /** The fleet agent: NATS and instance id from the file (its process keys), else from the flags. */
    private FleetAgent newFleetAgent(List<StreamsConfig.Entry> streams) {
        if (!desiredState.equals("kv") && !desiredState.startsWith("kv:")) {
            throw new ConfigException("--desired-state", desiredState, "must be kv or kv:BUCKET");
        }
        String bucket = desiredState.equals("kv") ? FleetStore.DESIRED : desiredState.substring(3);
        if (!bucket.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException("--desired-state", desiredState, "the bucket name must match [A-Za-z0-9_-]{1,64}");
        }
        if (kvReplicas < 1 || kvReplicas > 5) {
            throw new ConfigException("--kv-replicas", kvReplicas, "must be within 1..5");
        }
        org.cvmmap.streamer.config.NatsConfig nats;
        String id;
        Map<String, Object> keys = new LinkedHashMap<>();
        if (config != null) {
            Map<String, Object> fileKeys = StreamsConfig.processKeys(config);
            // the process keys as a stream of this file would get them (env overrides, defaults, checks):
            // a stand-in stream that is never started
            StreamerConfig first = streams.isEmpty() ? StreamsConfig.fromDocument(config.toString(), "process",
                    "{\"input-mode\":\"dummy\",\"codec\":\"h264\",\"rtp\":true,\"rtp-endpoint\":\"127.0.0.1:9\"}",
                    fileKeys).config() : streams.get(0).config();
            if (first.nats() == null) {
                throw new ConfigException("--desired-state", desiredState, "needs NATS, which " + config + " turns off");
            }
            nats = first.nats();
            id = first.instanceId();
            keys.putAll(fileKeys);
        } else {
            if (instanceId == null || instanceId.isBlank()) {
                throw new ConfigException("--instance-id", "(missing)", "--desired-state without --config needs --instance-id");
            }
            nats = natsFlags.toConfig();
            id = instanceId;
            keys.putAll(natsFlags.processKeys());
        }
        keys.put("instance-id", id);
        processKeys = keys;
        return new FleetAgent(nats, bucket, id, kvReplicas, this::desiredChanged, this::observedStates);
    }

    /**
     * A new snapshot of this process's desired entries (the agent's thread): each validated as the stream
     * of a streams config (with this process's NATS keys), then reconciled with what runs.
     */
    private void desiredChanged(Map<String, FleetAgent.Desired> snapshot) {
        List<StreamsConfig.Entry> local; // read once: the names checked here are the streams applied below
        ConfigException localRefused = null;
        try {
            local = loadLocal();
        } catch (ConfigException e) {
            local = List.of();
            localRefused = e;
        }
        List<String> localNames = local.stream().map(StreamsConfig.Entry::name).toList();
        Map<String, StreamsConfig.Entry> valid = new LinkedHashMap<>();
        Map<String, String> refused = new LinkedHashMap<>();
        for (Map.Entry<String, FleetAgent.Desired> d : snapshot.entrySet()) {
            String name = d.getKey();
            String where = "kv:" + name + "@" + d.getValue().revision();
            if (localNames.contains(name)) {
                refused.put(name, where + ": " + config + " has a stream of this name, which wins");
                continue;
            }
            try {
                valid.put(name, StreamsConfig.fromDocument(where, name, d.getValue().document(), processKeys));
            } catch (ConfigException e) {
                refused.put(name, e.getMessage());
            }
        }
        refused.forEach((name, why) -> LOG.error("event=desired_refused stream={} revision={} cause=\"{}\" "
                + "action=\"the running streams kept\"", name, snapshot.get(name).revision(), why));
        synchronized (this) {
            if (stopping) {
                return;
            }
            // a refused entry keeps the stream of its last valid revision running, as a refused reload does
            Map<String, Long> applied = new LinkedHashMap<>();
            for (String name : valid.keySet()) {
                applied.put(name, snapshot.get(name).revision());
            }
            for (String name : refused.keySet()) {
                StreamsConfig.Entry old = desiredEntries.get(name);
                if (old != null) {
                    valid.put(name, old);
                    applied.put(name, desiredApplied.get(name));
                }
            }
            desiredApplied.clear();
            desiredApplied.putAll(applied);
            desiredEntries.clear();
            desiredEntries.putAll(valid);
            desiredRevisions.clear();
            desiredRevisions.putAll(snapshot);
            desiredRefused.clear();
            desiredRefused.putAll(refused);
        }
        if (localRefused != null) {
            LOG.error("event=reload_refused file={} cause=\"{}\" action=\"running streams kept\" via=kv", config,
                    localRefused.getMessage());
        } else {
            apply(local);
        }
    }

    /** Every stream's observed state for the fleet (the agent's heartbeat). */
    private synchronized Map<String, Map<String, Object>> observedStates() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        running.forEach((name, r) -> {
            Map<String, Object> st = r.app().status();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("state", "running");
            m.put("source", desiredEntries.get(name) == r.entry() ? "kv" : "config");
            m.put("revision", desiredEntries.get(name) == r.entry() ? desiredApplied.get(name) : null);
            m.put("key", st.get("key"));
            m.put("encoder", st.get("encoder"));
            m.put("frames", st.get("frames"));
            m.put("outputs", st.get("outputs"));
            m.put("uptime_s", st.get("uptime_s"));
            m.put("error", desiredRefused.getOrDefault(name, ""));
            out.put(name, m);
        });
        desiredRefused.forEach((name, why) -> {
            if (!out.containsKey(name)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("state", "refused");
                m.put("source", "kv");
                FleetAgent.Desired d = desiredRevisions.get(name);
                m.put("revision", d == null ? null : d.revision());
                m.put("error", why);
                out.put(name, m);
            }
        });
        return out;
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
