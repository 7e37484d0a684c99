package org.cvmmap.streamer.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;

/**
 * Progress of an offline tool: a progress bar (me.tongfei:progressbar, on stderr) when a person
 * watches a terminal, else plain logfmt lines on the command's output — one at the start, a heartbeat
 * every {@value #HEARTBEAT_MS} ms, one at the end — that a log collector or a test can read.
 */
final class Progress implements AutoCloseable {
    /** Period of the plain heartbeat line, ms. */
    static final long HEARTBEAT_MS = 5000;
    private final String task;
    private final long total;
    private final PrintWriter out;
    private final ProgressBar bar;
    private final long startNanos = System.nanoTime();
    private long lastBeatNanos = startNanos;
    private long done;

    private Progress(String task, long total, PrintWriter out, ProgressBar bar) {
        this.task = task;
        this.total = total;
        this.out = out;
        this.bar = bar;
    }

    /**
     * Starts one.
     *
     * @param task  what is done (e.g. {@code convert foo.mcap})
     * @param total units of work (bytes, items)
     * @param unit  what a unit is ({@code bytes}, {@code items})
     * @param out   where the plain lines go
     */
    static Progress start(String task, long total, String unit, PrintWriter out) {
        if (System.console() != null) {
            ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200);
            if (unit.equals("bytes")) {
                b.setUnit(" MiB", 1 << 20);
            }
            return new Progress(task, total, out, b.build());
        }
        out.printf("event=progress_start task=\"%s\" total=%d unit=%s%n", task, total, unit);
        out.flush();
        return new Progress(task, total, out, null);
    }

    /** Work done so far (absolute). */
    void set(long value) {
        done = value;
        if (bar != null) {
            bar.stepTo(value);
            return;
        }
        long now = System.nanoTime();
        if (now - lastBeatNanos >= HEARTBEAT_MS * 1_000_000L) {
            lastBeatNanos = now;
            line("progress");
        }
    }

    private void line(String event) {
        out.printf("event=%s task=\"%s\" done=%d total=%d percent=%.1f elapsed_s=%.1f%n", event, task, done, total,
                total > 0 ? 100.0 * done / total : 100.0, (System.nanoTime() - startNanos) / 1e9);
        out.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        } else {
            line("progress_done");
        }
    }
}
