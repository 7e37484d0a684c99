package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.config.Codec;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.glib.GError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns the validated configuration into GStreamer graphs: picks the encode descriptor
 * ({@code --pipeline FILE}, else {@code pipelines/<outputs>-<codec>.pipeline} with outputs
 * {@code rtp}, {@code rtmp} or {@code rtp-rtmp}; {@code pipelines/packets-<outputs>-<codec>.pipeline}
 * for a {@code cuframes-packets://} input, which has no encoder, and {@code frames-...} for
 * {@code cuframes://}, whose source is cuframessrc), fills its placeholders for one
 * encoder and input format, and parses it; and builds the RTMP client graph
 * ({@code pipelines/rtmp-publish.pipeline}).
 * Builds graphs only; lifecycles belong to the supervisor and the RTMP publisher.
 */
public final class PipelineBuilder {
    /** Name of the appsink the RTMP output reads encoded access units from. */
    public static final String RTMP_APPSINK = "rtmp";
    /** How long cuframespacketsrc waits for a publisher before the graph fails (and is rebuilt), ms. */
    static final int CUFRAMES_TIMEOUT_MS = 10_000;
    private final StreamerConfig config;
    private final PipelineDescriptor descriptor;
    /** The RTMP client graph's descriptor, read once (the graph is rebuilt at every reconnect); null without RTMP. */
    private final PipelineDescriptor rtmpPublishDescriptor;

    /**
     * @throws java.io.UncheckedIOException if {@code --pipeline} cannot be read
     */
    public PipelineBuilder(StreamerConfig config) {
        this.config = config;
        this.descriptor = config.pipelineFile() != null ? PipelineDescriptor.load(config.pipelineFile())
                : PipelineDescriptor.builtIn(builtInName(config));
        this.rtmpPublishDescriptor = config.rtmp() != null ? PipelineDescriptor.builtIn("rtmp-publish.pipeline") : null;
    }

    /**
     * {@code rtp-h264.pipeline}, {@code rtmp-h265.pipeline}, {@code rtp-rtmp-h264.pipeline}; with a
     * {@code packets-} ({@code cuframes-packets://}) or {@code frames-} ({@code cuframes://}) prefix.
     */
    static String builtInName(StreamerConfig config) {
        String outputs = config.rtp() != null && config.rtmp() != null ? "rtp-rtmp" : config.rtmp() != null ? "rtmp" : "rtp";
        String source = config.input().passthrough() ? "packets-" : config.input().sourceInGraph() ? "frames-" : "";
        return source + outputs + "-" + config.codec().cliName() + ".pipeline";
    }

    /** The descriptor in use. */
    public PipelineDescriptor descriptor() {
        return descriptor;
    }

    /**
     * The placeholder values for one encoder and input format.
     *
     * @param encoder the encoder, or null for an already-encoded input (then format is unused)
     * @param fpsNum  input frame rate numerator (0 = unknown)
     */
    public Map<String, String> values(EncoderSpec encoder, RawVideoFormat format, int fpsNum) {
        Map<String, String> v = new LinkedHashMap<>();
        if (encoder != null) {
            if (format != null) { // null: the graph's own source negotiates (cuframes frames)
                v.put("caps", format.caps(fpsNum, 1));
            }
            v.put("encoder", encoder.fragment());
            v.put("encoder_format", encoder.inputFormat());
        }
        if (config.input().cuframes() != null) {
            v.put("cuframes_key", config.input().cuframes().key());
            v.put("cuframes_runtime_dir", config.input().cuframes().runtimeDir());
            v.put("cuframes_timeout_ms", Integer.toString(CUFRAMES_TIMEOUT_MS));
        }
        v.put("gop", Integer.toString(config.gop()));
        v.put("b_frames", Integer.toString(config.bFrames()));
        v.put("bitrate_kbps", Integer.toString(config.bitrateKbps()));
        v.put("stream_key", config.input().streamKey());
        if (config.rtp() != null) {
            v.put("rtp_host", config.rtp().host());
            v.put("rtp_port", Integer.toString(config.rtp().port()));
            v.put("rtp_payload_type", Integer.toString(config.rtp().payloadType()));
            v.put("rtp_mtu", Integer.toString(config.rtp().mtu()));
        }
        return v;
    }

    /**
     * The gst-launch description that will run (also what gets logged).
     *
     * @throws IllegalArgumentException if the descriptor has a placeholder without value
     */
    public String describe(EncoderSpec encoder, RawVideoFormat format, int fpsNum) {
        return descriptor.render(values(encoder, format, fpsNum));
    }

    /**
     * Parses the description into a pipeline. {@code Gst.parseLaunch} returns a partial graph when an
     * element is unknown, so every GError is collected and turned into an exception instead.
     *
     * @return the pipeline in state NULL
     * @throws PipelineBuildException with GStreamer's messages when parsing fails or the contract
     *                                elements ({@code src}, {@code parse}) are missing
     */
    public Pipeline build(EncoderSpec encoder, RawVideoFormat format, int fpsNum) {
        String desc = describe(encoder, format, fpsNum);
        return parse(descriptor, desc, desc, required());
    }

    private List<String> required() {
        return config.rtmp() != null ? List.of("src", "parse", RTMP_APPSINK) : List.of("src", "parse");
    }

    /**
     * The graph of an already-encoded input ({@code cuframes-packets://}): source → parse → outputs, no
     * encoder.
     *
     * @return the pipeline in state NULL
     * @throws PipelineBuildException as {@link #build}, e.g. when the cuframes plugin is not found
     */
    public Pipeline buildPassthrough() {
        String desc = describe(null, null, 0);
        return parse(descriptor, desc, desc, required());
    }

    /**
     * The RTMP client graph for {@code --rtmp-url}: {@code appsrc name=flvsrc ! rtmp2sink}.
     *
     * @return the pipeline in state NULL
     * @throws PipelineBuildException if it cannot be parsed (the message carries the masked URL only)
     * @throws IllegalStateException  if the configuration has no RTMP output
     */
    public Pipeline buildRtmpPublisher() {
        if (config.rtmp() == null) {
            throw new IllegalStateException("no RTMP output configured");
        }
        PipelineDescriptor d = rtmpPublishDescriptor;
        String desc = d.render(Map.of("rtmp_url", config.rtmp().url().url()));
        String masked = d.render(Map.of("rtmp_url", config.rtmp().url().masked()));
        return parse(d, desc, masked, List.of("flvsrc"));
    }

    /** How often the MP4 recorder closes a fragment (the most a crash can lose), ms. */
    public static final int MP4_FRAGMENT_MS = 500;

    /**
     * The MP4 recorder graph ({@code record-mp4.pipeline}): appsrc of access units → parser →
     * fragmented mp4mux → filesink named "file" (location set by the caller).
     *
     * @param codec the encoded stream's codec
     * @return the pipeline in state NULL
     * @throws PipelineBuildException if it cannot be parsed
     */
    public static Pipeline buildMp4Recorder(Codec codec) {
        PipelineDescriptor d = PipelineDescriptor.builtIn("record-mp4.pipeline");
        String desc = d.render(Map.of("encoded_caps", codec.encodedCaps(), "parser", codec.parser(),
                "fragment_ms", Integer.toString(MP4_FRAGMENT_MS)));
        return parse(d, desc, desc, List.of("src", "file"));
    }

    /**
     * Parses a rendered description and checks that the elements the caller relies on are there.
     *
     * @param shown the description as it may be logged (the RTMP URL masked)
     */
    private static Pipeline parse(PipelineDescriptor d, String desc, String shown, List<String> required) {
        List<GError> errors = new ArrayList<>();
        Element e = Gst.parseLaunch(desc, errors);
        if (!errors.isEmpty() || !(e instanceof Pipeline p)) {
            if (e != null) {
                e.dispose();
            }
            String why = errors.isEmpty() ? "description did not produce a pipeline"
                    : errors.stream().map(GError::getMessage).collect(Collectors.joining("; "));
            throw new PipelineBuildException(why, shown);
        }
        for (String name : required) {
            if (p.getElementByName(name) == null) {
                p.dispose();
                throw new PipelineBuildException("descriptor " + d.name() + " has no element named '" + name + "'"
                        + (name.equals(RTMP_APPSINK) ? " (an appsink, needed by --rtmp)" : ""), shown);
            }
        }
        return p;
    }

    /** A description could not be turned into a usable pipeline (exit code 5 when nothing else is left). */
    public static final class PipelineBuildException extends RuntimeException {
        private final String description;

        public PipelineBuildException(String message, String description) {
            super(message);
            this.description = description;
        }

        /** The description that failed. */
        public String description() {
            return description;
        }
    }
}
