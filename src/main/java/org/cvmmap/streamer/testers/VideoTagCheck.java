package org.cvmmap.streamer.testers;

import org.cvmmap.streamer.testers.rtmp.FlvVideoTagInfo;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;

/**
 * The rules every received video tag follows, and its counts; shared by the RTMP stub server
 * (tags as RTMP video messages) and {@code flv-check} (tags of a file): the packaging is the expected
 * one (else exit 6), a sequence header comes before the first coded frame, and the first coded frame
 * is a keyframe (else exit 7).
 */
final class VideoTagCheck {
    /**
     * A broken rule.
     *
     * @param exitCode 6 (another packaging) or 7 (order)
     * @param message  what is wrong
     */
    record Violation(int exitCode, String message) {
    }

    private final VideoPackaging expected;
    private long codedFrames;
    private long keyframes;
    private long sequenceStarts;
    private long sequenceEnds;

    VideoTagCheck(VideoPackaging expected) {
        this.expected = expected;
    }

    /** @return null when the tag conforms (and is counted), else the rule it breaks */
    Violation accept(FlvVideoTagInfo info) {
        if (info.packaging() != expected) {
            return new Violation(TesterExitCodes.MODE_MISMATCH, "packaging " + info.packaging() + " received, mode expects " + expected);
        }
        switch (info.kind()) {
            case SEQUENCE_START -> sequenceStarts++;
            case SEQUENCE_END -> sequenceEnds++;
            case CODED_FRAME -> {
                if (sequenceStarts == 0) {
                    return new Violation(TesterExitCodes.PROTOCOL, "coded frame before any sequence header");
                }
                if (codedFrames == 0 && !info.keyframe()) {
                    return new Violation(TesterExitCodes.PROTOCOL, "first coded frame is not a keyframe");
                }
                codedFrames++;
                if (info.keyframe()) {
                    keyframes++;
                }
            }
            default -> { }
        }
        return null;
    }

    long codedFrames() {
        return codedFrames;
    }

    long keyframes() {
        return keyframes;
    }

    long sequenceStarts() {
        return sequenceStarts;
    }

    long sequenceEnds() {
        return sequenceEnds;
    }
}
