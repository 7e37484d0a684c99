package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.observe.ObserveServer;
import org.cvmmap.streamer.util.Logging;
import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cvmmap-streamer}: read frames, encode, publish (docs/specs/streamer.md §2–§4, §7). */
@Command(name = "cvmmap-streamer", mixinStandardHelpOptions = true, version = "cvmmap-streamer 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Reads frames from a cv-mmap producer (or the built-in one), encodes them (NVENC, else x264/x265) "
                + "and publishes RTP with an SDP and/or RTMP.%n"
                + "Exit codes: 0 ok, 1 bad flags, 2 bad configuration, 3 shared-memory error, 4 subscriber error, "
                + "5 pipeline init error, 6 runtime error, 124 idle timeout.",
        subcommands = {DummyProducerCommand.class, RtpReceiverTesterCommand.class, RtmpStubTesterCommand.class,
                FlvCheckCommand.class, CtlCommand.class, McapRecoverCommand.class,
                BenchLatencyCommand.class, RunCommand.class, ConfigCommand.class, CompletionCommand.class,
                DoctorCommand.class, ManCommand.class, RecordBundleCommand.class, BundleCommand.class,
                ConvertCommand.class, InspectCommand.class, BatchCommand.class, GridCommand.class})
public final class StreamCommand implements Callable<Integer> {

    @Option(names = "--input-uri", paramLabel = "URI", description = "cvmmap://<instance>[@<prefix>][?namespace=<ns>] or a plain instance name; "
            + "cuframes-packets://<key>[?runtime-dir=DIR] (re-publish encoded access units, no re-encoding) or "
            + "cuframes://<key>[?runtime-dir=DIR] (CUDA IPC frames, encoded).")
    String inputUri;
    @Option(names = "--run-mode", paramLabel = "MODE", defaultValue = "pipeline", description = "pipeline, the only mode (accepted for the original streamer's command lines).")
    String runMode;
    @Option(names = "--input-mode", paramLabel = "MODE", defaultValue = "cvmmap", description = "cvmmap (default) or dummy (built-in producer in-process). "
            + "dummy with --shm-name/--zmq-endpoint and no output is the original's simulator: a producer only, publishing under exactly those names.")
    String inputMode;
    @Option(names = "--shm-name", paramLabel = "NAME", description = "Legacy: SHM object name, used verbatim (with --zmq-endpoint); "
            + "<namespace>_<instance> gives the sync label and NATS key, else namespace cvmmap.")
    String shmName;
    @Option(names = "--zmq-endpoint", paramLabel = "URI", description = "Legacy: ipc://<absolute socket path> sync endpoint, used verbatim (with --shm-name).")
    String zmqEndpoint;
    @Option(names = "--dummy-label", paramLabel = "LABEL", defaultValue = "dummy", description = "Built-in producer label, <= 24 bytes (default ${DEFAULT-VALUE}).")
    String dummyLabel;
    @Option(names = "--dummy-frames", paramLabel = "N", defaultValue = "0", description = "Frames the built-in producer publishes; 0 = until stopped.")
    long dummyFrames;
    @Option(names = "--dummy-fps", paramLabel = "FPS", defaultValue = "30", description = "Built-in producer frame rate (default ${DEFAULT-VALUE}).")
    int dummyFps;
    @Option(names = "--dummy-width", paramLabel = "PX", defaultValue = "1280", description = "Built-in producer width (default ${DEFAULT-VALUE}).")
    int dummyWidth;
    @Option(names = "--dummy-height", paramLabel = "PX", defaultValue = "720", description = "Built-in producer height (default ${DEFAULT-VALUE}).")
    int dummyHeight;

