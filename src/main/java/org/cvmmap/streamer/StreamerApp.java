package org.cvmmap.streamer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.InputSpec;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.control.NatsControlPlane;
import org.cvmmap.streamer.control.StreamerControl;
import org.cvmmap.streamer.record.Recorder;
import org.cvmmap.streamer.record.RecorderException;
import org.cvmmap.streamer.record.RecordRoot;
import org.cvmmap.streamer.record.Recorders;
import org.cvmmap.streamer.record.RecorderStatus;
import org.cvmmap.streamer.observe.StreamView;
import org.cvmmap.streamer.ingest.IngestFrame;
import org.cvmmap.streamer.ingest.cuframes.CudaDriver;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapIngest;
import org.cvmmap.streamer.ingest.cvmmap.ZmqSocket;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.output.rtmp.RtmpPublisher;
import org.cvmmap.streamer.output.rtp.RtpSession;
import org.cvmmap.streamer.pipeline.EncodedStreamHub;
import org.cvmmap.streamer.pipeline.EncoderSelector;
import org.cvmmap.streamer.pipeline.EncoderSpec;
import org.cvmmap.streamer.pipeline.FrameQueue;
import org.cvmmap.streamer.pipeline.GstFrameBuffer;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineTap;
import org.cvmmap.streamer.media.StreamStats;
import org.cvmmap.streamer.pipeline.Supervisor;
import org.cvmmap.streamer.util.ExitCodes;
import org.cvmmap.streamer.util.LogfmtMessageFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The main job: ingest (cv-mmap, or the built-in producer feeding cv-mmap) → latest-frame queue →
 * supervised encode pipeline → outputs. Wires the parts together and owns nothing else; data flows
 * one way.
 */
public final class StreamerApp implements StreamerControl {
    private static final Logger LOG = LogManager.getLogger(StreamerApp.class);

    private final StreamerConfig config;
    private final StreamStats stats = new StreamStats();
    private final Predicate<String> installed;
    private final Supplier<String> cudaProblem;
    private volatile Supervisor supervisor;
    private volatile FrameQueue frameQueue;
    private volatile Supervisor.PushListener pushListener;
    private volatile boolean stopRequested;
    /** An exit code that overrides the supervisor's (a refused stream), or -1. */
    private volatile int refusedExit = -1;
    private volatile RtmpPublisher rtmp;
    private final List<PipelineTap> extraTaps = new CopyOnWriteArrayList<>();
    private final Recorders recorders;
    private final StatusReport statusReport;
    /** The stream's encoded access units, one copy for every reader (recorders, RTMP). */
    private final EncodedStreamHub hub;
    /** How long a NATS keyframe request waits for the supervisor to carry it out, ms. */
    private static final long KEYFRAME_WAIT_MS = 2000;
    private volatile CvmmapIngest ingest;
    private volatile NatsControlPlane nats;
    private final java.util.concurrent.CountDownLatch controlCreated = new java.util.concurrent.CountDownLatch(1);

    /**
     * @param config    validated configuration
     * @param installed   whether an element factory exists; production passes
     *                    {@link GstRuntime#hasElement}, tests may hide or add factories
     * @param cudaProblem for a {@code cuframes://} input: null when CUDA is usable, else why not
     *                    (production: {@link CudaDriver#problem}; tests stand in for a GPU)
     */
    public StreamerApp(StreamerConfig config, Predicate<String> installed, Supplier<String> cudaProblem) {
        this.config = config;
        this.installed = installed;
        this.cudaProblem = cudaProblem;
        this.hub = new EncodedStreamHub(config.input().streamKey(), pts -> {
            Supervisor s = supervisor;
            return s == null ? -1 : s.captureOf(pts);
        });
        // called on streaming threads too: the request posts, never waits
        this.recorders = new Recorders(config.codec(), config.input().natsKey(), config.input().label(),
                () -> hub.requestKeyframe("recording needs a keyframe"), config.mp4Graph());
        hub.addReader(recorders);
        this.statusReport = new StatusReport(config, stats, () -> frameQueue, () -> {
            Supervisor s = supervisor;
            return s == null ? -1 : s.rtpBytesSent();
        }, this::rtmpStats, recorders, () -> nats);
    }

