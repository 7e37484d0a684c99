package org.cvmmap.streamer.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * SIGINT/SIGTERM handling: the first signal asks the running job to stop cleanly (EOS, flush,
 * exit 0); a second one exits at once with 130. Without it the JVM would exit 143 on SIGTERM.
 */
final class Signals {
    private static final AtomicReference<Runnable> HANDLER = new AtomicReference<>();
    private static final AtomicReference<Runnable> RELOAD = new AtomicReference<>();
    private static volatile boolean enabled;
    private static volatile int received;

    private Signals() {
    }

    /** Installs the process handlers (only from {@link Main#main}: in-process callers keep theirs). */
    static void enable() {
        enabled = true;
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> {
                if (++received > 1) {
                    Runtime.getRuntime().halt(130);
                }
                Runnable r = HANDLER.get();
                if (r != null) {
                    r.run();
                } else {
                    Runtime.getRuntime().halt(130);
                }
            });
        }
    }

    /** Routes SIGHUP (reload the streams config) to the job now running; without one SIGHUP is ignored. */
    static void onReload(Runnable r) {
        if (enabled) {
            RELOAD.set(r);
            Signal.handle(new Signal("HUP"), s -> {
                Runnable h = RELOAD.get();
                if (h != null) {
                    h.run();
                }
            });
        }
    }

    /** Routes the stop request to the job now running. */
    static void onStop(Runnable r) {
        if (enabled) {
            HANDLER.set(r);
        }
    }
}
