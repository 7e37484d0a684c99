package org.cvmmap.streamer.control;

import io.nats.client.Nats;
import io.nats.client.Options;
import org.cvmmap.streamer.config.NatsConfig;

import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/** jnats options from a {@link NatsConfig}: servers, authentication, TLS. */
final class NatsConnections {
    private NatsConnections() {
    }

    /**
     * A builder with the servers, credentials and TLS of {@code config} and a 2 s connect timeout;
     * the caller adds reconnect policy and listeners.
     *
     * @throws IllegalStateException if no TLS context can be made
     */
    static Options.Builder options(NatsConfig config) {
        Options.Builder b = new Options.Builder()
                .servers(config.servers().toArray(new String[0]))
                .connectionTimeout(Duration.ofSeconds(2));
        if (config.token() != null) {
            b.token(config.token().toCharArray());
        }
        if (config.user() != null) {
            b.userInfo(config.user().toCharArray(), config.password().toCharArray());
        }
        if (config.credsFile() != null) {
            b.authHandler(Nats.credentials(config.credsFile().toString()));
        }
        if (config.truststore() != null) {
            b.truststorePath(config.truststore().toString());
            if (config.truststorePassword() != null) {
                b.truststorePassword(config.truststorePassword().toCharArray());
            }
        } else if (config.tls()) {
            try {
                b.secure();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no TLS context for NATS: " + e.getMessage(), e);
            }
        }
        return b;
    }
}
