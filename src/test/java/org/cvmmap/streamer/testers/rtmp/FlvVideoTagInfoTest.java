package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.cvmmap.streamer.output.rtmp.FlvTags;

import org.cvmmap.streamer.testers.rtmp.FlvVideoTagInfo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

class FlvVideoTagInfoTest {

    /** Body of a tag written by FlvTags (drop the 11-byte header and the 4-byte trailer). */
    private static byte[] body(byte[] tag) {
        return Arrays.copyOfRange(tag, FlvTags.TAG_HEADER_SIZE, tag.length - 4);
    }

    @ParameterizedTest
    @CsvSource({"AVC", "HEVC_ENHANCED", "HEVC_DOMESTIC"})
    void readsBackWhatTheWriterWrites(VideoPackaging p) {
        byte[] au = hexBytes("00000001 65");
        assertThat(FlvVideoTagInfo.parse(body(FlvTags.sequenceStart(p, hexBytes("01"), 0))))
                .isEqualTo(new FlvVideoTagInfo(p, true, FlvVideoTagInfo.Kind.SEQUENCE_START, 0));
        assertThat(FlvVideoTagInfo.parse(body(FlvTags.codedFrame(p, true, 0, 40, au))))
                .isEqualTo(new FlvVideoTagInfo(p, true, FlvVideoTagInfo.Kind.CODED_FRAME, 40));
        assertThat(FlvVideoTagInfo.parse(body(FlvTags.codedFrame(p, false, 0, -33, au))))
                .isEqualTo(new FlvVideoTagInfo(p, false, FlvVideoTagInfo.Kind.CODED_FRAME, -33));
        assertThat(FlvVideoTagInfo.parse(body(FlvTags.sequenceEnd(p, 0))).kind())
                .isEqualTo(FlvVideoTagInfo.Kind.SEQUENCE_END);
    }

    @Test
    void codedFramesXHasNoCompositionTime() {
        assertThat(FlvVideoTagInfo.parse(hexBytes("a3 68766331 00000001 41")))
                .isEqualTo(new FlvVideoTagInfo(VideoPackaging.HEVC_ENHANCED, false, FlvVideoTagInfo.Kind.CODED_FRAME, 0));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty          | 17                   | video.length=1",
        "vp6 codec      | 14 00                | video.codec_id=4",
        "avc type 5     | 17 05 000000         | video.packet_type=5",
        "av01 fourcc    | 90 61763031          | video.fourcc=0x61763031",
        "enhanced short | 90 6876               | video.length=3: enhanced header needs 5 bytes",
        "cts truncated  | 17 01 00             | composition time truncated",
        "enhanced type 7| 97 68766331          | video.packet_type=7",
    })
    void rejectsMalformed(String name, String hex, String message) {
        assertThatThrownBy(() -> FlvVideoTagInfo.parse(hexBytes(hex))).hasMessageContaining(message);
    }
}
