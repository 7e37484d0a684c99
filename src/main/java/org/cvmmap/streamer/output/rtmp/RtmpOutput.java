package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.pipeline.PipelineDescriptor;

import org.cvmmap.streamer.output.rtmp.RtmpUrl;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;

/**
 * RTMP output (docs/specs/streamer.md §4): publish to {@code url} with the packaging {@code --codec} and
 * {@code --rtmp-mode} select; reconnect with exponential back-off between the two bounds.
 *
 * @param url                 validated publish URL (log {@link RtmpUrl#masked()} only)
 * @param packaging           AVC (H.264), HEVC_ENHANCED (hvc1) or HEVC_DOMESTIC (CodecID 12)
 * @param reconnectMinMs      first wait before reconnecting, ms (doubles after each failure)
 * @param reconnectMaxMs      longest wait, ms
 * @param clientGraph         the client graph's descriptor ({@code --rtmp-pipeline FILE} or
 *                            {@link #BUILT_IN_CLIENT}): an {@code appsrc name=flvsrc} fed FLV tags, and
 *                            {@code ${rtmp_url}}
 */
public record RtmpOutput(RtmpUrl url, VideoPackaging packaging, long reconnectMinMs, long reconnectMaxMs,
                         PipelineDescriptor clientGraph) {
    /** {@code pipelines/rtmp-publish.pipeline}: {@code appsrc name=flvsrc ! rtmp2sink}. */
    public static final PipelineDescriptor BUILT_IN_CLIENT = PipelineDescriptor.builtIn("rtmp-publish.pipeline");
    /** Placeholders of a client graph: {@code rtmp_url}, always filled. */
    public static final java.util.Map<String, String> CLIENT_PLACEHOLDERS;

    static {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        m.put("rtmp_url", null);
        CLIENT_PLACEHOLDERS = java.util.Collections.unmodifiableMap(m);
    }
}
