package org.cvmmap.streamer.testers;

import org.cvmmap.streamer.testers.rtmp.Amf0Reader;
import org.cvmmap.streamer.testers.rtmp.FlvFile;
import org.cvmmap.streamer.output.rtmp.FlvTags;
import org.cvmmap.streamer.testers.rtmp.FlvVideoTagInfo;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a received FLV tag by tag against a packaging: onMetaData (with the packaging's
 * {@code videocodecid}) before any video; a sequence header before the first coded frame, which is
 * a keyframe; every video tag in the expected packaging; timestamps never decreasing. Pure: works
 * on the file's bytes.
 */
public final class FlvChecker {
    /**
     * @param exitCode    0 conforming, 6 another packaging, 7 structure broken
     * @param codedFrames coded-frame tags
     * @param keyframes   of which keyframes
     * @param sequenceStarts sequence headers
     * @param sequenceEnds   sequence-end tags
     * @param lines       one line per tag ({@code offset type time packaging kind key cts size})
     * @param problem     the first problem, or null
     */
    public record Report(int exitCode, long codedFrames, long keyframes, long sequenceStarts, long sequenceEnds,
                         List<String> lines, String problem) {
    }

    private FlvChecker() {
    }

    /** Checks the file's bytes. */
    public static Report check(byte[] flv, VideoPackaging expected) {
        List<String> lines = new ArrayList<>();
        VideoTagCheck video = new VideoTagCheck(expected);
        List<FlvFile.Tag> tags;
        try {
            tags = FlvFile.parse(flv);
        } catch (IllegalArgumentException e) {
            return report(TesterExitCodes.PROTOCOL, video, lines, e.getMessage());
        }
        boolean metadata = false;
        long lastTime = -1;
        for (FlvFile.Tag t : tags) {
            String where = "tag at " + t.offset();
            if (t.timeMs() < lastTime) {
                return report(TesterExitCodes.PROTOCOL, video, lines, where + ": time " + t.timeMs() + " ms goes back from "
                        + lastTime);
            }
            lastTime = t.timeMs();
            if (t.type() == FlvTags.TAG_SCRIPT) {
                List<Object> v;
                try {
                    v = Amf0Reader.readAll(t.body());
                } catch (Amf0Reader.Amf0Exception e) {
                    return report(TesterExitCodes.PROTOCOL, video, lines, where + ": script data: " + e.getMessage());
                }
                lines.add(String.format("%d script %d %s", t.offset(), t.timeMs(), v.isEmpty() ? "" : v.get(0)));
                if (v.size() >= 2 && "onMetaData".equals(v.get(0)) && v.get(1) instanceof Map<?, ?> m) {
                    Object id = m.get("videocodecid");
                    if (!(id instanceof Double d) || d != expected.metadataCodecId()) {
                        return report(TesterExitCodes.MODE_MISMATCH, video, lines, where + ": onMetaData.videocodecid=" + id
                                + ", expected " + expected.metadataCodecId());
                    }
                    metadata = true;
                }
                continue;
            }
            if (t.type() != FlvTags.TAG_VIDEO) {
                lines.add(String.format("%d type%d %d", t.offset(), t.type(), t.timeMs()));
                continue;
            }
            FlvVideoTagInfo info;
            try {
                info = FlvVideoTagInfo.parse(t.body());
            } catch (IllegalArgumentException e) {
                return report(TesterExitCodes.MODE_MISMATCH, video, lines, where + ": " + e.getMessage());
            }
            lines.add(String.format("%d video %d %s %s key=%s cts=%d size=%d", t.offset(), t.timeMs(), info.packaging(),
                    info.kind(), info.keyframe(), info.ctsMs(), t.body().length));
            if (info.packaging() == expected && !metadata) {
                return report(TesterExitCodes.PROTOCOL, video, lines, where + ": video before onMetaData");
            }
            VideoTagCheck.Violation broken = video.accept(info);
            if (broken != null) {
                return report(broken.exitCode(), video, lines, where + ": " + broken.message());
            }
        }
        if (video.codedFrames() == 0) {
            return report(TesterExitCodes.THRESHOLD, video, lines, "no coded frame");
        }
        return report(TesterExitCodes.OK, video, lines, null);
    }

    private static Report report(int code, VideoTagCheck video, List<String> lines, String problem) {
        return new Report(code, video.codedFrames(), video.keyframes(), video.sequenceStarts(), video.sequenceEnds(),
                lines, problem);
    }
}
