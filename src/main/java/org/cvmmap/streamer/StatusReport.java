package org.cvmmap.streamer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.InputSpec;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.control.ControlService;
import org.cvmmap.streamer.control.NatsControlPlane;
import org.cvmmap.streamer.media.StreamStats;
import org.cvmmap.streamer.observe.StreamView;
import org.cvmmap.streamer.util.HostName;
import org.cvmmap.streamer.output.rtmp.RtmpPublisher;
import org.cvmmap.streamer.pipeline.FrameQueue;
import org.cvmmap.streamer.record.Recorder;
import org.cvmmap.streamer.record.Recorders;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a stream reports about itself: the NATS {@code status} reply, the {@code $SRV} metadata, and
 * the periodic status line. Reads counters only; the parts it reads may not exist yet (before the
 * stream runs), then zeros are reported.
 */
final class StatusReport {
    private static final Logger LOG = LogManager.getLogger(StatusReport.class);
    private final StreamerConfig config;
    private final StreamStats stats;
    private final Supplier<FrameQueue> queue;
    private final LongSupplier rtpBytes;
    private final Supplier<RtmpPublisher.Stats> rtmp;
    private final Recorders recorders;
    private final Supplier<NatsControlPlane> nats;

    /**
     * @param rtpBytes RTP bytes sent, all graphs, -1 when none ran yet
     * @param rtmp     the RTMP output's counters, or null (none / not started)
     * @param nats     the control plane, or null
     */
    StatusReport(StreamerConfig config, StreamStats stats, Supplier<FrameQueue> queue, LongSupplier rtpBytes,
                 Supplier<RtmpPublisher.Stats> rtmp, Recorders recorders, Supplier<NatsControlPlane> nats) {
        this.config = config;
        this.stats = stats;
        this.queue = queue;
        this.rtpBytes = rtpBytes;
        this.rtmp = rtmp;
        this.recorders = recorders;
        this.nats = nats;
    }

    /** The reply of the NATS {@code status} endpoint (docs/protocols.md). */
    Map<String, Object> status() {
        InputSpec in = config.input();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", ControlService.NAME);
        m.put("version", ControlService.VERSION);
        m.put("instance", in.label());
        m.put("key", in.natsKey());
        m.put("host", hostName());
        m.put("instance_id", config.instanceId());
        m.put("uptime_s", Math.round(stats.uptimeSeconds() * 1000) / 1000.0);
        Map<String, Long> c = stats.counters();
        Map<String, Object> frames = new LinkedHashMap<>();
        frames.put("in", c.get("frames_in"));
        frames.put("pushed", c.get("frames_pushed"));
        frames.put("encoded", c.get("access_units"));
        frames.put("dropped", c.get("dropped"));
        frames.put("torn", c.get("torn"));
        frames.put("invalid", c.get("invalid"));
        m.put("frames", frames);
        FrameQueue q = queue.get();
        Map<String, Object> queue = new LinkedHashMap<>();
        queue.put("capacity", q == null ? config.queueSize() : q.capacity());
        queue.put("depth", q == null ? 0 : q.depth());
        m.put("queue", queue);
        m.put("encoded_bytes", c.get("encoded_bytes"));
        m.put("resets", c.get("resets"));
        m.put("restarts", c.get("restarts"));
        m.put("format", stats.format());
        m.put("encoder", Map.of("name", stats.encoder(), "reason", stats.encoderReason()));
        long lat = stats.ingestLatencyNs.get();
        m.put("ingest_latency_ms", lat < 0 ? null : Math.round(lat / 1e3) / 1e3);
        List<Map<String, Object>> outs = new ArrayList<>();
        RtmpPublisher.Stats r = rtmp.get();
        for (StreamView.Output state : outputStates()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("kind", state.kind());
            if (state.kind().equals("rtp")) {
                o.put("endpoint", config.rtp().host() + ":" + config.rtp().port());
                o.put("payload_type", config.rtp().payloadType());
                o.put("state", state.connected() ? "SENDING" : "IDLE");
                o.put("connected", state.connected()); // UDP: "connected" means packets are leaving
                o.put("bytes", state.bytes());
                o.put("reconnects", state.reconnects());
            } else {
                o.put("url", config.rtmp().url().masked());
                o.put("mode", config.rtmp().packaging().toString());
                o.put("state", r == null ? "STOPPED" : r.state().name());
                o.put("connected", state.connected());
                o.put("bytes", state.bytes());
                o.put("coded_frames", r == null ? 0 : r.codedFrames());
                o.put("reconnects", state.reconnects());
                o.put("dropped", r == null ? 0 : r.dropped());
                o.put("last_error", r == null || r.lastError() == null ? "" : r.lastError());
            }
            outs.add(o);
        }
        m.put("outputs", outs);
        Map<String, Object> rec = new LinkedHashMap<>();
        for (Recorder each : recorders.all()) {
            rec.put(each.format().id(), ControlService.toJson(each.status()));
        }
        m.put("recorders", rec);
        NatsControlPlane n = nats.get();
        if (n != null) {
            m.put("producer", n.producer().toJson());
            m.put("nats", n.toJson());
        }
        return m;
    }

