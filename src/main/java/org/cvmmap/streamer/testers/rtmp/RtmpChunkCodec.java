package org.cvmmap.streamer.testers.rtmp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RTMP chunk stream (Adobe RTMP spec §5.3): an incremental decoder that reassembles messages from
 * chunks with basic headers of 1–3 bytes, message headers of type 0–3 and extended timestamps, and
 * applies Set Chunk Size as it arrives; plus an encoder for outgoing messages. Pure unit: bytes in,
 * messages out, no I/O. One instance per direction of one connection; not thread-safe.
 */
public final class RtmpChunkCodec {
    /** Chunk size at connection start. */
    public static final int DEFAULT_CHUNK_SIZE = 128;
    /** Largest chunk size (and message length: a 24-bit field), bytes. */
    public static final int MAX_MESSAGE_SIZE = 0xFFFFFF;
    private static final int[] MESSAGE_HEADER_SIZE = {11, 7, 3, 0};

    /** What is known of one chunk stream from its previous chunks. */
    private static final class Stream {
        long timestamp;
        long delta;
        int length;
        int typeId;
        int streamId;
        boolean extended;
        byte[] payload;
        int filled;
    }

    private final Map<Integer, Stream> streams = new HashMap<>();
    private byte[] pending = new byte[0];
    private int inChunkSize = DEFAULT_CHUNK_SIZE;

    /** The chunk size incoming chunks use now, bytes. */
    public int inChunkSize() {
        return inChunkSize;
    }

    /**
     * Consumes bytes received and returns every message they complete. Incomplete chunks are kept
     * until more bytes arrive.
     *
     * @throws RtmpProtocolException on a header that refers to an unknown chunk stream or an
     *                               invalid chunk size
     */
    public List<RtmpMessage> decode(byte[] data, int offset, int length) {
        byte[] buf = new byte[pending.length + length];
        System.arraycopy(pending, 0, buf, 0, pending.length);
        System.arraycopy(data, offset, buf, pending.length, length);
        List<RtmpMessage> out = new ArrayList<>();
        int p = 0;
        while (true) {
            int used = chunk(buf, p, out);
            if (used == 0) {
                break;
            }
            p += used;
        }
        pending = Arrays.copyOfRange(buf, p, buf.length);
        return out;
    }

    /** @return bytes consumed, 0 if the chunk at p is not complete yet */
    private int chunk(byte[] b, int p, List<RtmpMessage> out) {
        int avail = b.length - p;
        if (avail < 1) {
            return 0;
        }
        int fmt = (b[p] & 0xFF) >>> 6;
        int csid = b[p] & 0x3F;
        int h = 1;
        if (csid == 0) {
            if (avail < 2) {
                return 0;
            }
            csid = 64 + (b[p + 1] & 0xFF);
            h = 2;
        } else if (csid == 1) {
            if (avail < 3) {
                return 0;
            }
            csid = 64 + (b[p + 1] & 0xFF) + ((b[p + 2] & 0xFF) << 8);
            h = 3;
        }
        if (avail < h + MESSAGE_HEADER_SIZE[fmt]) {
            return 0;
        }
        Stream s = streams.get(csid);
        if (fmt != 0 && s == null) {
            throw new RtmpProtocolException("chunk stream " + csid + ": header type " + fmt + " without a preceding type 0");
        }
        int q = p + h;
        long ts = 0;
        int length = s == null ? 0 : s.length;
        int typeId = s == null ? 0 : s.typeId;
        int streamId = s == null ? 0 : s.streamId;
        if (fmt <= 2) {
            ts = u24(b, q);
        }
        if (fmt <= 1) {
            length = u24(b, q + 3);
            typeId = b[q + 6] & 0xFF;
        }
        if (fmt == 0) {
            streamId = (b[q + 7] & 0xFF) | (b[q + 8] & 0xFF) << 8 | (b[q + 9] & 0xFF) << 16 | (b[q + 10] & 0xFF) << 24;
        }
        q += MESSAGE_HEADER_SIZE[fmt];
        boolean extended = fmt <= 2 ? ts == 0xFFFFFF : s.extended;
        if (extended) {
            if (b.length - q < 4) {
                return 0;
            }
            long ext = u32(b, q);
            q += 4;
            if (fmt <= 2) {
                ts = ext;
            }
        }
        boolean starting = s == null || s.payload == null;
        int remaining = starting ? length : s.length - s.filled;
        int dataLen = Math.min(inChunkSize, remaining);
        if (b.length - q < dataLen) {
            return 0;
        }
        // The whole chunk is here: commit its header to the stream state.
        if (s == null) {
            s = new Stream();
            streams.put(csid, s);
        }
        if (fmt == 0) {
            s.timestamp = ts;
            s.delta = 0;
        } else if (fmt <= 2) {
            s.delta = ts;
            if (starting) {
                s.timestamp += ts;
            }
        } else if (starting) {
            s.timestamp += s.delta;
        }
        s.length = length;
        s.typeId = typeId;
        s.streamId = streamId;
        s.extended = extended;
        if (starting) {
            s.payload = new byte[length];
            s.filled = 0;
        }
        System.arraycopy(b, q, s.payload, s.filled, dataLen);
        s.filled += dataLen;
        if (s.filled == s.length) {
            RtmpMessage m = new RtmpMessage(csid, s.typeId, s.streamId, s.timestamp & 0xFFFFFFFFL, s.payload);
            s.payload = null;
            if (m.typeId() == RtmpMessage.SET_CHUNK_SIZE) {
                inChunkSize = chunkSize(m.payload());
            }
            out.add(m);
        }
        return q + dataLen - p;
    }

