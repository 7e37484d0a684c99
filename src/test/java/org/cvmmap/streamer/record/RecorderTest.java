package org.cvmmap.streamer.record;

import org.cvmmap.streamer.media.EncodedUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The recorder's state machine with a stand-in sink: validation, keyframe start, drops, errors. */
class RecorderTest {
    @TempDir
    Path dir;

    /** Records what it is given; can block its writer or fail. */
    static final class FakeSink implements RecordingSink {
        final List<EncodedUnit> written = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean block;
        volatile int failAt = -1;
        volatile boolean finished;

        @Override
        public void write(EncodedUnit unit) throws IOException {
            if (block) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (written.size() == failAt) {
                throw new IOException("disk full");
            }
            written.add(unit);
        }

        @Override
        public void finish() {
            finished = true;
        }
    }

    private final FakeSink sink = new FakeSink();
    private final AtomicInteger keyframeRequests = new AtomicInteger();

    private Recorder recorder(Recorder.Format f) {
        return new Recorder(f, "k", keyframeRequests::incrementAndGet, (file, o) -> sink);
    }

    private static final org.cvmmap.streamer.media.EncodedCaps CAPS = new org.cvmmap.streamer.media.EncodedCaps(
            "video/x-h264", org.cvmmap.streamer.support.Fixtures.hexBytes("01 64 00 16 ff e1 00 02 67 64 01 00 02 68 eb"),
            640, 360, 30);

    private static EncodedUnit unit(int i, boolean key) {
        // one NAL unit of one byte behind a 4-byte length, in a stream with a real avcC
        return new EncodedUnit(new byte[]{0, 0, 0, 1, (byte) i}, CAPS, i * 33_000_000L, i * 33_000_000L, 1_000 + i, key);
    }

