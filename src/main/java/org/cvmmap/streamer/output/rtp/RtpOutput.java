package org.cvmmap.streamer.output.rtp;

import java.nio.file.Path;

/**
 * RTP output (docs/specs/streamer.md §4): UDP unicast to host:port with payload type pt.
 *
 * @param host        destination host or address
 * @param port        destination UDP port, 1..65535
 * @param payloadType RTP payload type, 96..127
 * @param mtu         maximum RTP packet size, bytes
 * @param sdpPath     where to write the SDP, or null
 */
public record RtpOutput(String host, int port, int payloadType, int mtu, Path sdpPath) {
}
