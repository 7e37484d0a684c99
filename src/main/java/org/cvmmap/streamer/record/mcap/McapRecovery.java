package org.cvmmap.streamer.record.mcap;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Rebuilds a complete MCAP file (MCAP spec: records, chunks, summary, footer) from one a writer left
 * unfinished: a streamer killed during a recording leaves its header, schemas, channels and closed
 * chunks, but no summary, indexes or footer, so indexed readers (@mcap/core's
 * {@code McapIndexedReader}) refuse it. Every complete record is read in order, up to the first one
 * that is cut off or broken (a chunk whose CRC does not match, a length past the end of the input);
 * every message of the complete chunks (and outside chunks) is written again through
 * {@link McapWriter}, which adds message indexes, the summary and the footer. Only uncompressed
 * chunks (what this project writes) are read; a compressed one ends the recovery with a reason.
 * No GStreamer, no files: bytes in, bytes out.
 */
public final class McapRecovery {
    /**
     * What was recovered.
     *
     * @param schemas  schemas carried over
     * @param channels channels carried over
     * @param messages messages carried over
     * @param chunks   complete chunks read
     * @param bytesRead bytes of the input up to the end of the last complete record
     * @param stop     why reading stopped: "footer" or "data end" (the file was complete), "end of
     *                 input", or what was cut off or broken there
     */
    public record Result(int schemas, int channels, long messages, long chunks, long bytesRead, String stop) {
    }

    /** The input does not start with the MCAP magic. */
    public static final class NotMcapException extends IOException {
        NotMcapException(String message) {
            super(message);
        }
    }

    private final McapWriter writer;
    private final Map<Integer, Integer> schemaIds = new HashMap<>();
    private final Map<Integer, Integer> channelIds = new HashMap<>();
    private long messages;
    private long chunks;

    private McapRecovery(McapWriter writer) {
        this.writer = writer;
    }

    /**
     * Recovers {@code in} into {@code out} (a complete MCAP file, chunks of {@code chunkBytes}).
     *
     * @throws NotMcapException if {@code in} does not start with the MCAP magic
     * @throws IOException      if {@code in} or {@code out} fails
     */
    public static Result recover(InputStream in, OutputStream out, String library, int chunkBytes) throws IOException {
        byte[] magic = in.readNBytes(McapRecords.MAGIC.length);
        if (!Arrays.equals(magic, McapRecords.MAGIC)) {
            throw new NotMcapException("magic: not an MCAP file (first bytes " + hex(magic) + ")");
        }
        String profile = "";
        long read = magic.length;
        McapRecovery r = null;
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
            if (opcode == McapRecords.HEADER && r == null) {
                try {
                    profile = new Reader(body).string();
                } catch (EOFException e) {
                    stop = "header at " + read + ": " + e.getMessage();
                    break;
                }
                r = new McapRecovery(new McapWriter(out, profile, library, chunkBytes));
                read += McapRecords.PREFIX_BYTES + length;
                continue;
            }
            if (r == null) {
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
        if (r == null) {
            r = new McapRecovery(new McapWriter(out, profile, library, chunkBytes));
        }
        r.writer.close();
        return new Result(r.schemaIds.size(), r.channelIds.size(), r.messages, r.chunks, read, stop);
    }

    /** @return null when taken, else what is wrong with it */
    private String record(int opcode, byte[] body) throws IOException {
        switch (opcode) {
            case McapRecords.SCHEMA -> {
                Reader rd = new Reader(body);
                int id = rd.u16();
                String name = rd.string();
                String encoding = rd.string();
                byte[] data = rd.bytes(rd.u32());
                if (id != 0 && !schemaIds.containsKey(id)) {
                    schemaIds.put(id, writer.addSchema(name, encoding, data));
                }
            }
            case McapRecords.CHANNEL -> {
                Reader rd = new Reader(body);
                int id = rd.u16();
                int schema = rd.u16();
                String topic = rd.string();
                String encoding = rd.string();
                Map<String, String> metadata = new LinkedHashMap<>();
                Reader m = new Reader(rd.bytes(rd.u32()));
                while (m.remaining() > 0) {
                    metadata.put(m.string(), m.string());
                }
                if (!channelIds.containsKey(id)) {
                    Integer s = schema == 0 ? Integer.valueOf(0) : schemaIds.get(schema);
                    if (s == null) {
                        return "channel " + id + " names schema " + schema + ", which came before no schema record";
                    }
                    channelIds.put(id, writer.addChannel(s, topic, encoding, metadata));
                }
            }
            case McapRecords.MESSAGE -> {
                return message(body);
            }
            case McapRecords.CHUNK -> {
                Reader rd = new Reader(body);
                rd.u64(); // start time
                rd.u64(); // end time
                long uncompressed = rd.u64();
                int crc = rd.u32();
                String compression = rd.string();
                byte[] records = rd.bytes(rd.u64());
                if (!compression.isEmpty()) {
                    return "compression \"" + compression + "\" is not supported (this project writes none)";
                }
                if (records.length != uncompressed) {
                    return "uncompressed_size " + uncompressed + " but " + records.length + " bytes of records";
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
                // indexes, statistics, attachments, metadata: rebuilt or not carried over
            }
        }
        return null;
    }

    private String message(byte[] body) throws IOException {
        Reader rd = new Reader(body);
        int channel = rd.u16();
        rd.u32(); // sequence: the writer numbers them again
        long logTime = rd.u64();
        long publishTime = rd.u64();
        Integer id = channelIds.get(channel);
        if (id == null) {
            return "message on channel " + channel + ", which came before no channel record";
        }
        writer.addMessage(id, logTime, publishTime, rd.bytes(rd.remaining()));
        messages++;
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
    private static final class Reader {
        private final ByteBuffer b;

        Reader(byte[] body) {
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
