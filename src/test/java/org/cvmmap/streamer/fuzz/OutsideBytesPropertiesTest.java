package org.cvmmap.streamer.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.cvmmap.streamer.ingest.cuframes.PacketRingHeader;
import org.cvmmap.streamer.ingest.MetadataException;
import org.cvmmap.streamer.ingest.cvmmap.ShmMetadata;
import org.cvmmap.streamer.ingest.cvmmap.SyncMessage;
import org.cvmmap.streamer.testers.rtmp.Amf0Reader;
import org.cvmmap.streamer.output.rtmp.Amf0Writer;
import org.cvmmap.streamer.testers.rtmp.FlvFile;
import org.cvmmap.streamer.output.rtmp.FlvTags;
import org.cvmmap.streamer.testers.rtmp.FlvVideoTagInfo;
import org.cvmmap.streamer.testers.rtmp.RtmpChunkCodec;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.mcap.McapRecovery;
import org.cvmmap.streamer.record.mcap.McapWriter;
import org.cvmmap.streamer.support.Fixtures;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every parser of bytes that come from outside the process (issue 12), fed generated input: random
 * bytes and valid messages with bytes flipped, cut or appended. Each either returns a value or
 * throws its documented exception whose message names what is wrong; never another exception, and
 * never a hang (every loop is bounded by the input). 10,000 cases per property in the default suite
 * ({@code junit-platform.properties}); {@code scripts/fuzz.sh} runs 1,000,000.
 */
class OutsideBytesPropertiesTest {
    private static final byte[] SHM_V1 = Fixtures.hex("cvmmap/v1_valid_metadata.hex");
    private static final byte[] SHM_V2 = Fixtures.hex("cvmmap/v2_left_only_valid_metadata.hex");
    private static final byte[] SYNC = new SyncMessage(1, 0, 42, 1_700_000_000_000_000_000L, "cam0").encode();
    private static final byte[] AMF0 = new Amf0Writer().string("connect").number(1)
            .object(Map.of("app", "live", "tcUrl", "rtmp://h/live", "fpad", false)).toByteArray();
    private static final byte[] FLV = flv();
    private static final byte[] MCAP = mcap();
    private static final byte[] RING = ring();

