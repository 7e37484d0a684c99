package org.cvmmap.streamer.output.rtmp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * AMF0 encoder (Adobe "Action Message Format AMF 0", §2) for the values FLV script tags and RTMP
 * commands use: number, boolean, string, null, object, ECMA array. Pure unit; big-endian throughout.
 */
public final class Amf0Writer {
    // AMF0 type markers (AMF0 spec §2.1), shared with the read side in testers.rtmp.
    public static final int NUMBER = 0x00;
    public static final int BOOLEAN = 0x01;
    public static final int STRING = 0x02;
    public static final int OBJECT = 0x03;
    public static final int NULL = 0x05;
    public static final int ECMA_ARRAY = 0x08;
    public static final int OBJECT_END = 0x09;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** An IEEE-754 double, marker 0x00. */
    public Amf0Writer number(double v) {
        out.write(NUMBER);
        long bits = Double.doubleToLongBits(v);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (bits >>> shift));
        }
        return this;
    }

    /** Marker 0x01, then 0 or 1. */
    public Amf0Writer bool(boolean v) {
        out.write(BOOLEAN);
        out.write(v ? 1 : 0);
        return this;
    }

    /**
     * Marker 0x02, u16 length, UTF-8 bytes.
     *
     * @throws IllegalArgumentException if longer than 65,535 bytes (long strings are not used here)
     */
    public Amf0Writer string(String s) {
        out.write(STRING);
        utf8(s);
        return this;
    }

    /** Marker 0x05. */
    public Amf0Writer nul() {
        out.write(NULL);
        return this;
    }

    /** Marker 0x03, properties in iteration order, then the object-end marker 00 00 09. */
    public Amf0Writer object(Map<String, ?> properties) {
        out.write(OBJECT);
        properties(properties);
        return this;
    }

    /** Marker 0x08, u32 count, properties in iteration order, then 00 00 09 (as FLV onMetaData). */
    public Amf0Writer ecmaArray(Map<String, ?> properties) {
        out.write(ECMA_ARRAY);
        int n = properties.size();
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
        properties(properties);
        return this;
    }

    private void properties(Map<String, ?> properties) {
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            utf8(e.getKey());
            value(e.getValue());
        }
        out.write(0);
        out.write(0);
        out.write(OBJECT_END);
    }

    /**
     * Writes a Java value: Number → number, Boolean → boolean, String → string, null → null,
     * Map → object.
     *
     * @throws IllegalArgumentException for any other type
     */
    @SuppressWarnings("unchecked")
    public Amf0Writer value(Object v) {
        if (v == null) {
            return nul();
        }
        if (v instanceof Number n) {
            return number(n.doubleValue());
        }
        if (v instanceof Boolean b) {
            return bool(b);
        }
        if (v instanceof String s) {
            return string(s);
        }
        if (v instanceof Map<?, ?> m) {
            return object((Map<String, ?>) m);
        }
        throw new IllegalArgumentException("amf0 value of type " + v.getClass().getName() + " is not supported");
    }

    private void utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("amf0 string of " + b.length + " bytes is longer than 65535");
        }
        out.write(b.length >>> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    /** The bytes written so far. */
    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