    @Option(names = "--codec", paramLabel = "CODEC", description = "h264 or h265 (required).")
    String codec;
    @Option(names = "--gop", paramLabel = "FRAMES", defaultValue = "30", description = "Keyframe interval (default ${DEFAULT-VALUE}).")
    int gop;
    @Option(names = "--b-frames", paramLabel = "N", defaultValue = "0", description = "B-frames (default ${DEFAULT-VALUE}: lowest latency).")
    int bFrames;
    @Option(names = "--bitrate-kbps", paramLabel = "KBPS", defaultValue = "4000", description = "Target bitrate (default ${DEFAULT-VALUE}).")
    int bitrateKbps;
    @Option(names = "--encoder-device", paramLabel = "DEV", defaultValue = "auto", description = "auto (NVENC, else software), nvidia (NVENC only, exit 5 if it cannot encode), software.")
    String encoderDevice;
    @Option(names = "--nvenc-probe-frames", paramLabel = "N", defaultValue = "60", description = "Input frames after which an NVENC encoder with no output is abandoned (default ${DEFAULT-VALUE}).")
    int nvencProbeFrames;
    @Option(names = "--input-fps", paramLabel = "FPS", defaultValue = "30", description = "Nominal frame rate declared to the encoder (cv-mmap carries none; timestamps are arrival times). 0 = variable rate, which costs x264 one frame of latency (default ${DEFAULT-VALUE}).")
    int inputFps;
    @Option(names = "--queue-size", paramLabel = "FRAMES", defaultValue = "1", description = "Ingest queue depth; when full the oldest frame is dropped (default ${DEFAULT-VALUE}).")
    int queueSize;

    @Option(names = "--rtp", description = "Publish RTP (UDP unicast).")
    boolean rtp;
    @Option(names = "--rtp-endpoint", paramLabel = "HOST:PORT", description = "RTP destination.")
    String rtpEndpoint;
    @Option(names = "--rtp-payload-type", paramLabel = "PT", defaultValue = "96", description = "Payload type 96..127 (default ${DEFAULT-VALUE}).")
    int rtpPayloadType;
    @Option(names = "--rtp-mtu", paramLabel = "BYTES", defaultValue = "1400", description = "Largest RTP packet (default ${DEFAULT-VALUE}).")
    int rtpMtu;
    @Option(names = "--rtp-sdp", paramLabel = "PATH", description = "Write an SDP for ffplay/ffprobe/GStreamer receivers.")
    Path rtpSdp;

    @Option(names = "--rtmp", description = "Publish RTMP (H.264 as FLV AVC; H.265 as Enhanced-RTMP hvc1 or CodecID 12).")
    boolean rtmp;
    @Option(names = "--rtmp-url", paramLabel = "URL", description = "rtmp[s]://HOST[:PORT]/APP/STREAM (the stream key is masked in logs). With --rtmp and no URL flag: env CVMMAP_RTMP_URL. Prefer the variable or --rtmp-url-file: ps shows flags.")
    String rtmpUrl;
    @Option(names = "--rtmp-url-file", paramLabel = "FILE", description = "Read the RTMP URL (stream key included) from the first line of FILE, e.g. a mounted secret.")
    Path rtmpUrlFile;
    @Option(names = "--rtmp-mode", paramLabel = "MODE", description = "enhanced (H.264: classic AVC; H.265: Enhanced-RTMP hvc1) or domestic (H.265 only: FLV CodecID 12). Required for H.265.")
    String rtmpMode;
    @Option(names = "--rtmp-reconnect-min-ms", paramLabel = "MS", defaultValue = "500", description = "First wait before reconnecting (default ${DEFAULT-VALUE}); doubles per failure.")
    long rtmpReconnectMinMs;
    @Option(names = "--rtmp-reconnect-max-ms", paramLabel = "MS", defaultValue = "5000", description = "Longest wait between reconnects (default ${DEFAULT-VALUE}).")
    long rtmpReconnectMaxMs;

