package org.cvmmap.streamer.record;

import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.media.EncodedUnit;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.pipeline.GstBuffers;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.util.ExclusiveFile;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.FlowReturn;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.StateChangeReturn;
import org.freedesktop.gstreamer.elements.AppSrc;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * MP4 recording through {@code pipelines/record-mp4.pipeline}: appsrc → parser → fragmented
 * mp4mux → filesink. Timestamps start at 0 at the first (key)frame and never go back: when the
 * encode graph is rebuilt (its running time starts over) they continue one frame interval after the
 * last ("non monotonically increasing dts" made everything after a rebuild unreadable), and two
 * are never closer than one tick of the 90 kHz track timescale. {@link #finish()} sends EOS and
 * waits for it, so mp4mux closes the file (mfra, durations); a crash leaves every complete fragment
 * playable.
 */
final class Mp4FileSink implements RecordingSink {
    private static final long EOS_WAIT_MS = 5000;

    private final Pipeline pipeline;
    private final AppSrc src;
    private final CountDownLatch eos = new CountDownLatch(1);
    private volatile String error;
    private long baseNs = -1;
    /** Added to every timestamp since the encode graph was last rebuilt (its clock started over), ns. */
    private long offsetNs;
    private long lastDtsNs = -1;
    private long lastIntervalNs = DEFAULT_INTERVAL_NS;
    /**
     * One tick of the track timescale set in {@code pipelines/record-mp4.pipeline} (90 kHz), rounded
     * up, ns: consecutive decode timestamps are at least this far apart.
     */
    static final long TICK_NS = 11_112L;
    /** Frame interval assumed when none was seen yet: 30 fps, ns. */
    static final long DEFAULT_INTERVAL_NS = 33_333_333L;

    /**
     * Builds the graph and starts it on a new file; filesink opens it through
     * {@link ExclusiveFile#procPath()} (the very file created, not a path re-resolved).
     *
     * @throws IOException if the graph cannot start
     */
    Mp4FileSink(ExclusiveFile file, Codec codec) throws IOException {
        this(file, codec, null);
    }

    /** @param graph the recorder graph's descriptor ({@code --record-mp4-pipeline}), or null for the built-in one */
    Mp4FileSink(ExclusiveFile file, Codec codec, PipelineDescriptor graph) throws IOException {
        try {
            pipeline = PipelineBuilder.buildMp4Recorder(codec, graph);
        } catch (PipelineBuildException e) {
            throw new IOException("MP4 recorder graph: " + e.getMessage(), e);
        }
        src = (AppSrc) pipeline.getElementByName("src");
        Element sink = pipeline.getElementByName("file");
        sink.set("location", file.procPath());
        sink.dispose();
        Bus bus = pipeline.getBus();
        bus.connect((Bus.ERROR) (source, code, message) -> {
            error = (source == null ? "?" : source.getName()) + ": " + message;
            eos.countDown();
        });
        bus.connect((Bus.EOS) source -> eos.countDown());
        if (pipeline.setState(State.PLAYING) == StateChangeReturn.FAILURE) {
            dispose();
            throw new IOException("MP4 recorder graph cannot start" + (error == null ? "" : ": " + error));
        }
    }

    @Override
    public void write(EncodedUnit unit) throws IOException {
        write(RecordingSink.annexB(unit), unit.ptsNs(), unit.dtsNs());
    }

    /**
     * Writes one access unit already in Annex B (a remux from another container).
     *
     * @param annexB the access unit, parameter sets in front of a keyframe
     * @param ptsNs  its presentation time, ns (any origin: the first unit's becomes 0)
     * @param dtsNs  its decode time, ns, or -1 for the PTS
     * @throws IOException when the graph failed or refused it
     */
    void write(byte[] annexB, long ptsNs, long dtsNs) throws IOException {
        if (error != null) {
            throw new IOException(error);
        }
        long dts = dtsNs >= 0 ? dtsNs : ptsNs;
        if (baseNs < 0) {
            baseNs = Math.min(dts, ptsNs);
        }
        long d = dts - baseNs + offsetNs;
        if (lastDtsNs >= 0 && d <= lastDtsNs) {
            // a rebuilt encode graph starts its running time over: continue one frame after the last
            long shift = lastDtsNs + lastIntervalNs - d;
            offsetNs += shift;
            d += shift;
        } else if (lastDtsNs >= 0 && d - lastDtsNs < TICK_NS) {
            // closer than one tick of the track's timescale: equal in the file, dropped by readers
            long shift = TICK_NS - (d - lastDtsNs);
            offsetNs += shift;
            d += shift;
        } else if (lastDtsNs >= 0) {
            lastIntervalNs = d - lastDtsNs;
        }
        lastDtsNs = d;
        Buffer b = GstBuffers.of(annexB);
        b.setPresentationTimestamp(ptsNs - baseNs + offsetNs);
        b.setDecodeTimestamp(d);
        FlowReturn r = src.pushBuffer(b); // takes ownership
        if (r != FlowReturn.OK) {
            throw new IOException("MP4 recorder refused the access unit: " + r + (error == null ? "" : " (" + error + ")"));
        }
    }

    @Override
    public void finish() throws IOException {
        try {
            src.endOfStream();
            boolean done = eos.await(EOS_WAIT_MS, TimeUnit.MILLISECONDS);
            if (error != null) {
                throw new IOException(error);
            }
            if (!done) {
                throw new IOException("mp4mux did not finish within " + EOS_WAIT_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while finishing the MP4 file", e);
        } finally {
            dispose();
        }
    }

    private void dispose() {
        pipeline.setState(State.NULL);
        src.dispose();
        pipeline.getBus().dispose();
        pipeline.dispose();
    }
}
