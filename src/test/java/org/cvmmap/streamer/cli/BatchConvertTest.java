package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.support.Peers;
import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code batch convert} over a dataset of three segments (one MCAP recording each) and a broken one:
 * every good segment converted with two workers (ffprobe counts every frame), the broken one reported
 * and the exit 6; a second run skips what exists; {@code --report-existing} and
 * {@code --probe-existing} find a truncated MP4, which the probing run converts again; a CSV's
 * {@code segment_dir} column in first-seen order, duplicates once.
 */
class BatchConvertTest {
    @TempDir
    Path dir;

    private static int batch(StringWriter out, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "batch";
        all[1] = "convert";
        System.arraycopy(args, 0, all, 2, args.length);
        return Main.execute(all, new PrintWriter(out, true), new PrintWriter(out, true));
    }

    @Test
    void convertsADatasetSkipsWhatExistsAndRequeuesATruncatedOutput() throws Exception {
        GstRuntime.init();
        Path recording = dir.resolve("rec.mcap");
        StreamerApp app = new StreamerApp(StreamerConfig.builder().inputMode("dummy").dummyLabel("batch-" + ProcessHandle.current().pid())
                .dummyWidth(160).dummyHeight(120).dummyFrames(45).codec("h264").nats(false).statusIntervalMs(0)
                .recordMcap(recording).build());
        assertThat(Streamers.start(app).get(60, TimeUnit.SECONDS)).isZero();
        long frames = app.stats().accessUnits.get();
        Path data = Files.createDirectory(dir.resolve("dataset"));
        for (String seg : new String[]{"seg0", "seg1", "nested/seg2"}) {
            Files.createDirectories(data.resolve(seg));
            Files.copy(recording, data.resolve(seg).resolve("cams.mcap"));
        }
        Files.createDirectory(data.resolve("broken"));
        Files.write(data.resolve("broken/cams.mcap"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9});

        StringWriter first = new StringWriter();
        assertThat(batch(first, "--root", data.toString(), "--recursive", "--jobs", "2")).as(first.toString()).isEqualTo(6);
        assertThat(first.toString()).contains("broken/cams.mcap status=unreadable-input", "event=progress_done",
                "batch task=convert items=4 done=3 skipped=0 failed=1");
        String label = "batch-" + ProcessHandle.current().pid();
        for (String seg : new String[]{"seg0", "seg1", "nested/seg2"}) {
            Path mp4 = data.resolve(seg).resolve("cams_" + label + ".mp4");
            assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), mp4)).as(seg).contains("nb_read_frames=" + frames);
        }
        Files.delete(data.resolve("broken/cams.mcap"));

        // what exists is skipped; a truncated MP4 is found only by reading it
        Path cut = data.resolve("seg1").resolve("cams_" + label + ".mp4");
        byte[] whole = Files.readAllBytes(cut);
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        StringWriter again = new StringWriter();
        assertThat(batch(again, "--root", data.toString(), "--recursive")).as(again.toString()).isZero();
        assertThat(again.toString()).contains("done=0 skipped=3 failed=0");
        StringWriter report = new StringWriter();
        assertThat(batch(report, "--root", data.toString(), "--recursive", "--report-existing", "--probe-existing")).isZero();
        assertThat(report.toString()).containsPattern("seg0/cams.mcap status=done").containsPattern("seg1/cams.mcap status=unreadable")
                .doesNotContain("converted=");
        StringWriter probe = new StringWriter();
        assertThat(batch(probe, "--root", data.toString(), "--recursive", "--probe-existing")).as(probe.toString()).isZero();
        assertThat(probe.toString()).contains("seg1/cams.mcap action=convert status=unreadable", "done=1 skipped=2 failed=0");
        assertThat(Peers.countFrames(new ProcessBuilder("ffprobe"), cut)).contains("nb_read_frames=" + frames);

        // a CSV: first-seen order, a duplicate once, relative to --csv-root
        Path csv = dir.resolve("segments.csv");
        Files.writeString(csv, "name,segment_dir\nb,\"nested/seg2\"\na,seg0\nb again,nested/seg2\n");
        StringWriter dry = new StringWriter();
        assertThat(batch(dry, "--segments-csv", csv.toString(), "--csv-root", data.toString(), "--dry-run", "--overwrite"))
                .isZero();
        String d = dry.toString();
        assertThat(d.indexOf("nested/seg2/cams.mcap action=convert")).isNotNegative().isLessThan(d.indexOf("seg0/cams.mcap action=convert"));
        assertThat(d.split("nested/seg2/cams.mcap", -1)).hasSize(2);
        assertThat(d).doesNotContain("converted=");
    }
}
