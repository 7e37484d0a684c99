package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.media.EncodedCaps;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one encoded video stream into the FLV tags of one RTMP publish session (docs/specs/streamer.md §4):
 * waits for a keyframe, announces the stream with {@code onMetaData} and the sequence header
 * (avcC/hvcC) before it, then writes one tag per access unit, and a sequence-end tag at the end.
 * A new configuration record or picture size re-announces the stream at the next keyframe. Pure unit:
 * no I/O, no GStreamer.
 *
 * <p>Timestamps: tag time = DTS in ms relative to the session's first keyframe (so every session
 * starts at 0); composition time = PTS − DTS in ms. When DTS goes backwards (the encode pipeline was
 * rebuilt and its running time restarted) the timeline is rebased so tag times keep increasing,
 * one frame duration after the last tag.
 */
public final class FlvSession {
    /** What a tag is, for the publisher (the announcement before the first frame becomes the stream header). */
    public enum Kind { METADATA, SEQUENCE_START, CODED_FRAME, SEQUENCE_END }

    /**
     * One complete FLV tag (header, body, PreviousTagSize).
     *
     * @param bytes  the tag
     * @param timeMs its timestamp, ms
     * @param kind   what it carries
     */
    public record Tag(byte[] bytes, long timeMs, Kind kind) {
    }

    private static final long NS_PER_MS = 1_000_000L;

    private final VideoPackaging packaging;
    private final double bitrateKbps;
    private EncodedCaps announced;
    private boolean started;
    private long baseDtsNs;
    private long offsetMs;
    private long lastDtsNs;
    private long lastTimeMs;
    private long codedFrames;
    private long skipped;

    /**
     * @param packaging   how video travels (AVC, enhanced hvc1, domestic CodecID 12)
     * @param bitrateKbps announced in {@code onMetaData.videodatarate}, kbit/s
     */
    public FlvSession(VideoPackaging packaging, double bitrateKbps) {
        this.packaging = packaging;
        this.bitrateKbps = bitrateKbps;
    }

    /** The FLV file header and PreviousTagSize0 (13 bytes) that starts the tag stream. */
    public byte[] fileHeader() {
        return FlvTags.fileHeader();
    }

    /**
     * Accepts one access unit.
     *
     * @param caps       the stream's caps (configuration record, size, rate)
     * @param accessUnit length-prefixed NAL units
     * @param keyframe   IDR/IRAP (GStreamer: no DELTA_UNIT flag)
     * @param ptsNs      presentation time, ns; -1 when unknown (then DTS is used)
     * @param dtsNs      decode time, ns; -1 when unknown (then PTS is used)
     * @return the tags to send, in order: empty while waiting for a keyframe; otherwise possibly
     *         METADATA and SEQUENCE_START, then the CODED_FRAME
     * @throws IllegalArgumentException if the access unit has neither PTS nor DTS
     */
    public List<Tag> accept(EncodedCaps caps, byte[] accessUnit, boolean keyframe, long ptsNs, long dtsNs) {
        if (ptsNs < 0 && dtsNs < 0) {
            throw new IllegalArgumentException("access unit has neither PTS nor DTS");
        }
        long dts = dtsNs >= 0 ? dtsNs : ptsNs;
        long pts = ptsNs >= 0 ? ptsNs : dtsNs;
        boolean announce = !caps.sameStream(announced);
        if ((!started || announce) && !keyframe) {
            skipped++;
            return List.of();
        }
        if (!started) {
            started = true;
            baseDtsNs = dts;
            offsetMs = 0;
            lastTimeMs = 0;
        } else if (dts < lastDtsNs) {
            baseDtsNs = dts;
            offsetMs = lastTimeMs + frameMs(caps);
        }
        lastDtsNs = dts;
        long timeMs = Math.max(lastTimeMs, offsetMs + Math.floorDiv(dts - baseDtsNs, NS_PER_MS));
        long ptsMs = offsetMs + Math.floorDiv(pts - baseDtsNs, NS_PER_MS);
        lastTimeMs = timeMs;
        List<Tag> out = new ArrayList<>(3);
        if (announce) {
            announced = caps;
            out.add(new Tag(FlvTags.metadata(packaging, caps.width(), caps.height(), caps.fps(), bitrateKbps, timeMs),
                    timeMs, Kind.METADATA));
            out.add(new Tag(FlvTags.sequenceStart(packaging, caps.codecConfig(), timeMs), timeMs, Kind.SEQUENCE_START));
        }
        out.add(new Tag(FlvTags.codedFrame(packaging, keyframe, timeMs, (int) (ptsMs - timeMs), accessUnit), timeMs,
                Kind.CODED_FRAME));
        codedFrames++;
        return out;
    }

    private static long frameMs(EncodedCaps caps) {
        return caps.fps() > 0 ? Math.max(1, Math.round(1000 / caps.fps())) : 1;
    }

    /** The sequence-end tag at the last tag time, or null if nothing was sent. */
    public Tag end() {
        return started ? new Tag(FlvTags.sequenceEnd(packaging, lastTimeMs), lastTimeMs, Kind.SEQUENCE_END) : null;
    }

    /** Whether the first keyframe went out. */
    public boolean started() {
        return started;
    }

    /** Coded-frame tags written. */
    public long codedFrames() {
        return codedFrames;
    }

    /** Access units skipped while waiting for a keyframe. */
    public long skipped() {
        return skipped;
    }
}
