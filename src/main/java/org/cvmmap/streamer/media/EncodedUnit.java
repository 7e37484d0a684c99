package org.cvmmap.streamer.media;

/**
 * One encoded access unit as the stream's hub hands it to its readers: the NAL units length-prefixed
 * as the caps' decoder configuration record says ({@code stream-format=avc}/{@code hvc1}; ISO/IEC
 * 14496-15), the form FLV and MP4 carry; {@link #annexB()} gives the byte-stream form MCAP needs.
 *
 * @param data      the access unit's bytes, length-prefixed (a copy the reader owns; do not modify)
 * @param caps      the stream's caps at this unit: codec, avcC/hvcC, picture size (width×height
 *                  pixels), frame rate; null only for a reader's own end-of-queue marker
 * @param ptsNs     presentation timestamp, pipeline running time, ns
 * @param dtsNs     decoding timestamp, ns, or -1 when the buffer had none
 * @param captureNs capture timestamp of the frame (the producer's, else the wall clock when the unit
 *                  left the encoder), ns since the Unix epoch
 * @param keyframe  whether it is an IDR/IRAP access unit
 */
public record EncodedUnit(byte[] data, EncodedCaps caps, long ptsNs, long dtsNs, long captureNs, boolean keyframe) {
    /** Picture width in pixels, 0 when unknown. */
    public int width() {
        return caps == null ? 0 : caps.width();
    }

    /** Picture height in pixels, 0 when unknown. */
    public int height() {
        return caps == null ? 0 : caps.height();
    }

    /** Whether both have a known size and it differs. */
    public boolean sizeDiffers(EncodedUnit other) {
        return width() > 0 && other.width() > 0 && (width() != other.width() || height() != other.height());
    }

    /**
     * The access unit in Annex B byte-stream form, parameter sets in front of a keyframe that has none
     * in band ({@link NalFraming#toAnnexB}). A new array on every call: call it on the reader's own
     * thread, not the streaming thread.
     *
     * @throws IllegalArgumentException if the caps' decoder configuration or the length prefixes are malformed
     */
    public byte[] annexB() {
        return NalFraming.toAnnexB(data, caps.decoderConfig(), keyframe, caps.h265());
    }
}
