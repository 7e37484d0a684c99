package org.cvmmap.streamer.testers;

import org.cvmmap.streamer.output.rtmp.Amf0Reader;
import org.cvmmap.streamer.output.rtmp.FlvFile;
import org.cvmmap.streamer.output.rtmp.FlvTags;
import org.cvmmap.streamer.output.rtmp.FlvVideoTagInfo;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.cvmmap.streamer.util.ExitCodes;

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
        long frames = 0;
        long keys = 0;
        long starts = 0;
        long ends = 0;
        List<FlvFile.Tag> tags;
        try {
            tags = FlvFile.parse(flv);
        } catch (IllegalArgumentException e) {
            return new Report(ExitCodes.PROTOCOL, 0, 0, 0, 0, lines, e.getMessage());
        }
        boolean metadata = false;
        long lastTime = -1;
        for (FlvFile.Tag t : tags) {
            String where = "tag at " + t.offset();
            if (t.timeMs() < lastTime) {
                return fail(ExitCodes.PROTOCOL, frames, keys, starts, ends, lines, where + ": time " + t.timeMs()
                        + " ms goes back from " + lastTime);
            }
            lastTime = t.timeMs();
            if (t.type() == FlvTags.TAG_SCRIPT) {
                List<Object> v;
                try {
                    v = Amf0Reader.readAll(t.body());
                } catch (Amf0Reader.Amf0Exception e) {
                    return fail(ExitCodes.PROTOCOL, frames, keys, starts, ends, lines, where + ": script data: " + e.getMessage());
                }
                lines.add(String.format("%d script %d %s", t.offset(), t.timeMs(), v.isEmpty() ? "" : v.get(0)));
                if (v.size() >= 2 && "onMetaData".equals(v.get(0)) && v.get(1) instanceof Map<?, ?> m) {
                    Object id = m.get("videocodecid");
                    if (!(id instanceof Double d) || d != expected.metadataCodecId()) {
                        return fail(ExitCodes.RUNTIME, frames, keys, starts, ends, lines, where
                                + ": onMetaData.videocodecid=" + id + ", expected " + expected.metadataCodecId());
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
                return fail(ExitCodes.RUNTIME, frames, keys, starts, ends, lines, where + ": " + e.getMessage());
            }
            lines.add(String.format("%d video %d %s %s key=%s cts=%d size=%d", t.offset(), t.timeMs(), info.packaging(),
                    info.kind(), info.keyframe(), info.ctsMs(), t.body().length));
            if (info.packaging() != expected) {
                return fail(ExitCodes.RUNTIME, frames, keys, starts, ends, lines, where + ": packaging " + info.packaging()
                        + ", expected " + expected);
            }
            if (!metadata) {
                return fail(ExitCodes.PROTOCOL, frames, keys, starts, ends, lines, where + ": video before onMetaData");
            }
            switch (info.kind()) {
                case SEQUENCE_START -> starts++;
                case SEQUENCE_END -> ends++;
                case CODED_FRAME -> {
                    if (starts == 0) {
                        return fail(ExitCodes.PROTOCOL, frames, keys, starts, ends, lines, where
                                + ": coded frame before the sequence header");
                    }
                    if (frames == 0 && !info.keyframe()) {
                        return fail(ExitCodes.PROTOCOL, frames, keys, starts, ends, lines, where
                                + ": first coded frame is not a keyframe");
                    }
                    frames++;
                    if (info.keyframe()) {
                        keys++;
                    }
                }
                default -> { }
            }
        }
        if (frames == 0) {
            return fail(ExitCodes.THRESHOLD_OR_SUBSCRIBER, 0, keys, starts, ends, lines, "no coded frame");
        }
        return new Report(ExitCodes.OK, frames, keys, starts, ends, lines, null);
    }

    private static Report fail(int code, long frames, long keys, long starts, long ends, List<String> lines, String why) {
        return new Report(code, frames, keys, starts, ends, lines, why);
    }
}
