package org.cvmmap.streamer.output.rtp;

/**
 * The fixed RTP header (RFC 3550 §5.1), decoded. Pure codec.
 *
 * @param version     must be 2
 * @param padding     P bit
 * @param extension   X bit
 * @param csrcCount   CC
 * @param marker      M bit (last packet of an access unit for H.264/H.265)
 * @param payloadType PT
 * @param sequence    16-bit sequence number
 * @param timestamp   32-bit media timestamp (90 kHz for video)
 * @param ssrc        synchronisation source
 */
public record RtpHeader(int version, boolean padding, boolean extension, int csrcCount, boolean marker,
                        int payloadType, int sequence, long timestamp, long ssrc) {

    /** Bytes of the fixed header. */
    public static final int SIZE = 12;

    /**
     * Decodes the fixed header.
     *
     * @param p      packet bytes
     * @param length valid bytes
     * @return the header
     * @throws IllegalArgumentException if the packet is shorter than 12 bytes (+ CSRCs)
     */
    public static RtpHeader decode(byte[] p, int length) {
        if (length < SIZE) {
            throw new IllegalArgumentException("rtp.length=" + length + ": shorter than the 12-byte RTP header");
        }
        int b0 = p[0] & 0xFF;
        int b1 = p[1] & 0xFF;
        int cc = b0 & 0x0F;
        if (length < SIZE + 4 * cc) {
            throw new IllegalArgumentException("rtp.csrc_count=" + cc + ": packet of " + length + " bytes too short");
        }
        return new RtpHeader(b0 >>> 6, (b0 & 0x20) != 0, (b0 & 0x10) != 0, cc, (b1 & 0x80) != 0, b1 & 0x7F,
                ((p[2] & 0xFF) << 8) | (p[3] & 0xFF),
                ((long) (p[4] & 0xFF) << 24) | ((p[5] & 0xFF) << 16) | ((p[6] & 0xFF) << 8) | (p[7] & 0xFF),
                ((long) (p[8] & 0xFF) << 24) | ((p[9] & 0xFF) << 16) | ((p[10] & 0xFF) << 8) | (p[11] & 0xFF));
    }
}
