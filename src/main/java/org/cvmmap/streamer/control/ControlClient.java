package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
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

    private final Connection connection;

    private ControlClient(Connection connection) {
        this.connection = connection;
    }

    /**
     * Connects once (no reconnects).
     *
     * @throws IOException when no server of {@code config} can be reached
     */
    public static ControlClient connect(NatsConfig config) throws IOException, InterruptedException {
        return new ControlClient(Nats.connect(NatsConnections.options(config).maxReconnects(0)
                .connectionName("cvmmap-streamer ctl").build()));
    }

    /**
     * Sends one request.
     *
     * @param key      the stream's NATS key
     * @param endpoint e.g. {@code status}, {@code recorder.mp4.start}
     * @throws TimeoutException       no reply within {@code timeout}
     * @throws NoResponderException   nothing listens on the subject
     */
    public Reply request(String key, String endpoint, byte[] body, Duration timeout)
            throws TimeoutException, NoResponderException, InterruptedException {
        String subject = ControlService.subjectPrefix(key) + endpoint;
        Message m;
        try {
            m = connection.request(subject, body).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CancellationException e) {
            throw new NoResponderException(subject);
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
     * NATS micro discovery (ADR-32): {@code $SRV.PING.cvmmap_streamer} collecting every answer for
     * {@code timeout}, then {@code $SRV.INFO.cvmmap_streamer.<id>} for each.
     *
     * @return the INFO documents, one per running streamer
     */
    public List<JsonNode> discover(Duration timeout) throws InterruptedException, IOException {
        String inbox = connection.createInbox();
        Subscription sub = connection.subscribe(inbox);
        List<String> ids = new ArrayList<>();
        try {
            connection.publish("$SRV.PING." + ControlService.NAME, inbox, new byte[0]);
            long until = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Message m = sub.nextMessage(Duration.ofNanos(left));
                if (m == null) {
                    break;
                }
                ids.add(JSON.readTree(m.getData()).path("id").asText());
            }
        } finally {
            sub.unsubscribe();
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