    /**
     * Validates a Set Chunk Size payload: 4 bytes, high bit 0, value 1..16,777,215.
     *
     * @throws RtmpProtocolException otherwise
     */
    static int chunkSize(byte[] payload) {
        if (payload.length < 4) {
            throw new RtmpProtocolException("set chunk size: payload of " + payload.length + " bytes (need 4)");
        }
        long v = u32(payload, 0);
        if (v < 1 || v > MAX_MESSAGE_SIZE) {
            throw new RtmpProtocolException("set chunk size: " + v + " outside 1.." + MAX_MESSAGE_SIZE);
        }
        return (int) v;
    }

    /**
     * Splits a message into chunks: a type-0 header on the first, type-3 headers on the rest, an
     * extended timestamp when it does not fit 24 bits (repeated on every chunk, as the spec asks).
     *
     * @param chunkSize outgoing chunk size, bytes
     * @throws IllegalArgumentException for a chunk stream id outside 2..65599
     */
    public static byte[] encode(RtmpMessage m, int chunkSize) {
        int csid = m.chunkStreamId();
        if (csid < 2 || csid > 65599) {
            throw new IllegalArgumentException("chunk stream id " + csid + " outside 2..65599");
        }
        byte[] basic0 = basicHeader(0, csid);
        byte[] basic3 = basicHeader(3, csid);
        boolean ext = m.timestamp() >= 0xFFFFFF;
        int n = m.payload().length;
        int chunks = Math.max(1, (n + chunkSize - 1) / chunkSize);
        int size = basic0.length + 11 + (ext ? 4 : 0) + n + (chunks - 1) * (basic3.length + (ext ? 4 : 0));
        byte[] out = new byte[size];
        int p = 0;
        System.arraycopy(basic0, 0, out, p, basic0.length);
        p += basic0.length;
        p = put24(out, p, ext ? 0xFFFFFF : (int) m.timestamp());
        p = put24(out, p, n);
        out[p++] = (byte) m.typeId();
        int sid = m.streamId();
        out[p++] = (byte) sid;
        out[p++] = (byte) (sid >>> 8);
        out[p++] = (byte) (sid >>> 16);
        out[p++] = (byte) (sid >>> 24);
        for (int c = 0, off = 0; c < chunks; c++) {
            if (c > 0) {
                System.arraycopy(basic3, 0, out, p, basic3.length);
                p += basic3.length;
            }
            if (ext) {
                p = put32(out, p, m.timestamp());
            }
            int len = Math.min(chunkSize, n - off);
            System.arraycopy(m.payload(), off, out, p, len);
            p += len;
            off += len;
        }
        return out;
    }

    private static byte[] basicHeader(int fmt, int csid) {
        if (csid < 64) {
            return new byte[] {(byte) (fmt << 6 | csid)};
        }
        if (csid < 320) {
            return new byte[] {(byte) (fmt << 6), (byte) (csid - 64)};
        }
        return new byte[] {(byte) (fmt << 6 | 1), (byte) (csid - 64), (byte) ((csid - 64) >>> 8)};
    }

    private static int u24(byte[] b, int p) {
        return (b[p] & 0xFF) << 16 | (b[p + 1] & 0xFF) << 8 | b[p + 2] & 0xFF;
    }

    private static long u32(byte[] b, int p) {
        return (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFFL) << 16 | (b[p + 2] & 0xFFL) << 8 | b[p + 3] & 0xFFL;
    }

    private static int put24(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 16);
        b[p + 1] = (byte) (v >>> 8);
        b[p + 2] = (byte) v;
        return p + 3;
    }

    private static int put32(byte[] b, int p, long v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        return p + 4;
    }

    /** The peer broke the RTMP chunk protocol (the stub tester exits 7 on it). */
    public static final class RtmpProtocolException extends RuntimeException {
        public RtmpProtocolException(String message) {
            super(message);
        }
    }
}
