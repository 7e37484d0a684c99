package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.MetadataException;

import org.cvmmap.streamer.ingest.Depth;

import org.cvmmap.streamer.ingest.PixelFormat;

import org.cvmmap.streamer.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ShmMetadataTest {

    @Test
    void v1GoldenVector() {
        byte[] region = Fixtures.hex("cvmmap/v1_valid_metadata.hex");
        byte[] payload = Fixtures.hex("cvmmap/v1_valid_payload.hex");
        ShmMetadata m = ShmMetadata.parse(region, payload.length);
        assertThat(m.versionMajor()).isEqualTo(1);
        assertThat(m.versionMinor()).isEqualTo(0);
        assertThat(m.frameId()).isEqualTo(77);
        assertThat(m.timestampNs()).isEqualTo(1234567890L);
        assertThat(m.payloadSizeBytes()).isEqualTo(24);
        assertThat(m.planes()).containsExactly(
                new PlaneDescriptor(PlaneType.LEFT, PixelFormat.RGB, Depth.U8, 4, 2, 12, 0, 24));
        assertThat(payload).hasSize(24);
    }

    @Test
    void v2LeftOnlyGoldenVector() {
        ShmMetadata m = ShmMetadata.parse(Fixtures.hex("cvmmap/v2_left_only_valid_metadata.hex"), 12);
        assertThat(m.versionMajor()).isEqualTo(2);
        assertThat(m.versionMinor()).isEqualTo(0);
        assertThat(m.frameId()).isEqualTo(9001);
        assertThat(m.timestampNs()).isEqualTo(123);
        assertThat(m.publishSeq()).isEqualTo(456);
        assertThat(m.payloadSizeBytes()).isEqualTo(12);
        assertThat(m.depthUnit()).isZero();
        assertThat(m.encodedUnit()).isNull();
        assertThat(m.planes()).containsExactly(
                new PlaneDescriptor(PlaneType.LEFT, PixelFormat.RGB, Depth.U8, 2, 2, 6, 0, 12));
    }

    @Test
    void v2MalformedGoldenVectorIsRejectedNamingTheField() {
        byte[] region = Fixtures.hex("cvmmap/v2_malformed_descriptor_metadata.hex");
        assertThatThrownBy(() -> ShmMetadata.parse(region, 1 << 20))
                .isInstanceOf(MetadataException.class)
                .hasMessageContaining("plane[0].size_bytes=20")
                .hasMessageContaining("exceeds payload_size_bytes (12)");
    }

    @Test
    void writerProducesWhatTheParserReads() {
        PlaneDescriptor left = new PlaneDescriptor(PlaneType.LEFT, PixelFormat.BGR, Depth.U8, 640, 480, 1920, 0, 921600);
        ByteBuffer b = ByteBuffer.allocate(256);
        ShmMetadata.writeV2LeftOnly(b, 9001, 123, left);
        byte[] golden = Fixtures.hex("cvmmap/v2_left_only_valid_metadata.hex");
        // Same header layout as the golden vector: magic, version, flags, and descriptor geometry fields.
        assertThat(java.util.Arrays.copyOfRange(b.array(), 0, 0x18)).isEqualTo(java.util.Arrays.copyOfRange(golden, 0, 0x18));
        ShmMetadata m = ShmMetadata.parse(b.array(), 921600);
        assertThat(m.planes()).containsExactly(left);
        assertThat(m.publishSeq()).isEqualTo(9001); // upstream: publish_seq = frame_id
    }

    @Test
    void leftAndDepthAreWrittenAsTheSpecLaysThemOut() {
        PlaneDescriptor left = new PlaneDescriptor(PlaneType.LEFT, PixelFormat.RGB, Depth.U8, 2, 2, 6, 0, 12);
        PlaneDescriptor depth = new PlaneDescriptor(PlaneType.DEPTH, PixelFormat.GRAY, Depth.F32, 2, 2, 8, 12, 16);
        ByteBuffer b = ByteBuffer.allocate(256);
        ShmMetadata.writeV2(b, 501, 987654321L, 1, List.of(left, depth));
        byte[] expected = new byte[256];
        byte[] head = Fixtures.hexBytes("""
                43 56 2d 4d 4d 41 50 00  02 00 00 00  f5 01 00 00
                b1 68 de 3a 00 00 00 00  f5 01 00 00 00 00 00 00
                02 03 40 00 18 00 04 00  1c 00 00 00  01 00 00 00
                00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
                00 00 00 00 02 00 00 00  02 00 00 00 06 00 00 00  00 00 00 00 0c 00 00 00
                01 04 05 00 02 00 00 00  02 00 00 00 08 00 00 00  0c 00 00 00 10 00 00 00
                """);
        System.arraycopy(head, 0, expected, 0, head.length);
        assertThat(b.array()).isEqualTo(expected);
        ShmMetadata m = ShmMetadata.parse(b.array(), 28);
        assertThat(m.planes()).containsExactly(left, depth);
        assertThat(m.depthUnit()).isEqualTo(1);
        assertThatThrownBy(() -> ShmMetadata.writeV2(ByteBuffer.allocate(256), 1, 1, 1, List.of(depth, left)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("slot 0 holds DEPTH, expected LEFT");
    }

    /** A valid v2.1 region with LEFT (RGB 2x2), DEPTH (F32 2x2) and ENCODED_AU (5 bytes); payload 33. */
    static byte[] v21() {
        ByteBuffer b = ByteBuffer.wrap(Fixtures.hex("cvmmap/v2_left_only_valid_metadata.hex")).order(ByteOrder.LITTLE_ENDIAN);
        b.put(9, (byte) 1);
        b.put(0x20, (byte) 3);
        b.put(0x21, (byte) 0b1011);
        b.putInt(0x28, 33);
        b.put(0x2C, (byte) 1);
        b.put(0x2D, (byte) 1).put(0x2E, (byte) 1).putShort(0x2F, (short) 1).putShort(0x31, (short) 30)
                .putShort(0x33, (short) 1).putLong(0x35, 987654321L);
        descriptor(b, 1, PixelFormat.GRAY, Depth.F32, 2, 2, 8, 12, 16);
        descriptor(b, 3, PixelFormat.GRAY, Depth.U8, 5, 1, 5, 28, 5);
        return b.array();
    }

    static void descriptor(ByteBuffer b, int slot, PixelFormat f, Depth d, int w, int h, int stride, int off, int size) {
        int base = 64 + 24 * slot;
        b.put(base, (byte) slot).put(base + 1, (byte) f.code()).put(base + 2, (byte) d.code())
                .putInt(base + 4, w).putInt(base + 8, h).putInt(base + 12, stride).putInt(base + 16, off)
                .putInt(base + 20, size);
    }

    @Test
    void v21SparseMaskWithEncodedAccessUnit() {
        ShmMetadata m = ShmMetadata.parse(v21(), 33);
        assertThat(m.versionMinor()).isEqualTo(1);
        assertThat(m.planes()).extracting(PlaneDescriptor::type)
                .containsExactly(PlaneType.LEFT, PlaneType.DEPTH, PlaneType.ENCODED_ACCESS_UNIT);
        assertThat(m.depthUnit()).isEqualTo(1);
        assertThat(m.encodedUnit()).isEqualTo(new ShmMetadata.EncodedUnitInfo(1, 1, 1, 30, 1, 987654321L));
    }

    @Test
    void legacyMajorZeroParsesAsV1() {
        byte[] r = Fixtures.hex("cvmmap/v1_valid_metadata.hex");
        r[8] = 0;
        assertThat(ShmMetadata.parse(r, 24).frameId()).isEqualTo(77);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
            v2("bad magic", b -> b.put(0, (byte) 'X'), "magic="),
            v2("major 3", b -> b.put(8, (byte) 3), "versions_major=3"),
            v2("plane_count 0", b -> b.put(0x20, (byte) 0), "plane_count=0"),
            v2("plane_count 5", b -> b.put(0x20, (byte) 5), "plane_count=5"),
            v2("mask upper nibble", b -> b.put(0x21, (byte) 0x11), "plane_presence_mask=0x11"),
            v2("descriptor offset", b -> b.putShort(0x22, (short) 65), "plane_descriptors_offset=65"),
            v2("descriptor size", b -> b.putShort(0x24, (short) 32), "plane_descriptor_size=32"),
            v2("descriptor capacity", b -> b.putShort(0x26, (short) 8), "plane_descriptor_capacity=8"),
            v2("payload 0", b -> b.putInt(0x28, 0), "payload_size_bytes=0"),
            v2("payload beyond mapping", b -> b.putInt(0x28, 13).putInt(64 + 20, 13), "payload_size_bytes=13"),
            v2("depth_unit 3", b -> b.put(0x2C, (byte) 3), "depth_unit=3"),
            v2("v2.0 non-contiguous mask", b -> b.put(0x21, (byte) 0x03), "plane_presence_mask=0x03"),
            v2("v2.1 mask without LEFT", b -> b.put(9, (byte) 1).put(0x21, (byte) 0x02), "bit 0 (LEFT)"),
            v2("v2.1 count != popcount", b -> b.put(9, (byte) 1).put(0x20, (byte) 2), "popcount"),
            v2("inactive descriptor not zero", b -> b.putInt(64 + 24 + 4, 1), "plane[1]=inactive"),
            v2("slot 0 not LEFT", b -> b.put(64, (byte) 1), "plane[0].plane_type=DEPTH"),
            v2("unknown plane type", b -> b.put(64, (byte) 9), "plane[0].plane_type=9"),
            v2("unknown pixel format", b -> b.put(65, (byte) 42), "plane[0].pixel_format=42"),
            v2("unknown depth", b -> b.put(66, (byte) 8), "plane[0].depth=8"),
            v2("zero width", b -> b.putInt(68, 0), "plane[0].width=0"),
            v2("zero height", b -> b.putInt(72, 0), "plane[0].height=0"),
            v2("zero stride", b -> b.putInt(76, 0), "plane[0].stride_bytes=0"),
            v2("zero size", b -> b.putInt(84, 0), "plane[0].size_bytes=0"),
            v2("stride < row bytes", b -> b.putInt(76, 5), "plane[0].stride_bytes=5"),
            v2("size < stride*height", b -> b.putInt(0x28, 12).putInt(68, 1).putInt(76, 3).putInt(72, 5), "plane[0].size_bytes=12"),
            v2("offset beyond payload", b -> b.putInt(80, 13), "plane[0].offset_bytes=13"),
            mutate("LEFT not at 0", "cvmmap/v2_left_only_valid_metadata.hex", 64, b -> b.putInt(0x28, 16).putInt(80, 4), "plane[0].offset_bytes=4"),
            v21("DEPTH not F32", b -> b.put(64 + 24 + 2, (byte) Depth.U16.code()).putInt(64 + 24 + 12, 4).putInt(64 + 24 + 20, 16), "DEPTH must be GRAY/F32"),
            v21("planes not packed", b -> b.putInt(64 + 72 + 16, 29).putInt(64 + 72 + 20, 4).putInt(64 + 72 + 4, 4).putInt(64 + 72 + 12, 4), "planes must be packed"),
            v21("encoded AU height 2", b -> b.putInt(64 + 72 + 8, 2).putInt(64 + 72 + 12, 2).putInt(64 + 72 + 4, 2).putInt(64 + 72 + 20, 5), "ENCODED_ACCESS_UNIT must be"),
            v21("encoded codec unknown", b -> b.put(0x2D, (byte) 0), "encoded_codec=0"),
            v21("encoded format unknown", b -> b.put(0x2E, (byte) 0), "encoded_bitstream_format=0"),
            v1("v1 zero width", b -> b.putShort(0x18, (short) 0), "info.width=0"),
            v1("v1 zero channels", b -> b.put(0x1C, (byte) 0), "info.channels=0"),
            v1("v1 channels vs format", b -> b.put(0x1C, (byte) 4), "info.channels=4"),
            v1("v1 zero buffer", b -> b.putInt(0x20, 0), "info.buffer_size=0"),
            v1("v1 buffer too small", b -> b.putInt(0x20, 23), "info.buffer_size=23"),
            v1("v1 buffer beyond mapping", b -> b.putInt(0x20, 25).putShort(0x1A, (short) 2), "exceeds the mapped payload"),
            v1("v1 unknown depth", b -> b.put(0x1D, (byte) 99), "info.depth=99"),
            v1("legacy 0.x with minor", b -> b.put(8, (byte) 0).put(9, (byte) 1), "versions_minor=1"));
    }

    private static Arguments v2(String name, Consumer<ByteBuffer> edit, String expected) {
        return mutate(name, "cvmmap/v2_left_only_valid_metadata.hex", 12, edit, expected);
    }

    private static Arguments v1(String name, Consumer<ByteBuffer> edit, String expected) {
        return mutate(name, "cvmmap/v1_valid_metadata.hex", 24, edit, expected);
    }

    private static Arguments v21(String name, Consumer<ByteBuffer> edit, String expected) {
        ByteBuffer b = ByteBuffer.wrap(v21()).order(ByteOrder.LITTLE_ENDIAN);
        edit.accept(b);
        return arguments(name, b.array(), 33L, expected);
    }

    private static Arguments mutate(String name, String fixture, long mapped, Consumer<ByteBuffer> edit, String expected) {
        ByteBuffer b = ByteBuffer.wrap(Fixtures.hex(fixture)).order(ByteOrder.LITTLE_ENDIAN);
        edit.accept(b);
        return arguments(name, b.array(), mapped, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedMetadata(String name, byte[] region, long mapped, String expected) {
        assertThatThrownBy(() -> ShmMetadata.parse(region, mapped))
                .isInstanceOf(MetadataException.class)
                .hasMessageContaining(expected);
    }

    @Test
    void rejectsShortRegion() {
        assertThatThrownBy(() -> ShmMetadata.parse(new byte[100], 10)).hasMessageContaining("metadata_region=100 bytes");
    }
}
