package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import io.nats.service.ServiceMessage;
import org.cvmmap.streamer.config.NatsConfig;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of the {@code cvmmap_streamer} service (the {@code ctl} command, tests): plain NATS
 * request/reply on {@code cvmmap.<key>.streamer.<endpoint>} and NATS micro discovery.
 */
public final class ControlClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A reply.
     *
     * @param body      its bytes (JSON, or a protobuf RecordingStatusResponse for recorder endpoints)
     * @param errorCode the micro error code header ({@code Nats-Service-Error-Code}), 0 when none
     * @param error     the micro error header, "" when none
     */
    public record Reply(byte[] body, int errorCode, String error) {
        /** Whether the service reported an error. */
        public boolean failed() {
            return errorCode != 0;
        }
    }

    /** No service answers on that subject (NATS "no responders"). */
    public static final class NoResponderException extends Exception {
        NoResponderException(String subject) {
            super("no cvmmap_streamer answers on " + subject);
        }
    }

    /** The NATS server refused this user's publish to the subject (its permissions, docs/security.md). */
    public static final class NotPermittedException extends Exception {
        NotPermittedException(String subject, String serverError) {
            super("NATS does not permit this user to publish to " + subject + " (" + serverError + ")");
        }
    }

    private static final Pattern PUBLISH_VIOLATION = Pattern.compile("Permissions Violation for Publish to \"?([^\"\\s]+)");

    private final Connection connection;
    /** Requests in flight by subject: a permissions violation for that subject fails them at once. */
    private final Map<String, CompletableFuture<Message>> inFlight;

    private ControlClient(Connection connection, Map<String, CompletableFuture<Message>> inFlight) {
        this.connection = connection;
        this.inFlight = inFlight;
    }

    /**
     * Connects once (no reconnects).
     *
     * @throws IOException when no server of {@code config} can be reached
     */
    public static ControlClient connect(NatsConfig config) throws IOException, InterruptedException {
        Map<String, CompletableFuture<Message>> inFlight = new ConcurrentHashMap<>();
        AtomicReference<Exception> last = new AtomicReference<>();
        ErrorListener errors = new ErrorListener() {
            @Override
            public void exceptionOccurred(Connection conn, Exception exp) {
                last.set(exp);
            }

            @Override
            public void errorOccurred(Connection conn, String error) {
                Matcher m = PUBLISH_VIOLATION.matcher(error);
                if (m.find()) {
                    CompletableFuture<Message> f = inFlight.get(m.group(1));
                    if (f != null) {
                        f.completeExceptionally(new NotPermittedException(m.group(1), error));
                    }
                }
            }
        };
        try {
            return new ControlClient(Nats.connect(NatsConnections.options(config).maxReconnects(0)
                    .connectionName("cvmmap-streamer ctl").errorListener(errors).build()), inFlight);
        } catch (IOException e) {
            throw new IOException(NatsConnections.cause(e, last.get()), e);
        }
    }

    /**
     * Sends one request.
     *
     * @param key      the stream's NATS key
     * @param endpoint e.g. {@code status}, {@code recorder.mp4.start}
     * @throws TimeoutException       no reply within {@code timeout}
     * @throws NoResponderException   nothing listens on the subject
     * @throws NotPermittedException  the server's permissions forbid this user to publish there
     */
    public Reply request(String key, String endpoint, byte[] body, Duration timeout)
            throws TimeoutException, NoResponderException, NotPermittedException, InterruptedException {
        return request(ControlService.subjectPrefix(key) + endpoint, body, timeout);
    }

    /**
     * Sends one request to a process's endpoint ({@link ProcessControlPlane}: {@code reload}, {@code streams}).
     *
     * @param instanceId the process's instance id
     * @throws TimeoutException       no reply within {@code timeout}
     * @throws NoResponderException   no process with that instance id listens
     * @throws NotPermittedException  the server's permissions forbid this user to publish there
     */
    public Reply requestProcess(String instanceId, String endpoint, Duration timeout)
            throws TimeoutException, NoResponderException, NotPermittedException, InterruptedException {
        return request(ProcessControlPlane.subjectPrefix(instanceId) + endpoint, new byte[0], timeout);
    }

    private Reply request(String subject, byte[] body, Duration timeout)
            throws TimeoutException, NoResponderException, NotPermittedException, InterruptedException {
        Message m;
        // registered before the publish: the server's permissions violation can come back before
        // connection.request returns, and the error listener must find the request then
        CompletableFuture<Message> f = new CompletableFuture<>();
        inFlight.put(subject, f);
        CompletableFuture<Message> sent = connection.request(subject, body);
        sent.whenComplete((reply, failure) -> {
            if (failure != null) {
                f.completeExceptionally(failure);
            } else {
                f.complete(reply);
            }
        });
        try {
            m = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            sent.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotPermittedException denied) {
                throw denied;
            }
            throw new NoResponderException(subject);
        } catch (CancellationException e) {
            throw new NoResponderException(subject);
        } finally {
            inFlight.remove(subject, f);
        }
        Headers h = m.getHeaders();
        if (m.isStatusMessage() && m.getStatus().getCode() == 503) {
            throw new NoResponderException(subject);
        }
        String error = h == null ? null : h.getFirst(ServiceMessage.NATS_SERVICE_ERROR);
        String code = h == null ? null : h.getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE);
        return new Reply(m.getData() == null ? new byte[0] : m.getData(), code == null ? 0 : Integer.parseInt(code),
                error == null ? "" : error);
    }

    /**
     * {@code $SRV.PING.cvmmap_streamer}: every running streamer's answer (id, name, version,
     * metadata) that comes within {@code window}.
     *
     * @throws IOException when an answer is not JSON
     */
    static List<JsonNode> ping(Connection connection, Duration window) throws InterruptedException, IOException {
        String inbox = connection.createInbox();
        Subscription sub = connection.subscribe(inbox);
        List<JsonNode> pings = new ArrayList<>();
        try {
            connection.publish("$SRV.PING." + ControlService.NAME, inbox, new byte[0]);
            long until = System.nanoTime() + window.toNanos();
            for (long left; (left = until - System.nanoTime()) > 0; ) {
                Message m = sub.nextMessage(Duration.ofNanos(left));
                if (m == null) {
                    break;
                }
                pings.add(JSON.readTree(m.getData()));
            }
        } finally {
            sub.unsubscribe();
        }
        return pings;
    }

    /**
     * NATS micro discovery (ADR-32): {@code $SRV.PING.cvmmap_streamer} collecting every answer for
     * {@code timeout}, then {@code $SRV.INFO.cvmmap_streamer.<id>} for each.
     *
     * @return the INFO documents, one per running streamer
     */
    public List<JsonNode> discover(Duration timeout) throws InterruptedException, IOException {
        List<String> ids = new ArrayList<>();
        for (JsonNode ping : ping(connection, timeout)) {
            ids.add(ping.path("id").asText());
        }
        List<JsonNode> infos = new ArrayList<>();
        for (String id : ids) {
            try {
                Message m = connection.request("$SRV.INFO." + ControlService.NAME + "." + id, new byte[0])
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                infos.add(JSON.readTree(m.getData()));
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                // that instance went away between PING and INFO
            }
        }
        return infos;
    }

    @Override
    public void close() throws InterruptedException {
        connection.close();
    }
}
