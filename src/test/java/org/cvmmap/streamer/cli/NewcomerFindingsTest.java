package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.support.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a new user ran into (issue 14, deliverable 7): the SDP file's folder is never created and no
 * temporary file is left behind, the SDP is readable by other users; a missing file for
 * {@code flv-check} is one line and exit 2; one path for both recordings is refused before anything
 * is created; a stream without its producer says which SHM object and socket it waits for.
 */
class NewcomerFindingsTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static String[] dummy(String label, String... more) {
        return Stream.concat(Stream.of("--input-mode", "dummy", "--dummy-label", label + "-" + ProcessHandle.current().pid(),
                "--dummy-width", "160", "--dummy-height", "120", "--codec", "h264", "--rtp", "--rtp-endpoint",
                "127.0.0.1:9", "--no-nats", "--http-listen", "off", "--status-interval-ms", "0"), Stream.of(more))
                .toArray(String[]::new);
    }

    private List<String> everything() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).filter(p -> !p.isEmpty()).sorted().toList();
        }
    }

    @Test
    void theSdpFolderIsNeverCreatedNoTemporaryFileStaysAndTheSdpIsReadableByOthers() throws Exception {
        Run missing = run(dummy("nf-sdp1", "--dummy-frames", "5", "--rtp-sdp", dir.resolve("no/such/x.sdp").toString()));
        assertThat(missing.code()).as(missing.err()).isEqualTo(2);
        assertThat(missing.err()).contains("--rtp-sdp=" + dir.resolve("no/such/x.sdp") + ": its folder does not exist");
        Run folder = run(dummy("nf-sdp2", "--dummy-frames", "5", "--rtp-sdp", dir.toString()));
        assertThat(folder.code()).as(folder.err()).isEqualTo(2);
        assertThat(folder.err()).contains("--rtp-sdp=" + dir + ": is a folder");
        assertThat(everything()).as("nothing created by the two refused runs").isEmpty();

        Run ok = run(dummy("nf-sdp3", "--dummy-frames", "5", "--rtp-sdp", dir.resolve("s.sdp").toString()));
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(everything()).containsExactly("s.sdp");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("s.sdp")))).isEqualTo("rw-r--r--");
    }

    @Test
    void flvCheckOfAMissingFileIsOneLineAndExit2() {
        Run r = run("flv-check", "--mode", "h264", dir.resolve("nonexistent.flv").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("error: FILE=" + dir.resolve("nonexistent.flv") + ": cannot be read (no such file)");
    }

    @Test
    void oneFileForBothRecordingsIsRefusedBeforeAnythingIsCreated() throws Exception {
        String x = dir.resolve("x.rec").toString();
        Run r = run(dummy("nf-rec", "--dummy-frames", "5", "--record-mp4", x, "--record-mcap", x));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--record-mcap=" + x + ": is also --record-mp4's file");
        assertThat(everything()).isEmpty();
    }

    @Test
    void aStreamWithoutItsProducerSaysWhichShmObjectAndSocketItWaitsFor() throws Exception {
        String name = "nf-absent-" + ProcessHandle.current().pid();
        try (LogCapture log = LogCapture.open()) {
            Run r = run("--input-uri", "cvmmap://" + name, "--codec", "h264", "--rtp", "--rtp-endpoint", "127.0.0.1:9",
                    "--no-nats", "--http-listen", "off", "--status-interval-ms", "0", "--ingest-idle-timeout-ms", "1800");
            assertThat(r.code()).isEqualTo(124);
            assertThat(log.lines()).anyMatch(l -> l.contains("event=input_waiting key=cvmmap_" + name
                    + " shm=/dev/shm/cvmmap_" + name + " shm_exists=false socket=/tmp/cvmmap_" + name + " socket_exists=false"));
        }
    }
}
