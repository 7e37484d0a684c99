package org.cvmmap.streamer.output.rtp;

import org.cvmmap.streamer.media.Codec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

class RtpCodecsTest {

    @Test
    void sdpForH264() {
        assertThat(Sdp.render(Codec.H264, "127.0.0.1", 5004, 96, "cvmmap-streamer cvmmap_dummy", 1700000000L))
                .isEqualTo("v=0\r\n"
                        + "o=- 1700000000 1 IN IP4 127.0.0.1\r\n"
                        + "s=cvmmap-streamer cvmmap_dummy\r\n"
                        + "c=IN IP4 127.0.0.1\r\n"
                        + "t=0 0\r\n"
                        + "m=video 5004 RTP/AVP 96\r\n"
                        + "a=rtpmap:96 H264/90000\r\n"
                        + "a=fmtp:96 packetization-mode=1\r\n"
                        + "a=recvonly\r\n");
    }

    @Test
    void sdpForH265OverIpv6() {
        String sdp = Sdp.render(Codec.H265, "::1", 6000, 127, "s", 1);
        assertThat(sdp).contains("c=IN IP6 ::1\r\n").contains("m=video 6000 RTP/AVP 127\r\n")
                .contains("a=rtpmap:127 H265/90000\r\n").doesNotContain("fmtp");
    }

    @Test
    void decodesRtpHeader() {
        byte[] p = hexBytes("80 e0 12 34 | 00 01 5f 90 | de ad be ef | 7c 85");
        RtpHeader h = RtpHeader.decode(p, p.length);
        assertThat(h).isEqualTo(new RtpHeader(2, false, false, 0, true, 96, 0x1234, 90000, 0xDEADBEEFL));
    }

    @Test
    void rejectsShortPackets() {
        assertThatThrownBy(() -> RtpHeader.decode(new byte[11], 11)).hasMessageContaining("rtp.length=11");
        byte[] withCsrc = hexBytes("82 60 00 01 00 00 00 00 00 00 00 01 00 00 00 02");
        assertThatThrownBy(() -> RtpHeader.decode(withCsrc, withCsrc.length)).hasMessageContaining("rtp.csrc_count=2");
    }
}