    @Option(names = "--pipeline", paramLabel = "FILE", description = "Use this encode descriptor instead of the built-in graph (composed of pipelines/source-*, encoded, output-rtp, output-hub); its placeholders are checked at start (an unknown one: exit 2 naming it, the file and the line).")
    Path pipeline;
    @Option(names = "--rtmp-pipeline", paramLabel = "FILE", description = "Use this RTMP client descriptor instead of pipelines/rtmp-publish.pipeline (an appsrc named flvsrc; placeholder rtmp_url).")
    Path rtmpPipeline;
    @Option(names = "--record-mp4-pipeline", paramLabel = "FILE", description = "Use this MP4 recorder descriptor instead of pipelines/record-mp4.pipeline (an appsrc named src, a filesink named file; placeholders encoded_caps, parser, fragment_ms).")
    Path mp4Pipeline;
    @Option(names = "--dump-graph", paramLabel = "DIR", description = "Write each encode graph's dot text (and SVG, when Graphviz is installed) to DIR/<key>-gen<N>-playing|error.dot when it plays and when it fails (DIR must exist).")
    Path dumpGraph;
    @Option(names = "--ingest-max-frames", paramLabel = "N", defaultValue = "0", description = "Exit 0 after N frames; 0 = unlimited.")
    long ingestMaxFrames;
    @Option(names = "--ingest-idle-timeout-ms", paramLabel = "MS", defaultValue = "0", description = "Exit 124 when no frame arrived for MS; 0 = disabled.")
    long ingestIdleTimeoutMs;
    @Option(names = "--ingest-verify", paramLabel = "HOW", defaultValue = "compare", description = "How a cv-mmap frame copy is judged coherent: compare (metadata before and after, and the copied plane compared with the shared memory once more; catches a next frame still being written) or metadata (metadata before and after only; one read of the plane less) (default ${DEFAULT-VALUE}).")
    String ingestVerify;
    @Option(names = "--status-interval-ms", paramLabel = "MS", defaultValue = "5000", description = "Period of the status line; 0 = off (default ${DEFAULT-VALUE}).")
    long statusIntervalMs;
    @Option(names = "--max-restarts", paramLabel = "N", defaultValue = "10", description = "Pipeline rebuilds after errors before exit 6 (default ${DEFAULT-VALUE}).")
    int maxRestarts;

    @Mixin
    NatsOptions nats;
    @Option(names = "--no-nats", description = "No control plane: do not connect to NATS at all.")
    boolean noNats;
    @Option(names = "--record-mp4", paramLabel = "PATH", description = "Record the encoded stream to a fragmented MP4 from the first keyframe until exit (the file must not exist).")
    Path recordMp4;
    @Option(names = "--record-mcap", paramLabel = "PATH", description = "Record the encoded stream to MCAP (foxglove CompressedVideo on /<label>/video) until exit.")
    Path recordMcap;
    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${sys:cvmmap.log.format:-text}", description = "Log lines on stderr: text (logfmt) or json, one per event (default ${DEFAULT-VALUE}).")
    String logFormat;
    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${sys:cvmmap.log.level:-info}", description = "off, error, warn, info, debug or trace; stack traces only at debug (default ${DEFAULT-VALUE}).")
    String logLevel;
    @Option(names = "--http-listen", paramLabel = "ADDR:PORT|off", defaultValue = ObserveServer.DEFAULT_LISTEN, description = "Where this process serves its status page (/), /metrics (Prometheus), /healthz and /readyz; off = nowhere (default ${DEFAULT-VALUE}).")
    String httpListen;
    @Option(names = "--instance-id", paramLabel = "ID", defaultValue = "${env:CVMMAP_INSTANCE_ID}", description = "This process on the NATS cluster, in $SRV metadata and every status reply; a key another instance already serves is refused (exit 2). Default: env CVMMAP_INSTANCE_ID, else the host name.")
    String instanceId;
    @Option(names = "--record-dir", paramLabel = "DIR", defaultValue = "${env:CVMMAP_RECORD_DIR}", description = "Folder that recordings requested over NATS are kept inside (relative output_path resolved against it; anything leaving it refused). Without it, NATS recorder requests are refused (403). Default: env CVMMAP_RECORD_DIR.")
    Path recordDir;

