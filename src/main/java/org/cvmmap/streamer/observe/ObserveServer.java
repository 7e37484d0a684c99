package org.cvmmap.streamer.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.util.Graphviz;
import org.cvmmap.streamer.util.HostName;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The process's HTTP endpoints ({@code --http-listen ADDR:PORT}, default {@value #DEFAULT_LISTEN}):
 * <ul>
 *   <li>{@code /} — the status page ({@link StatusPage}): every stream, its state and its graph;</li>
 *   <li>{@code /graph?stream=NAME&format=dot|svg} — one stream's running encode graph (404 for an
 *       unknown stream or when no graph runs);</li>
 *   <li>{@code /metrics} — Prometheus text format ({@link StreamMetrics});</li>
 *   <li>{@code /healthz} — 200 while the process serves requests (liveness);</li>
 *   <li>{@code /readyz} — 200 when every stream's encode graph is PLAYING and its last frame came
 *       within {@value #READY_FRAME_AGE_S} s, else 503; the body names each stream's state.</li>
 * </ul>
 * Streams register while they run ({@link #add}). A port that cannot be bound is one warning line and
 * the streams run on without the endpoints.
 */
public final class ObserveServer implements AutoCloseable {
    /** Default of {@code --http-listen}. */
    public static final String DEFAULT_LISTEN = "127.0.0.1:9464";
    /** A stream is ready when its last frame is at most this old, s. */
    public static final int READY_FRAME_AGE_S = 5;
    private static final Logger LOG = LogManager.getLogger(ObserveServer.class);
    private final List<StreamView> streams = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final StatusPage page = new StatusPage();
    private final String host;

    private ObserveServer(HttpServer server) {
        this.server = server;
        String h = HostName.get();
        this.host = h == null ? "unknown" : h;
    }

    /**
     * Starts the endpoints.
     *
     * @param host where to listen (an address or host name)
     * @param port TCP port, 0 = any free one
     * @return the server, or null (logged once) when the address cannot be bound
     */
    public static ObserveServer start(String host, int port) {
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            LOG.warn("event=http_listen_failed listen={}:{} cause=\"{}\" action=\"no /metrics, /healthz, /readyz in this "
                    + "process: give another --http-listen, or off\"", host, port, e.getMessage());
            return null;
        }
        ObserveServer o = new ObserveServer(s);
        s.createContext("/metrics", new MetricsHandler(StreamMetrics.registry(o.streams)));
        s.createContext("/healthz", ex -> reply(ex, 200, "ok\n"));
        s.createContext("/readyz", o::ready);
        s.createContext("/graph", o::graph);
        s.createContext("/", o::page);
        s.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http");
            t.setDaemon(true);
            return t;
        }));
        s.start();
        LOG.info("event=http_listening listen={}:{} endpoints=/,/graph,/metrics,/healthz,/readyz", host, o.port());
        return o;
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** A stream starts: it is measured and must be ready from now on. @return removes it again */
    public Runnable add(StreamView s) {
        streams.add(s);
        return () -> streams.remove(s);
    }

    private void ready(HttpExchange ex) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean ready = !streams.isEmpty();
        for (StreamView s : streams) {
            boolean playing = s.playing().getAsBoolean();
            double age = s.lastFrameAgeSeconds();
            boolean ok = playing && age <= READY_FRAME_AGE_S;
            ready &= ok;
            lines.add(String.format("%s %s playing=%s last_frame_age_s=%.1f", s.stream(), ok ? "ready" : "not-ready",
                    playing, age));
        }
        if (streams.isEmpty()) {
            lines.add("no stream running");
        }
        reply(ex, ready ? 200 : 503, String.join("\n", lines) + "\n");
    }

    private void page(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            reply(ex, 404, "not found: " + ex.getRequestURI().getPath() + "\n");
            return;
        }
        String html;
        synchronized (page) { // its rate samples and SVG cache: one load at a time
            html = page.render(host, List.copyOf(streams));
        }
        reply(ex, 200, "text/html; charset=utf-8", html);
    }

    private void graph(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String name = q.getOrDefault("stream", "");
        String format = q.getOrDefault("format", "svg");
        if (!format.equals("dot") && !format.equals("svg")) {
            reply(ex, 400, "format must be dot or svg, not " + format + "\n");
            return;
        }
        StreamView s = streams.stream().filter(v -> v.stream().equals(name)).findFirst().orElse(null);
        String dot = s == null ? null : s.graphDot().get();
        if (dot == null) {
            reply(ex, 404, s == null ? "no stream named " + name + "\n" : "no graph is running for " + name + "\n");
            return;
        }
        if (format.equals("dot")) {
            reply(ex, 200, "text/vnd.graphviz; charset=utf-8", dot);
            return;
        }
        try {
            reply(ex, 200, "image/svg+xml", Graphviz.svg(dot));
        } catch (IOException e) {
            reply(ex, 503, "the graph could not be drawn: " + e.getMessage() + "\n");
        }
    }

    /** {@code a=1&b=x%20y} → map (URL-decoded; the last of a repeated name wins). */
    static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return m;
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
        reply(ex, code, "text/plain; charset=utf-8", body);
    }

    private static void reply(HttpExchange ex, int code, String contentType, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
