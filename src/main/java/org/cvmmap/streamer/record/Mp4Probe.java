package org.cvmmap.streamer.record;

import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.Mp4SampleEntry;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.elements.AppSink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads an MP4 file's video track through {@code pipelines/mp4-demux.pipeline} (qtdemux → the codec's
 * parser → Annex B access units, no decode), handing each access unit to a consumer: the reading
 * {@link Mp4ToMcap} converts, and the check {@code batch --probe-existing} makes of an output (a cut-off
 * or broken file fails or yields fewer access units). Needs {@code GstRuntime.init()}.
 */
public final class Mp4Probe {
    /** How much of the file's head is searched for its sample description, bytes. */
    static final int HEAD_BYTES = 8 << 20;

    /**
     * One access unit.
     *
     * @param annexB the access unit, Annex B
     * @param ptsNs  its presentation time, ns from the file's start
     */
    public record Unit(byte[] annexB, long ptsNs) {
    }

    private Mp4Probe() {
    }

    /** The file's video codec, from its sample description. @throws IOException naming the file and why */
    public static Codec codec(Path mp4) throws IOException {
        try (InputStream in = Files.newInputStream(mp4)) {
            return Mp4SampleEntry.codec(in.readNBytes(HEAD_BYTES));
        } catch (IllegalArgumentException e) {
            throw new IOException(mp4 + ": " + e.getMessage());
        }
    }

    /**
     * The video track's picture size, from its first access unit's caps.
     *
     * @return {width, height} in pixels
     * @throws IOException naming the file when it has no readable video track
     */
    public static int[] size(Path mp4) throws IOException {
        int[] wh = new int[2];
        try {
            read(mp4, 1, (u, caps) -> {
                wh[0] = caps.getStructure(0).getInteger("width");
                wh[1] = caps.getStructure(0).getInteger("height");
            });
        } catch (RuntimeException e) {
            throw new IOException(mp4 + ": no picture size in its caps: " + e.getMessage());
        }
        if (wh[0] <= 0 || wh[1] <= 0) {
            throw new IOException(mp4 + ": no video access unit");
        }
        return wh;
    }

    /**
     * Reads every access unit of the video track.
     *
     * @param each told each access unit in order; it may throw {@link java.io.UncheckedIOException} to stop
     * @return access units read
     * @throws IOException naming the file and GStreamer's message when the file cannot be read to its end
     */
    public static long read(Path mp4, Consumer<Unit> each) throws IOException {
        return read(mp4, Long.MAX_VALUE, (u, caps) -> each.accept(u));
    }

    private static long read(Path mp4, long max, java.util.function.BiConsumer<Unit, org.freedesktop.gstreamer.Caps> each)
            throws IOException {
        Codec codec = codec(mp4);
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
        long n = 0;
        try {
            p.play();
            Sample s;
            while (n < max && (s = sink.pullSample()) != null) {
                try {
                    org.freedesktop.gstreamer.Buffer b = s.getBuffer();
                    each.accept(new Unit(org.cvmmap.streamer.pipeline.GstBuffers.copy(b), Math.max(0, b.getPresentationTimestamp())),
                            s.getCaps());
                    n++;
                } finally {
                    s.dispose();
                }
            }
            if (n >= max) {
                return n; // stopped early on purpose: the rest is not read
            }
            synchronized (error) {
                if (error[0] != null) {
                    throw new IOException(mp4 + ": " + error[0]);
                }
            }
            return n;
        } finally {
            p.setState(State.NULL);
            sink.dispose();
            bus.dispose();
            p.dispose();
        }
    }
}
