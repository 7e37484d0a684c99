package org.cvmmap.streamer.record.bundle;

import org.cvmmap.streamer.record.bundle.BundlePlan.CopyRange;
import org.cvmmap.streamer.record.bundle.BundlePlan.Plan;
import org.cvmmap.streamer.record.bundle.BundlePlan.Policy;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bundle planner on literal timestamps (ms written as ns): every policy, the frame range, every malformed input. */
class BundlePlanTest {
    private static final long MS = 1_000_000L;

    private static long[] ms(long... v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] * MS;
        }
        return r;
    }

    private static Map<String, long[]> rig(Object... labelAndTimes) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int i = 0; i < labelAndTimes.length; i += 2) {
            m.put((String) labelAndTimes[i], (long[]) labelAndTimes[i + 1]);
        }
        return m;
    }

    /** bundle index, time (ms), member frame indices per camera */
    private static List<String> rows(Plan p) {
        return p.bundles().stream().map(b -> b.index() + "@" + b.timestampNs() / MS + ":"
                + java.util.Arrays.toString(b.members())).toList();
    }

    @Test
    void nearestSamplesTheFasterCamerasOntoTheSlowestCommonTimeline() {
        // a: 30 fps from 0 ms; b: 15 fps from 10 ms; c: 30 fps from 5 ms, ends at 205
        Map<String, long[]> cams = rig(
                "a", ms(0, 33, 67, 100, 133, 167, 200, 233),
                "b", ms(10, 77, 143, 210),
                "c", ms(5, 38, 72, 105, 138, 172, 205));
        Plan p = BundlePlan.plan(cams, Policy.NEAREST, 0, CopyRange.COMMON, 0, -1);
        assertThat(p.reference()).isEqualTo("b");
        assertThat(p.commonStartNs()).isEqualTo(10 * MS);
        assertThat(p.commonEndNs()).isEqualTo(205 * MS);
        // b's frames inside [10, 205]: 10, 77, 143 (210 is after c's end)
        assertThat(rows(p)).containsExactly("0@10:[0, 0, 0]", "1@77:[2, 1, 2]", "2@143:[4, 2, 4]");
        assertThat(p.frames().get(0)).containsExactly(0, 2, 4);
        assertThat(p.dropped()).isZero();
    }

    @Test
    void aTieGoesToTheEarlierFrame() {
        assertThat(BundlePlan.nearest(ms(0, 20), 10 * MS)).isZero();
        assertThat(BundlePlan.nearest(ms(0, 20), 11 * MS)).isEqualTo(1);
        assertThat(BundlePlan.nearest(ms(5, 5, 9), 5 * MS)).isZero();
        assertThat(BundlePlan.nearest(ms(5), 100 * MS)).isZero();
    }

    @Test
    void strictKeepsOnlyBundlesWhoseEveryMemberIsWithinTheTolerance() {
        // common range [2, 100]; a (3 frames in it, the first label on the tie with b) is the timeline
        // 33, 67, 100; b misses the frame near 67 ms (a gap): that bundle is dropped, its index not reused
        Map<String, long[]> cams = rig(
                "a", ms(0, 33, 67, 100),
                "b", ms(2, 35, 98, 101));
        Plan p = BundlePlan.plan(cams, Policy.STRICT, 5 * MS, CopyRange.COMMON, 0, -1);
        assertThat(p.reference()).isEqualTo("a");
        assertThat(p.commonStartNs()).isEqualTo(2 * MS);
        assertThat(rows(p)).containsExactly("0@33:[1, 1]", "2@100:[3, 3]");
        assertThat(p.dropped()).isEqualTo(1);
        // the same under nearest keeps the middle bundle, with b's frame 31 ms away
        assertThat(rows(BundlePlan.plan(cams, Policy.NEAREST, 0, CopyRange.COMMON, 0, -1)))
                .containsExactly("0@33:[1, 1]", "1@67:[2, 2]", "2@100:[3, 3]");
    }

    @Test
    void strictWithTheCommonStartExcludesAReferenceFrameBeforeIt() {
        Map<String, long[]> cams = rig("a", ms(0, 33, 67, 100), "b", ms(2, 35, 68, 99));
        Plan p = BundlePlan.plan(cams, Policy.STRICT, 5 * MS, CopyRange.COMMON, 0, -1);
        // a has 2 frames in [2, 99] (0 is before the start, 100 after the end): 33 and 67
        assertThat(p.reference()).isEqualTo("a");
        assertThat(rows(p)).containsExactly("0@33:[1, 1]", "1@67:[2, 2]");
    }

    @Test
    void copyKeepsEveryCameraAtItsOwnCadence() {
        Map<String, long[]> cams = rig("a", ms(0, 10, 20, 30, 40), "b", ms(15, 35, 55));
        Plan common = BundlePlan.plan(cams, Policy.COPY, 0, CopyRange.COMMON, 0, -1);
        assertThat(common.bundles()).isEmpty();
        assertThat(common.frames().get(0)).containsExactly(2, 3, 4);
        assertThat(common.frames().get(1)).containsExactly(0, 1);
        Plan full = BundlePlan.plan(cams, Policy.COPY, 0, CopyRange.FULL, 0, -1);
        assertThat(full.frames().get(0)).containsExactly(0, 1, 2, 3, 4);
        assertThat(full.frames().get(1)).containsExactly(0, 1, 2);
    }

    @Test
    void startAndEndFrameAreInclusiveBundleIndicesFromTheCommonStart() {
        Map<String, long[]> cams = rig("a", ms(0, 10, 20, 30, 40, 50), "b", ms(0, 10, 20, 30, 40, 50));
        assertThat(rows(BundlePlan.plan(cams, Policy.NEAREST, 0, CopyRange.COMMON, 2, 4)))
                .containsExactly("2@20:[2, 2]", "3@30:[3, 3]", "4@40:[4, 4]");
        assertThat(rows(BundlePlan.plan(cams, Policy.NEAREST, 0, CopyRange.COMMON, 5, 99))).containsExactly("5@50:[5, 5]");
        assertThat(BundlePlan.plan(cams, Policy.NEAREST, 0, CopyRange.COMMON, 9, -1).bundles()).isEmpty();
    }

    @Test
    void noCommonRangeOrACameraWithoutFramesGivesNoBundle() {
        Plan apart = BundlePlan.plan(rig("a", ms(0, 10), "b", ms(20, 30)), Policy.NEAREST, 0, CopyRange.COMMON, 0, -1);
        assertThat(apart.bundles()).isEmpty();
        assertThat(apart.reference()).isNull();
        assertThat(apart.commonStartNs()).isEqualTo(-1);
        Plan silent = BundlePlan.plan(rig("a", ms(0, 10), "b", ms()), Policy.COPY, 0, CopyRange.FULL, 0, -1);
        assertThat(silent.frames().get(0)).containsExactly(0, 1);
        assertThat(silent.frames().get(1)).isEmpty();
    }

    @Test
    void malformedInputsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> BundlePlan.plan(Map.of(), Policy.NEAREST, 0, CopyRange.COMMON, 0, -1))
                .hasMessage("no camera to bundle");
        assertThatThrownBy(() -> BundlePlan.plan(rig("a", ms(0, 20, 10)), Policy.NEAREST, 0, CopyRange.COMMON, 0, -1))
                .hasMessage("camera a: frame 2 at 10000000 ns comes before frame 1 at 20000000 ns");
        assertThatThrownBy(() -> BundlePlan.plan(rig("a", ms(0)), Policy.NEAREST, 0, CopyRange.COMMON, 3, 2))
                .hasMessageContaining("frame range [3, 2]");
        assertThatThrownBy(() -> BundlePlan.plan(rig("a", ms(0)), Policy.NEAREST, 0, CopyRange.COMMON, -1, 2))
                .hasMessageContaining("frame range [-1, 2]");
        assertThatThrownBy(() -> Policy.parse("closest")).hasMessage("bundle policy must be nearest, strict or copy, not closest");
    }
}
