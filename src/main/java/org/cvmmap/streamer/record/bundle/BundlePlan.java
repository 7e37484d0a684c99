package org.cvmmap.streamer.record.bundle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Which frames of several cameras belong together: the multi-camera bundling of the original
 * project's dataset tools (docs/specs/streamer.md §11), as a pure function of each camera's frame
 * timestamps. No I/O, no GStreamer.
 *
 * <p>The common range is {@code [max(first timestamp), min(last timestamp)]} over the cameras. The
 * reference camera is the one with the fewest frames in that range (the slowest; the first label on a
 * tie); its timestamps in the range are the common timeline.
 * <ul>
 *   <li>{@link Policy#NEAREST}: one bundle per timeline timestamp; each camera's member is its frame
 *       nearest to that time (the earlier one on a tie);</li>
 *   <li>{@link Policy#STRICT}: the same, but a bundle is kept only when every member lies within the
 *       tolerance of the bundle time; the others are dropped (and counted);</li>
 *   <li>{@link Policy#COPY}: no bundles; every camera at its own cadence, over the common range or
 *       all its frames ({@link CopyRange}).</li>
 * </ul>
 * Bundle indices count from 0 at the common start; {@code startFrame}/{@code endFrame} keep the
 * indices in {@code [startFrame, endFrame]} (inclusive; in strict mode the indices of the timeline,
 * dropped bundles included, so an index names the same time under both policies).
 */
public final class BundlePlan {
    /** How the cameras are put together. */
    public enum Policy {
        NEAREST, STRICT, COPY;

        /** {@code nearest|strict|copy} → the policy. @throws IllegalArgumentException naming the value */
        public static Policy parse(String s) {
            return switch (s) {
                case "nearest" -> NEAREST;
                case "strict" -> STRICT;
                case "copy" -> COPY;
                default -> throw new IllegalArgumentException("bundle policy must be nearest, strict or copy, not " + s);
            };
        }
    }

    /** Which frames {@link Policy#COPY} keeps. */
    public enum CopyRange {
        /** Only frames inside the common range. */
        COMMON,
        /** Every frame. */
        FULL
    }

    /**
     * One bundle.
     *
     * @param index       its index on the common timeline (0 = the common start)
     * @param timestampNs the bundle time: the reference camera's frame time, ns
     * @param members     per camera (in the order of the input), the index of its member frame
     */
    public record Bundle(int index, long timestampNs, int[] members) {
    }

    /**
     * The plan.
     *
     * @param labels         the cameras, in the order given
     * @param reference      the reference camera's label (null when a camera has no frame in the common range)
     * @param commonStartNs  first time every camera has begun, ns (-1 without a common range)
     * @param commonEndNs    last time every camera is still running, ns (-1 without a common range)
     * @param bundles        the bundles (empty for copy)
     * @param dropped        strict bundles dropped because a member lay beyond the tolerance
     * @param frames         per camera (input order), the indices of the frames to keep, ascending
     */
    public record Plan(List<String> labels, String reference, long commonStartNs, long commonEndNs,
                       List<Bundle> bundles, int dropped, List<int[]> frames) {
    }

    private BundlePlan() {
    }

    /**
     * Plans the bundles.
     *
     * @param cameras     label → that camera's frame timestamps, ns, non-decreasing (insertion order kept)
     * @param policy      how to bundle
     * @param toleranceNs strict: the largest distance of a member from the bundle time, ns (ignored otherwise)
     * @param copyRange   copy: common or full
     * @param startFrame  first bundle index kept, ≥ 0
     * @param endFrame    last bundle index kept (inclusive), or -1 for the end
     * @return the plan; with a camera without frames, or no common range, it holds no bundle
     * @throws IllegalArgumentException when there is no camera, timestamps go backwards, or the frame range is inverted
     */
    public static Plan plan(Map<String, long[]> cameras, Policy policy, long toleranceNs, CopyRange copyRange,
                            int startFrame, int endFrame) {
        if (cameras.isEmpty()) {
            throw new IllegalArgumentException("no camera to bundle");
        }
        if (startFrame < 0 || (endFrame >= 0 && endFrame < startFrame)) {
            throw new IllegalArgumentException("frame range [" + startFrame + ", " + endFrame + "] is empty or negative");
        }
        List<String> labels = new ArrayList<>(cameras.keySet());
        List<long[]> ts = new ArrayList<>();
        for (String l : labels) {
            long[] t = cameras.get(l);
            for (int i = 1; i < t.length; i++) {
                if (t[i] < t[i - 1]) {
                    throw new IllegalArgumentException("camera " + l + ": frame " + i + " at " + t[i]
                            + " ns comes before frame " + (i - 1) + " at " + t[i - 1] + " ns");
                }
            }
            ts.add(t);
        }
        long start = Long.MIN_VALUE;
        long end = Long.MAX_VALUE;
        for (long[] t : ts) {
            if (t.length == 0) {
                return empty(labels, policy, copyRange, ts);
            }
            start = Math.max(start, t[0]);
            end = Math.min(end, t[t.length - 1]);
        }
        if (start > end) {
            return empty(labels, policy, copyRange, ts);
        }
        int ref = 0;
        int refCount = Integer.MAX_VALUE;
        for (int c = 0; c < ts.size(); c++) {
            int n = countIn(ts.get(c), start, end);
            if (n < refCount) {
                refCount = n;
                ref = c;
            }
        }
        if (policy == Policy.COPY) {
            List<int[]> frames = new ArrayList<>();
            for (long[] t : ts) {
                frames.add(copyRange == CopyRange.FULL ? range(0, t.length) : indicesIn(t, start, end));
            }
            return new Plan(labels, labels.get(ref), start, end, List.of(), 0, frames);
        }
        long[] refTimes = ts.get(ref);
        long[] timeline = Arrays.stream(indicesIn(refTimes, start, end)).mapToLong(i -> refTimes[i]).toArray();
        List<Bundle> bundles = new ArrayList<>();
        int dropped = 0;
        int last = endFrame < 0 ? timeline.length - 1 : Math.min(endFrame, timeline.length - 1);
        for (int b = startFrame; b <= last; b++) {
            long t = timeline[b];
            int[] members = new int[ts.size()];
            boolean within = true;
            for (int c = 0; c < ts.size(); c++) {
                members[c] = nearest(ts.get(c), t);
                within &= Math.abs(ts.get(c)[members[c]] - t) <= toleranceNs;
            }
            if (policy == Policy.STRICT && !within) {
                dropped++;
                continue;
            }
            bundles.add(new Bundle(b, t, members));
        }
        List<int[]> frames = new ArrayList<>();
        for (int c = 0; c < ts.size(); c++) {
            int cam = c;
            frames.add(bundles.stream().mapToInt(x -> x.members()[cam]).distinct().sorted().toArray());
        }
        return new Plan(labels, labels.get(ref), start, end, Collections.unmodifiableList(bundles), dropped, frames);
    }

    private static Plan empty(List<String> labels, Policy policy, CopyRange copyRange, List<long[]> ts) {
        List<int[]> frames = new ArrayList<>();
        for (long[] t : ts) {
            frames.add(policy == Policy.COPY && copyRange == CopyRange.FULL ? range(0, t.length) : new int[0]);
        }
        return new Plan(labels, null, -1, -1, List.of(), 0, frames);
    }

    /** The index of the frame nearest to {@code t} (the earlier on a tie); {@code ts} non-empty, sorted. */
    static int nearest(long[] ts, long t) {
        int i = Arrays.binarySearch(ts, t);
        if (i >= 0) {
            while (i > 0 && ts[i - 1] == t) {
                i--;
            }
            return i;
        }
        int after = -i - 1;
        if (after == 0) {
            return 0;
        }
        if (after == ts.length) {
            return ts.length - 1;
        }
        return t - ts[after - 1] <= ts[after] - t ? after - 1 : after;
    }

    private static int countIn(long[] t, long start, long end) {
        return indicesIn(t, start, end).length;
    }

    private static int[] indicesIn(long[] t, long start, long end) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < t.length; i++) {
            if (t[i] >= start && t[i] <= end) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
