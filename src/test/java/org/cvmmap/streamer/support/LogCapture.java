package org.cvmmap.streamer.support;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects the log lines (formatted messages) written while it is open, from every logger of this
 * JVM: tests count what a flood or an outage costs in lines. Removed on {@link #close()}, which also
 * parses every line it saw with an independent logfmt parser ({@link Logfmt}): a line that does not
 * parse fails the test that captured it, so every line the suite produces is checked.
 */
public final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger root;

    private LogCapture() {
        super("test-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        this.root = (Logger) LogManager.getRootLogger();
    }

    /** Starts capturing. */
    public static LogCapture open() {
        LogCapture c = new LogCapture();
        c.start();
        c.root.addAppender(c);
        return c;
    }

    @Override
    public void append(LogEvent event) {
        synchronized (lines) {
            lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
            lines.notifyAll();
        }
    }

    /**
     * Waits for a line containing every one of {@code texts}.
     *
     * @return whether one came within {@code timeoutMs}
     */
    public boolean await(long timeoutMs, String... texts) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (lines) {
            while (lines.stream().noneMatch(l -> java.util.Arrays.stream(texts).allMatch(l::contains))) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                lines.wait(left);
            }
            return true;
        }
    }

    /** Every line so far: {@code LEVEL message}. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** How many lines so far contain {@code text}. */
    public long count(String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    @Override
    public void close() {
        root.removeAppender(this);
        stop();
        List<String> bad = new java.util.ArrayList<>();
        for (String l : lines) {
            try {
                Logfmt.parse(l.substring(l.indexOf(' ') + 1));
            } catch (IllegalArgumentException e) {
                bad.add(e.getMessage());
            }
        }
        if (!bad.isEmpty()) {
            throw new AssertionError(bad.size() + " of " + lines.size() + " log lines are not logfmt, e.g. " + bad.get(0));
        }
    }
}