    /** With the real CUDA driver check. */
    public StreamerApp(StreamerConfig config, Predicate<String> installed) {
        this(config, installed, CudaDriver::problem);
    }

    /** With the real element registry and CUDA driver check. */
    public StreamerApp(StreamerConfig config) {
        this(config, GstRuntime::hasElement);
    }

    /** Observes every frame entering the pipeline with its PTS (benchmarks); set before {@link #run()}. */
    public void onPushed(Supervisor.PushListener l) {
        this.pushListener = l;
    }

    /**
     * Adds an observer of every graph the supervisor builds (tests and benchmarks inspect the graph
     * through it); before {@link #run()}. It must not block.
     */
    public void addTap(PipelineTap tap) {
        extraTaps.add(tap);
    }

    /**
     * What the HTTP endpoints read of this stream ({@code /metrics}, {@code /readyz}).
     *
     * @param name the stream's name (the streams config's, or its key)
     */
    public StreamView view(String name) {
        return new StreamView(name, config.input().natsKey(), stats, () -> {
            Supervisor s = supervisor;
            return s != null && s.playing();
        }, statusReport::outputStates, () -> recorders.all().stream().map(rec -> {
            RecorderStatus st = rec.status();
            return new StreamView.Recording(rec.format().id(), st.recording(), st.framesEncoded(), st.path(),
                    st.error());
        }).toList(), this::graphDot);
    }

    /** The RTMP output's counters, or null without {@code --rtmp}. */
    public RtmpPublisher.Stats rtmpStats() {
        RtmpPublisher r = rtmp;
        return r == null ? null : r.stats();
    }

    /**
     * Waits until the NATS control plane is connected and its service started (tests).
     *
     * @return it, or null if it did not connect within {@code timeoutMs} (or NATS is disabled)
     */
    public NatsControlPlane awaitControl(long timeoutMs) throws InterruptedException {
        long until = System.nanoTime() + timeoutMs * 1_000_000L;
        if (!controlCreated.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            return null;
        }
        NatsControlPlane n = nats;
        return n.awaitConnected(Math.max(0, (until - System.nanoTime()) / 1_000_000L)) ? n : null;
    }

    /** Live counters (status line, tests). */
    public StreamStats stats() {
        return stats;
    }

    /** Asks for a clean stop (SIGINT/SIGTERM): EOS, then exit code 0. */
    @Override
    public void refuse(String why) {
        LOG.error("event=stream_refused key={} exit_code={} cause=\"{}\"", config.input().streamKey(), ExitCodes.CONFIG, why);
        refusedExit = ExitCodes.CONFIG;
        requestStop("refused: " + why);
    }

    public void requestStop(String why) {
        stopRequested = true;
        Supervisor s = supervisor;
        if (s != null) {
            s.requestStop(why);
        }
    }

