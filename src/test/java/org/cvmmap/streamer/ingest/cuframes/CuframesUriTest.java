package org.cvmmap.streamer.ingest.cuframes;

import org.cvmmap.streamer.media.Codec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** cuframes URIs and the packet ring header fields the streamer checks, as literal bytes (docs/specs/cuframes.md §1, §4). */
class CuframesUriTest {
    @Test
    void parsesBothSchemesWithDefaultAndGivenRuntimeDir() {
        assertThat(CuframesUri.parse("cuframes-packets://cam_0-a"))
                .isEqualTo(new CuframesUri(CuframesUri.Kind.PACKETS, "cam_0-a", "/run/cuframes"));
        assertThat(CuframesUri.parse("cuframes://cam0?runtime-dir=/tmp/cf.1"))
                .isEqualTo(new CuframesUri(CuframesUri.Kind.FRAMES, "cam0", "/tmp/cf.1"));
        assertThat(CuframesUri.parse("cuframes-packets://k").packetRingPath()).isEqualTo("/dev/shm/cuframes-k-packets");
        assertThat(CuframesUri.matches("cvmmap://x")).isFalse();
        assertThat(CuframesUri.matches(null)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cuframes-packets://|key ''",
            "cuframes://a.b|key 'a.b'",
            "cuframes://a b|key 'a b'",
            "cuframes://k?dir=/x|unknown query parameter 'dir=/x'",
            "cuframes://k?runtime-dir=rel|runtime-dir 'rel' must be an absolute path",
            "cuframes://k?runtime-dir=/a/../etc|without '..'",
            "cuframes://k?runtime-dir=/a\"b|runtime-dir '/a\"b'",
            "cuframes://k?runtime-dir=/a!b|runtime-dir '/a!b'",
            "cuframes://0123456789012345678901234567890123456789012345678901234567890123|must be 1..63",
    })
    void rejectsNamingThePart(String uri, String message) {
        assertThatThrownBy(() -> CuframesUri.parse(uri)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    /** A 32-byte header prefix: magic, version, slots, data_size, codec_id, extradata size, producer pid. */
    private static byte[] header(int magic, int version, int slots, int codec) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putInt(version).putInt(slots).putInt(8 << 20).putInt(codec).putInt(24).putLong(4242);
        return b.array();
    }

    @Test
    void readsThePacketRingHeaderFromLiteralBytes() {
        byte[] h = {
                (byte) 0xCD, 0x1D, 0x7C, (byte) 0xCC, 2, 0, 0, 0, 64, 0, 0, 0, 0, 0, (byte) 0x80, 0,
                (byte) 173, 0, 0, 0, 24, 0, 0, 0, (byte) 0x92, 0x10, 0, 0, 0, 0, 0, 0};
        assertThat(PacketRingHeader.parse(h)).isEqualTo(new PacketRingHeader(64, 8L << 20, Codec.H265, 4242));
        assertThat(PacketRingHeader.parse(header(0xCC7C1DCD, 2, 1, 27)).codec()).isEqualTo(Codec.H264);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "305419896|2|64|27|magic=0x12345678",
            "-864281139|1|64|27|proto_version=1: expected 2",
            "-864281139|2|0|27|ring_slots=0",
            "-864281139|2|1025|27|ring_slots=1025",
            "-864281139|2|64|86|codec_id=86",
    })
    void rejectsMalformedHeaders(int magic, int version, int slots, int codec, String message) {
        assertThatThrownBy(() -> PacketRingHeader.parse(header(magic, version, slots, codec)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        assertThatThrownBy(() -> PacketRingHeader.parse(new byte[31])).hasMessageContaining("31 bytes");
    }
}
