package org.cvmmap.streamer.media;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Bucket edges (a bound is inclusive, as Prometheus's le), +Inf, the sum, negatives left out. */
class LatencyHistogramTest {
    @Test
    void eachLatencyLandsInTheFirstBucketWhoseBoundHoldsIt() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(1_000_000);      // 1 ms: le=0.001
        h.record(1_000_001);      // just above: le=0.002
        h.record(33_000_000);     // 33 ms: le=0.05
        h.record(10_000_000_000L); // 10 s: +Inf
        h.record(-5);             // a clock step: not counted
        assertThat(h.counts()).containsExactly(1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1);
        assertThat(h.sumSeconds()).isCloseTo(10.035000001, org.assertj.core.data.Offset.offset(1e-9));
    }
}
