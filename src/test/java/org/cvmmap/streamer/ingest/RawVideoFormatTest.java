package org.cvmmap.streamer.ingest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RawVideoFormatTest {

    @ParameterizedTest
    @CsvSource({
        "BGR,  BGR,   6, 1920, 8",
        "RGB,  RGB,   6, 1920, 8",
        "RGBA, RGBA,  8, 2560, 8",
        "BGRA, BGRA,  8, 2560, 8",
        "GRAY, GRAY8, 2, 640,  4",
        "YUYV, YUY2,  4, 1280, 4",
    })
    void mapsPixelFormatsToCaps(PixelFormat f, String gst, int rowOf2, int rowOf640, int strideOf2) {
        RawVideoFormat r = RawVideoFormat.of(f, Depth.U8, 2, 2);
        assertThat(r.gstFormat()).isEqualTo(gst);
        assertThat(r.rowBytes()).isEqualTo(rowOf2);
        assertThat(r.gstStride()).isEqualTo(strideOf2);
        assertThat(RawVideoFormat.of(f, Depth.U8, 640, 480).rowBytes()).isEqualTo(rowOf640);
        assertThat(r.caps(30, 1)).startsWith("video/x-raw,format=" + gst + ",width=2,height=2,framerate=30/1");
    }

    @ParameterizedTest
    @CsvSource({
        "BGR,  U16, plane[0].depth=U16",
        "GRAY, F32, plane[0].depth=F32",
        "YUV,  U8,  plane[0].pixel_format=YUV",
    })
    void rejectsUnencodable(PixelFormat f, Depth d, String message) {
        assertThatThrownBy(() -> RawVideoFormat.of(f, d, 2, 2)).isInstanceOf(MetadataException.class)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource({"3"})
    void rejectsOddYuyvWidth(int width) {
        assertThatThrownBy(() -> RawVideoFormat.of(PixelFormat.YUYV, Depth.U8, width, 2))
                .hasMessageContaining("plane[0].width=3");
    }

    @ParameterizedTest
    @CsvSource({
        "BGR,  641, 361, 640, 360, 1920",
        "GRAY, 7,   240, 6,   240, 8",
        "RGBA, 3,   3,   2,   2,   8",
        "BGR,  640, 360, 640, 360, 1920",
    })
    void oddSizesAreCroppedToEven(PixelFormat f, int w, int h, int cw, int ch, int stride) {
        RawVideoFormat r = RawVideoFormat.of(f, Depth.U8, w, h);
        assertThat(r.width()).isEqualTo(cw);
        assertThat(r.height()).isEqualTo(ch);
        assertThat(r.gstStride()).isEqualTo(stride);
        assertThat(RawVideoFormat.cropped(w, h)).isEqualTo(w != cw || h != ch);
    }

    @ParameterizedTest
    @CsvSource({"1, 240, plane[0].width=1", "240, 1, plane[0].height=1", "0, 0, plane[0].width=0"})
    void framesBelow2x2AreRefused(int w, int h, String message) {
        assertThatThrownBy(() -> RawVideoFormat.of(PixelFormat.BGR, Depth.U8, w, h)).isInstanceOf(MetadataException.class)
                .hasMessageContaining(message).hasMessageContaining("too small to encode");
    }
}
