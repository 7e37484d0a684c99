package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.MetadataException;

import org.cvmmap.streamer.ingest.DepthImage;
import org.cvmmap.streamer.ingest.FrameBuffer;
import org.cvmmap.streamer.ingest.IngestFrame;
import org.cvmmap.streamer.ingest.RawVideoFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Reads coherent frames out of a cv-mmap shared-memory object, mapped <b>read-only</b>
 * (docs/specs/cvmmap-ipc.md §1.9).
 *
 * <p>Per frame: copy the 256-byte metadata region, validate it, copy the LEFT plane straight into
 * the destination buffer (one copy, into GStreamer's layout), compare that copy with the mapping
 * once more, copy the metadata region again; the frame is accepted only if the plane compared equal
 * and both metadata copies are byte-identical, otherwise it is rejected as torn and the buffer
 * discarded. What no reader can detect: a producer that rewrites the payload and stalls for the whole
 * copy-and-compare without touching the metadata, and a payload fully rewritten before the copy
 * began under the old metadata (a whole next picture with the previous frame_id and timestamp, not a
 * mixed one); see docs/fault-suite.md. Remaps when the object is recreated (inode change) or grows past the mapping.
 * Not thread-safe: one ingest thread owns it.
 */
public final class ShmFrameReader implements AutoCloseable {

    /** Outcome of one read. */
    public enum Status {
        /** A coherent frame was read. */
        FRAME,
        /** Metadata changed during the copy: rejected, never encoded. */
        TORN,
        /** Same frame_id and timestamp as the last frame delivered. */
        DUPLICATE,
        /** The shared-memory object does not exist (producer not started yet). */
        NO_OBJECT,
        /** The metadata failed validation or describes an unencodable plane. */
        INVALID
    }

    /**
     * @param status what happened
     * @param frame  the frame when status is FRAME, else null
     * @param error  the validation error when status is INVALID, else null
     */
    public record Result(Status status, IngestFrame frame, RuntimeException error) {
        static Result of(Status s) {
            return new Result(s, null, null);
        }
    }

    /** Hooks run during a frame's copy (tests use them to tear a frame at a chosen moment). */
    @FunctionalInterface
    public interface CopyObserver {
        /** Between the payload copy and the second metadata read. */
        void afterPayloadCopy();

        /**
         * After each {@value #CHUNK_BYTES}-byte chunk of a frame copied in one piece, before the
         * tear check that follows it.
         *
         * @param copied bytes copied so far
         */
        default void afterChunk(long copied) {
        }
    }

    /** Bytes copied between two checks for a tear, bytes. */
    static final int CHUNK_BYTES = 1 << 20;

    private static final int CHUNK = CHUNK_BYTES;
    private final Path path;
    private MappedByteBuffer mapping;
    private long mappedSize;
    private Object inode;
    private final byte[] before = new byte[ShmMetadata.REGION_SIZE];
    private final byte[] after = new byte[ShmMetadata.REGION_SIZE];
    private long lastFrameId = -1;
    private long lastTimestamp;
    private PlaneDescriptor lastLeft;
    private boolean pendingReset;
    private CopyObserver observer = () -> { };
    private java.util.function.BooleanSupplier wantDepth = () -> false;
    private boolean compare = true;
    private long remaps;

    /**
     * @param shmName the name passed to shm_open (no leading slash); the object is {@code /dev/shm/<shmName>}
     */
    public ShmFrameReader(String shmName) {
        this(Path.of("/dev/shm", shmName));
    }

    /** @param path path of the shared-memory object */
    public ShmFrameReader(Path path) {
        this.path = path;
    }

    static {
        warmUp(); // once per JVM, when the first reader is made
    }

    /**
     * Runs the copy and compare paths on scratch buffers, so that the first frame's copy does not also
     * pay their first use (class set-up, measured at tens of ms in a cold JVM: longer than a frame
     * period, so the first frames were torn by the producer's next write).
     */
    private static void warmUp() {
        ByteBuffer a = ByteBuffer.allocateDirect(CHUNK);
        ByteBuffer b = ByteBuffer.allocate(CHUNK);
        for (int i = 0; i < 3; i++) {
            b.put(0, a, 0, CHUNK);
            a.slice(0, CHUNK).mismatch(b.slice(0, CHUNK));
            a.get(0, new byte[ShmMetadata.REGION_SIZE]);
        }
    }

    /**
     * Whether the copied plane is compared with the mapping once more ({@link IngestVerify#COMPARE},
     * the default) or only the metadata is copied again ({@link IngestVerify#METADATA}).
     */
    public void setVerify(IngestVerify verify) {
        this.compare = verify == IngestVerify.COMPARE;
    }

    /**
     * Whether a frame's DEPTH plane (when the producer writes one) is copied too, asked per frame:
     * it is copied only while something records it (an MCAP recording). The copy is part of the
     * same coherent read: a frame whose depth changed during the copy is torn as a whole.
     */
    public void setWantDepth(java.util.function.BooleanSupplier wantDepth) {
        this.wantDepth = wantDepth;
    }

    /** Installs a hook called after the payload copy, before the metadata is re-read. */
    public void setCopyObserver(CopyObserver observer) {
        this.observer = observer;
    }

    /** Number of times the object was (re)mapped. */
    public long remaps() {
        return remaps;
    }

    /** Forces the next frame to be treated as a reset (NATS STREAM_RESET): remap and force a keyframe. */
    public void requestReset() {
        pendingReset = true;
        mapping = null;
    }

    /**
     * Reads the current frame.
     *
     * @param factory allocates the destination buffer (one per accepted frame)
     * @return the outcome; a FRAME result transfers the buffer's ownership to the caller
     * @throws ShmException when the object exists but cannot be opened or mapped (exit code 3)
     */
    public Result read(FrameBuffer.Factory factory) {
        boolean objectChanged;
        try {
            objectChanged = ensureMapped();
        } catch (NoSuchFileException e) {
            mapping = null;
            return Result.of(Status.NO_OBJECT);
        }
        if (mapping == null) {
            return Result.of(Status.NO_OBJECT);
        }
        ShmMetadata meta;
        RawVideoFormat format;
        FrameBuffer dst;
        for (int attempt = 1; ; attempt++) {
            mapping.get(0, before);
            try {
                meta = ShmMetadata.parse(before, mappedSize - ShmMetadata.REGION_SIZE);
                PlaneDescriptor l = meta.left();
                format = RawVideoFormat.of(l.pixelFormat(), l.depth(), l.width(), l.height());
            } catch (MetadataException e) {
                if (e.field().equals("payload_size_bytes") || e.field().equals("info.buffer_size")) {
                    mapping = null; // the producer grew the object: remap on the next sync
                }
                return new Result(Status.INVALID, null, e);
            }
            if (meta.frameId() == lastFrameId && meta.timestampNs() == lastTimestamp && !objectChanged && !pendingReset) {
                return Result.of(Status.DUPLICATE);
            }
            dst = factory.allocate(format.gstSize());
            // The allocation (a GStreamer buffer through JNA: slow the first time) may outlast a frame
            // period; when the producer moved on meanwhile, nothing was copied yet: read the newer frame.
            mapping.get(0, after);
            if (Arrays.equals(before, after) || attempt == 3) {
                break;
            }
            dst.discard();
        }
        PlaneDescriptor left = meta.left();
        boolean intact = copyPlane(left, format, dst.data());
        PlaneDescriptor depthPlane = null;
        for (PlaneDescriptor p : meta.planes()) { // no stream/lambda here: its first use costs tens of ms mid-copy
            if (p.type() == PlaneType.DEPTH) {
                depthPlane = p;
            }
        }
        byte[] depth = null;
        if (intact && depthPlane != null && wantDepth.getAsBoolean()) {
            depth = copyDepth(depthPlane);
        }
        observer.afterPayloadCopy();
        intact = intact && (!compare || payloadUnchanged(left, format, dst.data()))
                && (depth == null || !compare || depthUnchanged(depthPlane, depth));
        mapping.get(0, after);
        if (!intact || !Arrays.equals(before, after)) {
            dst.discard();
            return Result.of(Status.TORN);
        }
        dst.commit();
        boolean reset = pendingReset || (lastFrameId >= 0
                && (objectChanged || meta.frameId() < lastFrameId || !left.sameShape(lastLeft)));
        pendingReset = false;
        lastFrameId = meta.frameId();
        lastTimestamp = meta.timestampNs();
        lastLeft = left;
        return new Result(Status.FRAME,
                new IngestFrame(meta.frameId(), meta.timestampNs(), format, dst, reset, System.nanoTime(),
                        depth == null ? null : new DepthImage(meta.timestampNs(), depthPlane.width(),
                                depthPlane.height(), meta.depthUnit(), depth)), null);
    }

    /** Copies a DEPTH plane (GRAY/F32, validated by {@link ShmMetadata#parse}) into packed rows. */
    private byte[] copyDepth(PlaneDescriptor p) {
        int row = (int) p.rowBytes();
        byte[] out = new byte[row * p.height()];
        int src = (int) (ShmMetadata.REGION_SIZE + p.offsetBytes());
        for (int y = 0; y < p.height(); y++) {
            mapping.get(src + (int) (y * p.strideBytes()), out, y * row, row);
        }
        return out;
    }

    /** Compares a copied DEPTH plane with the mapping once more (as {@link #payloadUnchanged}). */
    private boolean depthUnchanged(PlaneDescriptor p, byte[] copy) {
        int row = (int) p.rowBytes();
        int src = (int) (ShmMetadata.REGION_SIZE + p.offsetBytes());
        ByteBuffer c = ByteBuffer.wrap(copy);
        for (int y = 0; y < p.height(); y++) {
            if (mapping.slice(src + (int) (y * p.strideBytes()), row).mismatch(c.slice(y * row, row)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies the plane in chunks of {@link #CHUNK} bytes, checking between chunks that frame_id and
     * timestamp (header bytes 0x0C..0x17) are unchanged, so a frame torn early is abandoned early
     * instead of after a full copy. The full metadata comparison after the copy still decides.
     *
     * @return false if the frame was seen to change during the copy
     */
    private boolean copyPlane(PlaneDescriptor left, RawVideoFormat format, ByteBuffer dst) {
        int src = (int) (ShmMetadata.REGION_SIZE + left.offsetBytes());
        int gstStride = format.gstStride();
        long id = mapping.getLong(0x0C);
        int ts = mapping.getInt(0x14);
        if (left.strideBytes() == gstStride) {
            int size = format.gstSize();
            for (int off = 0; off < size; off += CHUNK) {
                dst.put(off, mapping, src + off, Math.min(CHUNK, size - off));
                observer.afterChunk(Math.min(size, off + (long) CHUNK));
                if (mapping.getLong(0x0C) != id || mapping.getInt(0x14) != ts) {
                    return false;
                }
            }
        } else {
            int row = format.rowBytes();
            for (int y = 0; y < format.height(); y++) {
                dst.put(y * gstStride, mapping, (int) (src + y * left.strideBytes()), row);
            }
        }
        return true;
    }

    /**
     * Compares the copied plane with the mapping once more. The producer writes a frame's payload
     * before its metadata (docs/specs/cvmmap-ipc.md §1.8), so a next frame being written while the copy ran
     * leaves the metadata unchanged until after it; but that writer has moved on by the time of
     * this pass, so the bytes it wrote behind or ahead of the copy now differ from the copy. Costs
     * one more read of the plane in the mapping and in the copy (vectorised {@link ByteBuffer#mismatch}).
     *
     * @return false if any byte of the plane differs from what was copied
     */
    private boolean payloadUnchanged(PlaneDescriptor left, RawVideoFormat format, ByteBuffer dst) {
        int src = (int) (ShmMetadata.REGION_SIZE + left.offsetBytes());
        int gstStride = format.gstStride();
        if (left.strideBytes() == gstStride) {
            int size = format.gstSize();
            return mapping.slice(src, size).mismatch(dst.slice(0, size)) < 0;
        }
        int row = format.rowBytes();
        for (int y = 0; y < format.height(); y++) {
            if (mapping.slice((int) (src + y * left.strideBytes()), row).mismatch(dst.slice(y * gstStride, row)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** @return true when a different object than before was mapped (producer restart) */
    private boolean ensureMapped() throws NoSuchFileException {
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class); // one stat
            Object ino = attrs.fileKey(); // (device, inode): changes when the producer recreates the object
            long size = attrs.size();
            if (mapping != null && ino.equals(inode) && size == mappedSize) {
                return false;
            }
            if (size < ShmMetadata.REGION_SIZE) {
                mapping = null; // being created: ftruncate not done yet
                return false;
            }
            if (size > Integer.MAX_VALUE) {
                throw new ShmException(path + " is " + size + " bytes, larger than this reader maps (2 GiB)");
            }
            boolean changed = inode != null && !ino.equals(inode);
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            }
            mappedSize = size;
            inode = ino;
            remaps++;
            return changed;
        } catch (NoSuchFileException e) {
            throw e;
        } catch (AccessDeniedException e) {
            throw new ShmException("permission denied opening " + path + " read-only");
        } catch (IOException e) {
            throw new ShmException("cannot map " + path + ": " + e);
        }
    }

    /** Path of the shared-memory object. */
    public Path path() {
        return path;
    }

    @Override
    public void close() {
        mapping = null;
    }

    /** The shared-memory object exists but cannot be used (exit code 3). */
    public static final class ShmException extends RuntimeException {
        public ShmException(String message) {
            super(message);
        }
    }
}
