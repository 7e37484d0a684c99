package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.config.NatsConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** NATS connection flags, shared by the streamer and {@code ctl}. Secrets default to environment variables. */
public final class NatsOptions {
    @Option(names = "--nats-url", paramLabel = "URL[,URL...]", defaultValue = "nats://localhost:4222", description = "NATS servers for producer status in and the control service out (default ${DEFAULT-VALUE}). Without a server the streamer keeps streaming and attaches when one appears.")
    String url;
    @Option(names = "--nats-token", paramLabel = "TOKEN", defaultValue = "${env:CVMMAP_NATS_TOKEN}", description = "NATS token (default: env CVMMAP_NATS_TOKEN).")
    String token;
    @Option(names = "--nats-user", paramLabel = "USER", defaultValue = "${env:CVMMAP_NATS_USER}", description = "NATS user, with --nats-password (default: env CVMMAP_NATS_USER).")
    String user;
    @Option(names = "--nats-password", paramLabel = "PASSWORD", defaultValue = "${env:CVMMAP_NATS_PASSWORD}", description = "NATS password (default: env CVMMAP_NATS_PASSWORD; prefer it to the flag, which ps shows).")
    String password;
    @Option(names = "--nats-creds", paramLabel = "FILE", description = "NATS credentials file (JWT + NKey seed).")
    Path creds;
    @Option(names = "--nats-tls", description = "Require TLS to NATS (JVM default trust store unless --nats-tls-truststore).")
    boolean tls;
    @Option(names = "--nats-tls-truststore", paramLabel = "FILE", description = "PKCS#12/JKS truststore for NATS TLS (implies --nats-tls).")
    Path truststore;
    @Option(names = "--nats-tls-truststore-password", paramLabel = "PASSWORD", defaultValue = "${env:CVMMAP_NATS_TRUSTSTORE_PASSWORD}", description = "Its password (default: env CVMMAP_NATS_TRUSTSTORE_PASSWORD).")
    String truststorePassword;
    @Option(names = "--nats-reconnect-wait-ms", paramLabel = "MS", defaultValue = "1000", description = "Wait between NATS reconnect attempts; they never stop (default ${DEFAULT-VALUE}).")
    long reconnectWaitMs;

    /**
     * The validated connection settings.
     *
     * @throws org.cvmmap.streamer.util.ConfigException naming the flag at fault (exit 2)
     */
    /** These flags as the process-level keys of a streams config ({@code nats-url}, …), set ones only. */
    java.util.Map<String, Object> processKeys() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("nats-url", url);
        if (token != null) {
            m.put("nats-token", token);
        }
        if (user != null) {
            m.put("nats-user", user);
        }
        if (password != null) {
            m.put("nats-password", password);
        }
        if (creds != null) {
            m.put("nats-creds", creds.toString());
        }
        if (tls) {
            m.put("nats-tls", true);
        }
        if (truststore != null) {
            m.put("nats-tls-truststore", truststore.toString());
        }
        if (truststorePassword != null) {
            m.put("nats-tls-truststore-password", truststorePassword);
        }
        m.put("nats-reconnect-wait-ms", reconnectWaitMs);
        return m;
    }

    NatsConfig toConfig() {
        return NatsConfig.of(url, token, user, password, creds, tls, truststore, truststorePassword, reconnectWaitMs);
    }
}
