package org.cvmmap.streamer.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/** Length-prefixed ↔ Annex B, and the decoder configuration records, in literal bytes. */
class NalFramingTest {
    /** x264's avcC of a 640×360 High 2.2 stream (4-byte lengths, one SPS, one PPS). */
    static final byte[] AVCC = hexBytes("01 64 00 16 ff e1 00 19 67 64 00 16 ac d9 40 a0 2f f9 61 00 00 03 00 01 00 00 03"
            + " 00 3c 8f 16 2d 96 01 00 06 68 eb e3 cb 22 c0");
    /** An hvcC: 22 bytes of profile/tier/level fields (byte 21 = 0x0f: 4-byte lengths), VPS, SPS, PPS arrays. */
    static final byte[] HVCC = hexBytes("01 01 60 00 00 00 90 00 00 00 00 00 5d f0 00 fc fd f8 f8 00 00 0f"
            + " 03 20 00 01 00 03 40 01 0c 21 00 01 00 03 42 01 01 22 00 01 00 02 44 01");

    @Test
    void avcCGivesItsLengthSizeAndParameterSetsInOrder() {
        NalFraming.DecoderConfig c = NalFraming.avcC(AVCC);
        assertThat(c.lengthSize()).isEqualTo(4);
        assertThat(c.parameterSets()).hasSize(2);
        assertThat(c.parameterSets().get(0)).hasSize(25).startsWith(hexBytes("67 64 00 16"));
        assertThat(c.parameterSets().get(1)).isEqualTo(hexBytes("68 eb e3 cb 22 c0"));
    }

    @Test
    void hvcCGivesVpsSpsPps() {
        NalFraming.DecoderConfig c = NalFraming.hvcC(HVCC);
        assertThat(c.lengthSize()).isEqualTo(4);
        assertThat(c.parameterSets()).containsExactly(hexBytes("40 01 0c"), hexBytes("42 01 01"), hexBytes("44 01"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "IDR without SPS gets the record's       | true  | 00 00 00 02 65 88                                     | 00 00 00 01 67 64 00 16 ac d9 40 a0 2f f9 61 00 00 03 00 01 00 00 03 00 3c 8f 16 2d 96 00 00 00 01 68 eb e3 cb 22 c0 00 00 00 01 65 88",
        "IDR with SPS in band is only re-framed  | true  | 00 00 00 02 67 64 00 00 00 01 68 00 00 00 02 65 88    | 00 00 00 01 67 64 00 00 00 01 68 00 00 00 01 65 88",
        "non-IDR is only re-framed               | false | 00 00 00 02 41 9a 00 00 00 01 01                      | 00 00 00 01 41 9a 00 00 00 01 01",
    })
    void h264AccessUnitsBecomeAnnexB(String name, boolean keyframe, String in, String out) {
        assertThat(NalFraming.toAnnexB(hexBytes(in), NalFraming.avcC(AVCC), keyframe, false)).isEqualTo(hexBytes(out));
    }

    @Test
    void h265IrapWithoutSpsGetsVpsSpsPps() {
        byte[] idr = hexBytes("00 00 00 03 26 01 af"); // nal_unit_type 19 (IDR_W_RADL)
        assertThat(NalFraming.toAnnexB(idr, NalFraming.hvcC(HVCC), true, true)).isEqualTo(hexBytes(
                "00 00 00 01 40 01 0c 00 00 00 01 42 01 01 00 00 00 01 44 01 00 00 00 01 26 01 af"));
        byte[] withSps = hexBytes("00 00 00 03 42 01 01 00 00 00 03 26 01 af");
        assertThat(NalFraming.toAnnexB(withSps, NalFraming.hvcC(HVCC), true, true))
                .isEqualTo(hexBytes("00 00 00 01 42 01 01 00 00 00 01 26 01 af"));
    }

    @Test
    void twoByteLengthsAreReadAsTheRecordSays() {
        byte[] avcc2 = AVCC.clone();
        avcc2[4] = (byte) 0xfd; // lengthSizeMinusOne = 1
        assertThat(NalFraming.toAnnexB(hexBytes("00 02 41 9a 00 01 01"), NalFraming.avcC(avcc2), false, false))
                .isEqualTo(hexBytes("00 00 00 01 41 9a 00 00 00 01 01"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty                  | ''                                  | avcC ends before configurationVersion (0 bytes)",
        "version 2              | 02 64 00 16 ff e1                   | avcC configurationVersion is 2, not 1",
        "no length size         | 01 64 00 16                         | avcC ends before lengthSizeMinusOne (4 bytes)",
        "3-byte lengths         | 01 64 00 16 fe e0 00                | avcC lengthSizeMinusOne is 2: a 3-byte NAL length is not allowed",
        "SPS cut short          | 01 64 00 16 ff e1 00 19 67          | avcC ends before sequenceParameterSet[0] (9 bytes)",
        "empty SPS              | 01 64 00 16 ff e1 00 00             | avcC sequenceParameterSet[0] is empty",
        "no PPS count           | 01 64 00 16 ff e1 00 01 67          | avcC ends before numOfPictureParameterSets (9 bytes)",
    })
    void malformedAvcCIsRefusedNamingTheField(String name, String bytes, String message) {
        assertThatThrownBy(() -> NalFraming.avcC(hexBytes(bytes))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "short header     | 01 01 60 00 00                                                          | hvcC ends before general profile/tier/level and format fields (5 bytes)",
        "array cut short  | 01 01 60 00 00 00 90 00 00 00 00 00 5d f0 00 fc fd f8 f8 00 00 0f 01 20 00 02 00 03 40 01 0c | hvcC ends before array[0].nalUnit[1] length (31 bytes)",
    })
    void malformedHvcCIsRefusedNamingTheField(String name, String bytes, String message) {
        assertThatThrownBy(() -> NalFraming.hvcC(hexBytes(bytes))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "zero length          | 00 00 00 00 65                | NAL length 0 at offset 0 is empty",
        "length past the end  | 00 00 00 05 65 88             | NAL length 5 at offset 0 runs past the access unit (2 bytes left)",
        "length field cut     | 00 00 00 01 65 00 00          | access unit ends inside a 4-byte NAL length at offset 5",
    })
    void malformedAccessUnitsAreRefused(String name, String bytes, String message) {
        assertThatThrownBy(() -> NalFraming.toAnnexB(hexBytes(bytes), NalFraming.avcC(AVCC), false, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
