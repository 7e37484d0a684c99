package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.media.Codec;

/**
 * How video access units travel in FLV / RTMP (docs/specs/streamer.md §4, the RTMP rows of the matrix).
 */
public enum VideoPackaging {
    /** Classic FLV video, CodecID 7: AVC sequence header (avcC) then NALU packets (FLV spec v10.1 E.4.3). */
    AVC(7, 7),
    /** Enhanced RTMP: IsExHeader bit, FourCC {@code hvc1}, SequenceStart with the hvcC, CodedFrames. */
    HEVC_ENHANCED(-1, 0x68766331),
    /** Legacy "domestic" HEVC: the AVC layout with CodecID 12 and an hvcC sequence header. */
    HEVC_DOMESTIC(12, 12);

    /** FourCC {@code hvc1} as the big-endian number Enhanced RTMP uses for it. */
    public static final int FOURCC_HVC1 = 0x68766331;

    private final int codecId;
    private final int metadataCodecId;

    VideoPackaging(int codecId, int metadataCodecId) {
        this.codecId = codecId;
        this.metadataCodecId = metadataCodecId;
    }

    /** The 4-bit FLV CodecID, or -1 for the enhanced (FourCC) form. */
    public int codecId() {
        return codecId;
    }

    /** {@code onMetaData.videocodecid}: 7, 12, or the FourCC as a number (1752589105). */
    public int metadataCodecId() {
        return metadataCodecId;
    }

    /**
     * Chooses the packaging for a codec and {@code --rtmp-mode}.
     *
     * @param mode "enhanced" or "domestic"; null when not given
     * @throws IllegalArgumentException for H.264 with domestic, or H.265 without a mode
     */
    public static VideoPackaging of(Codec codec, String mode) {
        if (codec == Codec.H264) {
            if ("domestic".equals(mode)) {
                throw new IllegalArgumentException("H.264 has no domestic packaging: use --rtmp-mode enhanced (classic FLV AVC)");
            }
            return AVC;
        }
        if (mode == null) {
            throw new IllegalArgumentException("H.265 over RTMP needs --rtmp-mode enhanced (hvc1) or domestic (CodecID 12)");
        }
        return switch (mode) {
            case "enhanced" -> HEVC_ENHANCED;
            case "domestic" -> HEVC_DOMESTIC;
            default -> throw new IllegalArgumentException("--rtmp-mode must be enhanced or domestic, not '" + mode + "'");
        };
    }
}
