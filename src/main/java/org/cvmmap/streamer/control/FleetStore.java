package org.cvmmap.streamer.control;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.control.fleet.FleetPlan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet's two JetStream key-value buckets (docs/fleet.md): desired state ({@value #DESIRED}: key
 * {@code <instance-id>.<stream>}, value a stream's keys as JSON) and observed state ({@value #OBSERVED}:
 * the same keys and {@code <instance-id>._process}, each process's heartbeat, values JSON; entries
 * older than {@link #OBSERVED_MAX_AGE} are removed by the server). Buckets are made on first use
 * (file storage, 5 revisions of history, {@code replicas} copies). Used by {@code ctl} (one connection, no
 * reconnects) and by the streamer's watcher (its own connection).
 */
public final class FleetStore implements AutoCloseable {
    /** Desired-state bucket, by default. */
    public static final String DESIRED = "cvmmap_streams";
    /** Observed-state bucket. */
    public static final String OBSERVED = "cvmmap_status";
    /** How long the server keeps an observed entry that is not written again. */
    public static final Duration OBSERVED_MAX_AGE = Duration.ofMinutes(10);

    private final Connection connection;
    private final boolean owned;
    /** The last permissions violation the server reported to this connection (ctl), or null. */
    private final java.util.concurrent.atomic.AtomicReference<String> violation;

    private FleetStore(Connection connection, boolean owned, java.util.concurrent.atomic.AtomicReference<String> violation) {
        this.connection = connection;
        this.owned = owned;
        this.violation = violation;
    }

    /**
     * Connects once (no reconnects: {@code ctl}).
     *
     * @throws IOException when no server of {@code config} answers
     */
    public static FleetStore connect(NatsConfig config) throws IOException, InterruptedException {
        java.util.concurrent.atomic.AtomicReference<String> violation = new java.util.concurrent.atomic.AtomicReference<>();
        io.nats.client.ErrorListener errors = new io.nats.client.ErrorListener() {
            @Override
            public void errorOccurred(Connection conn, String error) {
                if (error.contains("Permissions Violation")) {
                    violation.set(error);
                }
            }
        };
        try {
            return new FleetStore(Nats.connect(NatsConnections.options(config).maxReconnects(0)
                    .connectionName("cvmmap-streamer ctl fleet").errorListener(errors).build()), true, violation);
        } catch (IOException e) {
            throw new IOException(NatsConnections.cause(e, null), e);
        }
    }

    /** Over a connection someone else owns (not closed by {@link #close()}). */
    public static FleetStore over(Connection connection) {
        return new FleetStore(connection, false, new java.util.concurrent.atomic.AtomicReference<>());
    }

    /**
     * A bucket, made when it does not exist.
     *
     * @param maxAge   how long an entry lives without being written again; null = forever
     * @param replicas copies in a JetStream cluster (1 on a single server)
     * @throws IOException when JetStream is off or refuses (its message)
     */
    public KeyValue bucket(String name, Duration maxAge, int replicas) throws IOException {
        try {
            KeyValueManagement kvm = connection.keyValueManagement();
            try {
                kvm.getStatus(name);
            } catch (JetStreamApiException notFound) {
                KeyValueConfiguration.Builder b = KeyValueConfiguration.builder().name(name).maxHistoryPerKey(5)
                        .storageType(StorageType.File).replicas(replicas);
                if (maxAge != null) {
                    b.ttl(maxAge);
                }
                try {
                    kvm.create(b.build());
                } catch (JetStreamApiException raced) { // another process made it meanwhile
                    kvm.getStatus(name);
                }
            }
            return connection.keyValue(name);
        } catch (JetStreamApiException e) {
            throw new IOException("key-value bucket " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether the fleet's desired-state bucket exists (never made here): false without JetStream too,
     * answered at once from the server's INFO.
     */
    public boolean hasBucket(String name) throws IOException {
        if (!connection.getServerInfo().isJetStreamAvailable()) {
            return false;
        }
        try {
            connection.keyValueManagement().getStatus(name);
            return true;
        } catch (JetStreamApiException e) {
            return false;
        }
    }

    /**
     * Every live entry of a bucket whose key starts with {@code prefix} ("" = all).
     *
     * @return key → document and revision, keys sorted
     */
    public static Map<String, FleetPlan.Current> entries(KeyValue kv, String prefix) throws IOException, InterruptedException {
        Map<String, FleetPlan.Current> out = new TreeMap<>();
        try {
            for (String key : kv.keys()) {
                if (!key.startsWith(prefix)) {
                    continue;
                }
                KeyValueEntry e = kv.get(key);
                if (e != null && e.getOperation() == KeyValueOperation.PUT) {
                    out.put(key, new FleetPlan.Current(new String(e.getValue(), StandardCharsets.UTF_8), e.getRevision()));
                }
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10037) { // no message found: an empty bucket
                return out;
            }
            throw new IOException(kv.getBucketName() + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Applies a plan with optimistic concurrency: a create fails when the key exists, an update or delete
     * when the entry is no longer at the revision read.
     *
     * @return key → what was done ({@code created rev N}, {@code updated rev N}, {@code deleted})
     * @throws ConcurrentChangeException naming the key when someone else changed it since it was read
     *                                   (what came before it in the plan is applied)
     */
    public static Map<String, String> apply(KeyValue kv, FleetPlan plan) throws IOException, ConcurrentChangeException {
        Map<String, String> done = new LinkedHashMap<>();
        FleetPlan.Change at = null;
        try {
            for (FleetPlan.Change c : plan.create()) {
                at = c;
                done.put(c.key(), "created rev " + kv.create(c.key(), c.document().getBytes(StandardCharsets.UTF_8)));
            }
            for (FleetPlan.Change c : plan.update()) {
                at = c;
                done.put(c.key(), "updated rev " + kv.update(c.key(), c.document().getBytes(StandardCharsets.UTF_8),
                        c.revision()));
            }
            for (FleetPlan.Change c : plan.delete()) {
                at = c;
                kv.delete(c.key(), c.revision());
                done.put(c.key(), "deleted");
            }
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10071 || e.getApiErrorCode() == 10164) { // wrong last sequence
                throw new ConcurrentChangeException(at.key(), at.revision(), e.getMessage());
            }
            throw new IOException(kv.getBucketName() + " " + at.key() + ": " + e.getMessage(), e);
        }
        return done;
    }

    /**
     * Turns a failure of a JetStream request into {@link NotPermittedException} when the server reported a
     * permissions violation to this connection meanwhile (a refused publish gets no reply: the request
     * would otherwise read as a timeout).
     */
    public IOException explain(IOException e) {
        String v = violation.getAndSet(null);
        return v == null ? e : new NotPermittedException(v);
    }

    /** The server's permissions do not let this user do it. */
    public static final class NotPermittedException extends IOException {
        NotPermittedException(String server) {
            super("NATS does not permit this user that (" + server.strip() + ")");
        }
    }

    /** Someone changed an entry between our read and our write: nothing of it was overwritten. */
    public static final class ConcurrentChangeException extends Exception {
        private final String key;

        ConcurrentChangeException(String key, long revision, String server) {
            super(key + " changed since it was read at revision " + revision + " (" + server + "): read it again, "
                    + "nothing was overwritten");
            this.key = key;
        }

        /** The entry's key. */
        public String key() {
            return key;
        }
    }

    /** The connection (for a watcher). */
    public Connection connection() {
        return connection;
    }

    @Override
    public void close() throws InterruptedException {
        if (owned) {
            connection.close();
        }
    }
}
