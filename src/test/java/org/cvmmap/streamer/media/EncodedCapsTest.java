package org.cvmmap.streamer.media;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/** The parser caps the FLV writer reads, as GStreamer 1.22 prints them. */
class EncodedCapsTest {
    static final String H264 = "video/x-h264, stream-format=(string)avc, alignment=(string)au, "
            + "codec_data=(buffer)01640016ffe1001967640016acd940a02ff9610000030001000003003c8f162d9601000668ebe3cb22c0, "
            + "level=(string)2.2, profile=(string)high, width=(int)640, height=(int)360, "
            + "pixel-aspect-ratio=(fraction)1/1, framerate=(fraction)30/1, interlace-mode=(string)progressive";

    @Test
    void readsAvcCSizeAndRate() {
        EncodedCaps c = EncodedCaps.parse(H264);
        assertThat(c.mediaType()).isEqualTo("video/x-h264");
        assertThat(c.codecConfig()).startsWith(hexBytes("01 64 00 16 ff e1")).hasSize(42);
        assertThat(c.width()).isEqualTo(640);
        assertThat(c.height()).isEqualTo(360);
        assertThat(c.fps()).isEqualTo(30.0);
    }

    @Test
    void readsHvcCAndUnknownRate() {
        EncodedCaps c = EncodedCaps.parse("video/x-h265, stream-format=(string)hvc1, alignment=(string)au, "
                + "codec_data=(buffer)0101600000, width=(int)1280, height=(int)720, framerate=(fraction)0/1");
        assertThat(c.codecConfig()).isEqualTo(hexBytes("01 01 60 00 00"));
        assertThat(c.fps()).isZero();
    }

    @Test
    void sameStreamComparesConfigurationAndSize() {
        EncodedCaps a = EncodedCaps.parse(H264);
        assertThat(a.sameStream(EncodedCaps.parse(H264))).isTrue();
        assertThat(a.sameStream(EncodedCaps.parse(H264.replace("width=(int)640", "width=(int)320")))).isFalse();
        assertThat(a.sameStream(EncodedCaps.parse(H264.replace("codec_data=(buffer)0164", "codec_data=(buffer)014d"))))
                .isFalse();
        assertThat(a.sameStream(null)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "video/x-raw, width=(int)1, height=(int)1                                                    | media type 'video/x-raw'",
        "video/x-h264, stream-format=(string)byte-stream, codec_data=(buffer)01, width=(int)1, height=(int)1 | stream-format=byte-stream: FLV needs avc",
        "video/x-h265, stream-format=(string)avc, codec_data=(buffer)01, width=(int)1, height=(int)1 | stream-format=avc: FLV needs hvc1",
        "video/x-h264, stream-format=(string)avc, width=(int)1, height=(int)1                        | codec_data is missing",
        "video/x-h264, stream-format=(string)avc, codec_data=(buffer)012, width=(int)1, height=(int)1 | codec_data is missing or malformed",
        "video/x-h264, stream-format=(string)avc, codec_data=(buffer)01, height=(int)1               | caps has no width",
        "video/x-h264, stream-format=(string)avc, codec_data=(buffer)01, width=(int)1                | caps has no height",
    })
    void rejectsCapsWithoutWhatFlvNeeds(String caps, String message) {
        assertThatThrownBy(() -> EncodedCaps.parse(caps)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
