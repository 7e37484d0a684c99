package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.media.Codec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/**
 * Literal expected bytes per tag type (SRS-style tables), laid out as
 * {@code tag header | video tag header | payload | PreviousTagSize}.
 */
public class FlvTagsTest {
    /** A small avcC: version 1, High@3.1, 4-byte lengths, one SPS, one PPS (19 bytes). */
    public static final byte[] AVCC = hexBytes("01 64 00 1f ff e1 00 04 67 64 00 1f 01 00 04 68 ee 3c 80");
    /** A stand-in hvcC payload (5 bytes); the writer copies it verbatim. */
    public static final byte[] HVCC = hexBytes("01 01 60 00 00");
    /** One length-prefixed NAL unit (5 bytes of IDR slice). */
    public static final byte[] AU = hexBytes("00 00 00 05 65 88 84 00 ff");

    @Test
    void fileHeaderAndPreviousTagSize0() {
        assertThat(FlvTags.fileHeader()).isEqualTo(hexBytes("46 4c 56 | 01 | 01 | 00 00 00 09 | 00 00 00 00"));
    }

    @Test
    void avcSequenceHeader() {
        assertThat(FlvTags.sequenceStart(VideoPackaging.AVC, AVCC, 0)).isEqualTo(hexBytes(
                "09 000018 000000 00 000000 | 17 00 000000 |"
                + "01 64 00 1f ff e1 00 04 67 64 00 1f 01 00 04 68 ee 3c 80 | 00000023"));
    }

    @Test
    void avcKeyframeWithCompositionTime() {
        assertThat(FlvTags.codedFrame(VideoPackaging.AVC, true, 1000, 66, AU)).isEqualTo(hexBytes(
                "09 00000e 0003e8 00 000000 | 17 01 000042 | 00 00 00 05 65 88 84 00 ff | 00000019"));
    }

    @Test
    void avcInterFrameWithNegativeCompositionTime() {
        assertThat(FlvTags.codedFrame(VideoPackaging.AVC, false, 1033, -33, AU)).isEqualTo(hexBytes(
                "09 00000e 000409 00 000000 | 27 01 ffffdf | 00 00 00 05 65 88 84 00 ff | 00000019"));
    }

    @Test
    void timestampUsesTheExtensionByteAbove24Bits() {
        byte[] t = FlvTags.codedFrame(VideoPackaging.AVC, false, 0x01234567L, 0, AU);
        assertThat(java.util.Arrays.copyOfRange(t, 4, 8)).isEqualTo(hexBytes("23 45 67 01"));
    }

    @Test
    void avcEndOfSequence() {
        assertThat(FlvTags.sequenceEnd(VideoPackaging.AVC, 5000)).isEqualTo(hexBytes(
                "09 000005 001388 00 000000 | 17 02 000000 | 00000010"));
    }

    @Test
    void enhancedHevcSequenceStart() {
        assertThat(FlvTags.sequenceStart(VideoPackaging.HEVC_ENHANCED, HVCC, 0)).isEqualTo(hexBytes(
                "09 00000a 000000 00 000000 | 90 68 76 63 31 | 01 01 60 00 00 | 00000015"));
    }

    @Test
    void enhancedHevcCodedFramesCarryAnExplicitCompositionTime() {
        assertThat(FlvTags.codedFrame(VideoPackaging.HEVC_ENHANCED, true, 40, 0, AU)).isEqualTo(hexBytes(
                "09 000011 000028 00 000000 | 91 68 76 63 31 | 000000 | 00 00 00 05 65 88 84 00 ff | 0000001c"));
        assertThat(FlvTags.codedFrame(VideoPackaging.HEVC_ENHANCED, false, 73, -33, AU)).isEqualTo(hexBytes(
                "09 000011 000049 00 000000 | a1 68 76 63 31 | ffffdf | 00 00 00 05 65 88 84 00 ff | 0000001c"));
    }

    @Test
    void enhancedHevcSequenceEndHasNoCompositionTime() {
        assertThat(FlvTags.sequenceEnd(VideoPackaging.HEVC_ENHANCED, 5000)).isEqualTo(hexBytes(
                "09 000005 001388 00 000000 | 92 68 76 63 31 | 00000010"));
    }

