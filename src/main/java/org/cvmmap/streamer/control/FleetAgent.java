package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Options;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.util.Secrets;
import org.cvmmap.streamer.util.WallClock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One streamer process's side of the fleet (docs/fleet.md): watches its own keys
 * ({@code <instance-id>.*}) of the desired-state bucket and hands every new snapshot (stream name →
 * document and revision) to the process, on one worker thread, the newest snapshot only; and every
 * {@link #HEARTBEAT} writes the process's observed state to {@value FleetStore#OBSERVED}: one entry per
 * stream ({@code <instance-id>.<stream>}) and {@code <instance-id>._process} with the time written and
 * the TTL after which readers call it stale. Connects in the background and retries forever; NATS auth
 * and TLS as the rest of the control plane.
 */
public final class FleetAgent implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(FleetAgent.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often observed state is written. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(2);
    /** How old a process's heartbeat may be before readers call it stale. */
    public static final Duration TTL = Duration.ofSeconds(6);
    /** The observed key of the process itself. */
    public static final String PROCESS_KEY = "_process";
    private static final long RETRY_MS = 2_000;

    /**
     * A desired entry of this process.
     *
     * @param document the stream's keys (JSON)
     * @param revision the entry's revision
     */
    public record Desired(String document, long revision) {
    }

    private final NatsConfig config;
    private final String bucket;
    private final String instance;
    private final int replicas;
    private final Consumer<Map<String, Desired>> onDesired;
    private final Supplier<Map<String, Map<String, Object>>> observed;
    private final ScheduledExecutorService worker;
    private final Map<String, Desired> desired = new TreeMap<>();
    private final AtomicReference<Map<String, Desired>> pending = new AtomicReference<>();
    private volatile boolean initial = true;
    private volatile boolean closed;
    private volatile Connection connection;
    private volatile NatsKeyValueWatchSubscription watch;
    private volatile KeyValue status;
    /** Whether "fleet unavailable" was logged (once per process: the retries are silent). */
    private boolean unavailableSaid;

    /**
     * @param config    servers and credentials
     * @param bucket    the desired-state bucket
     * @param instance  this process's instance id as a key token ('.' written as '_')
     * @param replicas  copies of a bucket made here (JetStream cluster)
     * @param onDesired told each new snapshot of this process's desired streams (name → entry), on the agent's
     *                  worker thread; may block (it runs one at a time)
     * @param observed  stream name → its observed state (JSON-able), asked each heartbeat
     */
    public FleetAgent(NatsConfig config, String bucket, String instance, int replicas,
                      Consumer<Map<String, Desired>> onDesired, Supplier<Map<String, Map<String, Object>>> observed) {
        this.config = config;
        this.bucket = bucket;
        this.instance = instance.replace('.', '_');
        this.replicas = replicas;
        this.onDesired = onDesired;
        this.observed = observed;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fleet-" + this.instance);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts connecting in the background; returns at once. */
    public void start() {
        Options options = NatsConnections.options(config).connectionName("cvmmap-streamer fleet " + instance)
                .maxReconnects(-1).reconnectWait(Duration.ofMillis(config.reconnectWaitMs())).build();
        NatsConnections.connectInBackground("fleet-connect-" + instance, options, RETRY_MS, () -> closed, this::adopt,
                e -> LOG.warn("event=nats_unavailable scope=fleet instance_id={} servers={} cause=\"{}\" action=\"retrying "
                        + "every {} ms\"", instance, config.maskedServers(), Secrets.redact(e), RETRY_MS));
        worker.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized boolean adopt(Connection c) {
        if (closed) {
            return false;
        }
        connection = c;
        worker.execute(this::attach);
        return true;
    }

    /**
     * Opens (or makes) the buckets and starts the watch; until JetStream answers (off, electing a leader
     * after a node loss, or a permission missing) it says why once and tries again every {@value #RETRY_MS} ms.
     */
    private void attach() {
        if (closed) {
            return;
        }
        try {
            FleetStore store = FleetStore.over(connection);
            KeyValue kv = store.bucket(bucket, null, replicas);
            status = store.bucket(FleetStore.OBSERVED, FleetStore.OBSERVED_MAX_AGE, replicas);
            watch = kv.watch(instance + ".*", new KeyValueWatcher() {
                @Override
                public void watch(KeyValueEntry e) {
                    changed(e);
                }

                @Override
                public void endOfData() {
                    initial = false;
                    publish();
                }
            });
            LOG.info("event=fleet_watching instance_id={} bucket={} keys={}.* observed_bucket={}", instance, bucket,
                    instance, FleetStore.OBSERVED);
        } catch (Exception e) {
            if (!unavailableSaid) {
                unavailableSaid = true;
                LOG.error("event=fleet_unavailable instance_id={} bucket={} cause=\"{}\" action=\"retrying every {} ms\"",
                        instance, bucket, Secrets.redact(e), RETRY_MS);
            }
            if (!closed) {
                worker.schedule(this::attach, RETRY_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void changed(KeyValueEntry e) {
        String name = e.getKey().substring(instance.length() + 1);
        synchronized (desired) {
            if (e.getOperation() == KeyValueOperation.PUT) {
                desired.put(name, new Desired(new String(e.getValue(), StandardCharsets.UTF_8), e.getRevision()));
            } else {
                desired.remove(name);
            }
        }
        LOG.info("event=fleet_desired_changed instance_id={} stream={} operation={} revision={}", instance, name,
                e.getOperation().name().toLowerCase(java.util.Locale.ROOT), e.getRevision());
        if (!initial) {
            publish();
        }
    }

    /** Hands the newest snapshot to the worker (a snapshot not yet taken is replaced). */
    private void publish() {
        Map<String, Desired> snapshot;
        synchronized (desired) {
            snapshot = new LinkedHashMap<>(desired);
        }
        if (pending.getAndSet(snapshot) == null) {
            worker.execute(() -> {
                Map<String, Desired> s = pending.getAndSet(null);
                if (s != null && !closed) {
                    onDesired.accept(s);
                    heartbeat(); // the new state is seen at once, not at the next beat
                }
            });
        }
    }

    /** Writes every stream's observed state and the process's heartbeat. */
    private void heartbeat() {
        KeyValue kv = status;
        if (kv == null || closed) {
            return;
        }
        try {
            long now = WallClock.nowNanos();
            Map<String, Map<String, Object>> streams = observed.get();
            for (Map.Entry<String, Map<String, Object>> s : streams.entrySet()) {
                Map<String, Object> v = new LinkedHashMap<>(s.getValue());
                v.put("updated_ns", now);
                kv.put(instance + "." + s.getKey(), JSON.writeValueAsBytes(v));
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("instance_id", instance);
            p.put("updated_ns", now);
            p.put("ttl_ms", TTL.toMillis());
            p.put("pid", ProcessHandle.current().pid());
            p.put("streams", streams.keySet());
            kv.put(instance + "." + PROCESS_KEY, JSON.writeValueAsBytes(p));
        } catch (Exception e) {
            LOG.debug("event=fleet_heartbeat_failed instance_id={} cause=\"{}\"", instance, Secrets.redact(e));
        }
    }

    /** Deletes the observed entry of a stream that no longer runs here. */
    public void forget(String stream) {
        KeyValue kv = status;
        if (kv != null) {
            try {
                kv.delete(instance + "." + stream);
            } catch (Exception e) {
                LOG.debug("event=fleet_forget_failed instance_id={} stream={} cause=\"{}\"", instance, stream,
                        Secrets.redact(e));
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        NatsKeyValueWatchSubscription w = watch;
        if (w != null) {
            try {
                w.unsubscribe();
            } catch (RuntimeException ignored) {
                // the connection is closing anyway
            }
        }
        NatsConnections.closeQuietly(connection);
    }
}
