package org.cvmmap.streamer.pipeline;

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
 */
public record EncodedUnit(byte[] data, long ptsNs, long dtsNs, long captureNs, boolean keyframe) {
}
