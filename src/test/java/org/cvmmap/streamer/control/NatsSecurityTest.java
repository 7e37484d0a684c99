package org.cvmmap.streamer.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvmmap.streamer.cli.Main;
import org.cvmmap.streamer.config.NatsConfig;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusResponse;
import org.cvmmap.streamer.record.RecordRoot;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.McapCheck;
import org.cvmmap.streamer.support.NatsServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The control plane against real nats-servers configured as a deployment would be (issue 11):
 * the two-role authorization of {@code config/nats-server-roles.conf}, TLS whose certificate names
 * another host or this one, and floods of requests or disconnects measured in log lines.
 * The streamer side is {@link NatsControlPlane} over a stand-in stream
 * ({@link ControlServiceTest.FakeControl}), so these run without GStreamer.
 */
class NatsSecurityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String KEY = "cvmmap_sec";
    private static final Map<String, String> PASSWORDS = Map.of("CVMMAP_STREAMER_PASSWORD", "streamer-pw-1",
            "CVMMAP_PRODUCER_PASSWORD", "producer-pw-1", "CVMMAP_OPERATOR_PASSWORD", "operator-pw-1",
            "CVMMAP_VIEWER_PASSWORD", "viewer-pw-1");

    @TempDir
    Path dir;

    private static NatsConfig as(String url, String user, String password) {
        return NatsConfig.of(url, null, user, password, null, false, null, null, 100);
    }

    private NatsControlPlane streamer(NatsConfig config, ControlServiceTest.FakeControl control) {
        NatsControlPlane p = new NatsControlPlane(config, KEY, Map.of("instance", "sec"), control);
        p.start();
        return p;
    }

    @Test
    void theViewerReadsStatusButCannotRecordTheOperatorRecordsAndTheStreamerGoesOn() throws Exception {
        Path conf = Path.of("config", "nats-server-roles.conf").toAbsolutePath();
        ControlServiceTest.FakeControl control = new ControlServiceTest.FakeControl();
        control.root = RecordRoot.of("--record-dir", dir);
        try (NatsServer server = NatsServer.start(List.of("-c", conf.toString()), PASSWORDS);
             NatsControlPlane plane = streamer(as(server.url(), "streamer", "streamer-pw-1"), control)) {
            assertThat(plane.awaitConnected(10_000)).as("streamer connected with its role").isTrue();
            try (ControlClient viewer = ControlClient.connect(as(server.url(), "viewer", "viewer-pw-1"));
                 ControlClient operator = ControlClient.connect(as(server.url(), "operator", "operator-pw-1"))) {
                // viewer: status and discovery yes; anything that changes the stream no
                assertThat(JSON.readTree(viewer.request(KEY, "status", new byte[0], TIMEOUT).body())
                        .path("frames").path("in").asInt()).isEqualTo(5);
                assertThat(viewer.discover(Duration.ofMillis(500))).hasSize(1);
                byte[] start = RecordingStartRequest.newBuilder().setOutputPath("viewer.mcap").build().toByteArray();
                for (String endpoint : List.of("recorder.mcap.start", "restart", "keyframe")) {
                    assertThatThrownBy(() -> viewer.request(KEY, endpoint, start, TIMEOUT))
                            .as(endpoint).isInstanceOf(ControlClient.NotPermittedException.class)
                            .hasMessageContaining("cvmmap." + KEY + ".streamer." + endpoint)
                            .hasMessageContaining("Permissions Violation");
                }
                assertThat(dir.resolve("viewer.mcap")).doesNotExist();
                assertThat(control.calls).doesNotContain("restart", "keyframe");
                // ctl as the viewer: exit 3, one clear line
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = Main.execute(new String[]{"ctl", "--nats-url", server.url(), "--nats-user", "viewer",
                        "--nats-password", "viewer-pw-1", "--key", KEY, "record", "mcap", "start", "v2.mcap"},
                        new PrintWriter(out, true), new PrintWriter(err, true));
                assertThat(code).as(err.toString()).isEqualTo(3);
                assertThat(err.toString()).contains("NATS does not permit this user to publish to cvmmap." + KEY
                        + ".streamer.recorder.mcap.start");
                // operator: records (a relative path, inside the record dir)
                RecordingStatusResponse s = RecordingStatusResponse.parseFrom(operator.request(KEY,
                        "recorder.mcap.start", RecordingStartRequest.newBuilder().setOutputPath("op.mcap").build()
                                .toByteArray(), TIMEOUT).body());
                assertThat(s.getIsRecording()).as(s.getErrorMessage()).isTrue();
                s = RecordingStatusResponse.parseFrom(operator.request(KEY, "recorder.mcap.stop", new byte[0],
                        TIMEOUT).body());
                assertThat(s.getIsRecording()).isFalse();
                JsonNode check = McapCheck.check(dir.resolve("op.mcap"), null);
                assertThat(check.path("ok").asBoolean()).as(check.toString()).isTrue();
                operator.request(KEY, "restart", new byte[0], TIMEOUT);
                assertThat(control.calls).contains("restart");
                // the streamer is unaffected: still connected, still serving both
                assertThat(plane.toJson().get("state")).isEqualTo("CONNECTED");
                assertThat(JSON.readTree(viewer.request(KEY, "status", new byte[0], TIMEOUT).body()).has("frames")).isTrue();
            }
        } finally {
            control.recorders.close();
        }
    }

    /** A CA and two server certificates (SAN otherhost.example; SAN IP 127.0.0.1), plus a PKCS#12 trust store. */
    private record Pki(Path truststore, Path wrongCert, Path wrongKey, Path rightCert, Path rightKey) {
    }

    private Pki pki() throws IOException, InterruptedException {
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
                "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        for (String[] cert : List.of(new String[]{"wrong", "DNS:otherhost.example"}, new String[]{"right", "IP:127.0.0.1"})) {
            run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cert[0], "-keyout",
                    cert[0] + ".key", "-out", cert[0] + ".csr");
            Files.writeString(dir.resolve(cert[0] + ".ext"), "subjectAltName=" + cert[1]
                    + "\nextendedKeyUsage=serverAuth\n");
            run("openssl", "x509", "-req", "-in", cert[0] + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", cert[0] + ".ext", "-out", cert[0] + ".pem");
        }
        run("keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "trust.p12",
                "-storetype", "PKCS12", "-storepass", "trust-pw");
        return new Pki(dir.resolve("trust.p12"), dir.resolve("wrong.pem"), dir.resolve("wrong.key"),
                dir.resolve("right.pem"), dir.resolve("right.key"));
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(String.join(" ", cmd) + "\n" + out).isTrue();
    }

    private static NatsServer tlsServer(Path cert, Path key) throws IOException, InterruptedException {
        return NatsServer.start(List.of("--tls", "--tlscert", cert.toString(), "--tlskey", key.toString()), Map.of());
    }

    private static NatsConfig tls(NatsServer s, Pki pki) {
        return NatsConfig.of("tls://127.0.0.1:" + s.port(), null, null, null, null, true, pki.truststore(),
                "trust-pw", 100);
    }

    @Test
    void tlsRefusesACertificateForAnotherHostFromATrustedCaAndAcceptsOneNamingThisHost() throws Exception {
        Pki pki = pki();
        ControlServiceTest.FakeControl control = new ControlServiceTest.FakeControl();
        try (NatsServer wrong = tlsServer(pki.wrongCert(), pki.wrongKey())) {
            // ctl: refused, one line naming the reason
            assertThatThrownBy(() -> ControlClient.connect(tls(wrong, pki))).isInstanceOf(IOException.class);
            StringWriter err = new StringWriter();
            int code = Main.execute(new String[]{"ctl", "--nats-url", "tls://127.0.0.1:" + wrong.port(),
                    "--nats-tls-truststore", pki.truststore().toString(), "--nats-tls-truststore-password", "trust-pw",
                    "--key", KEY, "status"},
                    new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
            assertThat(code).isEqualTo(6);
            assertThat(err.toString().strip().lines().count()).isEqualTo(1);
            assertThat(err.toString()).contains("No subject alternative names matching IP address 127.0.0.1");
            // the streamer: never attaches, warns once, and not with the password-bearing URL
            try (LogCapture log = LogCapture.open();
                 NatsControlPlane plane = streamer(tls(wrong, pki), control)) {
                assertThat(plane.awaitConnected(3000)).as("connected to a server named otherhost.example").isFalse();
                assertThat(log.count("event=nats_unavailable")).isEqualTo(1);
                assertThat(log.lines()).anyMatch(l -> l.contains("event=nats_unavailable")
                        && l.contains("No subject alternative names matching IP address 127.0.0.1"));
                assertThat(log.count("event=nats_connected")).isZero();
                System.out.println("TLS mismatch: " + log.lines().stream().filter(l -> l.contains("nats_unavailable"))
                        .findFirst().orElse("") + " | ctl: " + err.toString().strip());
            }
            assertThat(wrong.output()).anyMatch(l -> l.contains("TLS handshake error"));
        }
        try (NatsServer right = tlsServer(pki.rightCert(), pki.rightKey());
             NatsControlPlane plane = streamer(tls(right, pki), control);
             ControlClient client = ControlClient.connect(tls(right, pki))) {
            assertThat(plane.awaitConnected(10_000)).as("connected to a server whose SAN is 127.0.0.1").isTrue();
            assertThat(JSON.readTree(client.request(KEY, "status", new byte[0], TIMEOUT).body()).has("frames")).isTrue();
        }
        control.recorders.close();
    }

    @Test
    void tenThousandBadRequestsCostAFewLogLinesAndRequestsAreLoggedAtDebugOnly() throws Exception {
        ControlServiceTest.FakeControl control = new ControlServiceTest.FakeControl();
        try (NatsServer server = NatsServer.start();
             NatsControlPlane plane = streamer(as(server.url(), null, null), control);
             ControlClient client = ControlClient.connect(as(server.url(), null, null));
             LogCapture log = LogCapture.open()) {
            assertThat(plane.awaitConnected(10_000)).isTrue();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10_000; i++) {
                ControlClient.Reply r = client.request(KEY, "recorder.mp4.start", new byte[]{0x0a, 0x7f, 0x41}, TIMEOUT);
                assertThat(r.errorCode()).isEqualTo(400);
                if (i % 10 == 0) {
                    client.request(KEY, "status", new byte[0], TIMEOUT);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long refused = log.count("event=control_request_refused");
            long windows = (long) Math.ceil(seconds / 10.0);
            System.out.printf("request flood: 10000 refused + 1000 status in %.1f s -> %d control_request_refused "
                    + "lines (%.1f per minute), %d INFO control_request lines%n", seconds, refused,
                    refused / seconds * 60, log.count("INFO event=control_request "));
            assertThat(refused).as("first line + one summary per 10 s").isBetween(1L, 1 + windows);
            // the summary of the last window follows by itself (the background tick), with every count: a
            // flood longer than one window has earlier summaries, so wait for the sum, not for any summary
            long counted = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
            while (System.nanoTime() < until) {
                counted = log.lines().stream().filter(l -> l.contains("event=control_request_refused"))
                        .mapToLong(l -> l.contains("repeated=") ? Long.parseLong(l.replaceAll(".*repeated=(\\d+).*", "$1"))
                                : 1).sum();
                if (counted >= 10_000) {
                    break;
                }
                Thread.sleep(100); // the rate limiter's background tick writes the line: no event to wait on
            }
            assertThat(counted).as("no refusal lost from the count").isEqualTo(10_000);
            assertThat(log.count("INFO event=control_request ")).as("status requests at DEBUG").isZero();
            assertThat(plane.toJson().get("failed_requests")).isEqualTo(10_000L);
        }
        control.recorders.close();
    }

    @Test
    void aSixtySecondNatsOutageCostsOneLinePlusASummaryPerTenSeconds() throws Exception {
        ControlServiceTest.FakeControl control = new ControlServiceTest.FakeControl();
        try (NatsServer server = NatsServer.start();
             NatsControlPlane plane = new NatsControlPlane(NatsConfig.of(server.url(), null, null, null, null, false,
                     null, null, 1000), KEY, Map.of(), control);
             LogCapture log = LogCapture.open()) {
            plane.start();
            assertThat(plane.awaitConnected(10_000)).isTrue();
            server.stop();
            long t0 = System.nanoTime();
            Thread.sleep(60_000); // the outage itself: its length is what is measured
            server.restart();
            assertThat(plane.awaitReconnects(1, 15_000)).as("reconnected after the outage").isTrue();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long lines = log.count("event=nats_disconnected");
            long occurrences = log.lines().stream().filter(l -> l.contains("event=nats_disconnected"))
                    .mapToLong(l -> l.contains("repeated=") ? Long.parseLong(l.replaceAll(".*repeated=(\\d+).*", "$1"))
                            : 1).sum();
            System.out.printf("NATS outage %.1f s: %d disconnect events -> %d nats_disconnected lines%n", seconds,
                    occurrences, lines);
            assertThat(lines).isBetween(1L, 1 + (long) Math.ceil(seconds / 10.0));
        }
        control.recorders.close();
    }
}
