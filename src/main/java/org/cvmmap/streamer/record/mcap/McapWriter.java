package org.cvmmap.streamer.record.mcap;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * Writes an MCAP file (https://mcap.dev/spec) to a stream: magic, header, the schema and channel
 * records as they are added, messages grouped in chunks (uncompressed, zstd or lz4:
 * {@link ChunkCompression}) each followed by its message
 * indexes, then on {@link #close()} the data end record (with the data section CRC), a summary
 * section (schemas, channels, statistics, chunk indexes), summary offsets, the footer (with the
 * summary CRC) and the closing magic.
 *
 * <p>A chunk is written once it holds {@code chunkTargetBytes} or more and on {@link #flushChunk()}:
 * a file cut short (crash) keeps every complete chunk, which streaming readers still read. Not
 * thread-safe; owns no file: the caller opens and closes the stream.
 */
public final class McapWriter implements Closeable {
    private record Channel(int id, int schemaId, byte[] record) {
    }

    private final OutputStream out;
    private final int chunkTargetBytes;
    private final ChunkCompression compression;
    private final CRC32 dataCrc = new CRC32();
    private long position;
    private final List<byte[]> schemas = new ArrayList<>();
    private final Map<Integer, Channel> channels = new LinkedHashMap<>();
    private final Map<Integer, Long> sequences = new TreeMap<>();
    private final Map<Integer, Long> channelCounts = new TreeMap<>();
    private final List<byte[]> chunkIndexes = new ArrayList<>();
    private long messageCount;
    private long startNs = Long.MAX_VALUE;
    private long endNs = Long.MIN_VALUE;
    // the open chunk
    private final McapRecords.Le chunk = new McapRecords.Le();
    private final Map<Integer, List<long[]>> chunkIndex = new TreeMap<>();
    private long chunkStartNs = Long.MAX_VALUE;
    private long chunkEndNs = Long.MIN_VALUE;
    private boolean closed;

    /**
     * Writes the magic and the header.
     *
     * @param out              where the file goes (buffer it; it is flushed after every chunk)
     * @param profile          header profile ("" = none)
     * @param library          header library, e.g. "cvmmap-streamer 0.1.0"
     * @param chunkTargetBytes chunk size at which a chunk is closed, bytes (≥ 1)
     * @throws IOException from the stream
     */
    public McapWriter(OutputStream out, String profile, String library, int chunkTargetBytes) throws IOException {
        this(out, profile, library, chunkTargetBytes, ChunkCompression.NONE);
    }

    /**
     * Writes the magic and the header.
     *
     * @param out              where the file goes (buffer it; it is flushed after every chunk)
     * @param profile          header profile ("" = none)
     * @param library          header library, e.g. "cvmmap-streamer 0.1.0"
     * @param chunkTargetBytes uncompressed chunk size at which a chunk is closed, bytes (≥ 1)
     * @param compression      how each chunk's records are stored
     * @throws IOException from the stream
     */
    public McapWriter(OutputStream out, String profile, String library, int chunkTargetBytes,
                      ChunkCompression compression) throws IOException {
        this.compression = compression;
        if (chunkTargetBytes < 1) {
            throw new IllegalArgumentException("chunkTargetBytes must be ≥ 1, got " + chunkTargetBytes);
        }
        this.out = out;
        this.chunkTargetBytes = chunkTargetBytes;
        writeData(McapRecords.MAGIC);
        writeData(McapRecords.header(profile, library));
    }

    /**
     * Adds a schema (written at once, outside chunks).
     *
     * @param encoding e.g. "protobuf" (data = a serialized FileDescriptorSet)
     * @return its id, from 1
     */
    public int addSchema(String name, String encoding, byte[] data) throws IOException {
        checkOpen();
        int id = schemas.size() + 1;
        byte[] r = McapRecords.schema(id, name, encoding, data);
        schemas.add(r);
        writeData(r);
        return id;
    }

    /**
     * Adds a channel (written at once, outside chunks).
     *
     * @param schemaId        an id from {@link #addSchema}, or 0 for schemaless
     * @param messageEncoding e.g. "protobuf"
     * @return its id, from 1
     * @throws IllegalArgumentException for an unknown schema id
     */
    public int addChannel(int schemaId, String topic, String messageEncoding, Map<String, String> metadata)
            throws IOException {
        checkOpen();
        if (schemaId < 0 || schemaId > schemas.size()) {
            throw new IllegalArgumentException("schema id " + schemaId + " was not added");
        }
        int id = channels.size() + 1;
        byte[] r = McapRecords.channel(id, schemaId, topic, messageEncoding, metadata);
        channels.put(id, new Channel(id, schemaId, r));
        writeData(r);
        return id;
    }

    /**
     * Adds a message to the open chunk; closes the chunk when it reaches the target size.
     *
     * @param logTimeNs     log time, ns (MCAP u64)
     * @param publishTimeNs publish time, ns
     * @throws IllegalArgumentException for an unknown channel
     */
    public void addMessage(int channelId, long logTimeNs, long publishTimeNs, byte[] data) throws IOException {
        checkOpen();
        if (!channels.containsKey(channelId)) {
            throw new IllegalArgumentException("channel id " + channelId + " was not added");
        }
        long seq = sequences.merge(channelId, 1L, Long::sum) - 1;
        chunkIndex.computeIfAbsent(channelId, k -> new ArrayList<>()).add(new long[]{logTimeNs, chunk.size()});
        chunk.bytes(McapRecords.message(channelId, seq, logTimeNs, publishTimeNs, data));
        chunkStartNs = Math.min(chunkStartNs, logTimeNs);
        chunkEndNs = Math.max(chunkEndNs, logTimeNs);
        channelCounts.merge(channelId, 1L, Long::sum);
        messageCount++;
        if (chunk.size() >= chunkTargetBytes) {
            flushChunk();
        }
    }

    /** Bytes of messages in the open chunk (0: the next message opens a new chunk). */
    public int openChunkBytes() {
        return chunk.size();
    }

    /** Messages added so far. */
    public long messageCount() {
        return messageCount;
    }

    /** Writes the open chunk (if it holds a message) and its message indexes, then flushes the stream. */
    public void flushChunk() throws IOException {
        checkOpen();
        if (chunk.size() == 0) {
            out.flush();
            return;
        }
        byte[] records = chunk.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(records);
        long chunkStart = position;
        byte[] stored = compression.compress(records);
        byte[] c = McapRecords.chunk(chunkStartNs, chunkEndNs, records.length, (int) crc.getValue(),
                compression.mcapName(), stored);
        writeData(c);
        long indexStart = position;
        Map<Integer, Long> offsets = new TreeMap<>();
        for (Map.Entry<Integer, List<long[]>> e : chunkIndex.entrySet()) {
            offsets.put(e.getKey(), position);
            writeData(McapRecords.messageIndex(e.getKey(), e.getValue().toArray(new long[0][])));
        }
        chunkIndexes.add(McapRecords.chunkIndex(chunkStartNs, chunkEndNs, chunkStart, c.length, offsets,
                position - indexStart, compression.mcapName(), stored.length, records.length));
        startNs = Math.min(startNs, chunkStartNs);
        endNs = Math.max(endNs, chunkEndNs);
        chunk.reset();
        chunkIndex.clear();
        chunkStartNs = Long.MAX_VALUE;
        chunkEndNs = Long.MIN_VALUE;
        out.flush();
    }

    /**
     * Ends the file: the last chunk, data end, summary, summary offsets, footer, magic. Does not close
     * the stream. A second call does nothing.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        flushChunk();
        closed = true;
        write(McapRecords.dataEnd((int) dataCrc.getValue()));
        CRC32 summaryCrc = new CRC32();
        long summaryStart = position;
        List<byte[]> offsets = new ArrayList<>();
        List<byte[]> channelRecords = channels.values().stream().map(Channel::record).toList();
        group(McapRecords.SCHEMA, schemas, summaryCrc, offsets);
        group(McapRecords.CHANNEL, channelRecords, summaryCrc, offsets);
        boolean any = messageCount > 0;
        group(McapRecords.STATISTICS, List.of(McapRecords.statistics(messageCount, schemas.size(), channels.size(),
                chunkIndexes.size(), any ? startNs : 0, any ? endNs : 0, channelCounts)), summaryCrc, offsets);
        group(McapRecords.CHUNK_INDEX, chunkIndexes, summaryCrc, offsets);
        long summaryOffsetStart = position;
        for (byte[] o : offsets) {
            write(o);
            summaryCrc.update(o);
        }
        summaryCrc.update(McapRecords.footerWithoutCrc(summaryStart, summaryOffsetStart));
        write(McapRecords.footer(summaryStart, summaryOffsetStart, (int) summaryCrc.getValue()));
        write(McapRecords.MAGIC);
        out.flush();
    }

    private void group(int opcode, List<byte[]> records, CRC32 crc, List<byte[]> offsets) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        long start = position;
        for (byte[] r : records) {
            write(r);
            crc.update(r);
        }
        offsets.add(McapRecords.summaryOffset(opcode, start, position - start));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("MCAP writer already closed");
        }
    }

    private void writeData(byte[] b) throws IOException {
        dataCrc.update(b);
        write(b);
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        position += b.length;
    }
}
