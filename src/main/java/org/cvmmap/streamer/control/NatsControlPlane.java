package org.cvmmap.streamer.control;

import org.cvmmap.streamer.util.RepeatedWarning;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.control.proto.ErrorCode;
import org.cvmmap.streamer.control.proto.GetSourceInfoRequest;
import org.cvmmap.streamer.control.proto.GetSourceInfoResponse;
import org.cvmmap.streamer.util.Secrets;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.service.Service;
import io.nats.service.ServiceEndpoint;
import io.nats.service.ServiceMessage;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The streamer's NATS side (docs/specs/streamer.md §5, docs/specs/cvmmap-ipc.md §3): subscribes to the producer's
 * {@code cvmmap.<key>.status} and serves the {@code cvmmap_streamer} micro service (ADR-32,
 * discoverable through {@code $SRV.PING}/{@code $SRV.INFO}) with the endpoints of
 * {@link ControlService} under {@code cvmmap.<key>.streamer.}.
 *
 * <p>It never holds up the stream: the connection is made in the background (retried every
 * {@code --nats-reconnect-wait-ms} until a server answers), a missing server is warned about once,
 * reconnects never stop (the client re-subscribes everything after a reconnect),
 * and each request runs on a small pool so a slow one (a recorder finalizing its file) does not
 * delay the others.
 */
