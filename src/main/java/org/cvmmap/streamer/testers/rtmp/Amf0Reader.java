package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.output.rtmp.Amf0Writer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMF0 decoder (Adobe AMF0 spec §2) for RTMP command messages and FLV script data. Values map to
 * Java as: number → Double, boolean → Boolean, string/long string → String, null/undefined → null,
 * object/ECMA array → LinkedHashMap (insertion order), strict array → List, date → Double (ms).
 * Pure unit; never reads past the given bytes.
 */
public final class Amf0Reader {
    private static final int UNDEFINED = 0x06;
    private static final int STRICT_ARRAY = 0x0A;
    private static final int DATE = 0x0B;
    private static final int LONG_STRING = 0x0C;
    private static final int MAX_DEPTH = 32;

    private final byte[] data;
    private final int end;
    private int pos;

    /**
     * @param data   the bytes
     * @param offset where the first value starts
     * @param length bytes available from offset
     */
    public Amf0Reader(byte[] data, int offset, int length) {
        this.data = data;
        this.pos = offset;
        this.end = offset + length;
    }

    /** Reads the whole byte range as a sequence of values (an RTMP command message). */
    public static List<Object> readAll(byte[] data) {
        Amf0Reader r = new Amf0Reader(data, 0, data.length);
        List<Object> values = new ArrayList<>();
        while (r.hasMore()) {
            values.add(r.read());
        }
        return values;
    }

    /** Whether bytes remain. */
    public boolean hasMore() {
        return pos < end;
    }

    /**
     * Reads one value.
     *
     * @throws Amf0Exception naming the offset and marker when the data is truncated, nested too
     *                       deeply, or uses an unsupported marker
     */
    public Object read() {
        return value(0);
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new Amf0Exception(pos, "nesting deeper than " + MAX_DEPTH);
        }
        int at = pos;
        int marker = u8();
        return switch (marker) {
            case Amf0Writer.NUMBER -> Double.longBitsToDouble(u64());
            case Amf0Writer.BOOLEAN -> u8() != 0;
            case Amf0Writer.STRING -> utf8(u16());
            case LONG_STRING -> utf8(checkedLength(u32()));
            case Amf0Writer.NULL, UNDEFINED -> null;
            case Amf0Writer.OBJECT -> properties(depth);
            case Amf0Writer.ECMA_ARRAY -> {
                u32(); // count: advisory, the end marker decides
                yield properties(depth);
            }
            case STRICT_ARRAY -> {
                int n = checkedLength(u32());
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    list.add(value(depth + 1));
                }
                yield list;
            }
            case DATE -> {
                double ms = Double.longBitsToDouble(u64());
                need(2); // time zone, unused
                pos += 2;
                yield ms;
            }
            default -> throw new Amf0Exception(at, String.format("marker 0x%02x is not supported", marker));
        };
    }

    private Map<String, Object> properties(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
            int len = u16();
            if (len == 0) {
                int at = pos;
                if (u8() != Amf0Writer.OBJECT_END) {
                    throw new Amf0Exception(at, "empty property name not followed by the object-end marker 0x09");
                }
                return m;
            }
            String key = utf8(len);
            m.put(key, value(depth + 1));
        }
    }

    private int checkedLength(long n) {
        if (n > end - pos) {
            throw new Amf0Exception(pos, "length " + n + " exceeds the " + (end - pos) + " bytes left");
        }
        return (int) n;
    }

    private String utf8(int len) {
        need(len);
        String s = new String(data, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    private void need(int n) {
        if (end - pos < n) {
            throw new Amf0Exception(pos, "truncated: " + n + " bytes needed, " + (end - pos) + " left");
        }
    }

    private int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int u16() {
        need(2);
        int v = (data[pos] & 0xFF) << 8 | data[pos + 1] & 0xFF;
        pos += 2;
        return v;
    }

    private long u32() {
        need(4);
        long v = (data[pos] & 0xFFL) << 24 | (data[pos + 1] & 0xFFL) << 16 | (data[pos + 2] & 0xFFL) << 8 | data[pos + 3] & 0xFFL;
        pos += 4;
        return v;
    }

    private long u64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (data[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    /** AMF0 data that cannot be decoded; the message names the byte offset. */
    public static final class Amf0Exception extends RuntimeException {
        public Amf0Exception(int offset, String reason) {
            super("amf0 at offset " + offset + ": " + reason);
        }
    }
}
