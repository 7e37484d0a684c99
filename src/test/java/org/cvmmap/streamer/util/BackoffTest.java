package org.cvmmap.streamer.util;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The back-off sequence of rebuilds and reconnects: doubling from the minimum, capped, reset after a stable run. */
class BackoffTest {
    private static List<Long> take(Backoff b, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(b.next());
        }
        return out;
    }

    @Test
    void rtmpDefaultsDoubleFrom500To5000() {
        assertThat(take(new Backoff(500, 5000), 7)).containsExactly(500L, 1000L, 2000L, 4000L, 5000L, 5000L, 5000L);
    }

    @Test
    void supervisorDefaultsDoubleFrom250To10000AndStartOverAfterAReset() {
        Backoff b = new Backoff(250, 10_000);
        assertThat(take(b, 8)).containsExactly(250L, 500L, 1000L, 2000L, 4000L, 8000L, 10_000L, 10_000L);
        b.reset();
        assertThat(b.peek()).isEqualTo(250);
        assertThat(take(b, 2)).containsExactly(250L, 500L);
    }

    @Test
    void equalBoundsNeverChangeAndBadBoundsAreRefusedByName() {
        assertThat(take(new Backoff(700, 700), 3)).containsExactly(700L, 700L, 700L);
        assertThatThrownBy(() -> new Backoff(0, 10)).hasMessageContaining("backoff.min_ms=0");
        assertThatThrownBy(() -> new Backoff(10, 5)).hasMessageContaining("backoff.max_ms=5");
    }
}
