package org.cvmmap.streamer.observe;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.cvmmap.streamer.media.LatencyHistogram;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The Prometheus metrics of a process's streams (official Java client, callback metrics: every value
 * is read from the streams' own counters at scrape time, nothing is counted twice). Every series has
 * the labels {@code stream} and {@code key}; outputs add {@code output}, recorders {@code format}, the
 * encoder series {@code encoder} and {@code reason}. JVM metrics come from the client's JVM
 * instrumentation. Names and units in docs/observe.md.
 */
public final class StreamMetrics {
    private StreamMetrics() {
    }

    /**
     * Registers every metric on a new registry.
     *
     * @param streams the running streams (read at each scrape; a live, thread-safe collection)
     * @return the registry to expose
     */
    public static PrometheusRegistry registry(Collection<StreamView> streams) {
        PrometheusRegistry r = new PrometheusRegistry();
        counter(r, streams, "cvmmap_frames_in", "Frames read from the producer.", s -> s.stats().framesIn);
        counter(r, streams, "cvmmap_frames_pushed", "Frames pushed into the encode graph.", s -> s.stats().framesPushed);
        counter(r, streams, "cvmmap_frames_encoded", "Encoded access units out of the encoder.", s -> s.stats().accessUnits);
        counter(r, streams, "cvmmap_frames_dropped", "Frames dropped by the latest-frame queue.", s -> s.stats().dropped);
        counter(r, streams, "cvmmap_frames_torn", "Frames discarded as torn (written while copied).", s -> s.stats().torn);
        counter(r, streams, "cvmmap_frames_invalid", "Frames discarded as invalid (size, format).", s -> s.stats().invalid);
        counter(r, streams, "cvmmap_producer_resets", "Producer stream resets seen.", s -> s.stats().resets);
        counter(r, streams, "cvmmap_pipeline_restarts", "Encode graph rebuilds.", s -> s.stats().restarts);
        counter(r, streams, "cvmmap_encoded_bytes", "Bytes of encoded access units.", s -> s.stats().encodedBytes);
        GaugeWithCallback.builder().name("cvmmap_stream_playing").help("1 while the stream's encode graph is PLAYING.")
                .labelNames("stream", "key")
                .callback(cb -> streams.forEach(s -> cb.call(s.playing().getAsBoolean() ? 1 : 0, s.stream(), s.key())))
                .register(r);
        GaugeWithCallback.builder().name("cvmmap_stream_last_frame_age_seconds")
                .help("Seconds since the stream's last frame came in.").labelNames("stream", "key")
                .callback(cb -> streams.forEach(s -> cb.call(s.lastFrameAgeSeconds(), s.stream(), s.key())))
                .register(r);
        histogram(r, streams, "cvmmap_ingest_latency_seconds",
                "Producer publish → frame read, per frame (cv-mmap inputs with a Unix-epoch producer clock).",
                s -> s.stats().ingestLatency);
        histogram(r, streams, "cvmmap_encode_latency_seconds",
                "Frame pushed into the encode graph → its access unit out of the parser, per access unit.",
                s -> s.stats().encodeLatency);
        GaugeWithCallback.builder().name("cvmmap_encoder_info")
                .help("1 for the encoder in use, with why the ones before it were skipped.")
                .labelNames("stream", "key", "encoder", "reason")
                .callback(cb -> streams.forEach(s -> cb.call(1, s.stream(), s.key(), s.stats().encoder(),
                        s.stats().encoderReason())))
                .register(r);
        CounterWithCallback.builder().name("cvmmap_output_bytes").help("Bytes sent by an output.")
                .labelNames("stream", "key", "output")
                .callback(cb -> streams.forEach(s -> s.outputs().get().forEach(o -> cb.call(o.bytes(), s.stream(), s.key(),
                        o.kind()))))
                .register(r);
        CounterWithCallback.builder().name("cvmmap_output_reconnects").help("Output sessions after the first.")
                .labelNames("stream", "key", "output")
                .callback(cb -> streams.forEach(s -> s.outputs().get().forEach(o -> cb.call(o.reconnects(), s.stream(),
                        s.key(), o.kind()))))
                .register(r);
        GaugeWithCallback.builder().name("cvmmap_output_connected")
                .help("1 while an output is connected (RTP: packets leave; RTMP: the server answered).")
                .labelNames("stream", "key", "output")
                .callback(cb -> streams.forEach(s -> s.outputs().get().forEach(o -> cb.call(o.connected() ? 1 : 0,
                        s.stream(), s.key(), o.kind()))))
                .register(r);
        GaugeWithCallback.builder().name("cvmmap_recorder_recording").help("1 while a recording of this format is open.")
                .labelNames("stream", "key", "format")
                .callback(cb -> streams.forEach(s -> s.recorders().get().forEach(c -> cb.call(c.recording() ? 1 : 0,
                        s.stream(), s.key(), c.format()))))
                .register(r);
        GaugeWithCallback.builder().name("cvmmap_recorder_frames")
                .help("Access units written by the current or last recording of this format.")
                .labelNames("stream", "key", "format")
                .callback(cb -> streams.forEach(s -> s.recorders().get().forEach(c -> cb.call(c.frames(), s.stream(),
                        s.key(), c.format()))))
                .register(r);
        JvmMetrics.builder().register(r);
        return r;
    }

    /**
     * A classic histogram per stream, read from the stream's own bucket counts at each scrape (the
     * client has no histogram with a callback: a collector of the client's model snapshots).
     */
    private static void histogram(PrometheusRegistry r, Collection<StreamView> streams, String name, String help,
                                  Function<StreamView, LatencyHistogram> value) {
        double[] bounds = new double[LatencyHistogram.BOUNDS_S.length + 1];
        System.arraycopy(LatencyHistogram.BOUNDS_S, 0, bounds, 0, LatencyHistogram.BOUNDS_S.length);
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        r.register(new Collector() {
            @Override
            public MetricSnapshot collect() {
                HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help);
                for (StreamView s : streams) {
                    LatencyHistogram h = value.apply(s);
                    b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, h.counts()))
                            .sum(h.sumSeconds()).labels(Labels.of("key", s.key(), "stream", s.stream())).build());
                }
                return b.build();
            }

            @Override
            public String getPrometheusName() {
                return name;
            }
        });
    }

    private static void counter(PrometheusRegistry r, Collection<StreamView> streams, String name, String help,
                                Function<StreamView, AtomicLong> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("stream", "key")
                .callback(cb -> streams.forEach(s -> cb.call(value.apply(s).get(), s.stream(), s.key())))
                .register(r);
    }
}
