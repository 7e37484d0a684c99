package org.cvmmap.streamer.ingest.cvmmap;

/**
 * How the cv-mmap reader decides that a copied frame is coherent ({@code --ingest-verify};
 * docs/fault-suite.md, "Torn reads").
 */
public enum IngestVerify {
    /**
     * Metadata copied before and after, and the copied plane compared with the shared memory once
     * more: also catches a next frame still being written when the copy ended (its metadata lands
     * only after its payload). Costs a second read of the plane: ~0.3 CPU-s per 10 s at 1280×720
     * 30 fps on the reference machine (docs/benchmarks.md). The default.
     */
    COMPARE,
    /** Metadata copied before and after the plane only (what docs/specs/cvmmap-ipc.md §1.9 recommends). */
    METADATA;

    /**
     * @param value compare or metadata (any case)
     * @return the mode
     * @throws IllegalArgumentException "must be compare or metadata" otherwise
     */
    public static IngestVerify parse(String value) {
        for (IngestVerify v : values()) {
            if (v.name().equalsIgnoreCase(value)) {
                return v;
            }
        }
        throw new IllegalArgumentException("must be compare or metadata");
    }
}