    /**
     * Runs the job to its end.
     *
     * @return the exit code of docs/specs/streamer.md §10
     */
    public int run() {
        GstRuntime.init();
        InputSpec in = config.input();
        String key = in.streamKey();
        Integer refused = InputPreflight.check(config, installed, cudaProblem);
        if (refused != null) {
            return refused;
        }
        if (config.rtp() != null && config.rtp().sdpPath() != null) {
            SdpFile.write(config, key);
        }
        FrameQueue queue = FrameQueue.withStartupBacklog(config.queueSize(), stats.dropped);
        frameQueue = queue;
        Supervisor sup = newSupervisor(queue);
        RtmpPublisher rtmp = config.rtmp() == null ? null : newRtmpOutput();
        this.rtmp = rtmp;
        supervisor = sup;
        if (!startCliRecordings()) {
            return ExitCodes.CONFIG;
        }
        if (stopRequested) {
            sup.requestStop("signal");
        }
        DummyProducer producer = null;
        Thread producerThread = null;
        if (in.dummy()) {
            try {
                producer = new DummyProducer(new DummyProducer.Settings(in.target(), in.dummyWidth(), in.dummyHeight(),
                        in.dummyFps(), in.dummyFrames()));
            } catch (UncheckedIOException e) {
                LOG.error("event=producer_failed key={} cause=\"{}\"", key, e.getMessage());
                return ExitCodes.SHM;
            } catch (ZmqSocket.ZmqException e) {
                LOG.error("event=producer_failed key={} cause=\"{}\"", key, e.getMessage());
                return ExitCodes.SUBSCRIBER;
            }
        }
        CvmmapIngest ingest = newIngest(queue, sup);
        this.ingest = ingest;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-" + key);
            t.setDaemon(true);
            return t;
        });
        int code;
        NatsControlPlane control = config.nats() == null ? null
                : new NatsControlPlane(config.nats(), in.natsKey(), statusReport.serviceMetadata(), this);
        try {
            if (control != null) {
                control.start();
                nats = control;
                controlCreated.countDown();
            } else {
                LOG.info("event=nats_disabled key={} cause=--no-nats", key);
            }
            if (rtmp != null) {
                rtmp.start();
            }
            if (ingest != null) {
                ingest.start();
            }
            if (producer != null) {
                producerThread = startProducer(producer);
            }
            if (config.statusIntervalMs() > 0) {
                StatusReport.StatusLine line = new StatusReport.StatusLine(key, stats, this::rtmpStats);
                ticker.scheduleAtFixedRate(line::log, config.statusIntervalMs(), config.statusIntervalMs(),
                        TimeUnit.MILLISECONDS);
            }
            code = sup.run();
            if (refusedExit >= 0) {
                code = refusedExit;
            }
        } finally {
            ticker.shutdownNow();
            recorders.close(); // after the encode pipeline's EOS: every access unit is in; files finalized
            if (control != null) {
                control.close();
            }
            if (rtmp != null) {
                rtmp.close(); // after the encode pipeline's EOS: what is queued still goes out
            }
            hub.close();
            if (ingest != null) {
                ingest.close();
            }
            if (producer != null) {
                producer.stop();
                if (producerThread != null) {
                    try {
                        producerThread.join(2000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                producer.close();
            }
        }
        logExit(code);
        return code;
    }

    /** The supervisor with its encoder policy, graph builder and taps (RTP session, the hub). */
    private Supervisor newSupervisor(FrameQueue queue) {
        EncoderSelector selector = new EncoderSelector(config.encoderDevice(), config.hardwareEncoders(),
                EncoderSpec.software(config.codec(), config.bFrames()), installed);
        Supervisor sup = new Supervisor(config.supervisorSettings(), new PipelineBuilder(config.pipelineSettings()),
                selector, stats, queue);
        if (pushListener != null) {
            sup.setPushListener(pushListener);
        }
        if (config.rtp() != null) {
            sup.addTap(new RtpSession(config.input().streamKey())); // one SSRC, continuous sequence and timestamps over rebuilds
        }
        extraTaps.forEach(sup::addTap);
        hub.keyframesFrom(sup::requestKeyframe);
        sup.addTap(hub);
        return sup;
    }

    /** The RTMP output, a reader of the hub (started with the stream). */
    private RtmpPublisher newRtmpOutput() {
        RtmpPublisher rtmp = new RtmpPublisher(config.rtmp(), config.input().streamKey(), config.bitrateKbps(),
                RtmpPublisher.clientGraph(config.rtmp()), () -> hub.requestKeyframe("rtmp session start"));
        hub.addReader(rtmp);
        return rtmp;
    }

    /** The cv-mmap ingest feeding the queue, or null for a cuframes input (the graph's own source reads it). */
    private CvmmapIngest newIngest(FrameQueue queue, Supervisor sup) {
        InputSpec in = config.input();
        if (in.target() == null) {
            LOG.info("event=input_in_graph key={} uri={} runtime_dir={} codec={} cause=\"{}\"", in.streamKey(),
                    in.cuframes().kind().scheme() + in.cuframes().key(), in.cuframes().runtimeDir(), config.codec().cliName(),
                    in.passthrough() ? "already encoded: parse and pay, no encoder" : "CUDA IPC frames: cuframessrc → encoder");
            return null;
        }
        CvmmapIngest ingest = new CvmmapIngest(in.target(), config.ingestVerify(), GstFrameBuffer.FACTORY, stats,
                new CvmmapIngest.Listener() {
                    @Override
                    public void onFrame(IngestFrame frame) {
                        if (frame.depth() != null) {
                            recorders.offerDepth(frame.depth()); // beside the encode: recorded as it came
                        }
                        queue.offer(frame);
                    }

                    @Override
                    public void onEnded() {
                        queue.close();
                    }

                    @Override
                    public void onFatal(int exitCode, String message) {
                        sup.fatal(exitCode, message);
                    }
                });
        ingest.wantDepth(recorders::wantsDepth);
        if (in.dummy() && in.dummyFrames() > 0) {
            ingest.endAfterFrame(in.dummyFrames());
        }
        return ingest;
    }

    /** Runs the built-in producer on its own thread once the ingest has subscribed (or after 5 s). */
    private Thread startProducer(DummyProducer producer) {
        String key = config.input().streamKey();
        Thread t = new Thread(() -> {
            if (!producer.awaitSubscriber(5000)) {
                LOG.warn("event=producer_no_subscriber key={} waited_ms=5000", key);
            }
            producer.run();
        }, "dummy-producer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The last status line and the exit line with every counter. */
    private void logExit(int code) {
        String key = config.input().streamKey();
        new StatusReport.StatusLine(key, stats, this::rtmpStats).log();
        long first = stats.firstFrameNanos.get();
        double activeS = first == 0 ? 0 : (System.nanoTime() - first) / 1e9;
        LOG.info("event=exit key={} exit_code={} active_s={} avg_fps_in={}{}", key, code,
                String.format("%.3f", activeS), String.format("%.1f", activeS > 0 ? stats.framesIn.get() / activeS : 0),
                LogfmtMessageFactory.Pairs.of(stats.counters()));
    }

    /** Starts the recordings of {@code --record-mp4} / {@code --record-mcap}; false (logged) if one cannot. */
    private boolean startCliRecordings() {
        for (Recorder r : recorders.all()) {
            java.nio.file.Path path = r.format() == Recorder.Format.MP4 ? config.recordMp4() : config.recordMcap();
            if (path == null) {
                continue;
            }
            try {
                r.start(path, null, null);
            } catch (RecorderException e) {
                LOG.error("event=config_error key={} flag=--record-{} value={} cause=\"{}\"", config.input().streamKey(),
                        r.format().id(), path, e.getMessage());
                recorders.close();
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------ StreamerControl (NATS)

    @Override
    public Map<String, Object> status() {
        return statusReport.status();
    }

    @Override
    public String graphDot() {
        Supervisor s = supervisor;
        return s == null ? null : s.graphDot();
    }

    @Override
    public boolean requestKeyframe(String why) {
        if (supervisor == null) {
            return false;
        }
        try {
            return hub.requestKeyframe(why).get(KEYFRAME_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void requestRestart(String why) {
        Supervisor s = supervisor;
        if (s != null) {
            s.requestRestart(why);
        }
    }

    @Override
    public Recorders recorders() {
        return recorders;
    }

    @Override
    public RecordRoot recordRoot() {
        return config.recordDir();
    }

    @Override
    public void producerOnline(String instance, long timestampNs) {
        remap("ONLINE", instance);
    }

    @Override
    public void producerOffline(String instance, long timestampNs) {
        LOG.info("event=producer_offline key={} instance={} action=\"idle: outputs stay up, waiting for frames\"",
                config.input().streamKey(), instance);
    }

    @Override
    public void producerStreamReset(String instance, long timestampNs) {
        remap("STREAM_RESET", instance);
    }

    private void remap(String why, String instance) {
        CvmmapIngest i = ingest;
        String key = config.input().streamKey();
        if (i == null) {
            LOG.info("event=producer_status_ignored key={} status={} instance={} cause=\"cuframes input: the source element "
                    + "follows its publisher itself\"", key, why, instance);
            return;
        }
        i.requestReset();
        LOG.info("event=producer_remap_requested key={} status={} instance={} action=\"remap, renegotiate caps, force a "
                + "keyframe on the next frame\"", key, why, instance);
    }


}