    @Test
    void domesticHevcUsesTheAvcLayoutWithCodecId12() {
        assertThat(FlvTags.sequenceStart(VideoPackaging.HEVC_DOMESTIC, HVCC, 0)).isEqualTo(hexBytes(
                "09 00000a 000000 00 000000 | 1c 00 000000 | 01 01 60 00 00 | 00000015"));
        assertThat(FlvTags.codedFrame(VideoPackaging.HEVC_DOMESTIC, true, 40, 33, AU)).isEqualTo(hexBytes(
                "09 00000e 000028 00 000000 | 1c 01 000021 | 00 00 00 05 65 88 84 00 ff | 00000019"));
        assertThat(FlvTags.codedFrame(VideoPackaging.HEVC_DOMESTIC, false, 73, -1, AU)).isEqualTo(hexBytes(
                "09 00000e 000049 00 000000 | 2c 01 ffffff | 00 00 00 05 65 88 84 00 ff | 00000019"));
        assertThat(FlvTags.sequenceEnd(VideoPackaging.HEVC_DOMESTIC, 0)).isEqualTo(hexBytes(
                "09 000005 000000 00 000000 | 1c 02 000000 | 00000010"));
    }

    /** onMetaData: the common prefix, the videocodecid double per packaging, the common suffix. */
    @ParameterizedTest
    @CsvSource({
        "AVC,           401c000000000000",
        "HEVC_ENHANCED, 41da1d98cc400000",
        "HEVC_DOMESTIC, 4028000000000000",
    })
    void onMetaData(VideoPackaging p, String codecIdDouble) {
        byte[] expected = hexBytes(
                "12 0000a7 000000 00 000000 |"
                + "02 000a 6f6e4d65746144617461 |"                          // string "onMetaData"
                + "08 00000007 |"                                           // ECMA array, 7 entries
                + "0008 6475726174696f6e 00 0000000000000000 |"             // duration 0
                + "0005 7769647468 00 4094000000000000 |"                   // width 1280
                + "0006 686569676874 00 4086800000000000 |"                 // height 720
                + "0009 6672616d6572617465 00 403e000000000000 |"           // framerate 30
                + "000c 766964656f636f6465636964 00 " + codecIdDouble + " |" // videocodecid
                + "000d 766964656f6461746172617465 00 40af400000000000 |"   // videodatarate 4000
                + "0007 656e636f646572 02 000f 63766d6d61702d73747265616d6572 |" // encoder
                + "000009 | 000000b2");
        assertThat(FlvTags.metadata(p, 1280, 720, 30, 4000)).isEqualTo(expected);
    }

    @Test
    void rejectsOutOfRangeValues() {
        assertThatThrownBy(() -> FlvTags.codedFrame(VideoPackaging.AVC, true, 0, 1 << 23, AU))
                .hasMessageContaining("composition_time=8388608");
        assertThatThrownBy(() -> FlvTags.codedFrame(VideoPackaging.AVC, true, 0, -(1 << 23) - 1, AU))
                .hasMessageContaining("composition_time=-8388609");
        assertThatThrownBy(() -> FlvTags.codedFrame(VideoPackaging.AVC, true, -1, 0, AU))
                .hasMessageContaining("flv.timestamp=-1");
        assertThatThrownBy(() -> FlvTags.tag(9, 0, new byte[1 << 24])).hasMessageContaining("flv.data_size=16777216");
    }

    @Test
    void packagingFollowsCodecAndMode() {
        assertThat(VideoPackaging.of(Codec.H264, null)).isEqualTo(VideoPackaging.AVC);
        assertThat(VideoPackaging.of(Codec.H264, "enhanced")).isEqualTo(VideoPackaging.AVC);
        assertThat(VideoPackaging.of(Codec.H265, "enhanced")).isEqualTo(VideoPackaging.HEVC_ENHANCED);
        assertThat(VideoPackaging.of(Codec.H265, "domestic")).isEqualTo(VideoPackaging.HEVC_DOMESTIC);
        assertThatThrownBy(() -> VideoPackaging.of(Codec.H264, "domestic")).hasMessageContaining("no domestic packaging");
        assertThatThrownBy(() -> VideoPackaging.of(Codec.H265, null)).hasMessageContaining("needs --rtmp-mode");
        assertThatThrownBy(() -> VideoPackaging.of(Codec.H265, "legacy")).hasMessageContaining("not 'legacy'");
    }

    @Test
    void amf0ValuesForRtmpCommands() {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("app", "live");
        obj.put("fpad", false);
        obj.put("x", null);
        assertThat(new Amf0Writer().string("connect").number(1).object(obj).nul().toByteArray()).isEqualTo(hexBytes(
                "02 0007 636f6e6e656374 | 00 3ff0000000000000 |"
                + "03 | 0003 617070 02 0004 6c697665 | 0004 66706164 01 00 | 0001 78 05 | 000009 | 05"));
        assertThatThrownBy(() -> new Amf0Writer().value(new Object())).hasMessageContaining("not supported");
    }
}
