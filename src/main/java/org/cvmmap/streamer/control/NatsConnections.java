package org.cvmmap.streamer.control;

import io.nats.client.Nats;
import io.nats.client.Options;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.util.Secrets;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * jnats options from a {@link NatsConfig}: servers, authentication, TLS. TLS (with {@code --nats-tls},
 * a truststore, or a {@code tls://}/{@code wss://} URL) always verifies the server's chain and host
 * name ({@link HostVerifyingTls}).
 */
final class NatsConnections {
    private NatsConnections() {
    }

    /**
     * Why a connection attempt failed, in one line: jnats' own message only says "Unable to connect
     * to NATS servers"; the exception its error listener saw last says why (a certificate naming
     * another host, an authorization violation, a refused connection). Secrets redacted.
     *
     * @param failure what {@code Nats.connect} threw
     * @param last    the last exception reported to the error listener, or null
     */
    static String cause(Exception failure, Throwable last) {
        String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        if (last != null) {
            Throwable root = last;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            why += ": " + (root.getMessage() != null ? root.getMessage() : root.toString());
        }
        return Secrets.redact(why);
    }

    /**
     * A builder with the servers, credentials and TLS of {@code config} and a 2 s connect timeout;
     * the caller adds reconnect policy and listeners.
     *
     * @throws IllegalStateException if no TLS context can be made (unreadable or wrong truststore)
     */
    static Options.Builder options(NatsConfig config) {
        Options.Builder b = new Options.Builder()
                .servers(config.servers().toArray(new String[0]))
                .connectionTimeout(Duration.ofSeconds(2))
                // the host name of the URL is what TLS verifies: never swap it for a resolved address
                .noResolveHostnames();
        if (config.token() != null) {
            b.token(config.token().toCharArray());
        }
        if (config.user() != null) {
            b.userInfo(config.user().toCharArray(), config.password().toCharArray());
        }
        if (config.credsFile() != null) {
            b.authHandler(Nats.credentials(config.credsFile().toString()));
        }
        if (config.tls() || config.servers().stream().anyMatch(u -> u.startsWith("tls:") || u.startsWith("wss:"))) {
            try {
                b.sslContext(HostVerifyingTls.context(config.truststore(), config.truststorePassword() == null ? null
                        : config.truststorePassword().toCharArray()));
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("no TLS context for NATS (--nats-tls-truststore "
                        + config.truststore() + "): " + e.getMessage(), e);
            }
        }
        return b;
    }

    /**
     * Tries the servers on a daemon thread until one answers (the client's own reconnects take over
     * from there) or {@code closed} says stop; waits {@code retryMs} between attempts.
     *
     * @param thread       the thread's name
     * @param adopt        takes the new connection; returns false when the owner closed meanwhile
     *                     (the connection is then closed again)
     * @param firstFailure told about the first failed attempt only (the caller warns once)
     */
    static void connectInBackground(String thread, Options options, long retryMs, java.util.function.BooleanSupplier closed,
                                    java.util.function.Predicate<io.nats.client.Connection> adopt,
                                    java.util.function.Consumer<Exception> firstFailure) {
        Thread t = new Thread(() -> {
            boolean warned = false;
            while (!closed.getAsBoolean()) {
                try {
                    io.nats.client.Connection c = Nats.connect(options);
                    if (!adopt.test(c)) {
                        c.close();
                    }
                    return;
                } catch (IOException | RuntimeException e) {
                    if (!warned) {
                        warned = true;
                        firstFailure.accept(e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    Thread.sleep(retryMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }, thread);
        t.setDaemon(true);
        t.start();
    }

    /** Closes a connection (null: nothing), keeping the thread's interrupt. */
    static void closeQuietly(io.nats.client.Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Round trip to the server (PING/PONG), so that subscriptions made before it are in place there;
     * a failure is left to the connection's own reconnect handling.
     */
    static void flushQuietly(io.nats.client.Connection c) {
        try {
            c.flush(Duration.ofSeconds(2));
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            // the connection reports its own trouble (reconnects); nothing to add here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Answers a micro-service request with an error the client can read (ADR-32: the
     * {@code Nats-Service-Error} and {@code Nats-Service-Error-Code} headers) and a body.
     */
    static void respondError(io.nats.client.Connection c, io.nats.service.ServiceMessage msg, byte[] body, String error,
                             int code) {
        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers();
        h.put(io.nats.service.ServiceMessage.NATS_SERVICE_ERROR, error);
        h.put(io.nats.service.ServiceMessage.NATS_SERVICE_ERROR_CODE, Integer.toString(code));
        msg.respond(c, body, h);
    }
}