    /**
     * Each output's bytes, whether it is connected and its reconnects: what the status reply and the
     * metrics ({@link StreamView}) both report. RTP is "connected" once packets leave (UDP has no
     * peer); RTMP while the server answers a session.
     */
    List<StreamView.Output> outputStates() {
        List<StreamView.Output> outs = new ArrayList<>();
        if (config.rtp() != null) {
            long bytes = rtpBytes.getAsLong();
            outs.add(new StreamView.Output("rtp", config.rtp().host() + ":" + config.rtp().port(), Math.max(0, bytes),
                    bytes > 0, 0));
        }
        if (config.rtmp() != null) {
            RtmpPublisher.Stats r = rtmp.get();
            outs.add(new StreamView.Output("rtmp", config.rtmp().url().masked(), r == null ? 0 : r.bytes(),
                    r != null && r.state() == RtmpPublisher.State.PUBLISHING, r == null ? 0 : Math.max(0, r.sessions() - 1)));
        }
        return outs;
    }

    /** NATS micro metadata (discovery): who this streamer is and what it publishes. */
    Map<String, String> serviceMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        InputSpec in = config.input();
        m.put("instance", in.label());
        m.put("key", in.natsKey());
        m.put("status_subject", "cvmmap." + in.natsKey() + ".status");
        m.put("subject_prefix", ControlService.subjectPrefix(in.natsKey()));
        m.put("codec", config.codec().cliName());
        m.put("outputs", outputs());
        m.put("version", ControlService.VERSION);
        m.put("host", hostName());
        m.put("instance_id", config.instanceId());
        m.put("pid", Long.toString(ProcessHandle.current().pid()));
        return m;
    }

    private String outputs() {
        List<String> o = new ArrayList<>();
        if (config.rtp() != null) {
            o.add("rtp");
        }
        if (config.rtmp() != null) {
            o.add("rtmp");
        }
        if (config.encodeGraph() != null) {
            o.add("custom");
        }
        return String.join(",", o);
    }

    static String hostName() {
        String name = HostName.get();
        return name == null ? "unknown" : name;
    }

    /** The periodic one-line status (rates over the last interval). */
    static final class StatusLine {
        private final String key;
        private final StreamStats stats;
        private long lastNanos = System.nanoTime();
        private final Supplier<RtmpPublisher.Stats> rtmp;
        private Map<String, Long> last;

        StatusLine(String key, StreamStats stats, Supplier<RtmpPublisher.Stats> rtmp) {
            this.key = key;
            this.stats = stats;
            this.rtmp = rtmp;
            this.last = stats.counters();
        }

        synchronized void log() {
            long now = System.nanoTime();
            Map<String, Long> c = stats.counters();
            double secs = Math.max(1e-3, (now - lastNanos) / 1e9);
            double fpsIn = (c.get("frames_in") - last.get("frames_in")) / secs;
            double fpsOut = (c.get("access_units") - last.get("access_units")) / secs;
            double kbps = (c.get("encoded_bytes") - last.get("encoded_bytes")) * 8 / secs / 1000;
            LOG.info("event=status key={} fps_in={} fps_out={} bitrate_kbps={} frames_in={} pushed={} encoded={} dropped={} torn={} invalid={} resets={} restarts={} format=\"{}\" encoder={} encoder_reason=\"{}\"",
                    key, String.format("%.1f", fpsIn), String.format("%.1f", fpsOut), String.format("%.0f", kbps),
                    c.get("frames_in"), c.get("frames_pushed"), c.get("access_units"), c.get("dropped"), c.get("torn"),
                    c.get("invalid"), c.get("resets"), c.get("restarts"), stats.format(), stats.encoder(),
                    stats.encoderReason());
            RtmpPublisher.Stats r = rtmp.get();
            if (r != null) {
                LOG.info("event=rtmp_status key={} state={} sessions={} published={} coded_frames={} dropped={} last_error=\"{}\"",
                        key, r.state(), r.sessions(), r.published(), r.codedFrames(), r.dropped(),
                        r.lastError() == null ? "" : r.lastError());
            }
            last = c;
            lastNanos = now;
        }
    }
}
