package org.cvmmap.streamer.record.mcap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Byte encoders for the MCAP records cvmmap-streamer writes, as specified by the MCAP format
 * specification (https://mcap.dev/spec, "Records"). Pure: no I/O. Every record is
 * {@code opcode u8 | content length u64 | content}; integers little-endian; a string is
 * {@code u32 byte length | UTF-8 bytes}; a map is {@code u32 byte length | entries}; {@code bytes} fields
 * are {@code u32 length | bytes} unless the field runs to the record's end.
 */
public final class McapRecords {
    /** The 8 magic bytes at the start and end of a file: {@code 0x89 M C A P 0 \r \n} (spec "Magic"). */
    public static final byte[] MAGIC = {(byte) 0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'};

    /** Record opcodes (spec "Opcodes"). */
    public static final int HEADER = 0x01, FOOTER = 0x02, SCHEMA = 0x03, CHANNEL = 0x04, MESSAGE = 0x05, CHUNK = 0x06,
            MESSAGE_INDEX = 0x07, CHUNK_INDEX = 0x08, STATISTICS = 0x0B, SUMMARY_OFFSET = 0x0E, DATA_END = 0x0F;

    /** Bytes of a record's opcode and length prefix. */
    public static final int PREFIX_BYTES = 9;

    private McapRecords() {
    }

    /** Header: profile, library (spec "Header (op=0x01)"). */
    public static byte[] header(String profile, String library) {
        return record(HEADER, new Le().string(profile).string(library));
    }

    /**
     * Footer (spec "Footer (op=0x02)").
     *
     * @param summaryStart       offset of the first summary record, 0 if none (bytes from file start)
     * @param summaryOffsetStart offset of the first summary offset record, 0 if none
     * @param summaryCrc         CRC-32 of the summary section through {@code summaryOffsetStart}, 0 if not computed
     */
    public static byte[] footer(long summaryStart, long summaryOffsetStart, int summaryCrc) {
        return record(FOOTER, new Le().u64(summaryStart).u64(summaryOffsetStart).u32(summaryCrc));
    }

    /** The footer without its trailing summary_crc: the bytes the summary CRC covers at its end. */
    static byte[] footerWithoutCrc(long summaryStart, long summaryOffsetStart) {
        byte[] f = footer(summaryStart, summaryOffsetStart, 0);
        return java.util.Arrays.copyOf(f, f.length - 4);
    }

    /** Schema (spec "Schema (op=0x03)"); id must be ≥ 1 (0 means "no schema"). */
    public static byte[] schema(int id, String name, String encoding, byte[] data) {
        return record(SCHEMA, new Le().u16(id).string(name).string(encoding).u32(data.length).bytes(data));
    }

    /** Channel (spec "Channel (op=0x04)"). */
    public static byte[] channel(int id, int schemaId, String topic, String messageEncoding, Map<String, String> metadata) {
        Le m = new Le();
        metadata.forEach((k, v) -> m.string(k).string(v));
        return record(CHANNEL, new Le().u16(id).u16(schemaId).string(topic).string(messageEncoding).u32(m.size()).bytes(m.toByteArray()));
    }

    /**
     * Message (spec "Message (op=0x05)").
     *
     * @param logTimeNs     time the message was recorded, ns
     * @param publishTimeNs time the message was published, ns
     */
    public static byte[] message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data) {
        return record(MESSAGE, new Le().u16(channelId).u32((int) sequence).u64(logTimeNs).u64(publishTimeNs).bytes(data));
    }

    /**
     * Chunk, uncompressed (spec "Chunk (op=0x06)").
     *
     * @param records the concatenated records it holds
     * @param crc     CRC-32 of {@code records}
     */
    public static byte[] chunk(long startNs, long endNs, byte[] records, int crc) {
        return chunk(startNs, endNs, records.length, crc, "", records);
    }

    /**
     * Chunk (spec "Chunk (op=0x06)").
     *
     * @param uncompressedSize bytes of the records before compression
     * @param crc              CRC-32 of the uncompressed records
     * @param compression      "", "zstd" or "lz4"
     * @param stored           the records as stored (compressed with {@code compression})
     */
    public static byte[] chunk(long startNs, long endNs, long uncompressedSize, int crc, String compression,
                               byte[] stored) {
        return record(CHUNK, new Le().u64(startNs).u64(endNs).u64(uncompressedSize).u32(crc).string(compression)
                .u64(stored.length).bytes(stored));
    }

    /**
     * Message index of one channel in one chunk (spec "Message Index (op=0x07)").
     *
     * @param entries pairs {@code [log_time ns, offset of the message record in the chunk's records]}
     */
    public static byte[] messageIndex(int channelId, long[][] entries) {
        Le e = new Le();
        for (long[] pair : entries) {
            e.u64(pair[0]).u64(pair[1]);
        }
        return record(MESSAGE_INDEX, new Le().u16(channelId).u32(e.size()).bytes(e.toByteArray()));
    }

    /**
     * Chunk index (spec "Chunk Index (op=0x08)"), for an uncompressed chunk.
     *
     * @param indexOffsets       channel id → file offset of its message index record
     * @param messageIndexLength bytes of all message index records after the chunk
     */
    public static byte[] chunkIndex(long startNs, long endNs, long chunkStart, long chunkLength,
                                    Map<Integer, Long> indexOffsets, long messageIndexLength, long uncompressedSize) {
        return chunkIndex(startNs, endNs, chunkStart, chunkLength, indexOffsets, messageIndexLength, "",
                uncompressedSize, uncompressedSize);
    }

    /**
     * Chunk index (spec "Chunk Index (op=0x08)").
     *
     * @param indexOffsets       channel id → file offset of its message index record
     * @param messageIndexLength bytes of all message index records after the chunk
     * @param compression        the chunk's compression ("", "zstd", "lz4")
     * @param compressedSize     bytes of its records as stored
     * @param uncompressedSize   bytes of its records uncompressed
     */
    public static byte[] chunkIndex(long startNs, long endNs, long chunkStart, long chunkLength,
                                    Map<Integer, Long> indexOffsets, long messageIndexLength, String compression,
                                    long compressedSize, long uncompressedSize) {
        Le m = new Le();
        indexOffsets.forEach((k, v) -> m.u16(k).u64(v));
        return record(CHUNK_INDEX, new Le().u64(startNs).u64(endNs).u64(chunkStart).u64(chunkLength).u32(m.size())
                .bytes(m.toByteArray()).u64(messageIndexLength).string(compression).u64(compressedSize)
                .u64(uncompressedSize));
    }

    /** Statistics (spec "Statistics (op=0x0B)"); no attachments or metadata records. */
    public static byte[] statistics(long messageCount, int schemaCount, int channelCount, int chunkCount,
                                    long startNs, long endNs, Map<Integer, Long> channelCounts) {
        Le m = new Le();
        channelCounts.forEach((k, v) -> m.u16(k).u64(v));
        return record(STATISTICS, new Le().u64(messageCount).u16(schemaCount).u32(channelCount).u32(0).u32(0)
                .u32(chunkCount).u64(startNs).u64(endNs).u32(m.size()).bytes(m.toByteArray()));
    }

    /** Summary offset of one group of summary records (spec "Summary Offset (op=0x0E)"). */
    public static byte[] summaryOffset(int groupOpcode, long groupStart, long groupLength) {
        return record(SUMMARY_OFFSET, new Le().u8(groupOpcode).u64(groupStart).u64(groupLength));
    }

    /** Data end (spec "Data End (op=0x0F)"); {@code crc} 0 = not computed. */
    public static byte[] dataEnd(int crc) {
        return record(DATA_END, new Le().u32(crc));
    }

    private static byte[] record(int opcode, Le content) {
        return new Le().u8(opcode).u64(content.size()).bytes(content.toByteArray()).toByteArray();
    }

    /** Little-endian builder. */
    static final class Le extends ByteArrayOutputStream {
        Le u8(int v) {
            write(v);
            return this;
        }

        Le u16(int v) {
            if (v < 0 || v > 0xFFFF) {
                throw new IllegalArgumentException("u16 out of range: " + v);
            }
            write(v);
            write(v >>> 8);
            return this;
        }

        Le u32(int v) {
            for (int i = 0; i < 4; i++) {
                write(v >>> (8 * i));
            }
            return this;
        }

        Le u64(long v) {
            for (int i = 0; i < 8; i++) {
                write((int) (v >>> (8 * i)));
            }
            return this;
        }

        Le string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u32(b.length).bytes(b);
        }

        Le bytes(byte[] b) {
            write(b, 0, b.length);
            return this;
        }
    }
}
