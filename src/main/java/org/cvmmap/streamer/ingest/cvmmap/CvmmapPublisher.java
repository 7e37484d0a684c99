package org.cvmmap.streamer.ingest.cvmmap;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.util.WallClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The producer side of cv-mmap (docs/specs/cvmmap-ipc.md §1–§2), as the upstream producer writes it: a
 * shared-memory object {@code /dev/shm/<shm name>} of 256 bytes of metadata followed by the planes,
 * and a ZeroMQ PUB socket sending one sync message per frame. Per frame the caller writes the planes
 * into {@link #mapping()} (payload from offset {@value ShmMetadata#REGION_SIZE}), then
 * {@link #publish} writes the metadata and sends the sync (payload → metadata → sync, as upstream).
 * Used by the built-in producer and the live grid. One thread.
 */
public final class CvmmapPublisher implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(CvmmapPublisher.class);

    private final CvmmapTarget target;
    private final Path shmPath;
    private final List<PlaneDescriptor> planes;
    private final byte[] metadata = new byte[ShmMetadata.REGION_SIZE];
    private FileChannel channel;
    private MappedByteBuffer map;
    private ZmqSocket pub;

    /**
     * Creates the shared-memory object (replacing a stale one, mode 0666) sized for the planes and binds
     * the PUB socket (its ipc path mode 0777, so producers and readers of other users meet).
     *
     * @param planes the planes of every frame, in slot order, packed from payload offset 0
     * @throws UncheckedIOException   if /dev/shm cannot be written
     * @throws ZmqSocket.ZmqException if the endpoint cannot be bound
     */
    public CvmmapPublisher(CvmmapTarget target, List<PlaneDescriptor> planes) {
        this.target = target;
        this.planes = List.copyOf(planes);
        this.shmPath = Path.of("/dev/shm", target.shmName());
        PlaneDescriptor last = planes.get(planes.size() - 1);
        try {
            Files.deleteIfExists(shmPath);
            channel = FileChannel.open(shmPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            Files.setPosixFilePermissions(shmPath, PosixFilePermissions.fromString("rw-rw-rw-"));
            map = channel.map(FileChannel.MapMode.READ_WRITE, 0,
                    ShmMetadata.REGION_SIZE + last.offsetBytes() + last.sizeBytes());
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("cannot create shared memory " + shmPath + ": " + e.getMessage(), e);
        }
        try {
            pub = ZmqSocket.publisher(target.zmqAddress());
            pub.watchPeers();
            Files.setPosixFilePermissions(Path.of(target.ipcPath()), PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            LOG.warn("event=chmod_failed path={} cause={}", target.ipcPath(), e.toString());
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /**
     * Writes the metadata of frame 0 without a sync, as upstream does at start: call it after the first
     * payload is in place (a reader that maps the object before the first sync then reads a whole frame,
     * never one being drawn). Until then the metadata region is zeros, which readers refuse as invalid.
     */
    public void writeInitial() {
        ShmMetadata.writeV2(map, 0, WallClock.nowNanos(), 0, planes);
    }

    /** The whole mapping: metadata at 0, the payload from {@value ShmMetadata#REGION_SIZE}. Write planes here. */
    public MappedByteBuffer mapping() {
        return map;
    }

    /** Where the shared-memory object is. */
    public Path shmPath() {
        return shmPath;
    }

    /**
     * Writes the metadata of the frame whose planes were just written and sends its sync.
     *
     * @param frameId     frame counter (u32)
     * @param timestampNs capture timestamp, Unix-epoch ns
     * @param depthUnit   depth_unit when a DEPTH plane is published (0 unknown, 1 mm, 2 m)
     */
    public void publish(long frameId, long timestampNs, int depthUnit) {
        ShmMetadata.writeV2(ByteBuffer.wrap(metadata), frameId, timestampNs, depthUnit, planes);
        map.put(0, metadata);
        pub.send(SyncMessage.of(frameId, timestampNs, target.instance()).encode());
    }

    /**
     * Waits until a subscriber has connected (ZMTP handshake done).
     *
     * @param timeoutMs longest wait, ms
     * @return true if one connected in time
     */
    public boolean awaitSubscriber(int timeoutMs) {
        return pub.awaitPeer(timeoutMs);
    }

    private void closeQuietly() {
        try {
            if (pub != null) {
                pub.close();
            }
            if (channel != null) {
                channel.close();
            }
            Files.deleteIfExists(shmPath);
        } catch (IOException e) {
            LOG.warn("event=producer_cleanup_failed shm={} cause={}", shmPath, e.toString());
        }
    }

    /** Unbinds the socket and unlinks the shared-memory object and the socket path, as upstream does on exit. */
    @Override
    public void close() {
        closeQuietly();
        try {
            Files.deleteIfExists(Path.of(target.ipcPath()));
        } catch (IOException e) {
            LOG.warn("event=producer_cleanup_failed path={} cause={}", target.ipcPath(), e.toString());
        }
    }
}
