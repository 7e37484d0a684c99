package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.output.rtmp.VideoPackaging;

/**
 * What the first bytes of one FLV video tag body (an RTMP video message) say, and whether it
 * matches an expected packaging. Pure parser (FLV spec Annex E.4.3; Enhanced RTMP ExVideoTagHeader).
 *
 * @param packaging  the packaging the header uses
 * @param keyframe   frame type 1
 * @param kind       what the packet carries
 * @param ctsMs      composition time offset, ms (0 when the packet has none)
 */
public record FlvVideoTagInfo(VideoPackaging packaging, boolean keyframe, Kind kind, int ctsMs) {

    /** Packet kinds common to the three packagings. */
    public enum Kind { SEQUENCE_START, CODED_FRAME, SEQUENCE_END }

    /**
     * Parses a video tag body.
     *
     * @throws IllegalArgumentException naming the field when the body is truncated, uses a codec
     *                                  other than AVC / HEVC (12 or hvc1), or an unknown packet type
     */
    public static FlvVideoTagInfo parse(byte[] body) {
        if (body.length < 2) {
            throw new IllegalArgumentException("video.length=" + body.length + ": shorter than a video tag header");
        }
        int b0 = body[0] & 0xFF;
        int frameType = (b0 >>> 4) & 0x07;
        if ((b0 & 0x80) != 0) {
            if (body.length < 5) {
                throw new IllegalArgumentException("video.length=" + body.length + ": enhanced header needs 5 bytes");
            }
            int fourcc = (body[1] & 0xFF) << 24 | (body[2] & 0xFF) << 16 | (body[3] & 0xFF) << 8 | body[4] & 0xFF;
            if (fourcc != VideoPackaging.FOURCC_HVC1) {
                throw new IllegalArgumentException(String.format("video.fourcc=0x%08x: only hvc1 is supported", fourcc));
            }
            int type = b0 & 0x0F;
            return switch (type) {
                case 0 -> new FlvVideoTagInfo(VideoPackaging.HEVC_ENHANCED, frameType == 1, Kind.SEQUENCE_START, 0);
                case 1 -> new FlvVideoTagInfo(VideoPackaging.HEVC_ENHANCED, frameType == 1, Kind.CODED_FRAME, si24(body, 5));
                case 2 -> new FlvVideoTagInfo(VideoPackaging.HEVC_ENHANCED, frameType == 1, Kind.SEQUENCE_END, 0);
                case 3 -> new FlvVideoTagInfo(VideoPackaging.HEVC_ENHANCED, frameType == 1, Kind.CODED_FRAME, 0);
                default -> throw new IllegalArgumentException("video.packet_type=" + type + ": unknown enhanced packet type");
            };
        }
        int codec = b0 & 0x0F;
        VideoPackaging p = switch (codec) {
            case 7 -> VideoPackaging.AVC;
            case 12 -> VideoPackaging.HEVC_DOMESTIC;
            default -> throw new IllegalArgumentException("video.codec_id=" + codec + ": not AVC (7) or HEVC (12)");
        };
        int type = body[1] & 0xFF;
        Kind kind = switch (type) {
            case 0 -> Kind.SEQUENCE_START;
            case 1 -> Kind.CODED_FRAME;
            case 2 -> Kind.SEQUENCE_END;
            default -> throw new IllegalArgumentException("video.packet_type=" + type + ": unknown AVC packet type");
        };
        return new FlvVideoTagInfo(p, frameType == 1, kind, kind == Kind.CODED_FRAME ? si24(body, 2) : 0);
    }

    private static int si24(byte[] b, int p) {
        if (b.length < p + 3) {
            throw new IllegalArgumentException("video.length=" + b.length + ": composition time truncated");
        }
        int v = (b[p] & 0xFF) << 16 | (b[p + 1] & 0xFF) << 8 | b[p + 2] & 0xFF;
        return (v << 8) >> 8; // sign-extend 24 bits
    }
}
