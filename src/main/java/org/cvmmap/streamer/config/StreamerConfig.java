package org.cvmmap.streamer.config;

import org.cvmmap.streamer.output.rtp.RtpOutput;

import org.cvmmap.streamer.output.rtmp.RtmpOutput;

import org.cvmmap.streamer.pipeline.EncoderDevice;

import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.util.HostName;
import org.cvmmap.streamer.util.HostPort;

import org.cvmmap.streamer.media.Codec;

import org.cvmmap.streamer.ingest.cuframes.CuframesUri;
import org.cvmmap.streamer.ingest.cvmmap.IngestVerify;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.output.rtmp.RtmpUrl;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;
import org.cvmmap.streamer.pipeline.EncodedStreamHub;
import org.cvmmap.streamer.pipeline.EncoderSpec;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.pipeline.Supervisor;
import org.cvmmap.streamer.record.RecordRoot;
import org.cvmmap.streamer.util.NewFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The streamer's whole configuration: immutable, built and validated once by {@link Builder} from
 * the CLI (or tests), then handed to the pipeline builder and supervisor.
 *
 * @param input              where frames come from
 * @param codec              encode codec
 * @param gop                keyframe interval, frames
 * @param bFrames            B-frames between references (0 = lowest latency)
 * @param bitrateKbps        target bitrate, kbit/s
 * @param encoderDevice      which encoders may be used
 * @param hardwareEncoders   NVENC candidates tried in order under auto/nvidia (tests substitute stand-ins)
 * @param nvencProbeFrames   input frames after which a hardware encoder that produced nothing is abandoned
 * @param queueSize          ingest queue depth, frames (latest-frame: the oldest is dropped)
 * @param inputFps           nominal frame rate declared in the raw caps, frames/s (cv-mmap carries none);
 *                           0 = variable ({@code framerate=0/1}), which makes x264 hold one frame
 * @param rtp                RTP output, or null
 * @param rtmp               RTMP output, or null
 * @param encodeGraph        the user's encode descriptor ({@code --pipeline FILE}, read once and its
 *                           placeholders checked) replacing the built-in graph, or null
 * @param ingestMaxFrames    stop (exit 0) after this many frames were pushed; 0 = unlimited
 * @param ingestIdleTimeoutMs exit 124 when no frame arrived for this long, ms; 0 = disabled
 * @param ingestVerify       how the cv-mmap reader decides a copied frame is coherent
 * @param statusIntervalMs   period of the one-line status log, ms; 0 = off
 * @param maxRestarts        pipeline rebuilds after errors before giving up (exit 6)
 * @param restartBackoffMinMs first back-off before a rebuild, ms (doubles up to the max)
 * @param restartBackoffMaxMs longest back-off, ms
 * @param nats               the control plane's NATS connection, or null when disabled ({@code --no-nats})
 * @param recordMp4          MP4 recording to start with the stream ({@code --record-mp4}), or null
 * @param recordMcap         MCAP recording to start with the stream ({@code --record-mcap}), or null
 * @param recordDir          the folder recordings requested over NATS must stay inside
 *                           ({@code --record-dir}, env {@code CVMMAP_RECORD_DIR}), or null: such requests are refused
 * @param mp4Graph           the MP4 recorder's graph ({@code --record-mp4-pipeline FILE}, placeholders
 *                           checked), or null for the built-in {@code pipelines/record-mp4.pipeline}
 * @param instanceId         this process on the NATS cluster ({@code --instance-id}, env
 *                           {@code CVMMAP_INSTANCE_ID}; default the host name), in {@code $SRV} metadata and
 *                           every status reply
 * @param dumpGraphDir       where every encode graph's dot text (and SVG, with Graphviz) is written when it
 *                           plays and when it fails ({@code --dump-graph DIR}; the folder must exist), or null
 */
