package org.cvmmap.streamer.output.rtp;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.pipeline.PipelineTap;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Pipeline;

import java.security.SecureRandom;

/**
 * One RTP session (RFC 3550 §5.1) across every graph the supervisor builds: the same SSRC, sequence
 * numbers that go on where the last graph stopped, and timestamps that keep running with the clock
 * through the rebuild. A receiver (ffplay on the SDP) therefore sees one stream through NATS
 * {@code restart}s, error recovery and encoder fallback, instead of a new source that may go back
 * in time.
 *
 * <p>Each graph's payloader ({@code pay}) gets {@code ssrc}, {@code seqnum-offset} and
 * {@code timestamp-offset} before it starts; when the graph is torn down its last sequence number
 * and RTP timestamp are read back ({@code seqnum}, {@code timestamp}). The next graph's timestamps
 * start at the last one plus the time the rebuild took, at the 90 kHz video clock (RFC 6184 §8.2.1,
 * RFC 7798 §7.1): the payloader adds the new graph's running time on top.
 * Initial values are random (RFC 3550 §5.1: SSRC, sequence number and timestamp).
 */
public final class RtpSession implements PipelineTap {
    private static final Logger LOG = LogManager.getLogger(RtpSession.class);
    /** RTP clock of video payloads, Hz. */
    static final long CLOCK_RATE = 90_000;

    private final String key;
    private final int ssrc;
    private int nextSeq;
    /** Timestamp offset to give the next graph (unsigned 32 bits). */
    private long nextTimestampOffset;
    /** The last graph's last RTP timestamp (unsigned), and when it was torn down; -1 before any. */
    private long lastTimestamp = -1;
    private long lastNanos;
    private Element pay;
    private int setSeq;
    private long setTimestamp;

    /** @param key stream key (logs) */
    public RtpSession(String key) {
        this(key, new SecureRandom());
    }

    RtpSession(String key, java.util.Random random) {
        this.key = key;
        this.ssrc = random.nextInt();
        this.nextSeq = random.nextInt(1 << 16);
        this.nextTimestampOffset = random.nextInt() & 0xFFFF_FFFFL;
    }

    /** The SSRC every graph sends with. */
    public int ssrc() {
        return ssrc;
    }

    @Override
    public synchronized void attach(Pipeline pipeline, long generation) {
        Element p = pipeline.getElementByName("pay");
        if (p == null) {
            return; // a user descriptor without a payloader named "pay": nothing to continue
        }
        long offset = nextTimestampOffset;
        if (lastTimestamp >= 0) {
            long gapTicks = Math.max(1, (System.nanoTime() - lastNanos) * CLOCK_RATE / 1_000_000_000L);
            offset = (lastTimestamp + gapTicks) & 0xFFFF_FFFFL;
        }
        p.set("ssrc", ssrc); // guint properties take the int's 32 bits
        p.set("seqnum-offset", nextSeq);
        p.set("timestamp-offset", (int) offset);
        setSeq = nextSeq;
        setTimestamp = offset;
        pay = p;
        LOG.info("event=rtp_session key={} gen={} ssrc={} seqnum_offset={} timestamp_offset={} continued={}", key,
                generation, String.format("0x%08x", ssrc), nextSeq, offset, lastTimestamp >= 0);
    }

    @Override
    public synchronized void detach(Pipeline pipeline, long generation) {
        Element p = pay;
        if (p == null) {
            return;
        }
        pay = null;
        int seq = ((Number) p.get("seqnum")).intValue() & 0xFFFF;
        long ts = ((Number) p.get("timestamp")).intValue() & 0xFFFF_FFFFL;
        p.dispose();
        if (seq == setSeq && ts == setTimestamp) {
            return; // the graph sent nothing: the next one starts where this one would have
        }
        nextSeq = (seq + 1) & 0xFFFF;
        lastTimestamp = ts;
        lastNanos = System.nanoTime();
    }
}
