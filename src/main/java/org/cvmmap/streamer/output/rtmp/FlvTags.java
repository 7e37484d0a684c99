package org.cvmmap.streamer.output.rtmp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes FLV bytes (Adobe FLV spec v10.1 Annex E; Enhanced RTMP v1 "ExVideoTagHeader") for one
 * video track. Every tag method returns a complete tag: 11-byte header, body, and the 4-byte
 * PreviousTagSize that follows it, ready to hand to {@code rtmp2sink} one tag per buffer. Pure unit.
 *
 * <p>Timestamps are milliseconds from the access unit's DTS (32 bits: 24 + 8 extension bits);
 * composition time is PTS − DTS in ms, a signed 24-bit value. Access-unit payloads are
 * length-prefixed NAL units (4-byte lengths), as {@code h26Xparse} emits with
 * {@code stream-format=avc/hvc1}.
 */
public final class FlvTags {
    /** FLV tag type of video. */
    public static final int TAG_VIDEO = 9;
    /** FLV tag type of script data (onMetaData). */
    public static final int TAG_SCRIPT = 18;
    /** Bytes of a tag header. */
    public static final int TAG_HEADER_SIZE = 11;

    private static final int FRAME_KEY = 1;
    private static final int FRAME_INTER = 2;
    private static final int AVC_SEQUENCE_HEADER = 0;
    private static final int AVC_NALU = 1;
    private static final int AVC_END_OF_SEQUENCE = 2;
    private static final int EX_SEQUENCE_START = 0;
    private static final int EX_CODED_FRAMES = 1;
    private static final int EX_SEQUENCE_END = 2;
    private static final int CTS_MIN = -(1 << 23);
    private static final int CTS_MAX = (1 << 23) - 1;

    private FlvTags() {
    }

    /**
     * The 9-byte FLV file header (signature "FLV", version 1, video flag only, header size 9) followed
     * by PreviousTagSize0 = 0: 13 bytes.
     */
    public static byte[] fileHeader() {
        return new byte[] {'F', 'L', 'V', 1, 0x01, 0, 0, 0, 9, 0, 0, 0, 0};
    }

    /**
     * The {@code onMetaData} script tag at time 0: AMF0 string "onMetaData" then an ECMA array with
     * duration 0, width, height, framerate, videocodecid (7, 12 or the FourCC as a number),
     * videodatarate (kbit/s) and encoder.
     *
     * @param width       pixels
     * @param height      rows
     * @param fps         frames per second (0 when unknown)
     * @param bitrateKbps video bitrate, kbit/s
     */
    public static byte[] metadata(VideoPackaging p, int width, int height, double fps, double bitrateKbps) {
        return metadata(p, width, height, fps, bitrateKbps, 0);
    }

    /**
     * The {@code onMetaData} script tag at {@code timeMs} (a publisher re-announces the stream this way
     * when the picture size changes mid-session). Same content as {@link #metadata(VideoPackaging, int,
     * int, double, double)}.
     *
     * @param timeMs tag time, ms
     */
    public static byte[] metadata(VideoPackaging p, int width, int height, double fps, double bitrateKbps,
                                  long timeMs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("duration", 0);
        m.put("width", width);
        m.put("height", height);
        m.put("framerate", fps);
        m.put("videocodecid", p.metadataCodecId());
        m.put("videodatarate", bitrateKbps);
        m.put("encoder", "cvmmap-streamer");
        byte[] body = new Amf0Writer().string("onMetaData").ecmaArray(m).toByteArray();
        return tag(TAG_SCRIPT, timeMs, body);
    }

    /**
     * The sequence header / SequenceStart carrying the decoder configuration record.
     *
     * @param config avcC (AVCDecoderConfigurationRecord) for AVC, hvcC (HEVCDecoderConfigurationRecord) otherwise
     * @param timeMs tag time, ms
     */
    public static byte[] sequenceStart(VideoPackaging p, byte[] config, long timeMs) {
        return video(p, true, p == VideoPackaging.HEVC_ENHANCED ? EX_SEQUENCE_START : AVC_SEQUENCE_HEADER, 0, config,
                timeMs);
    }

