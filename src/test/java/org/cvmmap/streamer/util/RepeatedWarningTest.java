package org.cvmmap.streamer.util;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.cvmmap.streamer.support.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The first occurrence in full, then one summary per window with the count, none lost. */
class RepeatedWarningTest {
    private static final long MS = 1_000_000L;

    @Test
    void aFloodCostsOneLinePerWindowAndEveryOccurrenceIsCounted() {
        AtomicLong now = new AtomicLong(0);
        RepeatedWarning w = new RepeatedWarning(LogManager.getLogger("rw-test-flood"), Level.WARN, now::get, 10_000);
        try (LogCapture log = LogCapture.open()) {
            // 10,000 occurrences spread over 60 s, a tick every second as the background tick does
            for (int i = 0; i < 10_000; i++) {
                now.set(i * 6 * MS);
                w.warn("event=rw_flood key=k n={}", i);
                if (i % 167 == 0) {
                    w.tick();
                }
            }
            now.addAndGet(10_000 * MS);
            w.tick(); // the last window's summary comes without a further occurrence
            List<String> lines = log.lines().stream().filter(l -> l.contains("event=rw_flood")).toList();
            assertThat(lines.get(0)).isEqualTo("WARN event=rw_flood key=k n=0");
            assertThat(lines.size()).as(lines.toString()).isBetween(6, 8);
            long counted = 1;
            for (String l : lines.subList(1, lines.size())) {
                assertThat(l).matches("WARN event=rw_flood key=k n=\\d+ repeated=\\d+ window_ms=10000");
                counted += Long.parseLong(l.replaceAll(".*repeated=(\\d+).*", "$1"));
            }
            assertThat(counted).as("every occurrence is in a line or a count").isEqualTo(10_000);
            assertThat(lines.get(lines.size() - 1)).contains("n=9999 ");
            assertThat(w.pending()).isZero();
        }
    }

    @Test
    void anOccurrenceAfterAQuietWindowIsWrittenAtOnce() {
        AtomicLong now = new AtomicLong(0);
        RepeatedWarning w = new RepeatedWarning(LogManager.getLogger("rw-test-quiet"), Level.WARN, now::get, 10_000);
        try (LogCapture log = LogCapture.open()) {
            w.warn("event=rw_quiet n={}", 1);
            now.set(5_000 * MS);
            w.warn("event=rw_quiet n={}", 2); // counted
            w.tick(); // window not over: nothing
            assertThat(log.count("event=rw_quiet")).isEqualTo(1);
            now.set(10_000 * MS);
            w.tick();
            assertThat(log.lines()).contains("WARN event=rw_quiet n=2 repeated=1 window_ms=10000");
            now.set(30_000 * MS); // a window with nothing: the next one is news again, written in full
            w.warn("event=rw_quiet n={}", 3);
            assertThat(log.lines()).contains("WARN event=rw_quiet n=3");
            assertThat(log.count("event=rw_quiet")).isEqualTo(3);
        }
    }
}
