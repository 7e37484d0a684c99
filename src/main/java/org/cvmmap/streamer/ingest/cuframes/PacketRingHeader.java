package org.cvmmap.streamer.ingest.cuframes;

import org.cvmmap.streamer.media.Codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The fields of a cuframes packet ring header the streamer checks before it builds a graph
 * (docs/specs/cuframes.md §4, byte-exact, little-endian): magic {@code 0xCC7C1DCD} at 0x00, proto_version 2 at
 * 0x04, ring_slots at 0x08, data_size at 0x0C, codec_id at 0x10 (FFmpeg {@code AV_CODEC_ID_*}: 27
 * H.264, 173 HEVC), producer_pid at 0x18. The ring itself is read by the native element. Pure: no I/O.
 *
 * @param slots       ring_slots, 1..1024
 * @param dataSize    data_size, bytes
 * @param codec       the codec of codec_id
 * @param producerPid producer_pid
 */
public record PacketRingHeader(int slots, long dataSize, Codec codec, long producerPid) {
    /** Bytes this parser needs: up to and including producer_pid. */
    public static final int MIN_BYTES = 0x20;
    static final int MAGIC = 0xCC7C1DCD;

    /**
     * @param header the first bytes of the object (at least {@link #MIN_BYTES})
     * @throws IllegalArgumentException naming the field and value that is wrong
     */
    public static PacketRingHeader parse(byte[] header) {
        if (header.length < MIN_BYTES) {
            throw new IllegalArgumentException("header is " + header.length + " bytes, needs " + MIN_BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0x00);
        if (magic != MAGIC) {
            throw new IllegalArgumentException(String.format("magic=0x%08x: expected 0x%08x", magic, MAGIC));
        }
        int version = b.getInt(0x04);
        if (version != 2) {
            throw new IllegalArgumentException("proto_version=" + Integer.toUnsignedString(version) + ": expected 2");
        }
        int slots = b.getInt(0x08);
        if (slots < 1 || slots > 1024) {
            throw new IllegalArgumentException("ring_slots=" + Integer.toUnsignedString(slots) + ": expected 1..1024");
        }
        long dataSize = Integer.toUnsignedLong(b.getInt(0x0C));
        int codecId = b.getInt(0x10);
        Codec codec = switch (codecId) {
            case 27 -> Codec.H264;
            case 173 -> Codec.H265;
            default -> throw new IllegalArgumentException("codec_id=" + Integer.toUnsignedString(codecId)
                    + ": expected 27 (H.264) or 173 (HEVC)");
        };
        return new PacketRingHeader(slots, dataSize, codec, b.getLong(0x18));
    }
}
