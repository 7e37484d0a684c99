package org.cvmmap.streamer.config;

import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;

/**
 * Where frames come from.
 *
 * @param target      the cv-mmap producer to read (for dummy mode: the one the built-in producer creates)
 * @param dummy       true when the built-in producer runs in-process (--input-mode dummy)
 * @param dummyFrames frames the built-in producer publishes (0 = until stopped)
 * @param dummyFps    built-in producer frame rate, frames/s
 * @param dummyWidth  built-in producer width, pixels
 * @param dummyHeight built-in producer height, rows
 */
public record InputSpec(CvmmapTarget target, boolean dummy, long dummyFrames, int dummyFps, int dummyWidth,
                        int dummyHeight) {

    /** Key that names this stream in logs and NATS subjects. */
    public String streamKey() {
        return target.natsTargetKey();
    }
}
