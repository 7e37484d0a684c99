package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.testers.rtmp.RtmpMessage;

import org.cvmmap.streamer.testers.rtmp.RtmpChunkCodec;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

class RtmpChunkCodecTest {

    private static byte[] fill(int n, int v) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    @Test
    void singleChunkTypeZero() {
        byte[] wire = hexBytes("03 | 000000 000005 14 00000000 | 0102030405");
        List<RtmpMessage> m = new RtmpChunkCodec().decode(wire, 0, wire.length);
        assertThat(m).hasSize(1);
        assertThat(m.get(0).chunkStreamId()).isEqualTo(3);
        assertThat(m.get(0).typeId()).isEqualTo(RtmpMessage.COMMAND_AMF0);
        assertThat(m.get(0).streamId()).isZero();
        assertThat(m.get(0).payload()).isEqualTo(hexBytes("0102030405"));
    }

    @Test
    void messageLongerThanTheChunkSizeContinuesInTypeThreeChunks() {
        byte[] wire = concat(hexBytes("06 | 000064 0000c8 09 01000000"), fill(128, 0xAA), hexBytes("c6"), fill(72, 0xBB));
        List<RtmpMessage> m = new RtmpChunkCodec().decode(wire, 0, wire.length);
        assertThat(m).hasSize(1);
        assertThat(m.get(0).timestamp()).isEqualTo(100);
        assertThat(m.get(0).streamId()).as("little-endian stream id").isEqualTo(1);
        assertThat(m.get(0).payload()).isEqualTo(concat(fill(128, 0xAA), fill(72, 0xBB)));
        // The encoder makes exactly these bytes.
        assertThat(RtmpChunkCodec.encode(m.get(0), 128)).isEqualTo(wire);
    }

    @Test
    void bytesMayArriveOneAtATime() {
        byte[] wire = concat(hexBytes("06 | 000064 0000c8 09 01000000"), fill(128, 1), hexBytes("c6"), fill(72, 2));
        RtmpChunkCodec c = new RtmpChunkCodec();
        List<RtmpMessage> got = new ArrayList<>();
        for (byte b : wire) {
            got.addAll(c.decode(new byte[] {b}, 0, 1));
        }
        assertThat(got).hasSize(1);
        assertThat(got.get(0).payload()).hasSize(200);
    }

    @Test
    void typeOneTwoThreeHeadersReuseAndAccumulate() {
        byte[] wire = hexBytes(
                "04 | 0003e8 000002 09 01000000 | aaaa"     // type 0: t=1000, 2 bytes
                + "44 | 000021 000003 09 | bbbbbb"          // type 1: +33 ms, 3 bytes
                + "84 | 000022 | cccccc"                    // type 2: +34 ms, same length/type
                + "c4 | dddddd");                           // type 3: +34 ms again (previous delta)
        List<RtmpMessage> m = new RtmpChunkCodec().decode(wire, 0, wire.length);
        assertThat(m).extracting(RtmpMessage::timestamp).containsExactly(1000L, 1033L, 1067L, 1101L);
        assertThat(m).extracting(x -> x.payload().length).containsExactly(2, 3, 3, 3);
        assertThat(m).allSatisfy(x -> assertThat(x.streamId()).isEqualTo(1));
    }

    @Test
    void extendedTimestampOnEveryChunk() {
        RtmpMessage big = new RtmpMessage(5, RtmpMessage.VIDEO, 1, 0x01000000L, fill(150, 7));
        byte[] wire = RtmpChunkCodec.encode(big, 128);
        assertThat(wire).startsWith(hexBytes("05 | ffffff 000096 09 01000000 | 01000000"));
        assertThat(java.util.Arrays.copyOfRange(wire, 1 + 11 + 4 + 128, 1 + 11 + 4 + 128 + 5))
                .isEqualTo(hexBytes("c5 01000000"));
        List<RtmpMessage> m = new RtmpChunkCodec().decode(wire, 0, wire.length);
        assertThat(m.get(0).timestamp()).isEqualTo(0x01000000L);
        assertThat(m.get(0).payload()).isEqualTo(big.payload());
    }

    @Test
    void setChunkSizeAppliesToTheChunksAfterIt() {
        byte[] setChunk = hexBytes("02 | 000000 000004 01 00000000 | 00001000");
        byte[] one = concat(hexBytes("06 | 000000 00012c 09 01000000"), fill(300, 3)); // 300 bytes, one chunk
        RtmpChunkCodec c = new RtmpChunkCodec();
        List<RtmpMessage> m = c.decode(concat(setChunk, one), 0, setChunk.length + one.length);
        assertThat(c.inChunkSize()).isEqualTo(4096);
        assertThat(m).hasSize(2);
        assertThat(m.get(1).payload()).hasSize(300);
    }

    @Test
    void twoAndThreeByteBasicHeaders() {
        for (int csid : new int[] {64, 74, 319, 320, 65599}) {
            RtmpMessage msg = new RtmpMessage(csid, RtmpMessage.DATA_AMF0, 1, 5, fill(10, csid & 0x7F));
            byte[] wire = RtmpChunkCodec.encode(msg, 128);
            List<RtmpMessage> m = new RtmpChunkCodec().decode(wire, 0, wire.length);
            assertThat(m.get(0).chunkStreamId()).isEqualTo(csid);
            assertThat(m.get(0).payload()).isEqualTo(msg.payload());
        }
        assertThat(RtmpChunkCodec.encode(new RtmpMessage(74, 18, 0, 0, new byte[0]), 128)).startsWith(hexBytes("00 0a"));
        assertThat(RtmpChunkCodec.encode(new RtmpMessage(320, 18, 0, 0, new byte[0]), 128)).startsWith(hexBytes("01 00 01"));
    }

    @Test
    void rejectsProtocolErrors() {
        byte[] noType0 = hexBytes("44 | 000021 000003 09 | bbbbbb");
        assertThatThrownBy(() -> new RtmpChunkCodec().decode(noType0, 0, noType0.length))
                .isInstanceOf(RtmpChunkCodec.RtmpProtocolException.class)
                .hasMessageContaining("chunk stream 4: header type 1 without a preceding type 0");
        byte[] zeroChunk = hexBytes("02 | 000000 000004 01 00000000 | 00000000");
        assertThatThrownBy(() -> new RtmpChunkCodec().decode(zeroChunk, 0, zeroChunk.length))
                .hasMessageContaining("set chunk size: 0 outside 1..16777215");
        byte[] highBit = hexBytes("02 | 000000 000004 01 00000000 | 80000001");
        assertThatThrownBy(() -> new RtmpChunkCodec().decode(highBit, 0, highBit.length))
                .hasMessageContaining("set chunk size: 2147483649");
        assertThatThrownBy(() -> RtmpChunkCodec.encode(new RtmpMessage(1, 9, 0, 0, new byte[0]), 128))
                .hasMessageContaining("chunk stream id 1 outside 2..65599");
    }
}
