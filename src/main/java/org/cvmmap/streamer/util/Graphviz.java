package org.cvmmap.streamer.util;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Dot text rendered to SVG by Graphviz's {@code dot} program (Debian package {@code graphviz}), run as
 * a child process: {@code dot -Tsvg}, the dot text on its standard input.
 */
public final class Graphviz {
    /** How long one rendering may take before it is given up, ms. */
    public static final long TIMEOUT_MS = 10_000;
    private static final String PROGRAM = "dot";
    private static volatile Boolean available;

    private Graphviz() {
    }

    /** Whether {@code dot} runs here (asked once: {@code dot -V}). */
    public static boolean available() {
        Boolean a = available;
        if (a == null) {
            try {
                Process p = new ProcessBuilder(PROGRAM, "-V").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                a = p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                a = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            available = a;
        }
        return a;
    }

    /**
     * Renders dot text to an SVG document.
     *
     * @param dot Graphviz dot source
     * @return the SVG, from its {@code <svg} element on (no XML prolog or doctype: it can be put inline
     *         in an HTML page)
     * @throws IOException when {@code dot} is not installed, fails (its message), or takes longer than
     *                     {@value #TIMEOUT_MS} ms
     */
    public static String svg(String dot) throws IOException {
        Process p = new ProcessBuilder(PROGRAM, "-Tsvg").redirectError(ProcessBuilder.Redirect.PIPE).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "graphviz-out");
        reader.setDaemon(true);
        reader.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(dot.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("dot -Tsvg took longer than " + TIMEOUT_MS + " ms");
            }
            reader.join(TIMEOUT_MS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while rendering", e);
        }
        if (p.exitValue() != 0) {
            String why = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            throw new IOException("dot -Tsvg exited " + p.exitValue() + ": " + why.lines().findFirst().orElse(""));
        }
        String svg = out.toString(StandardCharsets.UTF_8);
        int start = svg.indexOf("<svg");
        if (start < 0) {
            throw new IOException("dot -Tsvg wrote no <svg> element");
        }
        return svg.substring(start);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process ended: what was read is what there is
        }
    }
}
