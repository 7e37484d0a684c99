package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.media.Codec;
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
 * Turns an encode descriptor into GStreamer graphs: fills its placeholders (the stream's fixed values
 * from {@link Settings}, plus the encoder and the input format of each build) and parses it. Which
 * descriptor and which fixed values come from the configuration ({@code StreamerConfig#pipelineSettings()});
 * this class knows no flags. Also parses the small graphs other parts own (the MP4 recorder here, the
 * RTMP client in the RTMP output) through {@link #parse}.
 * Builds graphs only; lifecycles belong to the supervisor and the outputs.
 */
public final class PipelineBuilder {
    private final Settings settings;
    /** Placeholders every encode build fills itself (the format and encoder of that build). */
    public static final java.util.Set<String> PER_BUILD_PLACEHOLDERS = java.util.Set.of("caps", "encoder", "encoder_format");
    /** Placeholders of an MP4 recorder graph: all filled (see {@link #buildMp4Recorder}). */
    public static final Map<String, String> MP4_PLACEHOLDERS;

    static {
        Map<String, String> m = new java.util.HashMap<>();
        m.put("encoded_caps", null);
        m.put("parser", null);
        m.put("fragment_ms", null);
        MP4_PLACEHOLDERS = java.util.Collections.unmodifiableMap(m);
    }

    /**
     * What one stream's encode graphs are made of.
     *
     * @param descriptor  the encode descriptor ({@code --pipeline FILE} or a built-in one)
     * @param fixedValues placeholder values that do not change between builds (outputs, rate control,
     *                    stream key, cuframes source)
     * @param required    element names the graph must have (the contract with the supervisor and
     *                    the outputs: {@code src}, {@code parse}, and {@value EncodedStreamHub#APPSINK} with RTMP)
     */
    public record Settings(PipelineDescriptor descriptor, Map<String, String> fixedValues, List<String> required) {
        public Settings {
            fixedValues = Map.copyOf(fixedValues);
            required = List.copyOf(required);
        }
    }

    public PipelineBuilder(Settings settings) {
        this.settings = settings;
    }

    /** The descriptor in use. */
    public PipelineDescriptor descriptor() {
        return settings.descriptor();
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
        v.putAll(settings.fixedValues());
        return v;
    }

    /**
     * The gst-launch description that will run (also what gets logged).
     *
     * @throws IllegalArgumentException if the descriptor has a placeholder without value
     */
    public String describe(EncoderSpec encoder, RawVideoFormat format, int fpsNum) {
        return settings.descriptor().render(values(encoder, format, fpsNum));
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
        return parse(settings.descriptor(), desc, desc, settings.required());
    }

    /**
     * The graph of an already-encoded input ({@code cuframes-packets://}): source → parse → outputs, no
     * encoder.
     *
     * @return the pipeline in state NULL
     * @throws PipelineBuildException as {@link #build}, e.g. when the cuframes plugin is not found
     */
    public Pipeline buildPassthrough() {
        return build(null, null, 0);
    }

    /** How often the MP4 recorder closes a fragment (the most a crash can lose), ms. */
    public static final int MP4_FRAGMENT_MS = 500;

    /**
     * The MP4 recorder graph ({@code record-mp4.pipeline}): appsrc of access units → parser →
     * fragmented mp4mux → filesink named "file" (location set by the caller).
     *
     * @param codec the encoded stream's codec
     * @param d     the descriptor ({@code --record-mp4-pipeline}), or null for the built-in one
     * @return the pipeline in state NULL
     * @throws PipelineBuildException if it cannot be parsed
     */
    public static Pipeline buildMp4Recorder(Codec codec, PipelineDescriptor d) {
        PipelineDescriptor graph = d != null ? d : PipelineDescriptor.builtIn("record-mp4.pipeline");
        String desc = mp4RecorderDescription(codec, graph);
        return parse(graph, desc, desc, List.of("src", "file"));
    }

    /**
     * The MP4 recorder's description with its placeholders filled.
     *
     * @param d the descriptor ({@code --record-mp4-pipeline}), or null for the built-in one
     */
    public static String mp4RecorderDescription(Codec codec, PipelineDescriptor d) {
        PipelineDescriptor graph = d != null ? d : PipelineDescriptor.builtIn("record-mp4.pipeline");
        return graph.render(Map.of("encoded_caps", codec.encodedCaps(), "parser", codec.parser(),
                "fragment_ms", Integer.toString(MP4_FRAGMENT_MS)));
    }

    /**
     * Parses a rendered description and checks that the elements the caller relies on are there.
     *
     * @param d        the descriptor it was rendered from (named in errors)
     * @param desc     the description to parse
     * @param shown    the description as it may be logged (the RTMP URL masked)
     * @param required element names the caller looks up (none: {@code d} may be null)
     * @return the pipeline in state NULL
     * @throws PipelineBuildException with GStreamer's messages, or naming the missing element
     */
    public static Pipeline parse(PipelineDescriptor d, String desc, String shown, List<String> required) {
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
                        + (name.equals(EncodedStreamHub.APPSINK) ? " (the hub's appsink, needed by --rtmp)" : ""), shown);
            }
        }
        return p;
    }
}
