package org.cvmmap.streamer.record;

import org.cvmmap.streamer.ingest.DepthImage;
import org.cvmmap.streamer.media.EncodedUnit;
import java.io.IOException;

/** Writes access units to one file of one container format. Used by one thread. */
interface RecordingSink {
    /**
     * Appends one access unit; the first one given is a keyframe.
     *
     * @throws IOException when the file cannot take it (the recording then ends with an error)
     */
    void write(EncodedUnit unit) throws IOException;

    /**
     * Appends one depth image; containers without a place for it ignore it (MP4).
     *
     * @throws IOException when the file cannot take it
     */
    default void writeDepth(DepthImage depth) throws IOException {
    }

    /**
     * Finalizes the file so that it is complete and playable, and releases it. Called once, also
     * after a failed {@link #write}.
     *
     * @throws IOException when finalizing failed (what was written before stays readable)
     */
    void finish() throws IOException;

    /**
     * The unit in Annex B form (both containers take byte-stream input), converted on the writer's
     * thread.
     *
     * @throws IOException naming what is malformed in the unit or its decoder configuration
     */
    static byte[] annexB(EncodedUnit unit) throws IOException {
        try {
            return unit.annexB();
        } catch (IllegalArgumentException e) {
            throw new IOException("access unit cannot be re-framed as Annex B: " + e.getMessage(), e);
        }
    }
}
