package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.MetadataException;

import org.cvmmap.streamer.ingest.Depth;

import org.cvmmap.streamer.ingest.PixelFormat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The 256-byte metadata region at the start of a cv-mmap shared-memory object, decoded and
 * validated (docs/specs/cvmmap-ipc.md §1.2–§1.7). v1 (and the legacy 0.0) is normalised to a single LEFT plane.
 * Pure unit: parses bytes, never touches the mapping.
 *
 * @param versionMajor     1 or 2 (0 = legacy v1-compatible)
 * @param versionMinor     v2: 0 = v2.0, ≥1 = v2.1
 * @param frameId          v1 frame_count / v2 frame_id (u32)
 * @param timestampNs      v1 timestamp_ns / v2 capture_ts_ns (u64, carried in a long)
 * @param publishSeq       v2 publish_seq; v1: equals frameId
 * @param payloadSizeBytes v2 payload_size_bytes; v1 buffer_size
 * @param depthUnit        v2 depth_unit (0 unknown, 1 mm, 2 m); v1: 0
 * @param planes           active planes, in slot order; the first is always LEFT at offset 0
 * @param encodedUnit      v2.1 encoded access-unit extension when slot 3 is active, else null
 */
public record ShmMetadata(int versionMajor, int versionMinor, long frameId, long timestampNs, long publishSeq,
                          long payloadSizeBytes, int depthUnit, List<PlaneDescriptor> planes,
                          EncodedUnitInfo encodedUnit) {

    /** Size of the metadata region; the payload starts at this SHM offset. */
    public static final int REGION_SIZE = 256;
    /** Bytes of the v2 header that precede the descriptors. */
    public static final int V2_HEADER_SIZE = 64;
    /** Size of one v2 plane descriptor. */
    public static final int DESCRIPTOR_SIZE = 24;
    /** Number of v2 descriptor slots. */
    public static final int DESCRIPTOR_CAPACITY = 4;
    /** {@code CV-MMAP\0}. */
    public static final byte[] MAGIC = "CV-MMAP\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * v2.1 encoded access-unit extension (docs/specs/cvmmap-ipc.md §1.4).
     *
     * @param codec           1 H.264, 2 H.265
     * @param bitstreamFormat 1 Annex-B
     * @param flags           bit 0x0001 keyframe
     * @param frameRateNum    frame rate numerator
     * @param frameRateDen    frame rate denominator
     * @param streamPtsNs     stream PTS, ns
     */
    public record EncodedUnitInfo(int codec, int bitstreamFormat, int flags, int frameRateNum, int frameRateDen,
                                  long streamPtsNs) {
    }

    /** The LEFT plane, which is what the streamer encodes. */
    public PlaneDescriptor left() {
        return planes.get(0);
    }

    /**
     * Parses and validates a metadata region.
     *
     * @param region            at least 256 bytes, starting at SHM offset 0
     * @param mappedPayloadSize bytes available after offset 256 in the current mapping
     * @return the decoded metadata
     * @throws MetadataException naming the first field that breaks a rule of docs/specs/cvmmap-ipc.md §1
     */
    public static ShmMetadata parse(byte[] region, long mappedPayloadSize) {
        if (region.length < REGION_SIZE) {
            throw new MetadataException("metadata_region", region.length + " bytes", "shorter than 256 bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(region).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (region[i] != MAGIC[i]) {
                throw new MetadataException("magic", hex(region, 0, 8), "expected 43 56 2d 4d 4d 41 50 00 (CV-MMAP\\0)");
            }
        }
        int major = u8(b, 8);
        int minor = u8(b, 9);
        return switch (major) {
            case 0, 1 -> {
                if (major == 0 && minor != 0) {
                    throw new MetadataException("versions_minor", minor, "legacy major 0 requires minor 0");
                }
                yield parseV1(b, major, minor, mappedPayloadSize);
            }
            case 2 -> parseV2(b, minor, mappedPayloadSize);
            default -> throw new MetadataException("versions_major", major, "unsupported (expected 1 or 2)");
        };
    }

    private static ShmMetadata parseV1(ByteBuffer b, int major, int minor, long mapped) {
        long frameCount = u32(b, 0x0C);
        long ts = b.getLong(0x10);
        int width = u16(b, 0x18);
        int height = u16(b, 0x1A);
        int channels = u8(b, 0x1C);
        Depth depth = Depth.of(u8(b, 0x1D), "info.depth");
        PixelFormat fmt = PixelFormat.of(u8(b, 0x1E), "info.pixel_format");
        long bufferSize = u32(b, 0x20);
        requireNonZero("info.width", width);
        requireNonZero("info.height", height);
        requireNonZero("info.channels", channels);
        requireNonZero("info.buffer_size", bufferSize);
        if (channels != fmt.channels()) {
            throw new MetadataException("info.channels", channels, "pixel format " + fmt + " has "
                    + fmt.channels() + " channels");
        }
        long minimum = (long) width * height * channels * depth.bytes();
        if (bufferSize < minimum) {
            throw new MetadataException("info.buffer_size", bufferSize, "smaller than width*height*channels*bytes(depth) = "
                    + minimum);
        }
        if (bufferSize > mapped) {
            throw new MetadataException("info.buffer_size", bufferSize, "exceeds the mapped payload (" + mapped + " bytes)");
        }
        long rowBytes = (long) width * channels * depth.bytes();
        long stride = bufferSize % height == 0 ? bufferSize / height : rowBytes;
        PlaneDescriptor left = new PlaneDescriptor(PlaneType.LEFT, fmt, depth, width, height, stride, 0, bufferSize);
        return new ShmMetadata(major, minor, frameCount, ts, frameCount, bufferSize, 0, List.of(left), null);
    }

    private static ShmMetadata parseV2(ByteBuffer b, int minor, long mapped) {
        long frameId = u32(b, 0x0C);
        long ts = b.getLong(0x10);
        long seq = b.getLong(0x18);
        int count = u8(b, 0x20);
        int mask = u8(b, 0x21);
        int descOffset = u16(b, 0x22);
        int descSize = u16(b, 0x24);
        int descCapacity = u16(b, 0x26);
        long payload = u32(b, 0x28);
        int depthUnit = u8(b, 0x2C);
        if (count < 1 || count > DESCRIPTOR_CAPACITY) {
            throw new MetadataException("plane_count", count, "must be 1..4");
        }
        if ((mask & 0xF0) != 0) {
            throw new MetadataException("plane_presence_mask", String.format("0x%02x", mask), "upper nibble must be 0");
        }
        if (descOffset != V2_HEADER_SIZE) {
            throw new MetadataException("plane_descriptors_offset", descOffset, "must be 64");
        }
        if (descSize != DESCRIPTOR_SIZE) {
            throw new MetadataException("plane_descriptor_size", descSize, "must be 24");
        }
        if (descCapacity != DESCRIPTOR_CAPACITY) {
            throw new MetadataException("plane_descriptor_capacity", descCapacity, "must be 4");
        }
        if (payload == 0) {
            throw new MetadataException("payload_size_bytes", payload, "must be > 0");
        }
        if (payload > mapped) {
            throw new MetadataException("payload_size_bytes", payload, "exceeds the mapped payload (" + mapped + " bytes)");
        }
        if (depthUnit > 2) {
            throw new MetadataException("depth_unit", depthUnit, "must be 0 (unknown), 1 (mm) or 2 (m)");
        }
        if (minor == 0) {
            int expected = (1 << count) - 1;
            if (mask != expected) {
                throw new MetadataException("plane_presence_mask", String.format("0x%02x", mask),
                        "v2.0 requires the contiguous mask 0x" + Integer.toHexString(expected) + " for plane_count " + count);
            }
        } else {
            if ((mask & 1) == 0) {
                throw new MetadataException("plane_presence_mask", String.format("0x%02x", mask), "bit 0 (LEFT) must be set");
            }
            if (Integer.bitCount(mask) != count) {
                throw new MetadataException("plane_count", count, "differs from popcount(plane_presence_mask=0x"
                        + Integer.toHexString(mask) + ")");
            }
        }
        List<PlaneDescriptor> planes = new ArrayList<>(count);
        long expectedOffset = 0;
        for (int slot = 0; slot < DESCRIPTOR_CAPACITY; slot++) {
            int base = V2_HEADER_SIZE + slot * DESCRIPTOR_SIZE;
            String f = "plane[" + slot + "]";
            long width = u32(b, base + 4);
            long height = u32(b, base + 8);
            long stride = u32(b, base + 12);
            long offset = u32(b, base + 16);
            long size = u32(b, base + 20);
            if ((mask & (1 << slot)) == 0) {
                if ((width | height | stride | offset | size) != 0) {
                    throw new MetadataException(f, "inactive", "inactive descriptor must have zero width/height/stride/offset/size");
                }
                continue;
            }
            PlaneType type = PlaneType.of(u8(b, base), f + ".plane_type");
            if (type.ordinal() != slot) {
                throw new MetadataException(f + ".plane_type", type, "slot " + slot + " must hold "
                        + PlaneType.values()[slot]);
            }
            PixelFormat fmt = PixelFormat.of(u8(b, base + 1), f + ".pixel_format");
            Depth depth = Depth.of(u8(b, base + 2), f + ".depth");
            requireNonZero(f + ".width", width);
            requireNonZero(f + ".height", height);
            requireNonZero(f + ".stride_bytes", stride);
            requireNonZero(f + ".size_bytes", size);
            if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
                throw new MetadataException(f + ".width", width + "x" + height, "out of range");
            }
            if (offset > payload) {
                throw new MetadataException(f + ".offset_bytes", offset, "exceeds payload_size_bytes (" + payload + ")");
            }
            if (size > payload - offset) {
                throw new MetadataException(f + ".size_bytes", size, "exceeds payload_size_bytes (" + payload
                        + ") - offset_bytes (" + offset + ")");
            }
            if (offset != expectedOffset) {
                throw new MetadataException(f + ".offset_bytes", offset, "planes must be packed back to back (expected "
                        + expectedOffset + ")");
            }
            PlaneDescriptor d = new PlaneDescriptor(type, fmt, depth, (int) width, (int) height, stride, offset, size);
            if (stride < d.rowBytes()) {
                throw new MetadataException(f + ".stride_bytes", stride, "smaller than width*channels*bytes(depth) = "
                        + d.rowBytes());
            }
            if (size < stride * height) {
                throw new MetadataException(f + ".size_bytes", size, "smaller than stride_bytes*height = " + stride * height);
            }
            switch (type) {
                case DEPTH, CONFIDENCE -> {
                    if (fmt != PixelFormat.GRAY || depth != Depth.F32) {
                        throw new MetadataException(f + ".pixel_format", fmt + "/" + depth, type + " must be GRAY/F32");
                    }
                }
                case ENCODED_ACCESS_UNIT -> {
                    if (fmt != PixelFormat.GRAY || depth != Depth.U8 || height != 1 || width != stride || width != size) {
                        throw new MetadataException(f, fmt + "/" + depth + " " + width + "x" + height,
                                "ENCODED_ACCESS_UNIT must be GRAY/U8, height 1, width = stride = size");
                    }
                }
                default -> { }
            }
            planes.add(d);
            expectedOffset = offset + size;
        }
        EncodedUnitInfo encoded = null;
        if ((mask & 0b1000) != 0) {
            int codec = u8(b, 0x2D);
            int format = u8(b, 0x2E);
            if (codec == 0 || codec > 2) {
                throw new MetadataException("encoded_codec", codec, "must be 1 (H.264) or 2 (H.265) when slot 3 is active");
            }
            if (format != 1) {
                throw new MetadataException("encoded_bitstream_format", format, "must be 1 (Annex-B) when slot 3 is active");
            }
            encoded = new EncodedUnitInfo(codec, format, u16(b, 0x2F), u16(b, 0x31), u16(b, 0x33), b.getLong(0x35));
        }
        return new ShmMetadata(2, minor, frameId, ts, seq, payload, depthUnit, Collections.unmodifiableList(planes), encoded);
    }

    /**
     * Writes a v2.0 metadata region with a single LEFT plane, as the upstream producer does
     * (docs/specs/cvmmap-ipc.md §1.8): flags 0, publish_seq = frame_id, descriptor at 64, depth_unit 0.
     *
     * @param dst         at least 256 bytes, little-endian view of SHM offset 0 (position ignored)
     * @param frameId     frame counter (u32)
     * @param timestampNs capture timestamp, ns
     * @param left        the LEFT plane (offset 0)
     */
    public static void writeV2LeftOnly(ByteBuffer dst, long frameId, long timestampNs, PlaneDescriptor left) {
        writeV2(dst, frameId, timestampNs, 0, List.of(left));
    }

    /**
     * Writes a v2.0 metadata region (docs/specs/cvmmap-ipc.md §1.3–§1.8) as the upstream producer does:
     * flags 0, publish_seq = frame_id, plane_count = the planes given, the contiguous presence mask,
     * payload_size = the end of the last plane, one descriptor per slot from offset 64.
     *
     * @param dst         at least 256 bytes, little-endian view of SHM offset 0 (position ignored)
     * @param frameId     frame counter (u32)
     * @param timestampNs capture timestamp, ns
     * @param depthUnit   0 unknown, 1 mm, 2 m; written only when a DEPTH plane is given (else 0)
     * @param planes      1–3 planes in slot order (LEFT, then DEPTH, then CONFIDENCE), packed back to back
     * @throws IllegalArgumentException when the planes are not in slot order
     */
    public static void writeV2(ByteBuffer dst, long frameId, long timestampNs, int depthUnit, List<PlaneDescriptor> planes) {
        if (planes.isEmpty() || planes.size() > 3) {
            throw new IllegalArgumentException("v2.0 writes 1 to 3 planes, got " + planes.size());
        }
        ByteBuffer b = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < REGION_SIZE; i++) {
            b.put(i, (byte) 0);
        }
        for (int i = 0; i < MAGIC.length; i++) {
            b.put(i, MAGIC[i]);
        }
        b.put(8, (byte) 2);
        b.put(9, (byte) 0);
        b.putInt(0x0C, (int) frameId);
        b.putLong(0x10, timestampNs);
        b.putLong(0x18, frameId);
        b.put(0x20, (byte) planes.size());
        b.put(0x21, (byte) ((1 << planes.size()) - 1));
        b.putShort(0x22, (short) V2_HEADER_SIZE);
        b.putShort(0x24, (short) DESCRIPTOR_SIZE);
        b.putShort(0x26, (short) DESCRIPTOR_CAPACITY);
        PlaneDescriptor last = planes.get(planes.size() - 1);
        b.putInt(0x28, (int) (last.offsetBytes() + last.sizeBytes()));
        b.put(0x2C, (byte) (planes.size() > 1 ? depthUnit : 0));
        for (int slot = 0; slot < planes.size(); slot++) {
            PlaneDescriptor p = planes.get(slot);
            if (p.type().ordinal() != slot) {
                throw new IllegalArgumentException("slot " + slot + " holds " + p.type() + ", expected "
                        + PlaneType.values()[slot]);
            }
            int d = V2_HEADER_SIZE + slot * DESCRIPTOR_SIZE;
            b.put(d, (byte) p.type().ordinal());
            b.put(d + 1, (byte) p.pixelFormat().code());
            b.put(d + 2, (byte) p.depth().code());
            b.putInt(d + 4, p.width());
            b.putInt(d + 8, p.height());
            b.putInt(d + 12, (int) p.strideBytes());
            b.putInt(d + 16, (int) p.offsetBytes());
            b.putInt(d + 20, (int) p.sizeBytes());
        }
    }

    private static void requireNonZero(String field, long v) {
        if (v == 0) {
            throw new MetadataException(field, 0, "must be non-zero");
        }
    }

    private static int u8(ByteBuffer b, int off) {
        return b.get(off) & 0xFF;
    }

    private static int u16(ByteBuffer b, int off) {
        return b.getShort(off) & 0xFFFF;
    }

    private static long u32(ByteBuffer b, int off) {
        return b.getInt(off) & 0xFFFFFFFFL;
    }

    private static String hex(byte[] a, int off, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = off; i < off + len; i++) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", a[i]));
        }
        return sb.toString();
    }
}
