package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.MetadataException;

/** Plane slot types of SHM v2 (docs/specs/cvmmap-ipc.md §1.5); the slot index equals the type code. */
public enum PlaneType {
    LEFT, DEPTH, CONFIDENCE, ENCODED_ACCESS_UNIT;

    /**
     * @throws MetadataException if the code is not 0..3
     */
    public static PlaneType of(int code, String field) {
        if (code < 0 || code >= values().length) {
            throw new MetadataException(field, code, "unknown plane type");
        }
        return values()[code];
    }
}
