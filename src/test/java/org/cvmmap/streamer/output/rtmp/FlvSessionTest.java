package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.media.EncodedCaps;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.output.rtmp.FlvTagsTest.AU;
import static org.cvmmap.streamer.output.rtmp.FlvTagsTest.AVCC;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/** One publish session's tag sequence: start on a keyframe, announce, timestamps, rebase, end. */
class FlvSessionTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000 * MS; // the encoder's running time when the session starts
    private static final EncodedCaps CAPS = new EncodedCaps("video/x-h264", AVCC, 640, 360, 30);

    private static List<FlvSession.Kind> kinds(List<FlvSession.Tag> tags) {
        return tags.stream().map(FlvSession.Tag::kind).toList();
    }

    @Test
    void waitsForAKeyframeThenAnnouncesTheStreamBeforeIt() {
        FlvSession s = new FlvSession(VideoPackaging.AVC, 4000);
        assertThat(s.accept(CAPS, AU, false, T0 - 33 * MS, T0 - 33 * MS)).isEmpty();
        assertThat(s.skipped()).isEqualTo(1);
        assertThat(s.started()).isFalse();
        assertThat(s.end()).isNull();

        List<FlvSession.Tag> first = s.accept(CAPS, AU, true, T0, T0);
        assertThat(kinds(first)).containsExactly(FlvSession.Kind.METADATA, FlvSession.Kind.SEQUENCE_START,
                FlvSession.Kind.CODED_FRAME);
        assertThat(first.get(0).bytes()).isEqualTo(FlvTags.metadata(VideoPackaging.AVC, 640, 360, 30, 4000));
        assertThat(first.get(1).bytes()).isEqualTo(hexBytes(
                "09 000018 000000 00 000000 | 17 00 000000 |"
                + "01 64 00 1f ff e1 00 04 67 64 00 1f 01 00 04 68 ee 3c 80 | 00000023"));
        assertThat(first.get(2).bytes()).isEqualTo(hexBytes(
                "09 00000e 000000 00 000000 | 17 01 000000 | 00 00 00 05 65 88 84 00 ff | 00000019"));
        assertThat(s.fileHeader()).isEqualTo(FlvTags.fileHeader());
    }

    @Test
    void tagTimeIsDtsFromTheFirstKeyframeAndCompositionTimeIsPtsMinusDts() {
        FlvSession s = new FlvSession(VideoPackaging.AVC, 4000);
        s.accept(CAPS, AU, true, T0, T0);
        // B-frame reordering: decoded at +33.4 ms, presented 66.7 ms later (CTS 66)
        FlvSession.Tag p = s.accept(CAPS, AU, false, T0 + 100_100_000L, T0 + 33_400_000L).get(0);
        assertThat(p.timeMs()).isEqualTo(33);
        assertThat(p.bytes()).isEqualTo(hexBytes(
                "09 00000e 000021 00 000000 | 27 01 000043 | 00 00 00 05 65 88 84 00 ff | 00000019"));
        // presented before its decode time (negative CTS, signed 24-bit)
        FlvSession.Tag b = s.accept(CAPS, AU, false, T0 + 33 * MS, T0 + 66 * MS).get(0);
        assertThat(b.bytes()).isEqualTo(hexBytes(
                "09 00000e 000042 00 000000 | 27 01 ffffdf | 00 00 00 05 65 88 84 00 ff | 00000019"));
        assertThat(s.codedFrames()).isEqualTo(3);
        FlvSession.Tag end = s.end();
        assertThat(end.kind()).isEqualTo(FlvSession.Kind.SEQUENCE_END);
        assertThat(end.bytes()).isEqualTo(hexBytes("09 000005 000042 00 000000 | 17 02 000000 | 00000010"));
    }

    @Test
    void missingDtsFallsBackToPtsAndNoTimestampIsRejected() {
        FlvSession s = new FlvSession(VideoPackaging.AVC, 4000);
        s.accept(CAPS, AU, true, T0, -1);
        assertThat(s.accept(CAPS, AU, false, T0 + 40 * MS, -1).get(0).timeMs()).isEqualTo(40);
        assertThatThrownBy(() -> s.accept(CAPS, AU, false, -1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither PTS nor DTS");
    }

    @Test
    void timelineRestartIsRebasedOneFrameAfterTheLastTag() {
        FlvSession s = new FlvSession(VideoPackaging.AVC, 4000);
        s.accept(CAPS, AU, true, T0, T0);
        s.accept(CAPS, AU, false, T0 + 66 * MS, T0 + 66 * MS);
        // the encode pipeline was rebuilt: running time starts again near 0
        List<FlvSession.Tag> t = s.accept(CAPS, AU, true, 10 * MS, 10 * MS);
        assertThat(kinds(t)).containsExactly(FlvSession.Kind.CODED_FRAME);
        assertThat(t.get(0).timeMs()).isEqualTo(66 + 33);
        assertThat(s.accept(CAPS, AU, false, 43 * MS, 43 * MS).get(0).timeMs()).isEqualTo(66 + 33 + 33);
    }

    @Test
    void newConfigurationIsAnnouncedAtTheNextKeyframe() {
        FlvSession s = new FlvSession(VideoPackaging.HEVC_ENHANCED, 4000);
        EncodedCaps hevc = new EncodedCaps("video/x-h265", hexBytes("01 01 60 00 00"), 640, 360, 30);
        EncodedCaps bigger = new EncodedCaps("video/x-h265", hexBytes("01 01 60 00 01"), 1280, 720, 30);
        s.accept(hevc, AU, true, T0, T0);
        assertThat(s.accept(bigger, AU, false, T0 + 33 * MS, T0 + 33 * MS)).as("delta of the new stream").isEmpty();
        List<FlvSession.Tag> t = s.accept(bigger, AU, true, T0 + 66 * MS, T0 + 66 * MS);
        assertThat(kinds(t)).containsExactly(FlvSession.Kind.METADATA, FlvSession.Kind.SEQUENCE_START,
                FlvSession.Kind.CODED_FRAME);
        assertThat(t.get(0).bytes()).isEqualTo(FlvTags.metadata(VideoPackaging.HEVC_ENHANCED, 1280, 720, 30, 4000, 66));
        assertThat(t.get(1).bytes()).isEqualTo(hexBytes(
                "09 00000a 000042 00 000000 | 90 68 76 63 31 | 01 01 60 00 01 | 00000015"));
        assertThat(t.get(2).bytes()).isEqualTo(hexBytes(
                "09 000011 000042 00 000000 | 91 68 76 63 31 000000 | 00 00 00 05 65 88 84 00 ff | 0000001c"));
    }

    @Test
    void domesticSessionUsesCodecId12Tags() {
        FlvSession s = new FlvSession(VideoPackaging.HEVC_DOMESTIC, 4000);
        EncodedCaps hevc = new EncodedCaps("video/x-h265", hexBytes("01 01 60 00 00"), 640, 360, 25);
        List<FlvSession.Tag> t = s.accept(hevc, AU, true, T0, T0);
        assertThat(t.get(1).bytes()).isEqualTo(hexBytes("09 00000a 000000 00 000000 | 1c 00 000000 | 01 01 60 00 00 | 00000015"));
        assertThat(t.get(2).bytes()).isEqualTo(hexBytes(
                "09 00000e 000000 00 000000 | 1c 01 000000 | 00 00 00 05 65 88 84 00 ff | 00000019"));
        assertThat(s.accept(hevc, AU, false, T0 + 40 * MS, T0 + 40 * MS).get(0).bytes()).isEqualTo(hexBytes(
                "09 00000e 000028 00 000000 | 2c 01 000000 | 00 00 00 05 65 88 84 00 ff | 00000019"));
        assertThat(s.end().bytes()).isEqualTo(hexBytes("09 000005 000028 00 000000 | 1c 02 000000 | 00000010"));
    }
}
