package org.cvmmap.streamer.record;

import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.Mp4SampleEntry;
import org.cvmmap.streamer.pipeline.GstBuffers;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.util.ExclusiveFile;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.elements.AppSink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * An MP4 file's video track to a one-camera MCAP ({@code /<label>/video}, foxglove
 * {@code CompressedVideo}; docs/mcap_layout.md), remuxed through {@code pipelines/mp4-demux.pipeline}
 * (qtdemux → the codec's parser → Annex B, no decode; the codec read from the file's sample description
 * by {@link Mp4SampleEntry}). Log time = {@code timeBaseNs} + the access unit's PTS: an
 * MP4 holds times from 0, so the caller says where on the Unix-epoch timeline its first frame lies.
 * Needs {@code GstRuntime.init()}.
 */
public final class Mp4ToMcap {
    /**
     * What was written.
     *
     * @param output the MCAP file
     * @param codec  the track's codec
     * @param frames access units written
     * @param lastNs log time of the last one, ns
     */
    public record Result(Path output, Codec codec, long frames, long lastNs) {
    }

    /** How much of the file's head is searched for its sample description, bytes. */
    static final int HEAD_BYTES = 8 << 20;

    private Mp4ToMcap() {
    }

    /**
     * Converts.
     *
     * @param mp4        the MP4 file
     * @param output     the new MCAP file (must not exist; its folder must)
     * @param label      the camera label (topic {@code /<label>/video}, frame_id)
     * @param timeBaseNs log time of PTS 0, ns since the Unix epoch
     * @param framesDone told the access units written so far (progress)
     * @throws IOException naming the file and why (not an MP4, no H.264/H.265 track, the MCAP cannot be written)
     */
    public static Result convert(Path mp4, Path output, String label, long timeBaseNs, LongConsumer framesDone)
            throws IOException {
        Codec codec;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(mp4)) {
            codec = Mp4SampleEntry.codec(in.readNBytes(HEAD_BYTES));
        } catch (IllegalArgumentException e) {
            throw new IOException(mp4 + ": " + e.getMessage());
        }
        PipelineDescriptor d = PipelineDescriptor.builtIn("mp4-demux.pipeline");
        String desc = d.render(Map.of("parser", codec.parser(), "encoded_caps", codec.encodedCaps()));
        Pipeline p;
        try {
            p = PipelineBuilder.parse(d, desc, desc, List.of("file", "sink"));
        } catch (PipelineBuildException e) {
            throw new IOException("MP4 reader graph: " + e.getMessage(), e);
        }
        Element file = p.getElementByName("file");
        file.set("location", mp4.toString());
        file.dispose();
        AppSink sink = (AppSink) p.getElementByName("sink");
        String[] error = new String[1];
        Bus bus = p.getBus();
        bus.connect((Bus.ERROR) (source, code, message) -> {
            synchronized (error) {
                error[0] = (source == null ? "?" : source.getName()) + ": " + message;
            }
            // unblocks pullSample (flushing) from another thread: the bus thread must not change state
            new Thread(() -> p.setState(State.NULL), "mp4-demux-stop").start();
        });
        McapFileSink mcap = null;
        long frames = 0;
        long lastNs = -1;
        try {
            p.play();
            Sample s;
            while ((s = sink.pullSample()) != null) {
                try {
                    if (mcap == null) {
                        try (ExclusiveFile f = ExclusiveFile.create(output, null)) {
                            mcap = new McapFileSink(f, codec, "/" + label + "/video", label, "cvmmap-streamer convert");
                        }
                    }
                    Buffer b = s.getBuffer();
                    lastNs = timeBaseNs + Math.max(0, b.getPresentationTimestamp());
                    mcap.write(GstBuffers.copy(b), lastNs);
                    framesDone.accept(++frames);
                } finally {
                    s.dispose();
                }
            }
            synchronized (error) {
                if (error[0] != null) {
                    throw new IOException(mp4 + ": " + error[0]);
                }
            }
            if (mcap == null) {
                throw new IOException(mp4 + ": no H.264 or H.265 video track");
            }
            return new Result(output, codec, frames, lastNs);
        } finally {
            if (mcap != null) {
                mcap.finish();
            }
            p.setState(State.NULL);
            sink.dispose();
            bus.dispose();
            p.dispose();
        }
    }
}
