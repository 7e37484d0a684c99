package org.cvmmap.streamer.output.rtp;

import org.cvmmap.streamer.media.Codec;

/**
 * Session description for the RTP output (RFC 8866), with the payload format of RFC 6184 §8.2.1
 * (H.264, {@code packetization-mode=1}) or RFC 7798 §7.2 (H.265). Parameter sets travel in-band
 * (the payloader repeats them before every IDR), so a receiver may join at any keyframe. Pure text.
 */
public final class Sdp {
    private Sdp() {
    }

    /**
     * Renders the SDP.
     *
     * @param codec       H.264 or H.265
     * @param address     destination address as a literal IPv4 or IPv6 address
     * @param port        destination UDP port
     * @param payloadType dynamic payload type, 96..127
     * @param sessionName {@code s=} line
     * @param sessionId   {@code o=} session id (e.g. NTP seconds)
     * @return the SDP text, CRLF line endings
     */
    public static String render(Codec codec, String address, int port, int payloadType, String sessionName,
                                long sessionId) {
        String ipVersion = address.contains(":") ? "IP6" : "IP4";
        StringBuilder sb = new StringBuilder();
        line(sb, "v=0");
        line(sb, "o=- " + sessionId + " 1 IN " + ipVersion + " " + address);
        line(sb, "s=" + sessionName);
        line(sb, "c=IN " + ipVersion + " " + address);
        line(sb, "t=0 0");
        line(sb, "m=video " + port + " RTP/AVP " + payloadType);
        line(sb, "a=rtpmap:" + payloadType + " " + codec.rtpEncodingName() + "/90000");
        if (codec == Codec.H264) {
            line(sb, "a=fmtp:" + payloadType + " packetization-mode=1");
        }
        line(sb, "a=recvonly");
        return sb.toString();
    }

    private static void line(StringBuilder sb, String l) {
        sb.append(l).append("\r\n");
    }
}
