package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatcher;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.control.FleetAgent;
import org.cvmmap.streamer.control.FleetStore;
import org.cvmmap.streamer.control.fleet.FleetFile;
import org.cvmmap.streamer.control.fleet.FleetPlan;
import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.util.ExitCodes;
import org.cvmmap.streamer.util.WallClock;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The fleet verbs of {@code ctl} (docs/fleet.md) over the desired-state bucket and the observed-state
 * bucket: {@code apply FILE [--dry-run]}, {@code get [PREFIX]}, {@code delete KEY}, the fleet part of
 * {@code ls} (desired against observed per host, {@code stale} once a host's heartbeat is older than its
 * TTL) and {@code watch}. Exit codes as {@code ctl}'s: 0 ok, 2 refused (bad file, a concurrent change,
 * no such entry), 6 NATS unreachable or JetStream off.
 */
final class FleetCtl {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@link #table}: no JetStream, or no desired-state bucket: nothing shown. */
    static final int NO_FLEET = -1;

    private final NatsConfig nats;
    private final String bucket;
    private final int replicas;

    FleetCtl(NatsConfig nats, String bucket, int replicas) {
        this.nats = nats;
        this.bucket = bucket;
        this.replicas = replicas;
    }

    /** {@code ctl apply FILE}: the plan, then (unless dry) the writes at the revisions read. */
    int apply(Path file, boolean dryRun, PrintWriter out, PrintWriter err) throws Exception {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("FILE", file, "cannot be read: " + e.getMessage());
        }
        Map<String, Map<String, String>> desired = FleetFile.parse(file.toString(), text);
        try (FleetStore store = FleetStore.connect(nats)) {
            KeyValue kv = store.bucket(bucket, null, replicas);
            FleetPlan plan = FleetPlan.of(desired, FleetStore.entries(kv, ""));
            plan.create().forEach(c -> out.printf("create %s %s%n", c.key(), c.document()));
            plan.update().forEach(c -> out.printf("update %s rev %d %s%n", c.key(), c.revision(), c.document()));
            plan.delete().forEach(c -> out.printf("delete %s rev %d%n", c.key(), c.revision()));
            plan.same().forEach(k -> out.printf("same %s%n", k));
            if (dryRun || plan.empty()) {
                out.printf("apply bucket=%s hosts=%d create=%d update=%d delete=%d same=%d%s%n", bucket, desired.size(),
                        plan.create().size(), plan.update().size(), plan.delete().size(), plan.same().size(),
                        dryRun ? " dry-run" : "");
                out.flush();
                return ExitCodes.OK;
            }
            try {
                FleetStore.apply(kv, plan).forEach((k, v) -> out.printf("%s %s%n", k, v));
            } catch (FleetStore.ConcurrentChangeException e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.CONFIG;
            } catch (IOException e) {
                throw store.explain(e);
            }
            out.printf("apply bucket=%s hosts=%d create=%d update=%d delete=%d same=%d%n", bucket, desired.size(),
                    plan.create().size(), plan.update().size(), plan.delete().size(), plan.same().size());
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code ctl get [PREFIX]}: the desired entries as JSON (key → revision and document). */
    int get(String prefix, PrintWriter out) throws Exception {
        try (FleetStore store = FleetStore.connect(nats)) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, FleetPlan.Current> e : FleetStore.entries(store.bucket(bucket, null, replicas),
                    prefix == null ? "" : prefix).entrySet()) {
                m.put(e.getKey(), Map.of("revision", e.getValue().revision(), "document",
                        JSON.readTree(e.getValue().document())));
            }
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code ctl delete KEY}: deletes the entry at the revision read. */
    int delete(String key, PrintWriter out, PrintWriter err) throws Exception {
        try (FleetStore store = FleetStore.connect(nats)) {
            KeyValue kv = store.bucket(bucket, null, replicas);
            FleetPlan.Current c = FleetStore.entries(kv, key).get(key);
            if (c == null) {
                err.println("error: " + bucket + " has no entry " + key);
                return ExitCodes.CONFIG;
            }
            try {
                FleetStore.apply(kv, new FleetPlan(java.util.List.of(), java.util.List.of(),
                        java.util.List.of(new FleetPlan.Change(key, null, c.revision())), java.util.List.of()));
            } catch (FleetStore.ConcurrentChangeException e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.CONFIG;
            }
            out.printf("deleted %s rev %d%n", key, c.revision());
            out.flush();
            return ExitCodes.OK;
        }
    }

    /**
     * The fleet table: per host its heartbeat ({@code live}, or {@code stale} when older than its TTL, or
     * {@code absent}), then per stream the desired revision against the observed state and the revision it
     * applied. HOST STREAM DESIRED OBSERVED APPLIED ERROR.
     */
    int table(PrintWriter out) throws Exception {
        try (FleetStore store = FleetStore.connect(nats)) {
            if (!store.hasBucket(bucket)) {
                return NO_FLEET;
            }
            Map<String, FleetPlan.Current> desired = FleetStore.entries(store.bucket(bucket, null, replicas), "");
            Map<String, FleetPlan.Current> observed = FleetStore.entries(store.bucket(FleetStore.OBSERVED,
                    FleetStore.OBSERVED_MAX_AGE, replicas), "");
            TreeSet<String> hosts = new TreeSet<>();
            desired.keySet().forEach(k -> hosts.add(k.substring(0, k.indexOf('.'))));
            observed.keySet().forEach(k -> hosts.add(k.substring(0, k.indexOf('.'))));
            long now = WallClock.nowNanos();
            out.printf("%-16s %-16s %-8s %-10s %-8s %s%n", "HOST", "STREAM", "DESIRED", "OBSERVED", "APPLIED", "ERROR");
            for (String h : hosts) {
                FleetPlan.Current beat = observed.get(h + "." + FleetAgent.PROCESS_KEY);
                String hostState = "absent";
                if (beat != null) {
                    JsonNode b = JSON.readTree(beat.document());
                    long ageMs = (now - b.path("updated_ns").asLong()) / 1_000_000;
                    hostState = ageMs > b.path("ttl_ms").asLong() ? "stale" : "live";
                    hostState += " (" + ageMs / 1000 + " s ago)";
                }
                out.printf("%-16s %-16s %-8s %-10s%n", h, "-", "-", hostState);
                Map<String, String[]> rows = new TreeMap<>();
                String p = h + ".";
                desired.forEach((k, v) -> {
                    if (k.startsWith(p)) {
                        rows.computeIfAbsent(k.substring(p.length()), x -> new String[]{"-", "-", "-", ""})[0] =
                                Long.toString(v.revision());
                    }
                });
                for (Map.Entry<String, FleetPlan.Current> o : observed.entrySet()) {
                    String k = o.getKey();
                    if (!k.startsWith(p) || k.equals(h + "." + FleetAgent.PROCESS_KEY)) {
                        continue;
                    }
                    JsonNode s = JSON.readTree(o.getValue().document());
                    String[] r = rows.computeIfAbsent(k.substring(p.length()), x -> new String[]{"-", "-", "-", ""});
                    r[1] = hostState.startsWith("stale") ? "stale" : s.path("state").asText("?");
                    r[2] = s.path("revision").isNumber() ? s.path("revision").asText() : "-";
                    r[3] = s.path("error").asText("");
                }
                rows.forEach((stream, r) -> out.printf("%-16s %-16s %-8s %-10s %-8s %s%n", h, stream, r[0], r[1], r[2], r[3]));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code ctl watch}: one line per change of either bucket, until the timeout (0 = until interrupted). */
    int watch(long timeoutMs, PrintWriter out) throws Exception {
        try (FleetStore store = FleetStore.connect(nats)) {
            CountDownLatch never = new CountDownLatch(1);
            for (KeyValue kv : new KeyValue[]{store.bucket(bucket, null, replicas),
                    store.bucket(FleetStore.OBSERVED, FleetStore.OBSERVED_MAX_AGE, replicas)}) {
                kv.watchAll(new KeyValueWatcher() {
                    @Override
                    public void watch(KeyValueEntry e) {
                        synchronized (out) {
                            out.printf("bucket=%s key=%s operation=%s revision=%d value=%s%n", e.getBucket(), e.getKey(),
                                    e.getOperation().name().toLowerCase(java.util.Locale.ROOT), e.getRevision(),
                                    e.getValue() == null ? "" : new String(e.getValue(), StandardCharsets.UTF_8));
                            out.flush();
                        }
                    }

                    @Override
                    public void endOfData() {
                    }
                });
            }
            if (timeoutMs > 0) {
                never.await(timeoutMs, TimeUnit.MILLISECONDS);
            } else {
                never.await();
            }
            return ExitCodes.OK;
        }
    }
}
