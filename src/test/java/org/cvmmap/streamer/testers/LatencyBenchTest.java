package org.cvmmap.streamer.testers;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyBenchTest {

    /** Must round exactly as rtpbasepayload does, or access units go unmatched to their frames. */
    @ParameterizedTest
    @CsvSource({
        "0,                0",
        "11111,            0",
        "11112,            1",           // 1.00008 ticks: truncating to µs first would give 0
        "1000000000,       90000",
        "3600033333333,    324002999",     // one hour and a frame
        "86400000000000,   7776000000",    // a day: 86,400 s × 90,000 ticks
    })
    void rtpTicksRoundLikeThePayloader(long ns, long ticks) {
        assertThat(LatencyBench.rtpTicks(ns)).isEqualTo(ticks);
    }
}
