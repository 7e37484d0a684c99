package org.cvmmap.streamer.record.mcap;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer's file layout (https://mcap.dev/spec "File structure"), walked record by record: order
 * of records, chunk/data/summary CRCs, summary offsets and footer pointers. The MCAP project's own
 * reader checks recorded files too ({@code McapRecordingTest}, {@code NatsControlTest}).
 */
class McapWriterTest {
    private record Rec(int opcode, long offset, byte[] content) {
    }

    private static List<Rec> walk(byte[] file, int from, int to) {
        List<Rec> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file, 0, to).order(ByteOrder.LITTLE_ENDIAN);
        b.position(from);
        while (b.position() < to) {
            int pos = b.position();
            int op = b.get() & 0xFF;
            int len = (int) b.getLong();
            byte[] c = new byte[len];
            b.get(c);
            out.add(new Rec(op, pos, c));
        }
        return out;
    }

    private static long u64(byte[] c, int at) {
        return ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }

    private static int u32(byte[] c, int at) {
        return ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    private static int crc(byte[] b, int from, int to) {
        CRC32 c = new CRC32();
        c.update(b, from, to - from);
        return (int) c.getValue();
    }

    private static byte[] write(int chunkTarget, int messages) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        McapWriter w = new McapWriter(out, "", "test", chunkTarget);
        int schema = w.addSchema("s", "protobuf", new byte[]{1, 2, 3});
        int a = w.addChannel(schema, "/a", "protobuf", Map.of());
        int b = w.addChannel(schema, "/b", "protobuf", Map.of("k", "v"));
        for (int i = 0; i < messages; i++) {
            w.addMessage(i % 3 == 0 ? b : a, 1000 + i, 2000 + i, new byte[100]);
        }
        w.close();
        w.close(); // second close: nothing more
        return out.toByteArray();
    }

    /**
     * Every pointer the summary holds, checked against the records walked: each summary offset's
     * group start and length span exactly the records of its opcode; each chunk index points at its
     * chunk (start, length) and at each of its message indexes; each message index entry points at a
     * message record inside the chunk's records with that log time.
     */
    @Test
    void everySummaryPointerPointsAtTheRecordItNames() throws IOException {
        byte[] f = write(500, 12);
        List<Rec> all = walk(f, 8, f.length - 8);
        java.util.Map<Long, Rec> at = new java.util.HashMap<>();
        all.forEach(r -> at.put(r.offset(), r));
        List<Rec> offsets = all.stream().filter(r -> r.opcode() == McapRecords.SUMMARY_OFFSET).toList();
        assertThat(offsets).hasSize(4);
        for (Rec o : offsets) {
            int group = o.content()[0] & 0xFF;
            long start = u64(o.content(), 1);
            long length = u64(o.content(), 9);
            List<Rec> inGroup = all.stream().filter(r -> r.offset() >= start && r.offset() < start + length).toList();
            assertThat(inGroup).as("group 0x%x", group).isNotEmpty().allMatch(r -> r.opcode() == group);
            Rec last = inGroup.get(inGroup.size() - 1);
            assertThat(last.offset() + McapRecords.PREFIX_BYTES + last.content().length).as("group 0x%x end", group)
                    .isEqualTo(start + length);
            assertThat(at.get(start)).as("group 0x%x starts at a record", group).isNotNull();
        }
        List<Rec> chunkIndexes = all.stream().filter(r -> r.opcode() == McapRecords.CHUNK_INDEX).toList();
        assertThat(chunkIndexes).hasSize(3);
        for (Rec ci : chunkIndexes) {
            ByteBuffer c = ByteBuffer.wrap(ci.content()).order(ByteOrder.LITTLE_ENDIAN);
            long chunkStart = c.getLong(16);
            long chunkLength = c.getLong(24);
            Rec chunk = at.get(chunkStart);
            assertThat(chunk).as("chunk at " + chunkStart).isNotNull();
            assertThat(chunk.opcode()).isEqualTo(McapRecords.CHUNK);
            assertThat(McapRecords.PREFIX_BYTES + chunk.content().length).isEqualTo(chunkLength);
            int mapLen = c.getInt(32);
            ByteBuffer chunkBody = ByteBuffer.wrap(chunk.content()).order(ByteOrder.LITTLE_ENDIAN);
            int compressionLen = chunkBody.getInt(28);
            int recordsAt = 32 + compressionLen + 8;
            for (int m = 36; m < 36 + mapLen; m += 10) {
                int channel = c.getShort(m) & 0xFFFF;
                long indexAt = c.getLong(m + 2);
                Rec index = at.get(indexAt);
                assertThat(index).as("message index at " + indexAt).isNotNull();
                assertThat(index.opcode()).isEqualTo(McapRecords.MESSAGE_INDEX);
                ByteBuffer ix = ByteBuffer.wrap(index.content()).order(ByteOrder.LITTLE_ENDIAN);
                assertThat(ix.getShort(0) & 0xFFFF).isEqualTo(channel);
                int entries = ix.getInt(2);
                for (int e = 6; e < 6 + entries; e += 16) {
                    long logTime = ix.getLong(e);
                    int offset = (int) ix.getLong(e + 8);
                    int rec = recordsAt + offset;
                    assertThat(chunk.content()[rec]).as("record at chunk offset " + offset).isEqualTo((byte) McapRecords.MESSAGE);
                    ByteBuffer msg = ByteBuffer.wrap(chunk.content(), rec + McapRecords.PREFIX_BYTES, 18)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    assertThat(msg.getShort(rec + McapRecords.PREFIX_BYTES) & 0xFFFF).isEqualTo(channel);
                    assertThat(msg.getLong(rec + McapRecords.PREFIX_BYTES + 6)).isEqualTo(logTime);
                }
            }
        }
    }

    @Test
    void layoutOfAFileWithSeveralChunks() throws IOException {
        byte[] f = write(500, 12); // ~4 messages per chunk
        assertThat(Arrays.copyOfRange(f, 0, 8)).isEqualTo(McapRecords.MAGIC);
        assertThat(Arrays.copyOfRange(f, f.length - 8, f.length)).isEqualTo(McapRecords.MAGIC);
        List<Rec> all = walk(f, 8, f.length - 8);
        List<Integer> ops = all.stream().map(Rec::opcode).toList();
        assertThat(ops.subList(0, 4)).containsExactly(McapRecords.HEADER, McapRecords.SCHEMA, McapRecords.CHANNEL,
                McapRecords.CHANNEL);
        Rec footer = all.get(all.size() - 1);
        assertThat(footer.opcode()).isEqualTo(McapRecords.FOOTER);
        long summaryStart = u64(footer.content(), 0);
        long summaryOffsetStart = u64(footer.content(), 8);

        // data section: chunks, each followed by one message index per channel it holds, then data end
        int dataEnd = ops.indexOf(McapRecords.DATA_END);
        long chunks = ops.subList(0, dataEnd).stream().filter(o -> o == McapRecords.CHUNK).count();
        assertThat(chunks).isEqualTo(3);
        long messages = 0;
        for (int i = 0; i < dataEnd; i++) {
            Rec r = all.get(i);
            if (r.opcode() == McapRecords.CHUNK) {
                byte[] c = r.content();
                long size = u64(c, 16);
                int storedCrc = u32(c, 24);
                int recordsAt = 24 + 4 + 4 + 8; // crc, empty compression string, records length
                assertThat(u64(c, 32)).isEqualTo(size);
                assertThat(crc(c, recordsAt, recordsAt + (int) size)).isEqualTo(storedCrc);
                List<Rec> inner = walk(c, recordsAt, recordsAt + (int) size);
                assertThat(inner).allMatch(x -> x.opcode() == McapRecords.MESSAGE);
                messages += inner.size();
                assertThat(all.get(i + 1).opcode()).isEqualTo(McapRecords.MESSAGE_INDEX);
            }
        }
        assertThat(messages).isEqualTo(12);
        Rec de = all.get(dataEnd);
        assertThat(u32(de.content(), 0)).isEqualTo(crc(f, 0, (int) de.offset()));

        // summary: schema, channels, statistics, chunk indexes; then 4 summary offsets; footer CRC over both
        assertThat(all.get(dataEnd + 1).offset()).isEqualTo(summaryStart);
        List<Integer> summaryOps = ops.subList(dataEnd + 1, ops.size() - 1);
        assertThat(summaryOps).containsExactly(McapRecords.SCHEMA, McapRecords.CHANNEL, McapRecords.CHANNEL,
                McapRecords.STATISTICS, McapRecords.CHUNK_INDEX, McapRecords.CHUNK_INDEX, McapRecords.CHUNK_INDEX,
                McapRecords.SUMMARY_OFFSET, McapRecords.SUMMARY_OFFSET, McapRecords.SUMMARY_OFFSET,
                McapRecords.SUMMARY_OFFSET);
        assertThat(all.get(ops.size() - 5).offset()).isEqualTo(summaryOffsetStart);
        int footerCrcEnd = (int) footer.offset() + McapRecords.PREFIX_BYTES + 16;
        assertThat(u32(footer.content(), 16)).isEqualTo(crc(f, (int) summaryStart, footerCrcEnd));
        Rec stats = all.get(ops.indexOf(McapRecords.STATISTICS));
        assertThat(u64(stats.content(), 0)).isEqualTo(12);      // message_count
        assertThat(u64(stats.content(), 26)).isEqualTo(1000);   // message_start_time
        assertThat(u64(stats.content(), 34)).isEqualTo(1011);   // message_end_time

        // every chunk index points at its chunk
        for (Rec r : all.subList(dataEnd + 1, all.size())) {
            if (r.opcode() == McapRecords.CHUNK_INDEX) {
                long at = u64(r.content(), 16);
                assertThat(f[(int) at]).isEqualTo((byte) McapRecords.CHUNK);
                long chunkContent = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong((int) at + 1);
                assertThat(u64(r.content(), 24)).isEqualTo(McapRecords.PREFIX_BYTES + chunkContent);
            }
        }
    }

    @Test
    void emptyFileIsStillComplete() throws IOException {
        byte[] f = write(1 << 20, 0);
        List<Rec> all = walk(f, 8, f.length - 8);
        assertThat(all.stream().map(Rec::opcode)).doesNotContain(McapRecords.CHUNK, McapRecords.CHUNK_INDEX)
                .contains(McapRecords.DATA_END, McapRecords.STATISTICS, McapRecords.FOOTER);
    }

    @Test
    void misuseIsRefused() throws IOException {
        assertThatThrownBy(() -> new McapWriter(new ByteArrayOutputStream(), "", "t", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkTargetBytes");
        McapWriter w = new McapWriter(new ByteArrayOutputStream(), "", "t", 100);
        assertThatThrownBy(() -> w.addChannel(1, "/x", "protobuf", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema id 1");
        assertThatThrownBy(() -> w.addMessage(1, 0, 0, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channel id 1");
        w.close();
        assertThatThrownBy(() -> w.addSchema("s", "protobuf", new byte[0])).isInstanceOf(IllegalStateException.class);
    }
}
