package org.cvmmap.streamer.media;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The codec from literal {@code stsd} boxes: both H.264 and H.265 FourCCs, an audio entry first, every malformed case. */
class Mp4SampleEntryTest {
    /** size, "stsd", version/flags 0, entry_count 1, entry size 0x56, FourCC, 8 more bytes of the entry */
    private static byte[] stsd(String fourcc) {
        byte[] b = new byte[4 + 4 + 4 + 4 + 4 + 4 + 8];
        b[3] = (byte) b.length;
        System.arraycopy("stsd".getBytes(StandardCharsets.US_ASCII), 0, b, 4, 4);
        b[15] = 1;
        b[19] = 0x56;
        System.arraycopy(fourcc.getBytes(StandardCharsets.US_ASCII), 0, b, 20, 4);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    @Test
    void theFourCcOfTheFirstVideoEntryNamesTheCodec() {
        assertThat(Mp4SampleEntry.codec(concat(new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'}, stsd("avc1")))).isEqualTo(Codec.H264);
        assertThat(Mp4SampleEntry.codec(stsd("avc3"))).isEqualTo(Codec.H264);
        assertThat(Mp4SampleEntry.codec(stsd("hvc1"))).isEqualTo(Codec.H265);
        assertThat(Mp4SampleEntry.codec(stsd("hev1"))).isEqualTo(Codec.H265);
        assertThat(Mp4SampleEntry.codec(concat(stsd("mp4a"), stsd("hvc1")))).as("audio track first").isEqualTo(Codec.H265);
    }

    @Test
    void malformedOrOtherFilesAreNamed() {
        assertThatThrownBy(() -> Mp4SampleEntry.codec(new byte[]{0, 0, 0, 8, 'f', 't', 'y', 'p'}))
                .hasMessageStartingWith("no sample description (stsd)");
        assertThatThrownBy(() -> Mp4SampleEntry.codec(stsd("vp09"))).hasMessage("no H.264 or H.265 track (sample entry vp09)");
        assertThatThrownBy(() -> Mp4SampleEntry.codec(java.util.Arrays.copyOf(stsd("avc1"), 22)))
                .hasMessage("sample description at offset 4 is cut off");
        assertThatThrownBy(() -> Mp4SampleEntry.codec(new byte[0])).hasMessageStartingWith("no sample description");
    }
}
