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
}
