package org.cvmmap.streamer.record;

import org.cvmmap.streamer.ingest.DepthImage;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.EncodedUnit;
import org.cvmmap.streamer.pipeline.EncodedStreamHub;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;

import java.util.List;

/** The MP4 and MCAP recorders of one stream: a reader of its {@link EncodedStreamHub}. */
public final class Recorders implements EncodedStreamHub.Reader, AutoCloseable {
    private final Recorder mp4;
    private final Recorder mcap;

    /**
     * @param codec           the encoded stream's codec
     * @param key             stream key (logs)
     * @param label           source label (MCAP topic {@code /<label>/video})
     * @param keyframeRequest asks the encoder for an IDR; must not block
     */
    public Recorders(Codec codec, String key, String label, Runnable keyframeRequest) {
        this(codec, key, label, keyframeRequest, null);
    }

    /** @param mp4Graph the MP4 recorder graph ({@code --record-mp4-pipeline}), or null for the built-in one */
    public Recorders(Codec codec, String key, String label, Runnable keyframeRequest, PipelineDescriptor mp4Graph) {
        this(new Recorder(Recorder.Format.MP4, codec, key, label, keyframeRequest, mp4Graph),
                new Recorder(Recorder.Format.MCAP, codec, key, label, keyframeRequest));
    }

    Recorders(Recorder mp4, Recorder mcap) {
        this.mp4 = mp4;
        this.mcap = mcap;
    }

    /** The recorder of one format. */
    public Recorder get(Recorder.Format format) {
        return format == Recorder.Format.MP4 ? mp4 : mcap;
    }

    /** Both recorders. */
    public List<Recorder> all() {
        return List.of(mp4, mcap);
    }

    @Override
    public boolean wantsUnits() {
        return mp4.recording() || mcap.recording();
    }

    @Override
    public void onUnit(EncodedUnit unit) {
        mp4.offer(unit);
        mcap.offer(unit);
    }

    /** Whether a recording takes depth images (the ingest copies the DEPTH plane only then). */
    public boolean wantsDepth() {
        return mcap.wantsDepth();
    }

    /** Offers one frame's depth image to the MCAP recording (ingest thread; never blocks). */
    public void offerDepth(DepthImage depth) {
        mcap.offerDepth(depth);
    }

    /** Stops both (files finalized); at shutdown, after the encode pipeline's EOS. */
    @Override
    public void close() {
        mp4.stop();
        mcap.stop();
    }
}
