package org.cvmmap.streamer.testers;

import org.cvmmap.streamer.support.Streamers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class RtpReceiverTesterTest {

    private static byte[] rtp(int pt, int seq, boolean marker) {
        byte[] p = new byte[20];
        p[0] = (byte) 0x80;
        p[1] = (byte) ((marker ? 0x80 : 0) | pt);
        p[2] = (byte) (seq >> 8);
        p[3] = (byte) seq;
        p[11] = 7;
        return p;
    }

    private static RtpReceiverTester.Result run(long threshold, long timeoutMs, byte[]... packets) throws IOException {
        int port = Streamers.freeUdpPort();
        RtpReceiverTester t = new RtpReceiverTester(new RtpReceiverTester.Settings("127.0.0.1", port, 96, threshold,
                timeoutMs, 0));
        t.onBound(() -> {
            try (DatagramSocket s = new DatagramSocket()) {
                for (byte[] p : packets) {
                    s.send(new DatagramPacket(p, p.length, InetAddress.getLoopbackAddress(), port));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return t.run();
    }

    @Test
    void passesWhenThresholdMetAndCountsGapsAndAccessUnits() throws IOException {
        RtpReceiverTester.Result r = run(3, 5000, rtp(96, 1, false), rtp(96, 2, true), rtp(96, 4, true));
        assertThat(r.exitCode()).isEqualTo(TesterExitCodes.OK);
        assertThat(r.packets()).isEqualTo(3);
        assertThat(r.accessUnits()).isEqualTo(2);
        assertThat(r.gaps()).isEqualTo(1);
        assertThat(r.ssrc()).isEqualTo(7);
    }

    @Test
    void payloadTypeMismatchExitsThree() throws IOException {
        assertThat(run(3, 5000, rtp(96, 1, false), rtp(97, 2, false)).exitCode()).isEqualTo(3);
    }

    @Test
    void thresholdNotMetExitsFour() throws IOException {
        RtpReceiverTester.Result r = run(5, 300, rtp(96, 1, false), rtp(96, 2, false));
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.packets()).isEqualTo(2);
    }

    @Test
    void nothingReceivedExits124AndNonRtpIsIgnored() throws IOException {
        byte[] notRtp = new byte[20]; // version 0
        assertThat(run(1, 200, notRtp, new byte[3]).exitCode()).isEqualTo(124);
    }
}
