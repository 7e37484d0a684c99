package org.cvmmap.streamer.config;

import org.cvmmap.streamer.output.rtp.RtpOutput;

import org.cvmmap.streamer.pipeline.EncoderDevice;

import org.cvmmap.streamer.media.Codec;

import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.cvmmap.streamer.pipeline.EncoderSpec;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StreamerConfigTest {
    private static StreamerConfig.Builder cvmmap() {
        return StreamerConfig.builder().inputUri("cam").codec("h264").rtp(true).rtpEndpoint("127.0.0.1:5004");
    }

    @Test
    void defaultsFollowTheSpec() {
        StreamerConfig c = cvmmap().build();
        assertThat(c.gop()).isEqualTo(30);
        assertThat(c.bFrames()).isZero();
        assertThat(c.queueSize()).isEqualTo(1);
        assertThat(c.encoderDevice()).isEqualTo(EncoderDevice.AUTO);
        assertThat(c.nvencProbeFrames()).isEqualTo(60);
        assertThat(c.rtp()).isEqualTo(new RtpOutput("127.0.0.1", 5004, 96, 1400, null));
        assertThat(c.hardwareEncoders()).extracting(EncoderSpec::factory).containsExactly("nvh264enc", "nvcudah264enc");
        assertThat(c.input().streamKey()).isEqualTo("cvmmap_cam");
    }

    /** Variable-rate caps (framerate=0/1) make x264 hold a frame: cv-mmap input declares a nominal rate. */
    @Test
    void rawCapsDeclareANominalFrameRate() {
        RawVideoFormat f = new RawVideoFormat("BGR", 1280, 720, 3);
        EncoderSpec x264 = EncoderSpec.software(Codec.H264, 0);
        StreamerConfig c = cvmmap().build();
        assertThat(new PipelineBuilder(c.pipelineSettings()).describe(x264, f, c.nominalFps())).contains("framerate=30/1");
        StreamerConfig vfr = cvmmap().inputFps(0).build();
        assertThat(new PipelineBuilder(vfr.pipelineSettings()).describe(x264, f, vfr.nominalFps())).contains("framerate=0/1");
        StreamerConfig dummy = StreamerConfig.builder().inputMode("dummy").dummyFps(60).codec("h264").rtp(true)
                .rtpEndpoint("h:1").build();
        assertThat(dummy.nominalFps()).isEqualTo(60);
    }

    @Test
    void builtInDescriptorRendersCompletely() {
        StreamerConfig c = cvmmap().rtpPayloadType(110).build();
        String d = new PipelineBuilder(c.pipelineSettings()).describe(EncoderSpec.software(Codec.H264, 0), new RawVideoFormat("BGR", 64, 32, 3), 30);
        assertThat(d).doesNotContain("${")
                .contains("x264enc name=enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 bitrate=4000")
                .contains("video/x-raw,format=I420")
                .contains("rtph264pay name=pay pt=110 config-interval=0 mtu=1400")
                .contains("h264parse name=parse config-interval=-1")
                .contains("udpsink name=rtpsink host=127.0.0.1 port=5004");
    }
}
