package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.testers.TesterExitCodes;

import org.cvmmap.streamer.output.rtmp.FlvSession;
import org.cvmmap.streamer.media.EncodedCaps;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.cvmmap.streamer.output.rtmp.FlvTags;

import org.cvmmap.streamer.testers.rtmp.FlvFile;

import org.cvmmap.streamer.testers.FlvChecker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.output.rtmp.FlvTagsTest.AU;
import static org.cvmmap.streamer.output.rtmp.FlvTagsTest.HVCC;
import static org.cvmmap.streamer.output.rtmp.FlvTagsTest.AVCC;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/** FLV file reading (every malformed case) and the tag-by-tag checker used on received streams. */
class FlvFileTest {
    private static final EncodedCaps HEVC = new EncodedCaps("video/x-h265", HVCC, 320, 240, 30);

    private static byte[] session(VideoPackaging p, int frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FlvSession s = new FlvSession(p, 1000);
        out.writeBytes(s.fileHeader());
        for (int i = 0; i < frames; i++) {
            long t = i * 33_333_333L;
            s.accept(HEVC, AU, i % 30 == 0, t, t).forEach(tag -> out.writeBytes(tag.bytes()));
        }
        out.writeBytes(s.end().bytes());
        return out.toByteArray();
    }

    @Test
    void readsTagsBack() {
        List<FlvFile.Tag> tags = FlvFile.parse(session(VideoPackaging.HEVC_DOMESTIC, 3));
        assertThat(tags).extracting(FlvFile.Tag::type).containsExactly(18, 9, 9, 9, 9, 9);
        assertThat(tags).extracting(FlvFile.Tag::timeMs).containsExactly(0L, 0L, 0L, 33L, 66L, 66L);
        assertThat(tags.get(0).offset()).isEqualTo(13);
        assertThat(tags.get(2).body()).isEqualTo(hexBytes("1c 01 000000 00 00 00 05 65 88 84 00 ff"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "46 4c 56                                              | flv.signature",
        "46 4c 57 01 01 00000009 00000000                      | flv.signature",
        "46 4c 56 02 01 00000009 00000000                      | flv.version=2",
        "46 4c 56 01 01 00000005 00000000                      | flv.header_size=5",
        "46 4c 56 01 01 00000009 00000001                      | flv.previous_tag_size0=1",
        "46 4c 56 01 01 00000009 00000000 09 0000              | flv.tag at 13: truncated header",
        "46 4c 56 01 01 00000009 00000000 09 000010 000000 00 000000 17 | flv.tag at 13: data_size=16 runs past the end",
        "46 4c 56 01 01 00000009 00000000 09 000001 000000 00 000000 17 00000011 | flv.previous_tag_size at 25=17: expected 12",
    })
    void rejectsMalformedFiles(String hex, String message) {
        assertThatThrownBy(() -> FlvFile.parse(hexBytes(hex))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void checkerAcceptsASessionAndCountsIt() {
        FlvChecker.Report r = FlvChecker.check(session(VideoPackaging.HEVC_ENHANCED, 61), VideoPackaging.HEVC_ENHANCED);
        assertThat(r.exitCode()).as(r.problem()).isEqualTo(TesterExitCodes.OK);
        assertThat(r.codedFrames()).isEqualTo(61);
        assertThat(r.keyframes()).isEqualTo(3);
        assertThat(r.sequenceStarts()).isEqualTo(1);
        assertThat(r.sequenceEnds()).isEqualTo(1);
        assertThat(r.lines().get(0)).isEqualTo("13 script 0 onMetaData");
    }

    @Test
    void checkerNamesWhatIsWrong() {
        assertThat(FlvChecker.check(session(VideoPackaging.HEVC_ENHANCED, 3), VideoPackaging.HEVC_DOMESTIC))
                .satisfies(r -> {
                    assertThat(r.exitCode()).isEqualTo(TesterExitCodes.MODE_MISMATCH);
                    assertThat(r.problem()).contains("onMetaData.videocodecid=1.752589105E9, expected 12");
                });
        ByteArrayOutputStream noMeta = new ByteArrayOutputStream();
        noMeta.writeBytes(FlvTags.fileHeader());
        noMeta.writeBytes(FlvTags.sequenceStart(VideoPackaging.AVC, AVCC, 0));
        assertThat(FlvChecker.check(noMeta.toByteArray(), VideoPackaging.AVC).problem()).contains("video before onMetaData");

        ByteArrayOutputStream deltaFirst = new ByteArrayOutputStream();
        deltaFirst.writeBytes(FlvTags.fileHeader());
        deltaFirst.writeBytes(FlvTags.metadata(VideoPackaging.AVC, 1, 1, 0, 0));
        deltaFirst.writeBytes(FlvTags.sequenceStart(VideoPackaging.AVC, AVCC, 0));
        deltaFirst.writeBytes(FlvTags.codedFrame(VideoPackaging.AVC, false, 0, 0, AU));
        FlvChecker.Report r = FlvChecker.check(deltaFirst.toByteArray(), VideoPackaging.AVC);
        assertThat(r.exitCode()).isEqualTo(TesterExitCodes.PROTOCOL);
        assertThat(r.problem()).contains("first coded frame is not a keyframe");

        ByteArrayOutputStream backwards = new ByteArrayOutputStream();
        backwards.writeBytes(FlvTags.fileHeader());
        backwards.writeBytes(FlvTags.metadata(VideoPackaging.AVC, 1, 1, 0, 0, 100));
        backwards.writeBytes(FlvTags.sequenceStart(VideoPackaging.AVC, AVCC, 50));
        assertThat(FlvChecker.check(backwards.toByteArray(), VideoPackaging.AVC).problem()).contains("time 50 ms goes back from 100");

        assertThat(FlvChecker.check(hexBytes("00"), VideoPackaging.AVC).exitCode()).isEqualTo(TesterExitCodes.PROTOCOL);
    }
}
