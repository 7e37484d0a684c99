package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.support.ChildStreamer;
import org.cvmmap.streamer.support.LogCapture;
import org.cvmmap.streamer.support.NatsServer;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No secret in any output (issue 11): every path that prints a server address is run with secrets in
 * the NATS URL (password, token), in the NATS user/password variables, in the RTMP URL (stream key,
 * from the environment and from a file) and in the trust store password, and every byte printed
 * (streamer logs, ctl output and errors, status replies, discovery metadata) is searched for them.
 * Also: a streamer given its secrets by environment and file shows none in {@code /proc/PID/cmdline}.
 */
class SecretsTest {
    private static final String PASSWORD = "Pa55word-x9";
    private static final String WRONG = "WrongPa55-x9";
    private static final String TOKEN = "s3cr3tT0ken-x9";
    private static final String KEY = "SeCrEtKeY-x9";
    private static final String TRUST = "TrustPa55-x9";
    private static final List<String> SECRETS = List.of(PASSWORD, WRONG, TOKEN, KEY, TRUST);

    @TempDir
    Path dir;
    private final List<String> printed = new ArrayList<>();

    private String[] streamer(String... more) throws Exception {
        List<String> a = new ArrayList<>(List.of("--input-mode", "dummy", "--dummy-width", "160", "--dummy-height",
                "120", "--codec", "h264", "--rtp", "--rtp-endpoint", "127.0.0.1:" + Streamers.freeUdpPort(),
                "--status-interval-ms", "0", "--nats-reconnect-wait-ms", "200"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    /** Runs ctl in-process; what it prints (and any log line meanwhile) is kept for the search. */
    private int ctl(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (LogCapture log = LogCapture.open()) {
            List<String> a = new ArrayList<>(List.of("ctl"));
            a.addAll(List.of(args));
            code = Main.execute(a.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
            printed.addAll(log.lines());
        }
        printed.add(out.toString());
        printed.add(err.toString());
        return code;
    }

    private void keep(ChildStreamer s) {
        printed.addAll(s.lines());
    }

    @Test
    void noSecretInAnyLogLineErrorReplyOrProcessList() throws Exception {
        int natsPort = NatsServer.freePort();
        int rtmpPort = NatsServer.freePort(); // nothing listens: the publisher keeps reconnecting
        String rtmpUrl = "rtmp://127.0.0.1:" + rtmpPort + "/live/" + KEY;
        String userUrl = "nats://alice:" + PASSWORD + "@127.0.0.1:" + natsPort;
        Path rtmpFile = dir.resolve("rtmp-url");
        Files.writeString(rtmpFile, rtmpUrl + "\n");

        // 1. password in the URL, server not there yet, RTMP key from the environment
        try (ChildStreamer a = ChildStreamer.start(Map.of("CVMMAP_RTMP_URL", rtmpUrl), 0,
                streamer("--nats-url", userUrl, "--rtmp", "--rtmp-reconnect-min-ms", "100"))) {
            a.await("event=nats_unavailable", 0, 30_000);
            a.await("event=rtmp_disconnected", 0, 30_000);
            assertThat(a.cmdline()).as("RTMP key from the environment").doesNotContain(KEY);
            // ctl with the secret URL while nothing listens
            assertThat(ctl("--nats-url", userUrl, "--key", "cvmmap_dummy", "status")).isEqualTo(6);
            try (NatsServer server = NatsServer.on(natsPort, List.of("--user", "alice", "--pass", PASSWORD))) {
                a.await("event=nats_connected", 0, 30_000);
                a.await("event=nats_service_started", 0, 30_000);
                assertThat(ctl("--nats-url", userUrl, "--key", "cvmmap_dummy", "status")).isZero();
                assertThat(ctl("--nats-url", userUrl, "discover")).isZero();
                // wrong password: the auth failure path of ctl
                assertThat(ctl("--nats-url", "nats://alice:" + WRONG + "@127.0.0.1:" + natsPort, "--key",
                        "cvmmap_dummy", "status")).isEqualTo(6);
                int mark = a.lines().size();
                server.restart();
                a.await("event=nats_reconnected", mark, 30_000);
            }
            keep(a);
        }

        long pid = ProcessHandle.current().pid();
        // 2. the auth failure path of the streamer, and a token in the URL
        try (NatsServer tokenServer = NatsServer.start(List.of("--auth", TOKEN), Map.of());
             NatsServer userServer = NatsServer.start(List.of("--user", "alice", "--pass", PASSWORD), Map.of());
             // three producers at once: each its own label (one shared SHM object raced: seen in CI)
             ChildStreamer wrong = ChildStreamer.start(Map.of(), 0, streamer("--dummy-label", "sec-wrong-" + pid,
                     "--nats-url", "nats://alice:" + WRONG + "@127.0.0.1:" + userServer.port()));
             ChildStreamer token = ChildStreamer.start(Map.of(), 0, streamer("--nats-url", "nats://" + TOKEN
                     + "@127.0.0.1:" + tokenServer.port(), "--rtmp", "--rtmp-url-file", rtmpFile.toString()));
             // 3. everything from the environment and a file: nothing secret on the command line
             ChildStreamer quiet = ChildStreamer.start(Map.of("CVMMAP_NATS_USER", "alice", "CVMMAP_NATS_PASSWORD",
                     PASSWORD), 0, streamer("--dummy-label", "sec-quiet-" + pid, "--nats-url", userServer.url(),
                     "--rtmp", "--rtmp-url-file", rtmpFile.toString()))) {
            wrong.await("event=nats_unavailable.*Authorization Violation", 0, 30_000);
            token.await("event=nats_service_started", 0, 30_000);
            token.await("event=rtmp_connecting .*url=rtmp://127.0.0.1:" + rtmpPort + "/live/\\*\\*\\*", 0, 30_000);
            quiet.await("event=nats_service_started", 0, 30_000);
            quiet.await("event=rtmp_connecting .*url=rtmp://127.0.0.1:" + rtmpPort + "/live/\\*\\*\\*", 0, 30_000);
            String cmdline = quiet.cmdline();
            for (String secret : SECRETS) {
                assertThat(cmdline).as("/proc/PID/cmdline").doesNotContain(secret);
            }
            assertThat(ctl("--nats-url", "nats://" + TOKEN + "@127.0.0.1:" + tokenServer.port(), "--key",
                    "cvmmap_dummy", "status")).isZero();
            assertThat(ctl("--nats-url", tokenServer.url(), "--nats-token", TOKEN, "discover")).isZero();
            keep(wrong);
            keep(token);
            keep(quiet);
        }

        // 4. a trust store that cannot be opened, with its password
        Path notAStore = Files.writeString(dir.resolve("not-a-store.p12"), "x");
        assertThat(ctl("--nats-url", "tls://127.0.0.1:" + natsPort, "--nats-tls-truststore", notAStore.toString(),
                "--nats-tls-truststore-password", TRUST, "--key", "k", "status")).isNotZero();

        String all = String.join("\n", printed);
        for (String secret : SECRETS) {
            assertThat(all).as("printed output contains " + secret).doesNotContain(secret);
        }
        // the paths ran and printed the masked forms
        assertThat(all).contains("nats://alice:***@127.0.0.1:" + natsPort, "nats://***@127.0.0.1:",
                "rtmp://127.0.0.1:" + rtmpPort + "/live/***", "Authorization Violation", "event=nats_reconnected",
                "\"service\":\"cvmmap_streamer\"", "\"metadata\"");
        System.out.printf("secrets: %d lines searched, none of %d secrets found%n", all.lines().count(), SECRETS.size());
    }
}
