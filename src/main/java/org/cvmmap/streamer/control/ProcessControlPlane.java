package org.cvmmap.streamer.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Options;
import io.nats.service.Service;
import io.nats.service.ServiceEndpoint;
import io.nats.service.ServiceMessage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.util.Secrets;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The control service of a whole process ({@code run --config FILE}), beside each stream's own
 * ({@link NatsControlPlane}): NATS micro service {@value #NAME} with endpoints under
 * {@code cvmmap.process.<instance-id>.}:
 * <ul>
 *   <li>{@code reload} — reads the streams config again and applies it (as SIGHUP does); the reply
 *       says what was added, changed, removed and kept; a file with a mistake is refused (error
 *       400, the message names file, stream, key and value) and nothing changes;</li>
 *   <li>{@code streams} — the streams this process runs;</li>
 *   <li>per bundle of the config ({@code bundles:}), {@code cvmmap.<bundle>.streamer.recorder.bundle.start|stop|status}:
 *       the shared recorder model ({@code RecordingStartRequest} → {@code RecordingStatusResponse}) over a
 *       bundled MCAP recording of its streams ({@link ControlService#recorderCommand}).</li>
 * </ul>
 * Connects in the background and retries forever, like the streams' planes; requests run on one
 * worker thread, one at a time (a reload waits for the streams it stops).
 */
public final class ProcessControlPlane implements AutoCloseable {
    /** NATS micro service name. */
    public static final String NAME = "cvmmap_streamer_process";
    /** Endpoints under {@link #subjectPrefix}. */
    public static final List<String> ENDPOINTS = List.of("reload", "streams");
    private static final Logger LOG = LogManager.getLogger(ProcessControlPlane.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRY_MS = 2_000;

    /** What the endpoints act on (the {@code run} command). */
    public interface Process {
        /**
         * Re-reads the streams config and applies the difference.
         *
         * @return the reply: {@code added}, {@code changed}, {@code removed} (stream names), {@code unchanged} (count)
         * @throws IllegalArgumentException when the file is refused (its message is the reason given)
         */
        Map<String, Object> reload();

        /** The running streams: name → stream key. */
        Map<String, Object> streams();

        /** The bundles of the config as it was at start (their endpoints are made once). */
        default List<String> bundles() {
            return List.of();
        }

        /**
         * One bundle recorder command.
         *
         * @param bundle  a name of {@link #bundles()}
         * @param action  start, stop or status
         * @param request the request body (protobuf)
         */
        default ControlService.Reply bundleCommand(String bundle, String action, byte[] request) {
            throw new IllegalArgumentException("no bundle " + bundle);
        }
    }

    /** Bundle recorder actions, {@code cvmmap.<bundle>.streamer.recorder.bundle.<action>}. */
    public static final List<String> BUNDLE_ACTIONS = List.of("start", "stop", "status");

    /** The subject of a bundle recorder action. */
    public static String bundleSubject(String bundle, String action) {
        return ControlService.subjectPrefix(bundle) + "recorder.bundle." + action;
    }

    private final NatsConfig config;
    private final String instanceId;
    private final Process process;
    private final ExecutorService worker;
    private volatile Connection connection;
    private volatile Service micro;
    private volatile boolean closed;

    /**
     * @param config     servers and credentials (the streams config's top-level NATS keys)
     * @param instanceId this process on the cluster ({@code --instance-id})
     * @param process    what requests act on
     */
    public ProcessControlPlane(NatsConfig config, String instanceId, Process process) {
        this.config = config;
        this.instanceId = instanceId;
        this.process = process;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nats-process-" + instanceId);
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code cvmmap.process.<instance-id>.} — '.' in the id would add a token, so it is replaced by '_'. */
    public static String subjectPrefix(String instanceId) {
        return "cvmmap.process." + instanceId.replace('.', '_') + ".";
    }

    /**
     * Starts connecting in the background; returns at once.
     *
     * @throws IllegalStateException if the TLS context cannot be made
     */
    public void start() {
        Options options = NatsConnections.options(config).connectionName("cvmmap-streamer process " + instanceId)
                .maxReconnects(-1).reconnectWait(Duration.ofMillis(config.reconnectWaitMs())).build();
        NatsConnections.connectInBackground("nats-process-connect-" + instanceId, options, RETRY_MS, () -> closed,
                this::adopt, e -> LOG.warn("event=nats_unavailable scope=process instance_id={} servers={} cause=\"{}\" "
                        + "action=\"retrying every {} ms\"", instanceId, config.maskedServers(), Secrets.redact(e), RETRY_MS));
    }

    private synchronized boolean adopt(Connection c) {
        if (closed) {
            return false;
        }
        connection = c;
        micro = startService(c);
        return true;
    }

    private Service startService(Connection c) {
        String prefix = subjectPrefix(instanceId);
        var sb = Service.builder().connection(c).name(NAME).version(ControlService.VERSION)
                .description("cvmmap-streamer process control: reload the streams config, list streams")
                .metadata(Map.of("instance_id", instanceId, "subject_prefix", prefix,
                        "pid", Long.toString(ProcessHandle.current().pid())));
        for (String ep : ENDPOINTS) {
            sb.addServiceEndpoint(ServiceEndpoint.builder().endpointName(ep).endpointSubject(prefix + ep)
                    .handler(msg -> dispatch(c, ep, msg)).build());
        }
        for (String bundle : process.bundles()) {
            for (String action : BUNDLE_ACTIONS) {
                sb.addServiceEndpoint(ServiceEndpoint.builder().endpointName("bundle-" + bundle + "-" + action)
                        .endpointSubject(bundleSubject(bundle, action))
                        .handler(msg -> dispatch(c, "bundle " + bundle + " " + action, msg)).build());
            }
        }
        Service s = sb.build();
        s.startService();
        NatsConnections.flushQuietly(c); // the server has the endpoints' subscriptions before anyone is told "connected"
        LOG.info("event=nats_service_started scope=process instance_id={} service={} id={} subject_prefix={} endpoints={}",
                instanceId, NAME, s.getId(), prefix, ENDPOINTS.size());
        return s;
    }

    private void dispatch(Connection c, String endpoint, ServiceMessage msg) {
        try {
            worker.execute(() -> respond(c, endpoint, msg));
        } catch (RejectedExecutionException e) {
            msg.respondStandardError(c, "streamer process is shutting down", 503);
        }
    }

    private void respond(Connection c, String endpoint, ServiceMessage msg) {
        if (endpoint.startsWith("bundle ")) {
            String[] p = endpoint.split(" ");
            ControlService.Reply r = process.bundleCommand(p[1], p[2], msg.getData() == null ? new byte[0] : msg.getData());
            LOG.info("event=control_request scope=process instance_id={} endpoint=recorder.bundle.{} bundle={} error={} "
                    + "cause=\"{}\"", instanceId, p[2], p[1], r.error().name(), r.message());
            if (r.failed()) {
                NatsConnections.respondError(c, msg, r.body(), r.message(), r.status());
            } else {
                msg.respond(c, r.body());
            }
            return;
        }
        try {
            Map<String, Object> reply = endpoint.equals("reload") ? process.reload() : process.streams();
            LOG.info("event=control_request scope=process instance_id={} endpoint={}", instanceId, endpoint);
            msg.respond(c, JSON.writeValueAsBytes(reply));
        } catch (IllegalArgumentException e) {
            String why = Secrets.redact(e.getMessage());
            LOG.warn("event=control_request_refused scope=process instance_id={} endpoint={} cause=\"{}\"", instanceId,
                    endpoint, why);
            try {
                NatsConnections.respondError(c, msg, JSON.writeValueAsBytes(Map.of("error", why)), why, 400);
            } catch (JsonProcessingException j) {
                msg.respondStandardError(c, why, 400);
            }
        } catch (JsonProcessingException | RuntimeException e) {
            msg.respondStandardError(c, "internal error: " + Secrets.redact(e), 500);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        worker.shutdownNow();
        Service s = micro;
        if (s != null) {
            s.stop();
        }
        NatsConnections.closeQuietly(connection);
    }
}
