package org.cvmmap.streamer.config;

import org.cvmmap.streamer.ingest.cuframes.CuframesUri;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;

/**
 * Where frames come from.
 *
 * @param target      the cv-mmap producer to read (for dummy mode: the one the built-in producer creates);
 *                    null for a cuframes input
 * @param dummy       true when the built-in producer runs in-process (--input-mode dummy)
 * @param dummyFrames frames the built-in producer publishes (0 = until stopped)
 * @param dummyFps    built-in producer frame rate, frames/s
 * @param dummyWidth  built-in producer width, pixels
 * @param dummyHeight built-in producer height, rows
 * @param cuframes    the cuframes input ({@code cuframes://}, {@code cuframes-packets://}), or null
 */
public record InputSpec(CvmmapTarget target, boolean dummy, long dummyFrames, int dummyFps, int dummyWidth,
                        int dummyHeight, CuframesUri cuframes) {

    /** A cv-mmap or built-in producer input. */
    public InputSpec(CvmmapTarget target, boolean dummy, long dummyFrames, int dummyFps, int dummyWidth, int dummyHeight) {
        this(target, dummy, dummyFrames, dummyFps, dummyWidth, dummyHeight, null);
    }

    /** A cuframes input. */
    public static InputSpec cuframes(CuframesUri uri) {
        return new InputSpec(null, false, 0, 0, 0, 0, uri);
    }

    /** Key that names this stream in logs and NATS subjects. */
    public String streamKey() {
        return cuframes != null ? cuframes.key() : target.natsTargetKey();
    }

    /**
     * The source's label: the cv-mmap instance name (the sync label), or the cuframes key. Names the
     * MCAP topic {@code /<label>/video}.
     */
    public String label() {
        return cuframes != null ? cuframes.key() : target.instance();
    }

    /**
     * The key in NATS subjects ({@code cvmmap.<key>.status}, {@code cvmmap.<key>.streamer.*}): the
     * cv-mmap nats_target_key (docs/specs/cvmmap-ipc.md §0), or the cuframes key with every '.' replaced by '_'.
     */
    public String natsKey() {
        return streamKey().replace('.', '_');
    }

    /** True when the graph reads the input itself (a cuframes source element): no ingest, no appsrc. */
    public boolean sourceInGraph() {
        return cuframes != null;
    }

    /** True when the input is already encoded (cuframes packets): the graph parses and pays, no encoder. */
    public boolean passthrough() {
        return cuframes != null && cuframes.kind() == CuframesUri.Kind.PACKETS;
    }
}
