package org.cvmmap.streamer.media;

/**
 * One encoded access unit as the encode pipeline's parser emitted it: Annex-B, parameter sets in
 * front of every keyframe (the parser's config-interval=-1).
 *
 * @param data      the access unit's bytes (a copy the recorder owns)
 * @param ptsNs     presentation timestamp, pipeline running time, ns
 * @param dtsNs     decoding timestamp, ns, or -1 when the buffer had none
 * @param captureNs capture timestamp of the frame (the producer's, else the wall clock when the unit
 *                  left the parser), ns
 * @param keyframe  whether it is an IDR/IRAP access unit
 * @param width     picture width in pixels from the parser's caps, 0 when unknown
 * @param height    picture height in pixels, 0 when unknown
 */
public record EncodedUnit(byte[] data, long ptsNs, long dtsNs, long captureNs, boolean keyframe, int width,
                          int height) {
    /** A unit whose picture size is unknown. */
    public EncodedUnit(byte[] data, long ptsNs, long dtsNs, long captureNs, boolean keyframe) {
        this(data, ptsNs, dtsNs, captureNs, keyframe, 0, 0);
    }

    /** Whether both have a known size and it differs. */
    public boolean sizeDiffers(EncodedUnit other) {
        return width > 0 && other.width > 0 && (width != other.width || height != other.height);
    }
}