    /**
     * One access unit. Enhanced HEVC uses CodedFrames (packet type 1) with an explicit composition
     * time, not CodedFramesX, because some servers read those 3 bytes whatever the type.
     *
     * @param keyframe  IDR / IRAP access unit
     * @param dtsMs     decode time, ms
     * @param ctsMs     composition time offset PTS − DTS, ms, −8,388,608..8,388,607
     * @param accessUnit length-prefixed NAL units
     * @throws IllegalArgumentException if ctsMs is outside the signed 24-bit range
     */
    public static byte[] codedFrame(VideoPackaging p, boolean keyframe, long dtsMs, int ctsMs, byte[] accessUnit) {
        if (ctsMs < CTS_MIN || ctsMs > CTS_MAX) {
            throw new IllegalArgumentException("composition_time=" + ctsMs + " ms: outside the signed 24-bit range");
        }
        return video(p, keyframe, p == VideoPackaging.HEVC_ENHANCED ? EX_CODED_FRAMES : AVC_NALU, ctsMs, accessUnit,
                dtsMs);
    }

    /** End of sequence (AVC packet type 2 / Enhanced SequenceEnd), sent when the stream stops. */
    public static byte[] sequenceEnd(VideoPackaging p, long timeMs) {
        return video(p, true, p == VideoPackaging.HEVC_ENHANCED ? EX_SEQUENCE_END : AVC_END_OF_SEQUENCE, 0,
                new byte[0], timeMs);
    }

    private static byte[] video(VideoPackaging p, boolean key, int packetType, int ctsMs, byte[] payload, long timeMs) {
        int frameType = key ? FRAME_KEY : FRAME_INTER;
        boolean enhanced = p == VideoPackaging.HEVC_ENHANCED;
        boolean withCts = !enhanced || packetType == EX_CODED_FRAMES;
        byte[] body = new byte[(enhanced ? 5 : 2) + (withCts ? 3 : 0) + payload.length];
        int i = 0;
        if (enhanced) {
            body[i++] = (byte) (0x80 | frameType << 4 | packetType);
            int fourcc = VideoPackaging.FOURCC_HVC1;
            body[i++] = (byte) (fourcc >>> 24);
            body[i++] = (byte) (fourcc >>> 16);
            body[i++] = (byte) (fourcc >>> 8);
            body[i++] = (byte) fourcc;
        } else {
            body[i++] = (byte) (frameType << 4 | p.codecId());
            body[i++] = (byte) packetType;
        }
        if (withCts) {
            body[i++] = (byte) (ctsMs >> 16);
            body[i++] = (byte) (ctsMs >> 8);
            body[i++] = (byte) ctsMs;
        }
        System.arraycopy(payload, 0, body, i, payload.length);
        return tag(TAG_VIDEO, timeMs, body);
    }

    /**
     * A complete tag: type, u24 data size, u24 timestamp + u8 extension (bits 24..31), u24 stream id 0,
     * body, then u32 PreviousTagSize = 11 + body length.
     *
     * @throws IllegalArgumentException if the body exceeds the 24-bit size or the time is negative
     */
    public static byte[] tag(int type, long timeMs, byte[] body) {
        if (body.length > 0xFFFFFF) {
            throw new IllegalArgumentException("flv.data_size=" + body.length + ": larger than 16,777,215 bytes");
        }
        if (timeMs < 0) {
            throw new IllegalArgumentException("flv.timestamp=" + timeMs + " ms: negative");
        }
        int n = body.length;
        byte[] t = new byte[TAG_HEADER_SIZE + n + 4];
        t[0] = (byte) type;
        t[1] = (byte) (n >>> 16);
        t[2] = (byte) (n >>> 8);
        t[3] = (byte) n;
        t[4] = (byte) (timeMs >>> 16);
        t[5] = (byte) (timeMs >>> 8);
        t[6] = (byte) timeMs;
        t[7] = (byte) (timeMs >>> 24);
        System.arraycopy(body, 0, t, TAG_HEADER_SIZE, n);
        int prev = TAG_HEADER_SIZE + n;
        int o = TAG_HEADER_SIZE + n;
        t[o] = (byte) (prev >>> 24);
        t[o + 1] = (byte) (prev >>> 16);
        t[o + 2] = (byte) (prev >>> 8);
        t[o + 3] = (byte) prev;
        return t;
    }
}
