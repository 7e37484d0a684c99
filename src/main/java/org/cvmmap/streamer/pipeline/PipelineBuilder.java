package org.cvmmap.streamer.pipeline;

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
 * Turns the validated configuration into a GStreamer graph: picks the descriptor
 * ({@code --pipeline FILE}, else {@code pipelines/rtp-<codec>.pipeline}), fills its placeholders for
 * one encoder and input format, and parses it. Builds graphs only; lifecycles belong to the supervisor.
 */
public final class PipelineBuilder {
    private final StreamerConfig config;
    private final PipelineDescriptor descriptor;

    /**
     * @throws java.io.UncheckedIOException if {@code --pipeline} cannot be read
     */
    public PipelineBuilder(StreamerConfig config) {
        this.config = config;
        this.descriptor = config.pipelineFile() != null ? PipelineDescriptor.load(config.pipelineFile())
                : PipelineDescriptor.builtIn("rtp-" + config.codec().cliName() + ".pipeline");
    }

    /** The descriptor in use. */
    public PipelineDescriptor descriptor() {
        return descriptor;
    }

    /**
     * The placeholder values for one encoder and input format.
     *
     * @param fpsNum input frame rate numerator (0 = unknown)
     */
    public Map<String, String> values(EncoderSpec encoder, RawVideoFormat format, int fpsNum) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("caps", format.caps(fpsNum, 1));
        v.put("encoder", encoder.fragment());
        v.put("encoder_format", encoder.inputFormat());
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
        List<GError> errors = new ArrayList<>();
        Element e = Gst.parseLaunch(desc, errors);
        if (!errors.isEmpty() || !(e instanceof Pipeline p)) {
            if (e != null) {
                e.dispose();
            }
            String why = errors.isEmpty() ? "description did not produce a pipeline"
                    : errors.stream().map(GError::getMessage).collect(Collectors.joining("; "));
            throw new PipelineBuildException(why, desc);
        }
        for (String name : List.of("src", "parse")) {
            if (p.getElementByName(name) == null) {
                p.dispose();
                throw new PipelineBuildException("descriptor " + descriptor.name() + " has no element named '" + name
                        + "'", desc);
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
