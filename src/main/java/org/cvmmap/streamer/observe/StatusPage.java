package org.cvmmap.streamer.observe;

import org.cvmmap.streamer.media.StreamStats;
import org.cvmmap.streamer.util.Graphviz;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The status page at {@code /}: one HTML document, rendered on the server, without JavaScript, that
 * reloads itself every {@value #REFRESH_S} s. Per stream: state, fps in/out, bitrate, encoder and why,
 * input format, outputs, recorders, the last error, and a picture of its running encode graph
 * (GStreamer's dot dump rendered to inline SVG by Graphviz; the raw dot text is linked).
 *
 * <p>Rates are measured between two page loads (the first load: averages since the first frame).
 * SVGs are rendered again only when a graph's dot text changed.
 */
public final class StatusPage {
    /** Seconds between the page's own reloads ({@code <meta http-equiv="refresh">}). */
    public static final int REFRESH_S = 5;
    private final Map<String, Sample> samples = new ConcurrentHashMap<>();
    private final Map<String, Rendered> svgs = new ConcurrentHashMap<>();
    private final Function<String, String> renderer;

    /** With Graphviz's {@code dot} as the renderer. */
    public StatusPage() {
        this(StatusPage::renderWithGraphviz);
    }

    /**
     * @param renderer dot text → inline SVG, or an HTML fragment saying why there is none (tests pass
     *                 their own)
     */
    StatusPage(Function<String, String> renderer) {
        this.renderer = renderer;
    }

    /** Counters at one page load: what the next load's rates are measured against. */
    private record Sample(long nanos, long framesIn, long accessUnits, long bytes, double fpsIn, double fpsOut,
                          double kbps) {
    }

    private record Rendered(String dot, String svg) {
    }

    /**
     * The page now.
     *
     * @param host    this machine's name (title)
     * @param streams the running streams
     * @return a complete HTML5 document, UTF-8
     */
    public String render(String host, List<StreamView> streams) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_S).append("\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>cvmmap-streamer on ").append(esc(host)).append("</title>")
                .append("<style>").append(CSS).append("</style></head><body>\n")
                .append("<header><h1>cvmmap-streamer <small>on ").append(esc(host)).append("</small></h1>")
                .append("<p>").append(streams.size()).append(streams.size() == 1 ? " stream" : " streams")
                .append(" · ").append(esc(Instant.now().toString())).append(" · reloads every ").append(REFRESH_S)
                .append(" s · <a href=\"/metrics\">/metrics</a> · <a href=\"/readyz\">/readyz</a></p></header>\n");
        h.append("<table class=\"summary\"><thead><tr><th>stream</th><th>key</th><th>state</th><th>fps in</th>")
                .append("<th>fps out</th><th>kbit/s</th><th>encoder</th><th>outputs</th></tr></thead><tbody>\n");
        Map<String, Sample> now = new java.util.LinkedHashMap<>();
        for (StreamView s : streams) {
            Sample r = sample(s);
            now.put(s.stream(), r);
            h.append("<tr><td><a href=\"#stream-").append(esc(s.stream())).append("\">").append(esc(s.stream()))
                    .append("</a></td><td>").append(esc(s.key())).append("</td><td class=\"state ").append(state(s))
                    .append("\">").append(state(s)).append("</td><td>").append(fmt(r.fpsIn())).append("</td><td>")
                    .append(fmt(r.fpsOut())).append("</td><td>").append(fmt(r.kbps())).append("</td><td>")
                    .append(esc(s.stats().encoder())).append("</td><td>")
                    .append(esc(String.join(", ", s.outputs().get().stream().map(StreamView.Output::kind).toList())))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        if (streams.isEmpty()) {
            h.append("<p class=\"empty\">No stream is running.</p>\n");
        }
        for (StreamView s : streams) {
            stream(h, s, now.get(s.stream()));
        }
        h.append("</body></html>\n");
        samples.keySet().retainAll(now.keySet());
        svgs.keySet().retainAll(now.keySet());
        return h.toString();
    }

    private static String state(StreamView s) {
        if (!s.playing().getAsBoolean()) {
            return "stopped";
        }
        return s.lastFrameAgeSeconds() <= ObserveServer.READY_FRAME_AGE_S ? "playing" : "waiting";
    }

    private void stream(StringBuilder h, StreamView s, Sample r) {
        StreamStats st = s.stats();
        String state = state(s);
        h.append("<section class=\"stream\" id=\"stream-").append(esc(s.stream())).append("\" data-stream=\"")
                .append(esc(s.stream())).append("\" data-state=\"").append(state).append("\">\n<h2>")
                .append(esc(s.stream())).append(" <span class=\"state ").append(state).append("\">").append(state)
                .append("</span></h2>\n<dl>");
        dt(h, "key", s.key());
        dt(h, "input", st.format());
        dt(h, "fps in / out", fmt(r.fpsIn()) + " / " + fmt(r.fpsOut()));
        dt(h, "bitrate", fmt(r.kbps()) + " kbit/s");
        dt(h, "encoder", st.encoder() + (st.encoderReason().isEmpty() ? "" : " (" + st.encoderReason() + ")"));
        dt(h, "frames in / encoded", st.framesIn.get() + " / " + st.accessUnits.get());
        dt(h, "dropped / torn / invalid", st.dropped.get() + " / " + st.torn.get() + " / " + st.invalid.get());
        dt(h, "producer resets / graph restarts", st.resets.get() + " / " + st.restarts.get());
        dt(h, "last frame", String.format(Locale.ROOT, "%.1f s ago", s.lastFrameAgeSeconds()));
        StreamStats.LastError e = st.lastError();
        dt(h, "last error", e == null ? "none" : Instant.ofEpochMilli(e.epochMs()) + " " + e.message());
        h.append("</dl>\n");
        List<StreamView.Output> outs = s.outputs().get();
        h.append("<h3>Outputs</h3>");
        if (outs.isEmpty()) {
            h.append("<p>none</p>");
        } else {
            h.append("<table><tr><th>output</th><th>target</th><th>connected</th><th>bytes</th><th>reconnects</th></tr>");
            for (StreamView.Output o : outs) {
                h.append("<tr><td>").append(esc(o.kind())).append("</td><td>").append(esc(o.target())).append("</td><td>")
                        .append(o.connected() ? "yes" : "no").append("</td><td>").append(o.bytes()).append("</td><td>")
                        .append(o.reconnects()).append("</td></tr>");
            }
            h.append("</table>");
        }
        List<StreamView.Recording> recs = s.recorders().get();
        h.append("\n<h3>Recorders</h3>");
        if (recs.isEmpty()) {
            h.append("<p>none</p>");
        } else {
            h.append("<table><tr><th>format</th><th>recording</th><th>frames</th><th>file</th><th>error</th></tr>");
            for (StreamView.Recording c : recs) {
                h.append("<tr><td>").append(esc(c.format())).append("</td><td>").append(c.recording() ? "yes" : "no")
                        .append("</td><td>").append(c.frames()).append("</td><td>").append(esc(c.path()))
                        .append("</td><td>").append(esc(c.error())).append("</td></tr>");
            }
            h.append("</table>");
        }
        h.append("\n<h3>Encode graph</h3>\n<figure class=\"graph\">");
        String dot = s.graphDot().get();
        if (dot == null) {
            h.append("<p>no graph is running</p>");
            svgs.remove(s.stream());
        } else {
            Rendered cached = svgs.get(s.stream());
            if (cached == null || !cached.dot().equals(dot)) {
                cached = new Rendered(dot, renderer.apply(dot));
                svgs.put(s.stream(), cached);
            }
            h.append(cached.svg());
        }
        h.append("<figcaption><a href=\"/graph?stream=").append(esc(s.stream())).append("&amp;format=dot\">dot</a> · ")
                .append("<a href=\"/graph?stream=").append(esc(s.stream())).append("&amp;format=svg\">svg</a>")
                .append("</figcaption></figure>\n</section>\n");
    }

    private Sample sample(StreamView s) {
        StreamStats st = s.stats();
        long t = System.nanoTime();
        long in = st.framesIn.get();
        long au = st.accessUnits.get();
        long bytes = st.encodedBytes.get();
        Sample prev = samples.get(s.stream());
        Sample r;
        if (prev == null) {
            double secs = Math.max(1e-3, (t - st.firstFrameNanos.get()) / 1e9);
            boolean any = in > 0 && st.firstFrameNanos.get() != 0;
            r = new Sample(t, in, au, bytes, any ? in / secs : 0, any ? au / secs : 0, any ? bytes * 8 / secs / 1000 : 0);
        } else if (t - prev.nanos() < 500_000_000L) {
            return prev; // reloaded within half a second: the last rates stand
        } else {
            double secs = (t - prev.nanos()) / 1e9;
            r = new Sample(t, in, au, bytes, (in - prev.framesIn()) / secs, (au - prev.accessUnits()) / secs,
                    (bytes - prev.bytes()) * 8 / secs / 1000);
        }
        samples.put(s.stream(), r);
        return r;
    }

    private static void dt(StringBuilder h, String term, String value) {
        h.append("<dt>").append(esc(term)).append("</dt><dd>").append(esc(value)).append("</dd>");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /**
     * Dot text → inline SVG through Graphviz, or a paragraph saying why there is none.
     */
    static String renderWithGraphviz(String dot) {
        if (!Graphviz.available()) {
            return "<p>Graphviz is not installed here (Debian: apt-get install graphviz): see the dot text.</p>";
        }
        try {
            return Graphviz.svg(dot);
        } catch (IOException e) {
            return "<p>the graph could not be drawn: " + esc(e.getMessage()) + "</p>";
        }
    }

    /** Text made safe for HTML element content and double-quoted attributes. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}"
            + "h1 small{font-weight:normal;color:#666}table{border-collapse:collapse;margin:.5em 0}"
            + "th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}th{background:#f3f3f3}"
            + ".state.playing{color:#06792f}.state.waiting{color:#a36a00}.state.stopped{color:#b00020}"
            + "section.stream{border-top:2px solid #ddd;margin-top:1.5em}"
            + "dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#555}dd{margin:0}"
            + "figure.graph{margin:0;overflow:auto;border:1px solid #eee}figure.graph svg{width:2600px;max-width:none;height:auto}";
}