    /**
     * The original streamer's simulator: {@code --input-mode dummy --shm-name NAME --zmq-endpoint
     * ipc://PATH} with no output publishes the built-in producer's frames under exactly those names
     * until stopped (or --dummy-frames), for a streamer in another process to read.
     *
     * @return exit code 0
     * @throws ConfigException a missing or invalid name or size (exit 2)
     */
    private int simulate() {
        if (shmName == null || zmqEndpoint == null) {
            throw new ConfigException(shmName == null ? "--shm-name" : "--zmq-endpoint", "(missing)",
                    "the simulator needs --shm-name and --zmq-endpoint together");
        }
        CvmmapTarget target;
        try {
            target = CvmmapTarget.fromLegacy(shmName, zmqEndpoint, null);
        } catch (IllegalArgumentException e) {
            boolean zmq = e.getMessage().startsWith("--zmq");
            throw new ConfigException(zmq ? "--zmq-endpoint" : "--shm-name", zmq ? zmqEndpoint : shmName, e.getMessage());
        }
        if (dummyWidth < 16 || dummyHeight < 16 || dummyWidth > 7680 || dummyHeight > 4320) {
            throw new ConfigException("--dummy-width", dummyWidth + "x" + dummyHeight, "must be within 16x16..7680x4320");
        }
        if (dummyFps < 1 || dummyFps > 1000 || dummyFrames < 0) {
            throw new ConfigException("--dummy-fps", dummyFps + " (frames " + dummyFrames + ")", "fps must be within 1..1000, frames >= 0");
        }
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, dummyWidth, dummyHeight, dummyFps,
                dummyFrames))) {
            Signals.onStop(p::stop);
            p.run();
        }
        return ExitCodes.OK;
    }

    /** Validates the flags into a configuration. @throws org.cvmmap.streamer.util.ConfigException (exit 2) */
    StreamerConfig toConfig() {
        return StreamerConfig.builder()
                .inputUri(inputUri).inputMode(inputMode).shmName(shmName).zmqEndpoint(zmqEndpoint)
                .dummyLabel(dummyLabel).dummyFrames(dummyFrames).dummyFps(dummyFps).dummyWidth(dummyWidth)
                .dummyHeight(dummyHeight).codec(codec).gop(gop).bFrames(bFrames).bitrateKbps(bitrateKbps)
                .encoderDevice(encoderDevice).nvencProbeFrames(nvencProbeFrames).queueSize(queueSize).inputFps(inputFps)
                .rtp(rtp).rtpEndpoint(rtpEndpoint).rtpPayloadType(rtpPayloadType).rtpMtu(rtpMtu).rtpSdp(rtpSdp)
                .rtmp(rtmp).rtmpUrl(SecretFile.orValue("--rtmp-url-file", rtmpUrlFile,
                        rtmpUrl != null || !rtmp ? rtmpUrl : System.getenv("CVMMAP_RTMP_URL"))).rtmpMode(rtmpMode).rtmpReconnectMs(rtmpReconnectMinMs, rtmpReconnectMaxMs)
                .pipelineFile(pipeline).rtmpPipelineFile(rtmpPipeline).mp4PipelineFile(mp4Pipeline).dumpGraphDir(dumpGraph).ingestMaxFrames(ingestMaxFrames).ingestIdleTimeoutMs(ingestIdleTimeoutMs)
                .ingestVerify(ingestVerify)
                .statusIntervalMs(statusIntervalMs).maxRestarts(maxRestarts)
                .nats(!noNats).natsUrl(nats.url).natsAuth(nats.token, nats.user, nats.password, nats.creds)
                .natsTls(nats.tls, nats.truststore, nats.truststorePassword).natsReconnectWaitMs(nats.reconnectWaitMs)
                .recordMp4(recordMp4).recordMcap(recordMcap).recordDir(recordDir).instanceId(instanceId)
                .build();
    }

    @Override
    public Integer call() {
        if (!"pipeline".equals(runMode)) {
            throw new ConfigException("--run-mode", runMode, "must be pipeline (the only mode)");
        }
        if ("dummy".equals(inputMode) && (shmName != null || zmqEndpoint != null) && !rtp && !rtmp && pipeline == null) {
            return simulate();
        }
        Logging.configure(logFormat, logLevel);
        StreamerConfig config = toConfig();
        StreamerApp app = new StreamerApp(config);
        Signals.onStop(() -> app.requestStop("signal"));
        try (Observe observe = Observe.start(httpListen)) {
            observe.add(app.view(config.input().streamKey()));
            return app.run();
        }
    }
}
