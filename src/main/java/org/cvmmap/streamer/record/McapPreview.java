package org.cvmmap.streamer.record;

import com.google.protobuf.InvalidProtocolBufferException;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.NalFraming;
import org.cvmmap.streamer.pipeline.GstBuffers;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.record.mcap.ChannelVisitor;
import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.proto.CompressedVideo;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.Structure;
import org.freedesktop.gstreamer.elements.AppSink;
import org.freedesktop.gstreamer.elements.AppSrc;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One frame of one camera of an MCAP recording as a PNG picture ({@code inspect --export-preview}):
 * the camera's access units from the last keyframe at or before the frame through it are decoded
 * ({@code pipelines/decode-preview.pipeline}: parser → libav decoder → RGB) and the last picture is
 * written with the JDK's PNG writer. Needs {@code GstRuntime.init()}.
 */
public final class McapPreview {
    private McapPreview() {
    }

    /**
     * Writes the picture.
     *
     * @param mcap       the recording
     * @param label      the camera ({@code /<label>/video})
     * @param frameIndex the frame, counted from the camera's first message (0)
     * @param png        the PNG file to write (replaced when it exists)
     * @return {width, height} of the picture, pixels
     * @throws IOException naming what is missing (no such camera, fewer frames) or failed
     */
    public static int[] export(Path mcap, String label, long frameIndex, Path png) throws IOException {
        List<byte[]> gop = new ArrayList<>();
        String[] format = {null};
        long[] seen = {0};
        int[] channel = {-1};
        try (InputStream in = new BufferedInputStream(Files.newInputStream(mcap))) {
            McapReader.read(in, new ChannelVisitor() {
                @Override
                protected void channel(Channel ch) {
                    if (ch.is(COMPRESSED_VIDEO) && ch.topic().equals("/" + label + "/video")) {
                        channel[0] = ch.id();
                    }
                }

                @Override
                protected void message(Channel ch, long logTimeNs, long publishTimeNs, byte[] data) throws IOException {
                    if (ch.id() != channel[0] || seen[0] > frameIndex) {
                        return;
                    }
                    CompressedVideo v;
                    try {
                        v = CompressedVideo.parseFrom(data);
                    } catch (InvalidProtocolBufferException e) {
                        throw new IOException(mcap + ": " + label + " frame " + seen[0] + " is not a CompressedVideo");
                    }
                    byte[] au = v.getData().toByteArray();
                    format[0] = v.getFormat();
                    if (NalFraming.annexBKeyframe(au, format[0].equals("h265"))) {
                        gop.clear();
                    }
                    gop.add(au);
                    seen[0]++;
                }
            });
        } catch (McapReader.NotMcapException e) {
            throw new IOException(mcap + ": " + e.getMessage(), e);
        }
        if (channel[0] < 0) {
            throw new IOException(mcap + ": no camera labelled " + label + " (topic /" + label + "/video)");
        }
        if (seen[0] <= frameIndex) {
            throw new IOException(mcap + ": camera " + label + " has " + seen[0] + " frames; frame " + frameIndex + " is not one");
        }
        return decodeLast(gop, format[0].equals("h265") ? Codec.H265 : Codec.H264, png);
    }

    private static int[] decodeLast(List<byte[]> gop, Codec codec, Path png) throws IOException {
        PipelineDescriptor d = PipelineDescriptor.builtIn("decode-preview.pipeline");
        String desc = d.render(Map.of("encoded_caps", codec.encodedCaps(), "parser", codec.parser(),
                "decoder", "avdec_" + codec.cliName()));
        Pipeline p;
        try {
            p = PipelineBuilder.parse(d, desc, desc, List.of("src", "sink"));
        } catch (PipelineBuildException e) {
            throw new IOException("preview graph: " + e.getMessage(), e);
        }
        AppSrc src = (AppSrc) p.getElementByName("src");
        AppSink sink = (AppSink) p.getElementByName("sink");
        byte[] rgb = null;
        int w = 0;
        int h = 0;
        try {
            p.play();
            Thread feeder = new Thread(() -> {
                long pts = 0;
                for (byte[] au : gop) {
                    Buffer b = GstBuffers.of(au);
                    b.setPresentationTimestamp(pts);
                    pts += 33_333_333L;
                    src.pushBuffer(b); // takes ownership
                }
                src.endOfStream();
            }, "preview-feed");
            feeder.start();
            Sample s;
            while ((s = sink.pullSample()) != null) {
                try {
                    Structure st = s.getCaps().getStructure(0);
                    w = st.getInteger("width");
                    h = st.getInteger("height");
                    rgb = GstBuffers.copy(s.getBuffer());
                } finally {
                    s.dispose();
                }
            }
            feeder.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.setState(State.NULL);
            src.dispose();
            sink.dispose();
            p.getBus().dispose();
            p.dispose();
        }
        if (rgb == null) {
            throw new IOException("the decoder gave no picture for the frame");
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int stride = ((w * 3) + 3) & ~3; // GStreamer pads RGB rows to 4 bytes
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = y * stride + x * 3;
                img.setRGB(x, y, ((rgb[o] & 0xff) << 16) | ((rgb[o + 1] & 0xff) << 8) | (rgb[o + 2] & 0xff));
            }
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
        return new int[]{w, h};
    }
}
