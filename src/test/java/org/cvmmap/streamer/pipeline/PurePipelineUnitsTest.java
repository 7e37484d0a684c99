package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.ingest.FrameBuffer;
import org.cvmmap.streamer.ingest.IngestFrame;
import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PurePipelineUnitsTest {

    @Test
    void descriptorDropsCommentsAndFillsNestedPlaceholders() {
        PipelineDescriptor d = PipelineDescriptor.parse("t", "# comment\nappsrc name=src\n  ! ${encoder}\n\n  ! fakesink\n");
        assertThat(d.source()).isEqualTo("appsrc name=src ! ${encoder} ! fakesink");
        assertThat(d.render(Map.of("encoder", "x264enc key-int-max=${gop}", "gop", "30")))
                .isEqualTo("appsrc name=src ! x264enc key-int-max=30 ! fakesink");
        assertThatThrownBy(() -> d.render(Map.of())).hasMessageContaining("placeholder ${encoder} has no value");
    }

    @Test
    void elementFactoriesAreTheFirstWordOfEachLinkWithoutCapsOrPadReferences() {
        assertThat(PipelineDescriptor.elementFactories("appsrc name=src caps=\"video/x-raw,format=BGR\" ! videoconvert"
                + " ! video/x-raw,format=I420 ! x264enc key-int-max=30 ! h264parse name=parse ! tee name=encoded"
                + " encoded. ! queue ! rtph264pay ! udpsink host=h port=1 encoded. ! queue ! appsink name=hub"))
                .containsExactly("appsrc", "videoconvert", "x264enc", "h264parse", "tee", "queue", "rtph264pay", "udpsink",
                        "appsink");
    }

    @Test
    void builtInFragmentsComposeOneDescriptorWithTheContractElements() {
        PipelineDescriptor d = PipelineDescriptor.compose(List.of("source-appsrc.pipeline", "encoded.pipeline",
                "output-rtp.pipeline", "output-hub.pipeline"));
        assertThat(d.name()).isEqualTo("builtin:source-appsrc+encoded+output-rtp+output-hub");
        assertThat(d.source()).startsWith("appsrc name=src ").contains("! ${encoder} ! ${parser} name=parse")
                .contains("! tee name=encoded encoded. ! queue name=rtpqueue")
                .contains("! ${rtp_payloader} name=pay").contains("appsink name=hub");
        assertThatThrownBy(() -> PipelineDescriptor.compose(List.of("source-nothing.pipeline")))
                .hasMessage("no built-in pipeline descriptor source-nothing.pipeline");
    }

    @Test
    void autoTriesNvencInOrderThenSoftwareAndRecordsWhy() {
        Set<String> present = Set.of("x264enc");
        EncoderSelector s = new EncoderSelector(EncoderDevice.AUTO, EncoderSpec.nvenc(Codec.H264),
                EncoderSpec.software(Codec.H264, 0), present::contains);
        assertThat(s.current().factory()).isEqualTo("x264enc");
        assertThat(s.reason()).isEqualTo("nvh264enc: element not installed; nvcudah264enc: element not installed");
    }

    @Test
    void autoFallsBackAfterRejection() {
        EncoderSelector s = new EncoderSelector(EncoderDevice.AUTO, EncoderSpec.nvenc(Codec.H265),
                EncoderSpec.software(Codec.H265, 0), f -> true);
        assertThat(s.current().factory()).isEqualTo("nvh265enc");
        assertThat(s.reason()).isEqualTo("first choice");
        s.reject("no access unit after 60 input frames");
        assertThat(s.current().factory()).isEqualTo("nvcudah265enc");
        s.reject("cannot reach PLAYING");
        assertThat(s.current().factory()).isEqualTo("x265enc");
        assertThat(s.reason()).isEqualTo("nvh265enc: no access unit after 60 input frames; nvcudah265enc: cannot reach PLAYING");
    }

    @Test
    void nvidiaNeverFallsBackAndSoftwareNeverTriesNvenc() {
        EncoderSelector nv = new EncoderSelector(EncoderDevice.NVIDIA, EncoderSpec.nvenc(Codec.H264),
                EncoderSpec.software(Codec.H264, 0), f -> f.equals("nvh264enc"));
        assertThat(nv.current().factory()).isEqualTo("nvh264enc");
        nv.reject("error");
        assertThat(nv.current()).isNull();
        List<String> asked = new ArrayList<>();
        EncoderSelector sw = new EncoderSelector(EncoderDevice.SOFTWARE, EncoderSpec.nvenc(Codec.H264),
                EncoderSpec.software(Codec.H264, 0), f -> asked.add(f));
        assertThat(sw.current().factory()).isEqualTo("x264enc");
        assertThat(asked).containsExactly("x264enc");
    }

    @Test
    void softwareSpecsAreLowLatencyAndI420() {
        assertThat(EncoderSpec.software(Codec.H264, 0).fragment()).contains("tune=zerolatency").contains("bframes=${b_frames}");
        assertThat(EncoderSpec.software(Codec.H264, 2).fragment()).doesNotContain("zerolatency");
        assertThat(EncoderSpec.software(Codec.H265, 0).fragment()).contains("x265enc").contains("tune=zerolatency");
        assertThat(EncoderSpec.software(Codec.H264, 0).inputFormat()).isEqualTo("I420");
    }

    @Test
    void latestFrameQueueDropsOldestAndKeepsResets() throws InterruptedException {
        AtomicLong dropped = new AtomicLong();
        FrameQueue q = new FrameQueue(1, dropped);
        RawVideoFormat f = new RawVideoFormat("BGR", 2, 2, 3);
        List<Integer> discarded = new ArrayList<>();
        q.offer(frame(1, f, true, discarded));
        q.offer(frame(2, f, false, discarded));
        q.offer(frame(3, f, false, discarded));
        assertThat(dropped.get()).isEqualTo(2);
        assertThat(discarded).containsExactly(1, 2);
        IngestFrame got = q.poll(0);
        assertThat(got.frameId()).isEqualTo(3);
        assertThat(got.reset()).as("reset of a dropped frame is carried by the newer one").isTrue();
        assertThat(q.poll(0)).isNull();
        q.close();
        q.offer(frame(4, f, false, discarded));
        assertThat(discarded).containsExactly(1, 2, 4);
        assertThat(q.isFinished()).isTrue();
    }

    @Test
    void aQueueOfThreeKeepsTheNewestThreeAndCountsEveryDrop() throws InterruptedException {
        AtomicLong dropped = new AtomicLong();
        FrameQueue q = new FrameQueue(3, dropped);
        RawVideoFormat f = new RawVideoFormat("BGR", 2, 2, 3);
        List<Integer> discarded = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            q.offer(frame(i, f, false, discarded));
        }
        assertThat(discarded).as("the oldest go").containsExactly(1, 2, 3, 4);
        assertThat(dropped.get()).isEqualTo(4);
        assertThat(List.of(q.poll(0).frameId(), q.poll(0).frameId(), q.poll(0).frameId())).containsExactly(5L, 6L, 7L);
        assertThat(q.poll(0)).isNull();
    }

    @Test
    void startUpBacklogKeepsEveryFrameUntilTheEncoderHasWarmedUp() throws InterruptedException {
        AtomicLong dropped = new AtomicLong();
        AtomicLong now = new AtomicLong();
        FrameQueue q = new FrameQueue(1, dropped, true, now::get);
        RawVideoFormat f = new RawVideoFormat("BGR", 2, 2, 3);
        List<Integer> discarded = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            q.offer(frame(i, f, false, discarded)); // no graph yet: all kept
        }
        assertThat(dropped.get()).isZero();
        q.endStartup(); // the first access unit: 2 s of warm-up left
        now.set(1_999_000_000L);
        q.offer(frame(11, f, false, discarded)); // still kept
        for (int i = 1; i <= 9; i++) {
            assertThat(q.poll(0).frameId()).isEqualTo(i);
        }
        assertThat(dropped.get()).isZero();
        now.set(2_000_000_000L); // warmed up: latest-frame; what is left beyond capacity goes at once
        q.offer(frame(12, f, false, discarded));
        assertThat(discarded).containsExactly(10, 11);
        assertThat(dropped.get()).isEqualTo(2);
        assertThat(q.poll(0).frameId()).isEqualTo(12);
        q.offer(frame(13, f, false, discarded));
        q.offer(frame(14, f, false, discarded));
        assertThat(discarded).containsExactly(10, 11, 13);
    }

    @Test
    void startUpBacklogIsBoundedBy64FramesAndItsBytes() {
        AtomicLong dropped = new AtomicLong();
        List<Integer> discarded = new ArrayList<>();
        FrameQueue small = FrameQueue.withStartupBacklog(1, dropped);
        for (int i = 1; i <= 70; i++) {
            small.offer(frame(i, new RawVideoFormat("BGR", 2, 2, 3), false, discarded));
        }
        assertThat(discarded).containsExactly(1, 2, 3, 4, 5, 6); // 64 kept
        discarded.clear();
        FrameQueue big = FrameQueue.withStartupBacklog(1, new AtomicLong());
        RawVideoFormat uhd = new RawVideoFormat("BGRA", 7680, 4320, 4); // 132.7 MB a frame: two fit in 256 MiB
        big.offer(frame(1, uhd, false, discarded));
        big.offer(frame(2, uhd, false, discarded));
        big.offer(frame(3, uhd, false, discarded));
        assertThat(discarded).containsExactly(1);
    }

    private static IngestFrame frame(int id, RawVideoFormat f, boolean reset, List<Integer> discarded) {
        FrameBuffer heap = FrameBuffer.heap(4);
        FrameBuffer tracked = new FrameBuffer() {
            public java.nio.ByteBuffer data() { return heap.data(); }
            public void commit() { }
            public void discard() { discarded.add(id); }
        };
        return new IngestFrame(id, id, f, tracked, reset, 0);
    }

    @Test
    void rawFormatUsesGstreamerStride() {
        RawVideoFormat f = new RawVideoFormat("BGR", 2, 2, 3);
        assertThat(f.rowBytes()).isEqualTo(6);
        assertThat(f.gstStride()).isEqualTo(8);
        assertThat(f.gstSize()).isEqualTo(16);
        assertThat(f.caps(30, 1)).isEqualTo("video/x-raw,format=BGR,width=2,height=2,framerate=30/1,pixel-aspect-ratio=1/1");
    }
}
