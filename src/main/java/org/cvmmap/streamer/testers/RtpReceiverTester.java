package org.cvmmap.streamer.testers;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.output.rtp.RtpHeader;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * Embedded RTP receiver (docs/specs/streamer.md §8): binds a UDP port, checks every packet's RTP version (2),
 * payload type and sequence continuity, counts packets, access units (marker bits) and bytes, and
 * ends with an exit code: 0 threshold met, 3 payload-type mismatch, 4 timeout with some packets but
 * fewer than the threshold, 124 timeout with no packet at all.
 */
public final class RtpReceiverTester {
    private static final Logger LOG = LogManager.getLogger(RtpReceiverTester.class);

    /**
     * @param bindHost   address to bind (e.g. 0.0.0.0)
     * @param port       UDP port
     * @param expectPt   expected payload type
     * @param threshold  packets needed for success
     * @param timeoutMs  overall deadline, ms
     * @param progressMs period of the progress line, ms (0 = none)
     */
    public record Settings(String bindHost, int port, int expectPt, long threshold, long timeoutMs, long progressMs) {
    }

    /**
     * Result counters.
     *
     * @param packets     RTP packets accepted
     * @param accessUnits packets with the marker bit (last packet of an access unit)
     * @param bytes       payload bytes received
     * @param gaps        sequence discontinuities seen
     * @param ssrc        SSRC of the first packet
     * @param exitCode    the tester's exit code
     * @param maxIntervalMs longest time between two consecutive packets, ms (how long the stream paused)
     * @param ssrcChanges packets whose SSRC differs from the one before (a new session: 0 expected)
     * @param timestampsBack packets whose RTP timestamp is before the one before (modulo 2^32)
     */
    public record Result(long packets, long accessUnits, long bytes, long gaps, long ssrc, int exitCode,
                         long maxIntervalMs, long ssrcChanges, long timestampsBack) {
    }

    private final Settings settings;
    private volatile Runnable onBound = () -> { };

    public RtpReceiverTester(Settings settings) {
        this.settings = settings;
    }

    /** Called once the socket is bound (tests start the sender then). */
    public void onBound(Runnable r) {
        this.onBound = r;
    }

    /**
     * Receives until the threshold, a payload-type mismatch, or the deadline.
     *
     * @throws IOException if the port cannot be bound
     */
    public Result run() throws IOException {
        long deadline = System.nanoTime() + settings.timeoutMs() * 1_000_000L;
        long packets = 0;
        long aus = 0;
        long bytes = 0;
        long gaps = 0;
        long ssrc = -1;
        long lastSsrc = -1;
        long lastTs = -1;
        long ssrcChanges = 0;
        long tsBack = 0;
        int lastSeq = -1;
        long lastArrival = 0;
        long maxInterval = 0;
        long nextProgress = System.nanoTime() + settings.progressMs() * 1_000_000L;
        try (DatagramChannel ch = DatagramChannel.open(); Selector sel = Selector.open()) {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress(settings.bindHost(), settings.port()));
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            LOG.info("event=rtp_receiver_listening port={} expect_pt={} threshold={} timeout_ms={}", settings.port(),
                    settings.expectPt(), settings.threshold(), settings.timeoutMs());
            onBound.run();
            ByteBuffer buf = ByteBuffer.allocate(65536);
            byte[] arr = buf.array();
            while (packets < settings.threshold()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new SocketTimeoutException();
                }
                sel.select(Math.min(left, 250));
                sel.selectedKeys().clear();
                while (true) {
                    buf.clear();
                    if (ch.receive(buf) == null) {
                        break;
                    }
                    int len = buf.position();
                    RtpHeader h;
                    try {
                        h = RtpHeader.decode(arr, len);
                    } catch (IllegalArgumentException e) {
                        LOG.warn("event=rtp_packet_invalid cause=\"{}\"", e.getMessage());
                        continue;
                    }
                    if (h.version() != 2) {
                        LOG.warn("event=rtp_packet_invalid cause=\"version={} (expected 2)\"", h.version());
                        continue;
                    }
                    if (h.payloadType() != settings.expectPt()) {
                        LOG.error("event=rtp_pt_mismatch got={} expected={}", h.payloadType(), settings.expectPt());
                        return new Result(packets, aus, bytes, gaps, h.ssrc(), TesterExitCodes.PT_MISMATCH,
                                maxInterval / 1_000_000L, ssrcChanges, tsBack);
                    }
                    if (ssrc < 0) {
                        ssrc = h.ssrc();
                        LOG.info("event=rtp_first_packet port={} ssrc={} seq={} pt={}", settings.port(),
                                String.format("0x%08x", ssrc), h.sequence(), h.payloadType());
                    }
                    if (lastSeq >= 0 && h.sequence() != ((lastSeq + 1) & 0xFFFF)) {
                        gaps++;
                    }
                    if (lastSsrc >= 0 && h.ssrc() != lastSsrc) {
                        ssrcChanges++;
                        LOG.warn("event=rtp_ssrc_changed from={} to={}", String.format("0x%08x", lastSsrc),
                                String.format("0x%08x", h.ssrc()));
                    }
                    if (lastTs >= 0 && ((h.timestamp() - lastTs) & 0xFFFF_FFFFL) > 0x7FFF_FFFFL) {
                        tsBack++;
                    }
                    lastSsrc = h.ssrc();
                    lastTs = h.timestamp();
                    lastSeq = h.sequence();
                    long now = System.nanoTime();
                    if (lastArrival != 0) {
                        maxInterval = Math.max(maxInterval, now - lastArrival);
                    }
                    lastArrival = now;
                    packets++;
                    bytes += len - RtpHeader.SIZE;
                    if (h.marker()) {
                        aus++;
                    }
                    if (packets >= settings.threshold()) {
                        break;
                    }
                }
                if (settings.progressMs() > 0 && System.nanoTime() >= nextProgress) {
                    nextProgress += settings.progressMs() * 1_000_000L;
                    LOG.info("event=rtp_progress packets={} access_units={} bytes={} seq_gaps={} ssrc_changes={} "
                            + "ts_backwards={}", packets, aus, bytes, gaps, ssrcChanges, tsBack);
                }
            }
        } catch (SocketTimeoutException e) {
            int code = packets == 0 ? TesterExitCodes.TIMEOUT : TesterExitCodes.THRESHOLD;
            LOG.error("event=rtp_receiver_timeout packets={} threshold={} access_units={} seq_gaps={} ssrc_changes={} "
                    + "ts_backwards={} max_interval_ms={} exit_code={}", packets, settings.threshold(), aus, gaps,
                    ssrcChanges, tsBack, maxInterval / 1_000_000L, code);
            return new Result(packets, aus, bytes, gaps, ssrc, code, maxInterval / 1_000_000L, ssrcChanges, tsBack);
        }
        LOG.info("event=rtp_receiver_done packets={} access_units={} bytes={} seq_gaps={} ssrc={} ssrc_changes={} "
                + "ts_backwards={} max_interval_ms={} result=PASS", packets, aus, bytes, gaps, String.format("0x%08x", ssrc),
                ssrcChanges, tsBack, maxInterval / 1_000_000L);
        return new Result(packets, aus, bytes, gaps, ssrc, TesterExitCodes.OK, maxInterval / 1_000_000L, ssrcChanges, tsBack);
    }
}