public final class NatsControlPlane implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(NatsControlPlane.class);
    private final RepeatedWarning disconnectedWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning statusInvalidWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning refusedWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning replyFailedWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning errorWarning = new RepeatedWarning(LOG);
    private static final Duration SOURCE_INFO_TIMEOUT = Duration.ofSeconds(1);

    private final NatsConfig config;
    private final String key;
    private final Map<String, String> metadata;
    private final ControlService service;
    private final StreamerControl control;
    private final ProducerStatus producer;
    private final ExecutorService workers;
    private final CountDownLatch connected = new CountDownLatch(1);
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failedRequests = new AtomicLong();
    private volatile Connection connection;
    private volatile Service micro;
    private volatile String state = "CONNECTING";
    /** The last exception jnats reported (why a connection attempt failed). */
    private volatile Exception lastException;
    private volatile boolean closed;

    /**
     * @param config   servers and credentials
     * @param natsKey  the stream's key in subjects ({@code cvmmap.<key>.…})
     * @param metadata service metadata for discovery (instance, key, outputs, version, …)
     * @param control  what requests and status events act on
     */
    public NatsControlPlane(NatsConfig config, String natsKey, Map<String, String> metadata, StreamerControl control) {
        this.config = config;
        this.key = natsKey;
        this.metadata = Map.copyOf(metadata);
        this.control = control;
        this.service = new ControlService(natsKey, control);
        this.producer = new ProducerStatus(control);
        this.workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "nats-control-" + natsKey);
            t.setDaemon(true);
            return t;
        });
    }

    /** The producer's state as its status events and source info tell it. */
    public ProducerStatus producer() {
        return producer;
    }

    /**
     * Starts connecting in the background; returns at once.
     *
     * @throws IllegalStateException if the TLS context cannot be made
     */
    public void start() {
        Options.Builder b = NatsConnections.options(config)
                .connectionName("cvmmap-streamer " + key)
                .maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(config.reconnectWaitMs()))
                .connectionListener(this::onConnectionEvent)
                .errorListener(new QuietErrors());
        LOG.info("event=nats_connecting key={} servers={} auth={} tls={}", key, config.maskedServers(), config.authKind(),
                config.tls());
        NatsConnections.connectInBackground("nats-connect-" + key, b.build(), config.reconnectWaitMs(), () -> closed,
                this::adopt, e -> LOG.warn("event=nats_unavailable key={} servers={} cause=\"{}\" action=\"streaming goes on "
                        + "without control; attaching when a server appears\"", key, config.maskedServers(),
                        NatsConnections.cause(e, lastException)));
    }

    /** The first connection: kept unless closed meanwhile, then served on. */
    private boolean adopt(Connection c) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            connection = c;
            state = "CONNECTED";
        }
        LOG.info("event=nats_connected key={} server={}", key, Secrets.redact(c.getConnectedUrl()));
        attach(c);
        connected.countDown();
        return true;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void onConnectionEvent(Connection conn, ConnectionListener.Events type) {
        switch (type) {
            case RECONNECTED -> {
                state = "CONNECTED";
                synchronized (reconnects) {
                    reconnects.incrementAndGet();
                    reconnects.notifyAll();
                }
                LOG.info("event=nats_reconnected key={} server={} reconnects={}", key, Secrets.redact(conn.getConnectedUrl()),
                        reconnects.get());
                querySourceInfo(conn);
            }
            case DISCONNECTED -> {
                if (!closed) {
                    state = "DISCONNECTED";
                    disconnectedWarning.warn("event=nats_disconnected key={} cause=\"server gone\" action=\"reconnecting every {} ms; "
                            + "streaming goes on\"", key, config.reconnectWaitMs());
                }
            }
            case CLOSED -> state = "CLOSED";
            default -> LOG.debug("event=nats_connection_event key={} type={}", key, type);
        }
    }

    /** How long the key-conflict check collects $SRV.PING answers, ms. */
    static final long CONFLICT_PING_MS = 500;

    /**
     * The other streamer already serving this key, if one answers {@code $SRV.PING.cvmmap_streamer}
     * within {@link #CONFLICT_PING_MS} (its metadata names its key); null otherwise. Two processes
     * starting within that window can both miss each other.
     */
    private JsonNode servedElsewhere(Connection conn) {
        try {
            for (JsonNode ping : ControlClient.ping(conn, Duration.ofMillis(CONFLICT_PING_MS))) {
                if (key.equals(ping.path("metadata").path("key").asText())) {
                    return ping;
                }
            }
        } catch (IOException e) {
            LOG.warn("event=nats_key_check_failed key={} cause=\"{}\"", key, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** First connection: status subscription, micro service, source info. */
    private void attach(Connection conn) {
        JsonNode other = servedElsewhere(conn);
        if (other != null) {
            JsonNode md = other.path("metadata");
            String why = "key " + key + " is already served on this NATS cluster by host " + md.path("host").asText("?")
                    + " instance " + md.path("instance_id").asText("?") + " pid " + md.path("pid").asText("?")
                    + " (service id " + other.path("id").asText("?") + ")";
            LOG.error("event=nats_key_conflict key={} served_by_host={} served_by_instance={} served_by_pid={} "
                    + "action=\"stream refused (exit 2)\"", key, md.path("host").asText("?"),
                    md.path("instance_id").asText("?"), md.path("pid").asText("?"));
            state = "CONFLICT";
            control.refuse(why);
            return;
        }
        String statusSubject = "cvmmap." + key + ".status";
        Dispatcher d = conn.createDispatcher(msg -> onStatus(msg.getData()));
        d.subscribe(statusSubject);
        String prefix = ControlService.subjectPrefix(key);
        var sb = Service.builder().connection(conn).name(ControlService.NAME).version(ControlService.VERSION)
                .description("cvmmap-streamer control: status, keyframe, restart, MP4/MCAP recorders")
                .metadata(metadata);
        for (String ep : ControlService.ENDPOINTS) {
            sb.addServiceEndpoint(ServiceEndpoint.builder()
                    .endpointName(ep.replace('.', '_'))
                    .endpointSubject(prefix + ep)
                    .handler(msg -> dispatch(conn, ep, msg))
                    .build());
        }
        Service s = sb.build();
        s.startService();
        NatsConnections.flushQuietly(conn); // the server has the endpoints' subscriptions before anyone is told "connected"
        micro = s;
        LOG.info("event=nats_service_started key={} service={} id={} status_subject={} subject_prefix={} endpoints={}",
                key, ControlService.NAME, s.getId(), statusSubject, prefix, ControlService.ENDPOINTS.size());
        querySourceInfo(conn);
    }

    private void onStatus(byte[] data) {
        try {
            ProducerStatus.Action a = producer.onEvent(data);
            LOG.info("event=producer_status key={} action={}", key, a);
        } catch (IllegalArgumentException e) {
            statusInvalidWarning.warn("event=producer_status_invalid key={} bytes={} cause=\"{}\"", key, data.length, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("event=producer_status_failed key={} cause=\"{}\"", key, e.toString());
            LOG.debug("event=producer_status_failed key={} stack", key, e); // stack traces only at debug
        }
    }

    private void dispatch(Connection conn, String endpoint, ServiceMessage msg) {
        try {
            workers.execute(() -> respond(conn, endpoint, msg));
        } catch (RejectedExecutionException e) { // closing
            msg.respondStandardError(conn, "streamer is shutting down", 503);
        }
    }

    private void respond(Connection conn, String endpoint, ServiceMessage msg) {
        requests.incrementAndGet();
        byte[] data = msg.getData() == null ? new byte[0] : msg.getData();
        ControlService.Reply r = service.handle(endpoint, data);
        try {
            if (r.failed()) {
                failedRequests.incrementAndGet();
                refusedWarning.warn("event=control_request_refused key={} endpoint={} error={} cause=\"{}\"", key, endpoint,
                        r.error().name(), r.message());
                NatsConnections.respondError(conn, msg, r.body(), r.message(), r.status());
            } else {
                LOG.debug("event=control_request key={} endpoint={} bytes_in={}", key, endpoint, data.length);
                msg.respond(conn, r.body());
            }
        } catch (RuntimeException e) {
            replyFailedWarning.warn("event=control_reply_failed key={} endpoint={} cause=\"{}\"", key, endpoint,
                    Secrets.redact(e));
        }
    }

    private void querySourceInfo(Connection conn) {
        String subject = "cvmmap." + key + ".producer.source.info";
        conn.request(subject, GetSourceInfoRequest.getDefaultInstance().toByteArray())
                .orTimeout(SOURCE_INFO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((Message m, Throwable t) -> {
                    Map<String, Object> info = new LinkedHashMap<>();
                    if (t != null || m == null) {
                        info.put("available", false);
                        info.put("cause", t == null ? "no reply" : Secrets.redact(t.getMessage() != null ? t.getMessage()
                                : t.getClass().getSimpleName()));
                    } else {
                        try {
                            GetSourceInfoResponse r = GetSourceInfoResponse.parseFrom(m.getData());
                            info.put("available", r.getError() == ErrorCode.ERROR_CODE_OK);
                            info.put("error", r.getError().name());
                            info.put("source_kind", r.getSourceKind().name());
                            info.put("timestamp_domain", r.getTimestampDomain().name());
                            info.put("flags", r.getFlags());
                            info.put("duration_ns", r.getDurationNs());
                            info.put("current_timestamp_ns", r.getCurrentTimestampNs());
                            info.put("current_frame_count", Integer.toUnsignedLong(r.getCurrentFrameCount()));
                        } catch (InvalidProtocolBufferException e) {
                            info.put("available", false);
                            info.put("cause", "invalid GetSourceInfoResponse: " + e.getMessage());
                        }
                    }
                    producer.sourceInfo(info);
                    LOG.info("event=producer_source_info key={} info={}", key, info);
                });
    }

    /** The connection's state for the status JSON. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("servers", config.maskedServers());
        m.put("reconnects", reconnects.get());
        m.put("service", ControlService.NAME);
        Service s = micro;
        m.put("service_id", s == null ? "" : s.getId());
        m.put("requests", requests.get());
        m.put("failed_requests", failedRequests.get());
        return m;
    }

    /** Waits until the first connection is made (tests). */
    public boolean awaitConnected(long timeoutMs) throws InterruptedException {
        return connected.await(timeoutMs, TimeUnit.MILLISECONDS) && micro != null;
    }

    /** Waits until the client has reconnected at least {@code count} times (tests). */
    public boolean awaitReconnects(long count, long timeoutMs) throws InterruptedException {
        long until = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (reconnects) {
            while (reconnects.get() < count) {
                long left = (until - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                reconnects.wait(left);
            }
        }
        return true;
    }

    /** Stops the service and closes the connection. */
    @Override
    public void close() {
        closed = true;
        Service s = micro;
        if (s != null) {
            try {
                s.stop(false);
            } catch (RuntimeException e) {
                LOG.debug("event=nats_service_stop_failed key={} cause=\"{}\"", key, e.toString());
            }
        }
        workers.shutdown();
        try {
            workers.awaitTermination(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection c;
        synchronized (this) {
            c = connection;
        }
        if (c != null) {
            closeQuietly(c);
        }
        LOG.info("event=nats_closed key={}", key);
    }

    /** Client errors at debug: a server that is down would otherwise print a stack per attempt. */
    private final class QuietErrors implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            errorWarning.warn("event=nats_error key={} cause=\"{}\"", key, Secrets.redact(error));
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            lastException = exp;
            LOG.debug("event=nats_exception key={} cause=\"{}\"", key, Secrets.redact(exp));
        }
    }
}
