package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.MetadataException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 48-byte frame sync message a cv-mmap producer publishes on ZeroMQ after each frame
 * (docs/specs/cvmmap-ipc.md §2.1). Pure codec.
 *
 * @param versionMajor major version (1); the only version byte readers act on
 * @param versionMinor minor version
 * @param frameCount   frame_count (u32) = the metadata frame_id
 * @param timestampNs  timestamp_ns = the metadata capture_ts_ns
 * @param label        the producer's instance name (NUL padding stripped)
 */
public record SyncMessage(int versionMajor, int versionMinor, long frameCount, long timestampNs, String label) {

    /** Byte 0 of every sync message. */
    public static final int MAGIC = 0x7D;
    /** Encoded size, bytes. */
    public static final int SIZE = 48;
    /** Label field size, bytes. */
    public static final int LABEL_SIZE = 24;

    /**
     * Decodes a sync message. Reserved bytes are ignored (the producer leaves them uninitialised);
     * extra trailing bytes are tolerated.
     *
     * @param msg    the ZeroMQ message bytes
     * @param length valid bytes in {@code msg}
     * @throws MetadataException naming the field when the message is shorter than 48 bytes, has
     *                           another magic, or a major version other than 1
     */
    public static SyncMessage decode(byte[] msg, int length) {
        if (length < SIZE) {
            throw new MetadataException("sync.length", length, "sync message must be at least 48 bytes");
        }
        if ((msg[0] & 0xFF) != MAGIC) {
            throw new MetadataException("sync.magic", String.format("0x%02x", msg[0] & 0xFF), "expected 0x7d");
        }
        ByteBuffer b = ByteBuffer.wrap(msg, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int major = msg[2] & 0xFF;
        if (major != 1) {
            throw new MetadataException("sync.versions_major", major, "unsupported (expected 1)");
        }
        int end = 24;
        while (end < 48 && msg[end] != 0) {
            end++;
        }
        String label = new String(msg, 24, end - 24, StandardCharsets.US_ASCII);
        return new SyncMessage(major, msg[3] & 0xFF, b.getInt(4) & 0xFFFFFFFFL, b.getLong(16), label);
    }

    /**
     * Encodes this message as the producer does: reserved bytes zero, label NUL-padded (unterminated
     * when it is exactly 24 bytes).
     *
     * @return 48 bytes
     * @throws IllegalArgumentException if the label is longer than 24 bytes
     */
    public byte[] encode() {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        if (l.length > LABEL_SIZE) {
            throw new IllegalArgumentException("label '" + label + "' is longer than 24 bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) MAGIC);
        b.put(2, (byte) versionMajor);
        b.put(3, (byte) versionMinor);
        b.putInt(4, (int) frameCount);
        b.putLong(16, timestampNs);
        b.put(24, l);
        return b.array();
    }

    /** A version 1.0 message. */
    public static SyncMessage of(long frameCount, long timestampNs, String label) {
        return new SyncMessage(1, 0, frameCount, timestampNs, label);
    }
}
