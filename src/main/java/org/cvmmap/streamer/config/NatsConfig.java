package org.cvmmap.streamer.config;

import org.cvmmap.streamer.util.ConfigException;

import org.cvmmap.streamer.util.Secrets;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the control plane reaches NATS (docs/specs/streamer.md §5). Secrets are never part of {@link #toString()};
 * validating registers them with {@link Secrets} so that no log line or reply shows them.
 *
 * @param servers            server URLs ({@code nats://}, {@code tls://}, {@code ws://}, {@code wss://}), tried in order
 * @param token              auth token, or null
 * @param user               user name (with {@code password}), or null
 * @param password           password, or null
 * @param credsFile          NATS credentials file (JWT + NKey seed), or null
 * @param tls                require TLS even on {@code nats://} URLs (JVM default trust store unless a truststore is given)
 * @param truststore         PKCS#12/JKS truststore for TLS, or null
 * @param truststorePassword its password, or null
 * @param reconnectWaitMs    wait between reconnect attempts, ms (jittered by the client); reconnects never stop
 */
public record NatsConfig(List<String> servers, String token, String user, String password, Path credsFile, boolean tls,
                         Path truststore, String truststorePassword, long reconnectWaitMs) {
    /** The default server (docs/specs/cvmmap-ipc.md §3.1). */
    public static final String DEFAULT_URL = "nats://localhost:4222";

    /**
     * Validates the flags.
     *
     * @param urls comma-separated server URLs
     * @throws ConfigException naming the flag: bad URL, token together with user/password, user
     *                         without password, unreadable creds file or truststore
     */
    public static NatsConfig of(String urls, String token, String user, String password, Path credsFile, boolean tls,
                                Path truststore, String truststorePassword, long reconnectWaitMs) {
        List<String> servers = new ArrayList<>();
        for (String u : urls.split(",")) {
            String url = u.trim();
            try {
                URI uri = new URI(url);
                String scheme = uri.getScheme();
                if (scheme == null || !List.of("nats", "tls", "ws", "wss").contains(scheme) || uri.getHost() == null) {
                    throw new ConfigException("--nats-url", mask(url), "must be nats://HOST[:PORT] (or tls://, ws://, wss://)");
                }
                if (uri.getPort() > 65535) {
                    throw new ConfigException("--nats-url", mask(url), "port out of range");
                }
            } catch (URISyntaxException e) {
                throw new ConfigException("--nats-url", mask(url), "not a URL: " + e.getReason());
            }
            servers.add(url);
        }
        if (token != null && (user != null || password != null)) {
            throw new ConfigException("--nats-token", "***", "give either a token or --nats-user/--nats-password, not both");
        }
        if ((user == null) != (password == null)) {
            throw new ConfigException(user == null ? "--nats-password" : "--nats-user", user == null ? "***" : user,
                    "--nats-user and --nats-password go together");
        }
        if (credsFile != null && !Files.isReadable(credsFile)) {
            throw new ConfigException("--nats-creds", credsFile, "cannot be read");
        }
        if (truststore != null && !Files.isReadable(truststore)) {
            throw new ConfigException("--nats-tls-truststore", truststore, "cannot be read");
        }
        Secrets.register(token, password, truststorePassword);
        for (String url : servers) {
            Secrets.register(userInfoSecret(url));
        }
        if (reconnectWaitMs < 10 || reconnectWaitMs > 60_000) {
            throw new ConfigException("--nats-reconnect-wait-ms", reconnectWaitMs, "must be 10..60000");
        }
        return new NatsConfig(List.copyOf(servers), token, user, password, credsFile, tls || truststore != null,
                truststore, truststorePassword, reconnectWaitMs);
    }

    /** The server list as it may be logged: user info masked. */
    public String maskedServers() {
        return String.join(",", servers.stream().map(NatsConfig::mask).toList());
    }

    /** A URL with its password or token masked: {@code nats://alice:***@host:4222}, {@code nats://***@host}. */
    static String mask(String url) {
        return Secrets.maskUrls(url);
    }

    /** The secret part of a URL's user info (the password, or the whole token), or null. */
    private static String userInfoSecret(String url) {
        String info = URI.create(url).getRawUserInfo();
        if (info == null) {
            return null;
        }
        int colon = info.indexOf(':');
        return colon >= 0 ? info.substring(colon + 1) : info;
    }

    /** How the connection authenticates: {@code token}, {@code user}, {@code creds}, {@code url} (user info in the URL) or {@code none}. */
    public String authKind() {
        return token != null ? "token" : user != null ? "user" : credsFile != null ? "creds"
                : servers.stream().anyMatch(u -> URI.create(u).getRawUserInfo() != null) ? "url" : "none";
    }

    @Override
    public String toString() {
        return "NatsConfig[servers=" + maskedServers() + ", auth=" + authKind() + ", tls=" + tls + "]";
    }
}
