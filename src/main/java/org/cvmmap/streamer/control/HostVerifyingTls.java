package org.cvmmap.streamer.control;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.SecureRandom;

/**
 * The TLS context of every NATS connection (streamer and {@code ctl}): the server's certificate
 * chain is checked against the trust store (the JVM's, or {@code --nats-tls-truststore}) <em>and</em>
 * its subject alternative names against the host name or IP address of the URL (RFC 6125 /
 * RFC 2818 rules, the JDK's "HTTPS" endpoint identification).
 *
 * <p>jnats (2.26) checks only the chain: it hands the context's socket factory the host but never
 * asks for endpoint identification. This context's socket factory and engines ask for it on every
 * socket, so a certificate issued to another host by a trusted CA is refused
 * ({@code No subject alternative names matching …}). Nothing turns it off.
 */
final class HostVerifyingTls {
    /** The endpoint identification algorithm that checks the server's name (JSSE standard names). */
    static final String ENDPOINT_IDENTIFICATION = "HTTPS";

    private HostVerifyingTls() {
    }

    /**
     * A TLS client context that verifies the server's chain and host.
     *
     * @param truststore         PKCS#12/JKS file, or null for the JVM's default trust store
     * @param truststorePassword its password, or null
     * @throws GeneralSecurityException if the trust store cannot be used
     * @throws IOException              if it cannot be read
     */
    static SSLContext context(Path truststore, char[] truststorePassword) throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (truststore == null) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            try (InputStream in = Files.newInputStream(truststore)) {
                ks.load(in, truststorePassword);
            }
            tmf.init(ks);
        }
        SSLContext base = SSLContext.getInstance("TLS");
        base.init(null, tmf.getTrustManagers(), null);
        return new SSLContext(new Spi(base), base.getProvider(), base.getProtocol()) {
        };
    }

    /** Asks for host name verification on a socket (or an engine's parameters). */
    private static Socket verifying(Socket s) {
        if (s instanceof SSLSocket ssl) {
            SSLParameters p = ssl.getSSLParameters();
            p.setEndpointIdentificationAlgorithm(ENDPOINT_IDENTIFICATION);
            ssl.setSSLParameters(p);
        }
        return s;
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext base;

        Spi(SSLContext base) {
            this.base = base;
        }

        @Override
        protected void engineInit(KeyManager[] km, javax.net.ssl.TrustManager[] tm, SecureRandom sr)
                throws KeyManagementException {
            throw new KeyManagementException("already initialised");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new Factory(base.getSocketFactory());
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return base.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw new UnsupportedOperationException("a NATS TLS engine needs the server's host and port");
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine e = base.createSSLEngine(host, port);
            SSLParameters p = e.getSSLParameters();
            p.setEndpointIdentificationAlgorithm(ENDPOINT_IDENTIFICATION);
            e.setSSLParameters(p);
            return e;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return base.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return base.getClientSessionContext();
        }
    }

    private static final class Factory extends SSLSocketFactory {
        private final SSLSocketFactory base;

        Factory(SSLSocketFactory base) {
            this.base = base;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return base.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return base.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return verifying(base.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket() throws IOException {
            return verifying(base.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return verifying(base.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return verifying(base.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return verifying(base.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return verifying(base.createSocket(address, port, localAddress, localPort));
        }
    }
}