    @Test
    void startsOnAKeyframeAndWritesEverythingBeforeStopReturns() throws Exception {
        Recorder r = recorder(Recorder.Format.MCAP);
        RecorderStatus s = r.start(dir.resolve("a.mcap"), null, null);
        assertThat(s.recording()).isTrue();
        assertThat(keyframeRequests).hasValue(1);
        r.offer(unit(0, false));
        r.offer(unit(1, false));
        r.offer(unit(2, true));
        for (int i = 3; i < 10; i++) {
            r.offer(unit(i, i == 6));
        }
        RecorderStatus end = r.stop();
        assertThat(end.recording()).isFalse();
        assertThat(end.framesIngested()).isEqualTo(10);
        assertThat(end.framesEncoded()).isEqualTo(8);
        assertThat(end.path()).isEqualTo(dir.resolve("a.mcap").toRealPath().toString());
        assertThat(sink.written.get(0).keyframe()).isTrue();
        assertThat(sink.written).extracting(u -> (int) (u.ptsNs() / 33_000_000L)).containsExactly(2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(sink.finished).isTrue();
        assertThat(r.stop()).isEqualTo(end); // stop without a recording: the last status, no error
    }

    @Test
    void invalidRequestsAreRefusedNamingTheField() throws Exception {
        Recorder mp4 = recorder(Recorder.Format.MP4);
        Recorder mcap = recorder(Recorder.Format.MCAP);
        Files.createFile(dir.resolve("exists.mp4"));
        record Case(Recorder r, String path, Recorder.McapOptions o, RecorderException.Kind kind, String text) {
        }
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        Files.createSymbolicLink(dir.resolve("dangling.mp4"), dir.resolve("target-of-dangling.mp4"));
        String topic257 = "/" + "t".repeat(256);
        List<Case> cases = List.of(
                new Case(mp4, dir.resolve("x.mp4").toString(), Recorder.McapOptions.DEFAULTS,
                        RecorderException.Kind.INVALID, "mcap_options given to the mp4 recorder"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions("brotli", null, null),
                        RecorderException.Kind.UNSUPPORTED, "compression=\"brotli\" is not supported (none, zstd or lz4)"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, null, null, "depth"),
                        RecorderException.Kind.INVALID, "mcap_options.depth_topic=\"depth\" must be /name[/name...]"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "video", null),
                        RecorderException.Kind.INVALID, "mcap_options.topic=\"video\" must be /name[/name...]"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "/a//b", null),
                        RecorderException.Kind.INVALID, "must be /name[/name...]"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "/a/", null),
                        RecorderException.Kind.INVALID, "must be /name[/name...]"),
                // the authorized_keys attack: a key line smuggled into the file through the topic
                new Case(mcap, dir.resolve("x.mcap").toString(),
                        new Recorder.McapOptions(null, "/x\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5 a@b\n#", null),
                        RecorderException.Kind.INVALID, "mcap_options.topic=\"/x\\u000assh-ed25519 AAAAC3NzaC1lZDI1NTE5 a@b\\u000a#\" contains U+000A at character 2"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "/a\u2028b", null),
                        RecorderException.Kind.INVALID, "contains U+2028"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "/a\u202eb", null),
                        RecorderException.Kind.INVALID, "contains U+202E"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, topic257, null),
                        RecorderException.Kind.INVALID, "is 257 bytes, longer than 256"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "/ok", "cam\r"),
                        RecorderException.Kind.INVALID, "mcap_options.frame_id=\"cam\\u000d\" contains U+000D"),
                new Case(mcap, dir.resolve("x.mcap").toString(), new Recorder.McapOptions(null, "/ok", "c".repeat(257)),
                        RecorderException.Kind.INVALID, "mcap_options.frame_id"),
                new Case(mp4, dir.resolve("exists.mp4").toString(), null, RecorderException.Kind.FAILED, "already exists"),
                // a link at the last component is never followed, even a dangling one
                new Case(mp4, dir.resolve("dangling.mp4").toString(), null, RecorderException.Kind.FAILED, "already exists"),
                new Case(mp4, dir.resolve("no/such/dir/x.mp4").toString(), null, RecorderException.Kind.INVALID,
                        "cannot be opened"),
                new Case(mp4, "/proc/x.mp4", null, RecorderException.Kind.FAILED, "cannot be created"));
        for (Case c : cases) {
            assertThatThrownBy(() -> c.r().start(Path.of(c.path()), null, c.o()))
                    .as(c.path() + " " + c.o())
                    .isInstanceOfSatisfying(RecorderException.class, e -> assertThat(e.kind()).isEqualTo(c.kind()))
                    .hasMessageContaining(c.text());
            assertThat(c.r().recording()).isFalse();
        }
        assertThat(Files.exists(dir.resolve("x.mcap"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(dir.resolve("target-of-dangling.mp4"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        // with a root: a folder that is a link leading outside it is refused, nothing is created
        assertThatThrownBy(() -> mp4.start(root.resolve("link").resolve("x.mp4"), root.toRealPath(), null))
                .isInstanceOfSatisfying(RecorderException.class, e -> assertThat(e.kind()).isEqualTo(RecorderException.Kind.INVALID))
                .hasMessageContaining("outside " + root.toRealPath());
        assertThat(outside).isEmptyDirectory();
        assertThat(mcap.start(dir.resolve("ok.mcap"), null, new Recorder.McapOptions("none", "/cam/video", "cam"))
                .recording()).isTrue();
        assertThat(Files.getPosixFilePermissions(dir.resolve("ok.mcap")))
                .as("mode 0640 whatever the umask").isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> mcap.start(dir.resolve("two.mcap"), null, null))
                .isInstanceOfSatisfying(RecorderException.class, e -> assertThat(e.kind()).isEqualTo(RecorderException.Kind.FAILED))
                .hasMessageContaining("already recording to " + dir.resolve("ok.mcap").toRealPath());
        mcap.stop();
        assertThat(Files.exists(dir.resolve("two.mcap"))).isFalse();
    }

    @Test
    void aWriterThatFallsBehindLosesWholeGopsOnlyAndAsksForAKeyframe() throws Exception {
        Recorder r = recorder(Recorder.Format.MP4);
        sink.block = true;
        r.start(dir.resolve("a.mp4"), null, null);
        int n = Recorder.QUEUE_UNITS + 50;
        r.offer(unit(0, true));
        for (int i = 1; i < n; i++) {
            r.offer(unit(i, false)); // the queue fills up: the rest until a keyframe is dropped
        }
        assertThat(r.status().lastFrameOk()).isFalse();
        assertThat(keyframeRequests.get()).isGreaterThanOrEqualTo(2);
        r.offer(unit(n, false)); // still no keyframe since the gap: skipped even if the queue had room
        sink.release.countDown();
        RecorderStatus end = r.stop();
        List<Integer> ids = sink.written.stream().map(u -> (int) (u.ptsNs() / 33_000_000L)).toList();
        // what was written is one unbroken run from the first keyframe: the gap and what follows it are not
        assertThat(ids).isEqualTo(java.util.stream.IntStream.range(0, ids.size()).boxed().toList());
        assertThat(ids.size()).isBetween(Recorder.QUEUE_UNITS, Recorder.QUEUE_UNITS + 1);
        assertThat(end.framesEncoded()).isEqualTo(ids.size());
        assertThat(end.framesIngested()).isEqualTo(n + 1);
    }

    @Test
    void aWriteErrorEndsTheRecordingWithItsCauseAndStillFinishesTheFile() throws Exception {
        Recorder r = recorder(Recorder.Format.MCAP);
        sink.failAt = 3;
        r.start(dir.resolve("a.mcap"), null, null);
        for (int i = 0; i < 10; i++) {
            r.offer(unit(i, i == 0));
        }
        RecorderStatus end = r.stop();
        assertThat(end.recording()).isFalse();
        assertThat(end.error()).contains("write failed: disk full");
        assertThat(end.framesEncoded()).isEqualTo(3);
        assertThat(sink.finished).isTrue();
    }
}
