package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.Depth;

import org.cvmmap.streamer.ingest.PixelFormat;

import org.cvmmap.streamer.ingest.FrameBuffer;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ShmFrameReaderTest {
    private final CvmmapTarget target = CvmmapTarget.parse("reader-" + ProcessHandle.current().pid());
    private final List<String> events = new ArrayList<>();

    /** Heap buffers that record commit/discard so a torn frame's fate is visible. */
    private FrameBuffer.Factory tracking() {
        return bytes -> {
            ByteBuffer b = ByteBuffer.allocate(bytes);
            return new FrameBuffer() {
                public ByteBuffer data() { return b; }
                public void commit() { events.add("commit"); }
                public void discard() { events.add("discard"); }
            };
        };
    }

    @AfterEach
    void cleanup() throws IOException {
        Files.deleteIfExists(Path.of("/dev/shm", target.shmName()));
    }

    @Test
    void theDepthPlaneIsCopiedOnlyWhileItIsWanted() {
        boolean[] want = {false};
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0,
                DummyProducer.Pattern.MOVING, 0, 0, true));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            r.setWantDepth(() -> want[0]);
            p.publishFrame(1, 1000);
            ShmFrameReader.Result first = r.read(tracking());
            assertThat(first.status()).isEqualTo(ShmFrameReader.Status.FRAME);
            assertThat(first.frame().format().toString()).isEqualTo("BGR 64x32");
            assertThat(first.frame().depth()).isNull();
            want[0] = true;
            p.publishFrame(7, 2000);
            ShmFrameReader.Result second = r.read(tracking());
            org.cvmmap.streamer.ingest.DepthImage d = second.frame().depth();
            assertThat(d).isNotNull();
            assertThat(d.timestampNs()).isEqualTo(2000);
            assertThat(d.width()).isEqualTo(64);
            assertThat(d.height()).isEqualTo(32);
            assertThat(d.unit()).isEqualTo(DummyProducer.DEPTH_UNIT_MM);
            assertThat(d.data()).hasSize(64 * 32 * 4);
            ByteBuffer f = ByteBuffer.wrap(d.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 64; x++) {
                    assertThat(f.getFloat((y * 64 + x) * 4)).as("(%d,%d)", x, y).isEqualTo(DummyProducer.depthValue(7, x, y));
                }
            }
            assertThat(f.getFloat(0)).isEqualTo(7f);
            assertThat(f.getFloat(4)).isEqualTo(514f); // 500 + (7·1 + 13·0 + 7) mod 4000
        }
    }

    @Test
    void readsCoherentFrameIntoGstreamerLayout() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            p.publishFrame(1, 1000);
            ShmFrameReader.Result res = r.read(tracking());
            assertThat(res.status()).isEqualTo(ShmFrameReader.Status.FRAME);
            assertThat(res.frame().frameId()).isEqualTo(1);
            assertThat(res.frame().timestampNs()).isEqualTo(1000);
            assertThat(res.frame().format().toString()).isEqualTo("BGR 64x32");
            assertThat(res.frame().reset()).isFalse();
            assertThat(events).containsExactly("commit");
            byte[] shmRow = new byte[64 * 3];
            shmBytes(256 + 31 * 192, shmRow);
            byte[] got = new byte[64 * 3];
            res.frame().buffer().data().get(31 * 192, got);
            assertThat(got).isEqualTo(shmRow);
            assertThat(r.read(tracking()).status()).isEqualTo(ShmFrameReader.Status.DUPLICATE);
        }
    }

    @Test
    void tornFrameIsRejectedAndItsBufferDiscarded() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            p.publishFrame(1, 1000);
            // The producer lands the next frame's metadata while the reader is copying.
            r.setCopyObserver(() -> p.publishFrame(2, 2000));
            ShmFrameReader.Result torn = r.read(tracking());
            assertThat(torn.status()).isEqualTo(ShmFrameReader.Status.TORN);
            assertThat(torn.frame()).isNull();
            assertThat(events).containsExactly("discard");
            r.setCopyObserver(() -> { });
            ShmFrameReader.Result next = r.read(tracking());
            assertThat(next.status()).isEqualTo(ShmFrameReader.Status.FRAME);
            assertThat(next.frame().frameId()).isEqualTo(2);
        }
    }

    /**
     * Upstream writes a frame's payload before its metadata (docs/specs/cvmmap-ipc.md §1.8): a next frame's
     * payload still being written when the copy ends leaves the metadata as it was, and only the
     * compare pass after the copy sees it (the rows the writer reached after the copy passed them).
     */
    @Test
    void aPayloadRewrittenDuringTheCopyWithTheMetadataUnchangedIsTorn() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            p.publishFrame(1, 1000);
            byte[] next = new byte[64 * 3 * 16];
            java.util.Arrays.fill(next, (byte) 0x5A);
            // the writer of frame 2 reaches the bottom half after the copy passed it; no metadata yet
            r.setCopyObserver(() -> shmWrite(256 + 64 * 3 * 16, next));
            ShmFrameReader.Result torn = r.read(tracking());
            assertThat(torn.status()).isEqualTo(ShmFrameReader.Status.TORN);
            assertThat(events).containsExactly("discard");
            r.setCopyObserver(() -> { });
            p.publishFrame(2, 2000);
            assertThat(r.read(tracking()).status()).isEqualTo(ShmFrameReader.Status.FRAME);
        }
    }

    /**
     * The metadata changing during the copy while the plane's bytes stay the same (a producer that
     * republishes a picture under a new frame_id and timestamp): only the second metadata copy sees
     * it, and the frame is not delivered under the first one's id.
     */
    @Test
    void metadataChangedDuringTheCopyOverAnUnchangedPlaneIsTorn() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            p.publishFrame(1, 1000);
            byte[] meta = new byte[ShmMetadata.REGION_SIZE];
            ShmMetadata.writeV2LeftOnly(ByteBuffer.wrap(meta), 2, 2000,
                    new PlaneDescriptor(PlaneType.LEFT, PixelFormat.BGR, Depth.U8, 64, 32, 192, 0, 192 * 32));
            r.setCopyObserver(() -> shmWrite(0, meta));
            assertThat(r.read(tracking()).status()).isEqualTo(ShmFrameReader.Status.TORN);
            assertThat(events).containsExactly("discard");
        }
    }

    /** With --ingest-verify metadata the same rewrite goes unseen: the compare is what catches it. */
    @Test
    void withMetadataOnlyThePayloadRewriteIsNotSeen() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            r.setVerify(IngestVerify.METADATA);
            p.publishFrame(1, 1000);
            byte[] next = new byte[64 * 3 * 16];
            java.util.Arrays.fill(next, (byte) 0x5A);
            r.setCopyObserver(() -> shmWrite(256 + 64 * 3 * 16, next));
            assertThat(r.read(tracking()).status()).isEqualTo(ShmFrameReader.Status.FRAME);
        }
    }

    /** A 2.7 MB frame torn after its first 1 MiB: abandoned at the next check, not after a full copy. */
    @Test
    void aFrameOfSeveralMegabytesTornMidCopyIsAbandonedAtTheNextChunk() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 1280, 720, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            p.publishFrame(1, 1000);
            java.util.List<Long> chunks = new java.util.ArrayList<>();
            r.setCopyObserver(new ShmFrameReader.CopyObserver() {
                @Override
                public void afterPayloadCopy() {
                    chunks.add(-1L);
                }

                @Override
                public void afterChunk(long copied) {
                    chunks.add(copied);
                    if (chunks.size() == 1) {
                        p.publishFrame(2, 2000); // the producer lands the next frame mid-copy
                    }
                }
            });
            ShmFrameReader.Result torn = r.read(tracking());
            assertThat(torn.status()).isEqualTo(ShmFrameReader.Status.TORN);
            assertThat(events).containsExactly("discard");
            assertThat(chunks).as("one chunk copied, then the tear was seen").containsExactly(
                    (long) ShmFrameReader.CHUNK_BYTES, -1L);
        }
    }

    /** An object cut shorter than its metadata says (a producer dying mid-truncate): invalid, named, no crash. */
    @Test
    void aTruncatedObjectIsInvalidNamingTheSizeNotACrash() throws IOException {
        Path shm = Path.of("/dev/shm", target.shmName());
        ByteBuffer region = ByteBuffer.allocate(256 + 4800);
        ShmMetadata.writeV2LeftOnly(region, 7, 70,
                new PlaneDescriptor(PlaneType.LEFT, PixelFormat.BGR, Depth.U8, 40, 40, 120, 0, 4800));
        Files.write(shm, java.util.Arrays.copyOf(region.array(), 256 + 1000)); // 1000 of 4800 payload bytes
        try (ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            ShmFrameReader.Result res = r.read(tracking());
            assertThat(res.status()).isEqualTo(ShmFrameReader.Status.INVALID);
            assertThat(res.frame()).isNull();
            assertThat(res.error().getMessage()).containsAnyOf("payload_size_bytes", "buffer_size", "size_bytes")
                    .contains("4800");
            assertThat(events).isEmpty(); // nothing allocated for a frame that cannot be whole
        }
    }

    @Test
    void repacksRowsWhenShmStrideDiffersFromGstreamerStride() throws IOException {
        // 2x2 RGB, stride 6 (upstream golden vector shape); GStreamer wants stride 8.
        Path shm = Path.of("/dev/shm", target.shmName());
        ByteBuffer region = ByteBuffer.allocate(256 + 12);
        ShmMetadata.writeV2LeftOnly(region, 5, 50,
                new PlaneDescriptor(PlaneType.LEFT, PixelFormat.RGB, Depth.U8, 2, 2, 6, 0, 12));
        for (int i = 0; i < 12; i++) {
            region.put(256 + i, (byte) (i + 1));
        }
        Files.write(shm, region.array());
        try (ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            ShmFrameReader.Result res = r.read(tracking());
            assertThat(res.status()).isEqualTo(ShmFrameReader.Status.FRAME);
            byte[] got = new byte[16];
            res.frame().buffer().data().get(0, got);
            assertThat(got).containsExactly(1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0);
        }
    }

    @Test
    void followsProducerRestartWithNewObjectSizeAndCounter() {
        try (ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            assertThat(r.read(tracking()).status()).isEqualTo(ShmFrameReader.Status.NO_OBJECT);
            try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0))) {
                for (int i = 1; i <= 50; i++) {
                    p.publishFrame(i, i * 1000L);
                }
                assertThat(r.read(tracking()).frame().frameId()).isEqualTo(50);
            }
            try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 32, 16, 0, 0))) {
                p.publishFrame(1, 99_000);
                ShmFrameReader.Result res = r.read(tracking());
                assertThat(res.status()).isEqualTo(ShmFrameReader.Status.FRAME);
                assertThat(res.frame().reset()).isTrue();
                assertThat(res.frame().format().toString()).isEqualTo("BGR 32x16");
                p.publishFrame(2, 100_000);
                assertThat(r.read(tracking()).frame().reset()).isFalse();
            }
            assertThat(r.remaps()).isEqualTo(2);
        }
    }

    @Test
    void remapsWhenTheProducerGrowsTheSameObject() throws IOException {
        Path shm = Path.of("/dev/shm", target.shmName());
        ByteBuffer small = ByteBuffer.allocate(256 + 12);
        ShmMetadata.writeV2LeftOnly(small, 1, 10, new PlaneDescriptor(PlaneType.LEFT, PixelFormat.RGB, Depth.U8, 2, 2, 6, 0, 12));
        Files.write(shm, small.array());
        Object inode = Files.getAttribute(shm, "unix:ino");
        try (ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            assertThat(r.read(tracking()).frame().format().toString()).isEqualTo("RGB 2x2");
            // Upstream re-truncates the same object when a frame needs more payload (docs/specs/cvmmap-ipc.md §1.1).
            ByteBuffer big = ByteBuffer.allocate(256 + 48);
            ShmMetadata.writeV2LeftOnly(big, 2, 20, new PlaneDescriptor(PlaneType.LEFT, PixelFormat.RGB, Depth.U8, 4, 4, 12, 0, 48));
            try (FileChannel ch = FileChannel.open(shm, StandardOpenOption.WRITE)) {
                ch.write(big, 0);
            }
            assertThat(Files.getAttribute(shm, "unix:ino")).isEqualTo(inode);
            ShmFrameReader.Result res = r.read(tracking());
            assertThat(res.status()).isEqualTo(ShmFrameReader.Status.FRAME);
            assertThat(res.frame().format().toString()).isEqualTo("RGB 4x4");
            assertThat(res.frame().reset()).as("new shape").isTrue();
            assertThat(r.remaps()).isEqualTo(2);
        }
    }

    @Test
    void counterGoingBackwardsInTheSameObjectIsAReset() {
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, 64, 32, 0, 0));
             ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            p.publishFrame(10, 10);
            assertThat(r.read(tracking()).frame().reset()).isFalse();
            p.publishFrame(3, 20);
            assertThat(r.read(tracking()).frame().reset()).isTrue();
            r.requestReset();
            p.publishFrame(4, 30);
            assertThat(r.read(tracking()).frame().reset()).as("STREAM_RESET request").isTrue();
        }
    }

    @Test
    void invalidMetadataIsReportedNotDelivered() throws IOException {
        Path shm = Path.of("/dev/shm", target.shmName());
        byte[] region = new byte[256 + 12];
        Files.write(shm, region);
        try (ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            ShmFrameReader.Result res = r.read(tracking());
            assertThat(res.status()).isEqualTo(ShmFrameReader.Status.INVALID);
            assertThat(res.error()).hasMessageContaining("magic");
            assertThat(events).isEmpty();
        }
    }

    @Test
    void unencodableDepthIsInvalidWithTheFieldNamed() throws IOException {
        ByteBuffer region = ByteBuffer.allocate(256 + 16);
        ShmMetadata.writeV2LeftOnly(region, 1, 1,
                new PlaneDescriptor(PlaneType.LEFT, PixelFormat.GRAY, Depth.F32, 2, 2, 8, 0, 16));
        Files.write(Path.of("/dev/shm", target.shmName()), region.array());
        try (ShmFrameReader r = new ShmFrameReader(target.shmName())) {
            ShmFrameReader.Result res = r.read(tracking());
            assertThat(res.status()).isEqualTo(ShmFrameReader.Status.INVALID);
            assertThat(res.error()).hasMessageContaining("plane[0].depth=F32");
        }
    }

    private void shmWrite(int offset, byte[] src) {
        try (FileChannel ch = FileChannel.open(Path.of("/dev/shm", target.shmName()), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size()).put(offset, src);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void shmBytes(int offset, byte[] dst) {
        try (FileChannel ch = FileChannel.open(Path.of("/dev/shm", target.shmName()), StandardOpenOption.READ)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            m.get(offset, dst);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