public record StreamerConfig(InputSpec input, Codec codec, int gop, int bFrames, int bitrateKbps,
                             EncoderDevice encoderDevice, List<EncoderSpec> hardwareEncoders, int nvencProbeFrames,
                             int queueSize, int inputFps, RtpOutput rtp, RtmpOutput rtmp, PipelineDescriptor encodeGraph, long ingestMaxFrames,
                             long ingestIdleTimeoutMs, IngestVerify ingestVerify, long statusIntervalMs, int maxRestarts,
                             long restartBackoffMinMs, long restartBackoffMaxMs, NatsConfig nats, Path recordMp4,
                             Path recordMcap, RecordRoot recordDir, String instanceId, PipelineDescriptor mp4Graph,
                             Path dumpGraphDir) {

    /** Longest dummy label, bytes (the sync message's label field). */
    public static final int MAX_LABEL_BYTES = 24;
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Frame rate to declare in the raw caps: the built-in producer's, else {@link #inputFps()}. */
    public int nominalFps() {
        return input.dummy() ? input.dummyFps() : inputFps;
    }

    /** How long cuframespacketsrc/cuframessrc wait for a publisher before the graph fails (and is rebuilt), ms. */
    public static final int CUFRAMES_TIMEOUT_MS = 10_000;

    /**
     * The built-in fragments this configuration's encode graph is composed of, in order: its source
     * ({@code source-appsrc}, {@code source-cuframes-frames} for {@code cuframes://},
     * {@code source-cuframes-packets} for {@code cuframes-packets://}), {@code encoded}, then
     * {@code output-rtp} with RTP and {@code output-hub} when anything can read access units (RTMP,
     * a recording flag, or NATS, whose recorder endpoints may start one).
     */
    public List<String> builtInFragments() {
        List<String> f = new ArrayList<>();
        f.add(input.passthrough() ? "source-cuframes-packets.pipeline"
                : input.sourceInGraph() ? "source-cuframes-frames.pipeline" : "source-appsrc.pipeline");
        f.add("encoded.pipeline");
        if (rtp != null) {
            f.add("output-rtp.pipeline");
        }
        if (rtmp != null || nats != null || recordMp4 != null || recordMcap != null) {
            f.add("output-hub.pipeline");
        }
        return f;
    }

    /**
     * What the pipeline builder needs: the descriptor ({@code --pipeline FILE} or the built-in one),
     * the placeholder values fixed for the stream, and the elements its outputs look up.
     */
    public PipelineBuilder.Settings pipelineSettings() {
        PipelineDescriptor descriptor = encodeGraph != null ? encodeGraph : PipelineDescriptor.compose(builtInFragments());
        List<String> required = rtmp != null ? List.of("src", "parse", EncodedStreamHub.APPSINK)
                : List.of("src", "parse");
        return new PipelineBuilder.Settings(descriptor, placeholderValues(), required);
    }

    /** The placeholder values fixed for this stream (outputs, rate control, stream key, cuframes source). */
    private Map<String, String> placeholderValues() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("parser", codec.parser());
        v.put("encoded_caps", codec.encodedCaps());
        v.put("hub_caps", codec.hubCaps());
        if (input.cuframes() != null) {
            v.put("cuframes_key", input.cuframes().key());
            v.put("cuframes_runtime_dir", input.cuframes().runtimeDir());
            v.put("cuframes_timeout_ms", Integer.toString(CUFRAMES_TIMEOUT_MS));
        }
        v.put("gop", Integer.toString(gop));
        v.put("b_frames", Integer.toString(bFrames));
        v.put("bitrate_kbps", Integer.toString(bitrateKbps));
        v.put("stream_key", input.streamKey());
        if (rtp != null) {
            v.put("rtp_payloader", codec.rtpPayloader());
            v.put("rtp_host", rtp.host());
            v.put("rtp_port", Integer.toString(rtp.port()));
            v.put("rtp_payload_type", Integer.toString(rtp.payloadType()));
            v.put("rtp_mtu", Integer.toString(rtp.mtu()));
        }
        return v;
    }

    /**
     * Every placeholder an encode descriptor may use → null when this configuration fills it, else
     * what it needs ({@code --pipeline} files are checked against it before anything runs).
     */
    public Map<String, String> encodePlaceholders() {
        Map<String, String> m = new java.util.TreeMap<>();
        for (String k : List.of("rtp_payloader", "rtp_host", "rtp_port", "rtp_payload_type", "rtp_mtu")) {
            m.put(k, "--rtp");
        }
        for (String k : List.of("cuframes_key", "cuframes_runtime_dir", "cuframes_timeout_ms")) {
            m.put(k, "a cuframes:// or cuframes-packets:// --input-uri");
        }
        for (String k : PipelineBuilder.PER_BUILD_PLACEHOLDERS) {
            m.put(k, null);
        }
        for (String k : placeholderValues().keySet()) {
            m.put(k, null);
        }
        return m;
    }

    /** What the stream's supervisor needs of this configuration. */
    public Supervisor.Settings supervisorSettings() {
        return new Supervisor.Settings(input.streamKey(), input.passthrough(), input.sourceInGraph(), codec,
                encoderDevice, nominalFps(), nvencProbeFrames, ingestMaxFrames, ingestIdleTimeoutMs, maxRestarts,
                restartBackoffMinMs, restartBackoffMaxMs, dumpGraphDir);
    }

    /** A builder with the defaults of docs/specs/streamer.md. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable collector of settings; {@link #build()} validates everything at once. */
    public static final class Builder {
        private String inputUri;
        private String inputMode = "cvmmap";
        private String shmName;
        private String zmqEndpoint;
        private String dummyLabel = "dummy";
        private long dummyFrames = 0;
        private int dummyFps = 30;
        private int dummyWidth = 1280;
        private int dummyHeight = 720;
        private String codec;
        private int gop = 30;
        private int bFrames = 0;
        private int bitrateKbps = 4000;
        private String encoderDevice = "auto";
        private List<EncoderSpec> hardwareEncoders;
        private int nvencProbeFrames = 60;
        private int queueSize = 1;
        private int inputFps = 30;
        private boolean rtp;
        private String rtpEndpoint;
        private int rtpPayloadType = 96;
        private int rtpMtu = 1400;
        private Path rtpSdp;
        private boolean rtmp;
        private String rtmpUrl;
        private String rtmpMode;
        private long rtmpReconnectMinMs = 500;
        private long rtmpReconnectMaxMs = 5000;
        private Path pipelineFile;
        private Path rtmpPipelineFile;
        private Path mp4PipelineFile;
        private Path dumpGraphDir;
        private long ingestMaxFrames = 0;
        private long ingestIdleTimeoutMs = 0;
        private String ingestVerify = "compare";
        private String instanceId;
        private long statusIntervalMs = 5000;
        private int maxRestarts = 10;
        private long restartBackoffMinMs = 250;
        private long restartBackoffMaxMs = 10_000;
        private boolean natsEnabled = true;
        private String natsUrl = NatsConfig.DEFAULT_URL;
        private String natsToken;
        private String natsUser;
        private String natsPassword;
        private Path natsCreds;
        private boolean natsTls;
        private Path natsTruststore;
        private String natsTruststorePassword;
        private long natsReconnectWaitMs = 1000;
        private Path recordMp4;
        private Path recordMcap;
        private Path recordDir;

        public Builder inputUri(String v) { inputUri = v; return this; }
        public Builder inputMode(String v) { inputMode = v; return this; }
        public Builder shmName(String v) { shmName = v; return this; }
        public Builder zmqEndpoint(String v) { zmqEndpoint = v; return this; }
        public Builder dummyLabel(String v) { dummyLabel = v; return this; }
        public Builder dummyFrames(long v) { dummyFrames = v; return this; }
        public Builder dummyFps(int v) { dummyFps = v; return this; }
        public Builder dummyWidth(int v) { dummyWidth = v; return this; }
        public Builder dummyHeight(int v) { dummyHeight = v; return this; }
        public Builder codec(String v) { codec = v; return this; }
        public Builder gop(int v) { gop = v; return this; }
        public Builder bFrames(int v) { bFrames = v; return this; }
        public Builder bitrateKbps(int v) { bitrateKbps = v; return this; }
        public Builder encoderDevice(String v) { encoderDevice = v; return this; }
        public Builder hardwareEncoders(List<EncoderSpec> v) { hardwareEncoders = v; return this; }
        public Builder nvencProbeFrames(int v) { nvencProbeFrames = v; return this; }
        public Builder queueSize(int v) { queueSize = v; return this; }
        public Builder inputFps(int v) { inputFps = v; return this; }
        public Builder rtp(boolean v) { rtp = v; return this; }
        public Builder rtpEndpoint(String v) { rtpEndpoint = v; return this; }
        public Builder rtpPayloadType(int v) { rtpPayloadType = v; return this; }
        public Builder rtpMtu(int v) { rtpMtu = v; return this; }
        public Builder rtpSdp(Path v) { rtpSdp = v; return this; }
        public Builder rtmp(boolean v) { rtmp = v; return this; }
        public Builder rtmpUrl(String v) { rtmpUrl = v; return this; }
        public Builder rtmpMode(String v) { rtmpMode = v; return this; }
        public Builder rtmpReconnectMs(long min, long max) { rtmpReconnectMinMs = min; rtmpReconnectMaxMs = max; return this; }
        public Builder pipelineFile(Path v) { pipelineFile = v; return this; }
        public Builder rtmpPipelineFile(Path v) { rtmpPipelineFile = v; return this; }
        public Builder mp4PipelineFile(Path v) { mp4PipelineFile = v; return this; }
        public Builder dumpGraphDir(Path v) { dumpGraphDir = v; return this; }
        public Builder ingestMaxFrames(long v) { ingestMaxFrames = v; return this; }
        public Builder ingestIdleTimeoutMs(long v) { ingestIdleTimeoutMs = v; return this; }
        public Builder ingestVerify(String v) { ingestVerify = v; return this; }
        /** @param v null or blank for the host name */
        public Builder instanceId(String v) { instanceId = v; return this; }
        public Builder statusIntervalMs(long v) { statusIntervalMs = v; return this; }
        public Builder maxRestarts(int v) { maxRestarts = v; return this; }
        public Builder restartBackoffMs(long min, long max) { restartBackoffMinMs = min; restartBackoffMaxMs = max; return this; }
        public Builder nats(boolean enabled) { natsEnabled = enabled; return this; }
        public Builder natsUrl(String v) { natsUrl = v; return this; }
        public Builder natsAuth(String token, String user, String password, Path creds) { natsToken = token; natsUser = user; natsPassword = password; natsCreds = creds; return this; }
        public Builder natsTls(boolean tls, Path truststore, String truststorePassword) { natsTls = tls; natsTruststore = truststore; natsTruststorePassword = truststorePassword; return this; }
        public Builder natsReconnectWaitMs(long v) { natsReconnectWaitMs = v; return this; }
        public Builder recordMp4(Path v) { recordMp4 = v; return this; }
        public Builder recordMcap(Path v) { recordMcap = v; return this; }
        public Builder recordDir(Path v) { recordDir = v; return this; }

        /**
         * Validates and freezes the configuration.
         *
         * @throws ConfigException naming the first flag at fault (exit code 2)
         */
        public StreamerConfig build() {
            InputSpec input = buildInput();
            if (codec == null) {
                throw new ConfigException("--codec", "(missing)", "required for raw inputs: h264 or h265");
            }
            Codec c = Codec.parse(codec);
            range("--gop", gop, 1, 1000);
            range("--b-frames", bFrames, 0, 4);
            range("--bitrate-kbps", bitrateKbps, 100, 200_000);
            range("--queue-size", queueSize, 1, 64);
            range("--input-fps", inputFps, 0, 1000);
            range("--nvenc-probe-frames", nvencProbeFrames, 1, 10_000);
            if (ingestMaxFrames < 0) {
                throw new ConfigException("--ingest-max-frames", ingestMaxFrames, "must be >= 0 (0 = unlimited)");
            }
            if (ingestIdleTimeoutMs < 0) {
                throw new ConfigException("--ingest-idle-timeout-ms", ingestIdleTimeoutMs, "must be >= 0 (0 = disabled)");
            }
            if (statusIntervalMs < 0) {
                throw new ConfigException("--status-interval-ms", statusIntervalMs, "must be >= 0 (0 = off)");
            }
            range("--max-restarts", maxRestarts, 0, 1_000_000);
            EncoderDevice device = EncoderDevice.parse(encoderDevice);
            RtpOutput rtpOut = null;
            if (rtp || rtpEndpoint != null) {
                if (!rtp) {
                    throw new ConfigException("--rtp-endpoint", rtpEndpoint, "needs --rtp");
                }
                rtpOut = buildRtp();
            } else if (rtpSdp != null) {
                throw new ConfigException("--rtp-sdp", rtpSdp, "needs --rtp");
            }
            RtmpOutput rtmpOut = null;
            if (rtmp || rtmpUrl != null || rtmpMode != null) {
                if (!rtmp) {
                    throw new ConfigException(rtmpUrl != null ? "--rtmp-url" : "--rtmp-mode",
                            rtmpUrl != null ? RtmpUrl.maskLoosely(rtmpUrl) : rtmpMode, "needs --rtmp");
                }
                rtmpOut = buildRtmp(c);
            }
            boolean recordsOverNats = recordDir != null && natsEnabled; // a camera of a rig recorded on request
            if (rtpOut == null && rtmpOut == null && pipelineFile == null && recordMp4 == null && recordMcap == null
                    && !recordsOverNats) {
                throw new ConfigException("--rtp", "(missing)", "no output configured: give --rtp --rtp-endpoint HOST:PORT "
                        + "and/or --rtmp --rtmp-url URL (or only record: --record-mp4 / --record-mcap, or --record-dir "
                        + "with NATS for recordings started over NATS)");
            }
            List<EncoderSpec> hw = hardwareEncoders != null ? List.copyOf(hardwareEncoders) : EncoderSpec.nvenc(c);
            NatsConfig nats = natsEnabled ? NatsConfig.of(natsUrl, natsToken, natsUser, natsPassword, natsCreds, natsTls,
                    natsTruststore, natsTruststorePassword, natsReconnectWaitMs) : null;
            if (recordMp4 != null && recordMcap != null
                    && recordMp4.toAbsolutePath().normalize().equals(recordMcap.toAbsolutePath().normalize())) {
                throw new ConfigException("--record-mcap", recordMcap, "is also --record-mp4's file: give each recording its own");
            }
            recordPath("--record-mp4", recordMp4);
            recordPath("--record-mcap", recordMcap);
            RecordRoot root = recordDir == null ? null : RecordRoot.of("--record-dir", recordDir);
            IngestVerify verify;
            try {
                verify = IngestVerify.parse(ingestVerify);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--ingest-verify", ingestVerify, e.getMessage());
            }
            if (rtmpPipelineFile != null && rtmpOut == null) {
                throw new ConfigException("--rtmp-pipeline", rtmpPipelineFile, "needs --rtmp");
            }
            if (dumpGraphDir != null && !Files.isDirectory(dumpGraphDir)) {
                throw new ConfigException("--dump-graph", dumpGraphDir, "is not a folder: create it first");
            }
            PipelineDescriptor mp4Graph = null;
            if (mp4PipelineFile != null) {
                mp4Graph = PipelineDescriptor.load("--record-mp4-pipeline", mp4PipelineFile);
                mp4Graph.requirePlaceholders("--record-mp4-pipeline", PipelineBuilder.MP4_PLACEHOLDERS);
            }
            PipelineDescriptor encodeGraph = pipelineFile == null ? null : PipelineDescriptor.load("--pipeline", pipelineFile);
            StreamerConfig config = new StreamerConfig(input, c, gop, bFrames, bitrateKbps, device, hw, nvencProbeFrames,
                    queueSize, inputFps, rtpOut, rtmpOut, encodeGraph, ingestMaxFrames, ingestIdleTimeoutMs,
                    verify, statusIntervalMs, maxRestarts,
                    restartBackoffMinMs, restartBackoffMaxMs, nats, recordMp4, recordMcap, root, instance(), mp4Graph,
                    dumpGraphDir);
            if (encodeGraph != null) {
                encodeGraph.requirePlaceholders("--pipeline", config.encodePlaceholders());
            }
            return config;
        }

        /** The instance id: as given, else the host name; {@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}}. */
        private String instance() {
            String id = instanceId;
            String flag = "--instance-id";
            if (id == null || id.isBlank()) {
                flag = "--instance-id (default: the host name)";
                id = HostName.get();
                if (id == null) {
                    throw new ConfigException(flag, "?", "the host name cannot be read: give --instance-id");
                }
            }
            if (!INSTANCE_ID.matcher(id).matches()) {
                throw new ConfigException(flag, id, "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}");
            }
            return id;
        }

        /** A recording path given on the command line: its folder must exist, the file must not. */
        private static void recordPath(String flag, Path p) {
            if (p == null) {
                return;
            }
            NewFile.Problem problem = NewFile.check(p);
            if (problem == NewFile.Problem.NO_FOLDER) {
                throw new ConfigException(flag, p, "its folder does not exist");
            }
            if (problem == NewFile.Problem.EXISTS) {
                throw new ConfigException(flag, p, "already exists (recordings never overwrite a file)");
            }
        }

        private InputSpec buildInput() {
            switch (inputMode) {
                case "dummy" -> {
                    if (inputUri != null || shmName != null || zmqEndpoint != null) {
                        throw new ConfigException("--input-mode", "dummy", "cannot be combined with --input-uri, --shm-name or --zmq-endpoint");
                    }
                    int bytes = dummyLabel.getBytes(StandardCharsets.UTF_8).length;
                    if (bytes > MAX_LABEL_BYTES) {
                        throw new ConfigException("--dummy-label", dummyLabel, "is " + bytes + " bytes, longer than "
                                + MAX_LABEL_BYTES);
                    }
                    if (!LABEL.matcher(dummyLabel).matches()) {
                        throw new ConfigException("--dummy-label", dummyLabel, "must match [A-Za-z0-9][A-Za-z0-9._-]*");
                    }
                    if (dummyFrames < 0) {
                        throw new ConfigException("--dummy-frames", dummyFrames, "must be >= 0 (0 = until stopped)");
                    }
                    range("--dummy-fps", dummyFps, 1, 1000);
                    range("--dummy-width", dummyWidth, 16, 7680);
                    range("--dummy-height", dummyHeight, 16, 4320);
                    if ((dummyWidth & 1) != 0 || (dummyHeight & 1) != 0) {
                        throw new ConfigException("--dummy-width", dummyWidth + "x" + dummyHeight, "width and height must be even (I420)");
                    }
                    CvmmapTarget t = new CvmmapTarget(dummyLabel, CvmmapTarget.DEFAULT_NAMESPACE, CvmmapTarget.DEFAULT_PREFIX);
                    return new InputSpec(t, true, dummyFrames, dummyFps, dummyWidth, dummyHeight);
                }
                case "cvmmap" -> {
                    CvmmapTarget t;
                    if (CuframesUri.matches(inputUri)) {
                        if (shmName != null || zmqEndpoint != null) {
                            throw new ConfigException("--input-uri", inputUri, "cannot be combined with --shm-name/--zmq-endpoint");
                        }
                        try {
                            return InputSpec.cuframes(CuframesUri.parse(inputUri));
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException("--input-uri", inputUri, e.getMessage());
                        }
                    }
                    if (inputUri != null) {
                        if (shmName != null || zmqEndpoint != null) {
                            throw new ConfigException("--input-uri", inputUri, "cannot be combined with --shm-name/--zmq-endpoint");
                        }
                        try {
                            t = CvmmapTarget.parse(inputUri);
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException("--input-uri", inputUri, e.getMessage());
                        }
                    } else if (shmName != null || zmqEndpoint != null) {
                        if (shmName == null || zmqEndpoint == null) {
                            throw new ConfigException(shmName == null ? "--shm-name" : "--zmq-endpoint", "(missing)",
                                    "--shm-name and --zmq-endpoint go together");
                        }
                        try {
                            t = CvmmapTarget.fromLegacy(shmName, zmqEndpoint, null);
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException(e.getMessage().startsWith("--zmq") ? "--zmq-endpoint" : "--shm-name",
                                    e.getMessage().startsWith("--zmq") ? zmqEndpoint : shmName, e.getMessage());
                        }
                    } else {
                        throw new ConfigException("--input-uri", "(missing)",
                                "give --input-uri cvmmap://NAME (or cuframes://KEY, cuframes-packets://KEY), --shm-name with --zmq-endpoint, or --input-mode dummy");
                    }
                    return new InputSpec(t, false, 0, 0, 0, 0);
                }
                default -> throw new ConfigException("--input-mode", inputMode, "must be cvmmap or dummy");
            }
        }

        private RtpOutput buildRtp() {
            if (rtpEndpoint == null) {
                throw new ConfigException("--rtp-endpoint", "(missing)", "--rtp needs --rtp-endpoint HOST:PORT");
            }
            HostPort endpoint = HostPort.parse("--rtp-endpoint", rtpEndpoint, 1);
            range("--rtp-payload-type", rtpPayloadType, 96, 127);
            range("--rtp-mtu", rtpMtu, 200, 65000);
            return new RtpOutput(endpoint.host(), endpoint.port(), rtpPayloadType, rtpMtu, rtpSdp);
        }

        private RtmpOutput buildRtmp(Codec c) {
            if (rtmpUrl == null) {
                throw new ConfigException("--rtmp-url", "(missing)", "--rtmp needs --rtmp-url rtmp://HOST[:PORT]/APP/STREAM");
            }
            RtmpUrl url;
            try {
                url = RtmpUrl.parse(rtmpUrl);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--rtmp-url", RtmpUrl.maskLoosely(rtmpUrl), e.getMessage());
            }
            if (rtmpMode != null && !rtmpMode.equals("enhanced") && !rtmpMode.equals("domestic")) {
                throw new ConfigException("--rtmp-mode", rtmpMode, "must be enhanced or domestic");
            }
            VideoPackaging packaging;
            try {
                packaging = VideoPackaging.of(c, rtmpMode);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--rtmp-mode", rtmpMode == null ? "(missing)" : rtmpMode,
                        "with --codec " + c.cliName() + ": " + e.getMessage());
            }
            range("--rtmp-reconnect-min-ms", rtmpReconnectMinMs, 10, 600_000);
            range("--rtmp-reconnect-max-ms", rtmpReconnectMaxMs, rtmpReconnectMinMs, 600_000);
            PipelineDescriptor client = rtmpPipelineFile == null ? RtmpOutput.BUILT_IN_CLIENT
                    : PipelineDescriptor.load("--rtmp-pipeline", rtmpPipelineFile);
            client.requirePlaceholders("--rtmp-pipeline", RtmpOutput.CLIENT_PLACEHOLDERS);
            return new RtmpOutput(url, packaging, rtmpReconnectMinMs, rtmpReconnectMaxMs, client);
        }

        private static void range(String flag, long v, long min, long max) {
            if (v < min || v > max) {
                throw new ConfigException(flag, v, "must be in " + min + ".." + max);
            }
        }
    }
}
