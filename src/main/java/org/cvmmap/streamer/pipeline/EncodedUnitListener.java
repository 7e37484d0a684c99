package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.media.EncodedUnit;

/**
 * Receives the access units the encode pipeline's parser emits (the recorders). Called on the
 * streaming thread: it must not block.
 */
public interface EncodedUnitListener {
    /** Whether a unit should be copied out at all now (false: the copy is skipped). */
    boolean wantsUnits();

    /** One access unit, a copy the listener owns. */
    void onUnit(EncodedUnit unit);
}
