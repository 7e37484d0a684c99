package org.cvmmap.streamer.output.rtmp;

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
 */
public record RtmpOutput(RtmpUrl url, VideoPackaging packaging, long reconnectMinMs, long reconnectMaxMs) {
}