    private static byte[] flv() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(FlvTags.fileHeader());
        b.writeBytes(FlvTags.metadata(VideoPackaging.AVC, 320, 240, 30, 1000));
        b.writeBytes(FlvTags.sequenceStart(VideoPackaging.AVC, new byte[]{1, 0x42, 0, 0x1e, (byte) 0xff, (byte) 0xe1, 0, 4,
                0x67, 0x42, 0, 0x1e, 1, 0, 2, 0x68, (byte) 0xce}, 0));
        b.writeBytes(FlvTags.codedFrame(VideoPackaging.AVC, true, 0, 0, new byte[]{0, 0, 0, 2, 0x65, 1}));
        b.writeBytes(FlvTags.codedFrame(VideoPackaging.AVC, false, 33, 0, new byte[]{0, 0, 0, 2, 0x41, 1}));
        return b.toByteArray();
    }

    private static byte[] mcap() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            McapWriter w = new McapWriter(out, "", "fuzz", 64);
            int ch = w.addChannel(w.addSchema("s", "protobuf", new byte[]{1}), "/t", "protobuf", Map.of());
            for (int i = 0; i < 6; i++) {
                w.addMessage(ch, i, i, new byte[]{(byte) i, 2, 3});
            }
            w.close();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixed fields of a packet ring header (docs/specs/cuframes.md §4) with valid values. */
    private static byte[] ring() {
        byte[] h = new byte[PacketRingHeader.MIN_BYTES];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0xCC7C1DCD).putInt(4, 1).putInt(8, 1).putInt(12, 64).putInt(16, 1 << 20).putInt(20, 0)
                .putLong(24, 1234);
        return h;
    }

    /** A valid message with some bytes flipped, a prefix cut off or bytes appended. */
    private static Arbitrary<byte[]> mutated(byte[] valid) {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, Math.max(0, valid.length - 1));
        Arbitrary<byte[]> flips = Combinators.combine(at.list().ofMinSize(1).ofMaxSize(4),
                Arbitraries.bytes().list().ofSize(4)).as((positions, values) -> {
                    byte[] b = valid.clone();
                    for (int i = 0; i < positions.size(); i++) {
                        b[positions.get(i)] ^= (byte) (values.get(i) == 0 ? 1 : values.get(i));
                    }
                    return b;
                });
        Arbitrary<byte[]> cuts = Arbitraries.integers().between(0, valid.length).map(n -> java.util.Arrays.copyOf(valid, n));
        Arbitrary<byte[]> grown = Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(tail -> {
            byte[] b = java.util.Arrays.copyOf(valid, valid.length + tail.length);
            System.arraycopy(tail, 0, b, valid.length, tail.length);
            return b;
        });
        return Arbitraries.oneOf(flips, cuts, grown);
    }

    @Provide
    Arbitrary<byte[]> shmRegions() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(ShmMetadata.REGION_SIZE);
        return Arbitraries.oneOf(random, mutated(SHM_V1).filter(b -> b.length >= ShmMetadata.REGION_SIZE),
                mutated(SHM_V2).filter(b -> b.length >= ShmMetadata.REGION_SIZE));
    }

    @Property
    void shmMetadata(@ForAll("shmRegions") byte[] region, @ForAll long payloadSize) {
        try {
            ShmMetadata.parse(region, Math.abs(payloadSize % (1L << 40)));
        } catch (MetadataException e) {
            assertThat(e.getMessage()).matches("(?s)\\S+=.*: .+");
        }
    }

    @Provide
    Arbitrary<byte[]> syncMessages() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(96), mutated(SYNC));
    }

    @Property
    void syncMessage(@ForAll("syncMessages") byte[] msg) {
        try {
            SyncMessage.decode(msg, msg.length);
        } catch (MetadataException e) {
            assertThat(e.getMessage()).matches("(?s)\\S+=.*: .+");
        }
    }

    @Provide
    Arbitrary<byte[]> amf0() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(256), mutated(AMF0));
    }

    @Property
    void amf0Values(@ForAll("amf0") byte[] data) {
        try {
            Amf0Reader.readAll(data);
        } catch (Amf0Reader.Amf0Exception e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property
    void rtmpChunkStream(@ForAll @Size(max = 4) List<@Size(max = 400) byte[]> reads) {
        RtmpChunkCodec codec = new RtmpChunkCodec();
        try {
            for (byte[] r : reads) { // bytes as they arrive, in pieces
                codec.decode(r, 0, r.length);
            }
        } catch (RtmpChunkCodec.RtmpProtocolException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> videoTagBodies() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    }

    @Property
    void flvVideoTagHeader(@ForAll("videoTagBodies") byte[] body) {
        try {
            FlvVideoTagInfo.parse(body);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> flvFiles() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(128), mutated(FLV));
    }

    @Property
    void flvFile(@ForAll("flvFiles") byte[] flv) {
        try {
            FlvFile.parse(flv);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> ringHeaders() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(64), mutated(RING));
    }

    @Property
    void packetRingHeader(@ForAll("ringHeaders") byte[] header) {
        try {
            PacketRingHeader.parse(header);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> mcapFiles() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(128), mutated(MCAP));
    }

    /**
     * Whatever comes in, what comes out is a complete MCAP file: recovering it again reads it to its
     * data end and keeps exactly what the first pass kept (damaged input may yield odd messages, e.g.
     * an index record whose opcode byte was flipped to MESSAGE, but never a broken file).
     */
    @Property
    void mcapRecovery(@ForAll("mcapFiles") byte[] file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        McapRecovery.Result r;
        try {
            r = McapRecovery.recover(new ByteArrayInputStream(file), out, "fuzz", 64);
        } catch (McapReader.NotMcapException e) {
            assertThat(e.getMessage()).startsWith("magic");
            return;
        }
        assertThat(r.stop()).isNotBlank();
        McapRecovery.Result again = McapRecovery.recover(new ByteArrayInputStream(out.toByteArray()),
                new ByteArrayOutputStream(), "fuzz", 64);
        assertThat(again.stop()).isEqualTo("data end");
        assertThat(again.messages()).isEqualTo(r.messages());
        assertThat(again.channels()).isEqualTo(r.channels());
    }
}
