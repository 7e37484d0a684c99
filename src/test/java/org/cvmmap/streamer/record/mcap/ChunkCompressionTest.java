package org.cvmmap.streamer.record.mcap;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

class ChunkCompressionTest {
    private static final byte[] TEXT = "cvmmap".getBytes(StandardCharsets.US_ASCII);

    @Test
    void framesMadeByTheReferenceToolsDecode() throws IOException {
        // printf cvmmap | zstd -q -c   (zstd 1.5.4, Debian 12)
        assertThat(ChunkCompression.ZSTD.decompress(hexBytes("28 b5 2f fd 04 58 31 00 00 63 76 6d 6d 61 70 22 03 ac 54"), 6))
                .isEqualTo(TEXT);
        // printf cvmmap | lz4 -q -c   (lz4 1.9.4, Debian 12: block independence, content checksum)
        assertThat(ChunkCompression.LZ4.decompress(hexBytes(
                "04 22 4d 18 64 40 a7 06 00 00 80 63 76 6d 6d 61 70 00 00 00 00 81 43 64 fd"), 6)).isEqualTo(TEXT);
        assertThat(ChunkCompression.NONE.decompress(TEXT, 6)).isSameAs(TEXT);
    }

    @Test
    void whatIsCompressedDecompressesToTheSameBytes() throws IOException {
        byte[] depthLike = new byte[300_000];
        Random r = new Random(7);
        for (int i = 0; i < depthLike.length; i += 4) { // slowly varying floats, as a depth image is
            int v = Float.floatToIntBits(1000 + (i / 4) % 640 + r.nextInt(3));
            depthLike[i] = (byte) v;
            depthLike[i + 1] = (byte) (v >> 8);
            depthLike[i + 2] = (byte) (v >> 16);
            depthLike[i + 3] = (byte) (v >> 24);
        }
        for (ChunkCompression c : ChunkCompression.values()) {
            byte[] stored = c.compress(depthLike);
            assertThat(c.decompress(stored, depthLike.length)).as(c.cliName()).isEqualTo(depthLike);
            if (c != ChunkCompression.NONE) {
                assertThat(stored.length).as(c.cliName() + " shrinks depth")
                        .isLessThan(c == ChunkCompression.ZSTD ? depthLike.length / 2 : depthLike.length * 9 / 10);
            }
            assertThat(c.decompress(c.compress(new byte[0]), 0)).as(c.cliName() + " empty").isEmpty();
        }
    }

    @Test
    void malformedDataIsRefusedNamingWhatIsWrong() {
        byte[] zstd = ChunkCompression.ZSTD.compress(TEXT);
        byte[] lz4 = ChunkCompression.LZ4.compress(TEXT);
        record Case(ChunkCompression c, byte[] data, long size, String text) {
        }
        List<Case> cases = new ArrayList<>(List.of(
                new Case(ChunkCompression.ZSTD, zstd, 5, "zstd"),
                new Case(ChunkCompression.ZSTD, zstd, 7, "zstd"),
                new Case(ChunkCompression.ZSTD, hexBytes("00 01 02 03 04 05"), 6, "zstd"),
                new Case(ChunkCompression.ZSTD, java.util.Arrays.copyOf(zstd, zstd.length - 3), 6, "zstd"),
                new Case(ChunkCompression.LZ4, lz4, 5, "more than uncompressed_size 5"),
                new Case(ChunkCompression.LZ4, lz4, 7, "lz4: uncompressed_size 7 but 6 bytes"),
                new Case(ChunkCompression.LZ4, hexBytes("00 01 02 03 04 05"), 6, "lz4"),
                new Case(ChunkCompression.NONE, TEXT, 5, "uncompressed_size 5 but 6 bytes of records"),
                new Case(ChunkCompression.NONE, TEXT, -1, "uncompressed_size -1 is out of range")));
        for (Case k : cases) {
            assertThatThrownBy(() -> k.c().decompress(k.data(), k.size())).as(k.c() + " " + k.size())
                    .isInstanceOf(IOException.class).hasMessageContaining(k.text());
        }
    }

    @Test
    void namesAreTheSpecsAndTheOptions() {
        assertThat(ChunkCompression.parse("")).isEqualTo(ChunkCompression.NONE);
        assertThat(ChunkCompression.parse(null)).isEqualTo(ChunkCompression.NONE);
        assertThat(ChunkCompression.parse("none")).isEqualTo(ChunkCompression.NONE);
        assertThat(ChunkCompression.parse("ZSTD")).isEqualTo(ChunkCompression.ZSTD);
        assertThat(ChunkCompression.parse("lz4").mcapName()).isEqualTo("lz4");
        assertThatThrownBy(() -> ChunkCompression.parse("brotli")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"brotli\" is not an MCAP chunk compression (none, zstd, lz4)");
    }

    @Test
    void aCompressedFileReadsBackWithItsChunkRecordsNamingTheCompression() throws IOException {
        for (ChunkCompression c : ChunkCompression.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            McapWriter w = new McapWriter(out, "", "test", 1000, c);
            int schema = w.addSchema("s", "jsonschema", "{}".getBytes(StandardCharsets.UTF_8));
            int ch = w.addChannel(schema, "/a", "json", Map.of());
            for (int i = 0; i < 50; i++) {
                w.addMessage(ch, i, i, ("{\"i\":" + i + ",\"pad\":\"" + "x".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            w.close();
            List<Long> times = new ArrayList<>();
            McapReader.Result r = McapReader.read(new ByteArrayInputStream(out.toByteArray()), new McapReader.Visitor() {
                @Override
                public void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data) {
                    times.add(logTimeNs);
                }
            });
            assertThat(r.complete()).as(c.cliName()).isTrue();
            assertThat(r.chunks()).as(c.cliName()).isGreaterThan(3);
            assertThat(times).as(c.cliName()).hasSize(50).isSorted();
            String file = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
            assertThat(file.contains(c.mcapName().isEmpty() ? "\u0000\u0000\u0000\u0000" : c.mcapName()))
                    .as(c.cliName() + " named in the chunk records").isTrue();
        }
    }
}
