package org.cvmmap.streamer.record.mcap;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Reads an MCAP file's records in order (MCAP spec: magic, header, schema, channel, message and chunk
 * records; indexes, statistics and the summary are skipped) and hands each schema, channel and message
 * to a {@link Visitor}, up to the footer or data-end record, the end of the input, or the first record
 * that is cut off or broken (a chunk whose CRC does not match, a length past the end, a message on a
 * channel never declared). Chunks may be uncompressed, zstd or lz4 ({@link ChunkCompression}); another
 * compression ends the reading with its reason. Streaming: one record (one chunk, decompressed) in memory
 * at a time. No GStreamer, no files.
 */
public final class McapReader {
    /** What a reader is given, in file order. Every method may throw {@link IOException} to stop. */
    public interface Visitor {
        /** The header record. @param profile its profile ("" when none) */
        default void header(String profile) throws IOException {
        }

        /** A schema record (id ≠ 0). */
        default void schema(int id, String name, String encoding, byte[] data) throws IOException {
        }

        /** A channel record; its schema (0 = none) was declared before it. */
        default void channel(int id, int schemaId, String topic, String messageEncoding, Map<String, String> metadata)
                throws IOException {
        }

        /** A message record on a declared channel. @param logTimeNs its log time, ns */
        default void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data)
                throws IOException {
        }
    }

    /**
     * How far the file was read.
     *
     * @param chunks    complete chunks read
     * @param bytesRead bytes of the input up to the end of the last complete record
     * @param stop      why reading stopped: "footer" or "data end" (the file was complete), "end of
     *                  input", or what was cut off or broken there
     */
    public record Result(long chunks, long bytesRead, String stop) {
        /** Whether the file ended as a complete MCAP file does (footer or data-end record). */
        public boolean complete() {
            return stop.equals("footer") || stop.equals("data end");
        }
    }

    /** The input does not start with the MCAP magic. */
    public static final class NotMcapException extends IOException {
        NotMcapException(String message) {
            super(message);
        }
    }

    private final Visitor visitor;
    private final Set<Integer> schemas = new HashSet<>();
    private final Set<Integer> channels = new HashSet<>();
    private long chunks;

    private McapReader(Visitor visitor) {
        this.visitor = visitor;
    }

    /**
     * Reads {@code in} to its end or its first broken record.
     *
     * @throws NotMcapException if {@code in} does not start with the MCAP magic
     * @throws IOException      if {@code in} fails or the visitor stops the reading
     */
    public static Result read(InputStream in, Visitor visitor) throws IOException {
        byte[] magic = in.readNBytes(McapRecords.MAGIC.length);
        if (!Arrays.equals(magic, McapRecords.MAGIC)) {
            throw new NotMcapException("magic: not an MCAP file (first bytes " + hex(magic) + ")");
        }
        McapReader r = new McapReader(visitor);
        long read = magic.length;
        boolean header = false;
        String stop = "end of input";
        while (true) {
            byte[] prefix = in.readNBytes(McapRecords.PREFIX_BYTES);
            if (prefix.length == 0) {
                break;
            }
            if (prefix.length < McapRecords.PREFIX_BYTES) {
                stop = "record at " + read + ": cut off in its opcode and length";
                break;
            }
            int opcode = prefix[0] & 0xFF;
            long length = ByteBuffer.wrap(prefix, 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (length < 0 || length > Integer.MAX_VALUE - 16) {
                stop = "record at " + read + ": length " + length + " is not possible";
                break;
            }
            byte[] body = in.readNBytes((int) length);
            if (body.length < length) {
                stop = "record 0x" + Integer.toHexString(opcode) + " at " + read + ": cut off (" + body.length + " of "
                        + length + " bytes)";
                break;
            }
            if (opcode == McapRecords.HEADER && !header) {
                try {
                    visitor.header(new Fields(body).string());
                } catch (EOFException e) {
                    stop = "header at " + read + ": " + e.getMessage();
                    break;
                }
                header = true;
                read += McapRecords.PREFIX_BYTES + length;
                continue;
            }
            if (!header) {
                stop = "record 0x" + Integer.toHexString(opcode) + " at " + read + ": no header before it";
                break;
            }
            if (opcode == McapRecords.DATA_END || opcode == McapRecords.FOOTER) {
                stop = opcode == McapRecords.FOOTER ? "footer" : "data end";
                read += McapRecords.PREFIX_BYTES + length;
                break;
            }
            String problem;
            try {
                problem = r.record(opcode, body);
            } catch (EOFException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                stop = "record 0x" + Integer.toHexString(opcode) + " at " + read + ": " + problem;
                break;
            }
            read += McapRecords.PREFIX_BYTES + length;
        }
        return new Result(r.chunks, read, stop);
    }

    /** @return null when taken, else what is wrong with it */
    private String record(int opcode, byte[] body) throws IOException {
        switch (opcode) {
            case McapRecords.SCHEMA -> {
                Fields rd = new Fields(body);
                int id = rd.u16();
                String name = rd.string();
                String encoding = rd.string();
                byte[] data = rd.bytes(Integer.toUnsignedLong(rd.u32()));
                if (id != 0 && schemas.add(id)) {
                    visitor.schema(id, name, encoding, data);
                }
            }
            case McapRecords.CHANNEL -> {
                Fields rd = new Fields(body);
                int id = rd.u16();
                int schema = rd.u16();
                String topic = rd.string();
                String encoding = rd.string();
                Map<String, String> metadata = new LinkedHashMap<>();
                Fields m = new Fields(rd.bytes(Integer.toUnsignedLong(rd.u32())));
                while (m.remaining() > 0) {
                    metadata.put(m.string(), m.string());
                }
                if (!channels.contains(id)) {
                    if (schema != 0 && !schemas.contains(schema)) {
                        return "channel " + id + " names schema " + schema + ", which came before no schema record";
                    }
                    channels.add(id);
                    visitor.channel(id, schema, topic, encoding, metadata);
                }
            }
            case McapRecords.MESSAGE -> {
                Fields rd = new Fields(body);
                int channel = rd.u16();
                long sequence = Integer.toUnsignedLong(rd.u32());
                long logTime = rd.u64();
                long publishTime = rd.u64();
                if (!channels.contains(channel)) {
                    return "message on channel " + channel + ", which came before no channel record";
                }
                visitor.message(channel, sequence, logTime, publishTime, rd.bytes(rd.remaining()));
            }
            case McapRecords.CHUNK -> {
                Fields rd = new Fields(body);
                rd.u64(); // start time
                rd.u64(); // end time
                long uncompressed = rd.u64();
                int crc = rd.u32();
                String compression = rd.string();
                byte[] stored = rd.bytes(rd.u64());
                byte[] records;
                try {
                    records = ChunkCompression.parse(compression).decompress(stored, uncompressed);
                } catch (IllegalArgumentException | IOException e) {
                    return "chunk: " + e.getMessage();
                }
                CRC32 c = new CRC32();
                c.update(records);
                if (crc != 0 && (int) c.getValue() != crc) {
                    return "CRC " + Integer.toUnsignedString(crc, 16) + " does not match its records ("
                            + Long.toHexString(c.getValue()) + ")";
                }
                try (InputStream inner = new ByteArrayInputStream(records)) {
                    while (inner.available() > 0) {
                        byte[] p = inner.readNBytes(McapRecords.PREFIX_BYTES);
                        long len = p.length < McapRecords.PREFIX_BYTES ? -1
                                : ByteBuffer.wrap(p, 1, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                        if (len < 0 || len > inner.available()) {
                            return "in a chunk: a record is cut off";
                        }
                        byte[] b = inner.readNBytes((int) len);
                        String problem = record(p[0] & 0xFF, b);
                        if (problem != null) {
                            return "in a chunk: " + problem;
                        }
                    }
                }
                chunks++;
            }
            default -> {
                // indexes, statistics, attachments, metadata: not needed to read the messages
            }
        }
        return null;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    /** Little-endian fields of one record body; reading past its end throws {@link EOFException}. */
    static final class Fields {
        private final ByteBuffer b;

        Fields(byte[] body) {
            b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        }

        int remaining() {
            return b.remaining();
        }

        private void need(long n) throws EOFException {
            if (n < 0 || n > b.remaining()) {
                throw new EOFException("field of " + n + " bytes past the end of the record (" + b.remaining() + " left)");
            }
        }

        int u16() throws EOFException {
            need(2);
            return b.getShort() & 0xFFFF;
        }

        int u32() throws EOFException {
            need(4);
            return b.getInt();
        }

        long u64() throws EOFException {
            need(8);
            return b.getLong();
        }

        byte[] bytes(long n) throws EOFException {
            need(n);
            byte[] out = new byte[(int) n];
            b.get(out);
            return out;
        }

        String string() throws EOFException {
            return new String(bytes(Integer.toUnsignedLong(u32())), StandardCharsets.UTF_8);
        }
    }
}
