package org.cvmmap.streamer.util;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A warning that may repeat (a server stalling, a flood of bad requests, torn frames): logged in
 * full on its first occurrence; then at most one summary line per window ({@value #WINDOW_MS} ms)
 * with how many occurrences it stands for ({@code repeated=N window_ms=…}) and the fields of the
 * latest one. A flood of events thus costs a few log lines a minute, and no count is lost: a
 * background tick writes the summary of a window even if nothing follows it.
 *
 * <p>Thread-safe. The message is a log4j2 pattern ({@code {}} placeholders) that starts with
 * {@code event=NAME}; the summary is the same line with {@code repeated=N window_ms=W} appended, so
 * it parses like the first.
 */
public final class RepeatedWarning {
    /** The summary window, ms. */
    public static final long WINDOW_MS = 10_000;
    private static final List<WeakReference<RepeatedWarning>> ALL = new CopyOnWriteArrayList<>();
    private static final ScheduledExecutorService TICK = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "repeated-warnings");
        t.setDaemon(true);
        return t;
    });

    static {
        TICK.scheduleWithFixedDelay(RepeatedWarning::tickAll, 1, 1, TimeUnit.SECONDS);
    }

    private final Logger log;
    private final Level level;
    private final LongSupplier clockNs;
    private final long windowNs;
    private long lastWrittenNs;
    private boolean written;
    private long suppressed;
    private String lastPattern;
    private Object[] lastArgs;

    /**
     * A warning written to {@code log} at WARN with the default window, summaries on the shared tick.
     */
    public RepeatedWarning(Logger log) {
        this(log, Level.WARN, System::nanoTime, WINDOW_MS);
        ALL.add(new WeakReference<>(this));
    }

    /**
     * For tests: an explicit clock and window, no background tick ({@link #tick()} by hand).
     *
     * @param clockNs  monotonic clock, ns
     * @param windowMs the summary window, ms
     */
    public RepeatedWarning(Logger log, Level level, LongSupplier clockNs, long windowMs) {
        this.log = log;
        this.level = level;
        this.clockNs = clockNs;
        this.windowNs = TimeUnit.MILLISECONDS.toNanos(windowMs);
    }

    /**
     * One occurrence: written now if it is the first, or the first since a window passed with no
     * other; otherwise counted for the next summary.
     *
     * @param pattern log4j2 pattern starting with {@code event=NAME}
     * @param args    its arguments
     */
    public void warn(String pattern, Object... args) {
        long now = clockNs.getAsLong();
        synchronized (this) {
            if (!written || (suppressed == 0 && now - lastWrittenNs >= windowNs)) {
                written = true;
                lastWrittenNs = now;
            } else {
                suppressed++;
                lastPattern = pattern;
                lastArgs = args;
                return;
            }
        }
        log.log(level, pattern, args);
    }

    /** Writes the summary of a window that has passed with occurrences counted in it. */
    public void tick() {
        long now = clockNs.getAsLong();
        long n;
        String pattern;
        Object[] args;
        synchronized (this) {
            if (suppressed == 0 || now - lastWrittenNs < windowNs) {
                return;
            }
            n = suppressed;
            pattern = lastPattern;
            args = lastArgs;
            suppressed = 0;
            lastPattern = null;
            lastArgs = null;
            lastWrittenNs = now;
        }
        // the line as the logger renders it (logfmt-safe values), then the count, as one finished line
        String line = log.getMessageFactory().newMessage(pattern, args).getFormattedMessage();
        log.log(level, (org.apache.logging.log4j.message.Message) new org.apache.logging.log4j.message.SimpleMessage(
                line + " repeated=" + n + " window_ms=" + TimeUnit.NANOSECONDS.toMillis(windowNs)));
    }

    /** Occurrences counted since the last line written (tests). */
    public synchronized long pending() {
        return suppressed;
    }

    private static void tickAll() {
        for (WeakReference<RepeatedWarning> ref : ALL) {
            RepeatedWarning w = ref.get();
            if (w == null) {
                ALL.remove(ref);
            } else {
                try {
                    w.tick();
                } catch (RuntimeException e) {
                    // a logging failure must not stop the tick of the others
                }
            }
        }
    }
}
