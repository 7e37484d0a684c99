package org.cvmmap.streamer.record.mcap;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import org.cvmmap.streamer.record.proto.CompressedVideo;
import org.cvmmap.streamer.support.McapCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Unfinished MCAP files made complete: a file cut at every record boundary and inside records keeps
 * exactly the messages of its complete chunks; the result is read by the MCAP project's indexed
 * reader (@mcap/core); broken chunks and non-MCAP input stop with a reason.
 */
class McapRecoveryTest {
    @TempDir
    Path dir;

    /** A file of 3 chunks of 40 messages (flushed by hand), then summary and footer. */
    private static byte[] sample() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        McapWriter w = new McapWriter(out, "", "test", 1 << 20);
        var file = CompressedVideo.getDescriptor().getFile();
        byte[] schemaData = FileDescriptorSet.newBuilder().addFile(file.getDependencies().get(0).toProto())
                .addFile(file.toProto()).build().toByteArray();
        int schema = w.addSchema("foxglove.CompressedVideo", "protobuf", schemaData);
        int channel = w.addChannel(schema, "/cam/video", "protobuf", Map.of("k", "v"));
        for (int i = 0; i < 120; i++) {
            byte[] message = CompressedVideo.newBuilder().setFrameId("cam").setFormat("h264")
                    .setTimestamp(com.google.protobuf.Timestamp.newBuilder().setNanos(1_000_000 * i))
                    .setData(ByteString.copyFrom(new byte[]{0, 0, 0, 1, 0x65, (byte) i})).build().toByteArray(); // an IDR NAL unit
            w.addMessage(channel, 1_000_000L * i, 2_000_000L * i, message);
            if (i % 40 == 39) {
                w.flushChunk();
            }
        }
        w.close();
        return out.toByteArray();
    }

    /** Offsets where each top-level record starts (after the magic). */
    private static List<Integer> recordStarts(byte[] file) {
        List<Integer> starts = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int p = McapRecords.MAGIC.length;
        while (p < file.length - McapRecords.MAGIC.length) {
            starts.add(p);
            p += McapRecords.PREFIX_BYTES + (int) b.getLong(p + 1);
        }
        return starts;
    }

    private static McapRecovery.Result recover(byte[] in, ByteArrayOutputStream out) throws Exception {
        return McapRecovery.recover(new ByteArrayInputStream(in), out, "test", 1 << 20);
    }

    @Test
    void aCompleteFileIsCopiedWhole() throws Exception {
        byte[] full = sample();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        McapRecovery.Result r = recover(full, out);
        assertThat(r).isEqualTo(new McapRecovery.Result(1, 1, 120, 3, r.bytesRead(), "data end"));
        // recovering the recovered file changes nothing
        McapRecovery.Result again = recover(out.toByteArray(), new ByteArrayOutputStream());
        assertThat(again.messages()).isEqualTo(120);
        assertThat(again.stop()).isEqualTo("data end");
    }

    @Test
    void aFileCutAnywhereKeepsTheMessagesOfItsCompleteChunks() throws Exception {
        byte[] full = sample();
        List<Integer> starts = recordStarts(full);
        int chunksSeen = 0;
        for (int i = 0; i < starts.size(); i++) {
            int start = starts.get(i);
            int opcode = full[start] & 0xFF;
            for (int cut : new int[]{start, start + 5, start + 20}) { // at a record, in its prefix, in its body
                if (cut > full.length) {
                    continue;
                }
                McapRecovery.Result r = recover(Arrays.copyOf(full, cut), new ByteArrayOutputStream());
                assertThat(r.messages()).as("cut at " + cut).isEqualTo(40L * chunksSeen);
                assertThat(r.chunks()).isEqualTo(chunksSeen);
                if (cut > start && opcode != McapRecords.DATA_END) {
                    assertThat(r.stop()).as("cut at " + cut).contains("cut off");
                }
            }
            if (opcode == McapRecords.CHUNK) {
                chunksSeen++;
            }
            if (opcode == McapRecords.DATA_END) {
                break;
            }
        }
        assertThat(chunksSeen).isEqualTo(3);
    }

    @Test
    void theRecoveredFileOfAKilledWriterPassesTheIndexedReader() throws Exception {
        byte[] full = sample();
        List<Integer> starts = recordStarts(full);
        // the writer died inside the third chunk: two complete chunks (80 messages) survive
        int thirdChunk = starts.stream().filter(s -> (full[s] & 0xFF) == McapRecords.CHUNK).skip(2).findFirst().orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        McapRecovery.Result r = recover(Arrays.copyOf(full, thirdChunk + 100), out);
        assertThat(r.messages()).isEqualTo(80);
        Path file = dir.resolve("recovered.mcap");
        Files.write(file, out.toByteArray());
        JsonNode check = McapCheck.check(file, null);
        assertThat(check.path("ok").asBoolean()).as(check.toString()).isTrue();
        assertThat(check.path("messages").asLong()).isEqualTo(80);
        assertThat(check.path("topics").has("/cam/video")).isTrue();
    }

    @Test
    void aChunkWhoseCrcDoesNotMatchEndsTheRecoveryBeforeIt() throws Exception {
        byte[] full = sample();
        int second = recordStarts(full).stream().filter(s -> (full[s] & 0xFF) == McapRecords.CHUNK).skip(1).findFirst()
                .orElseThrow();
        byte[] bad = full.clone();
        bad[bad.length / 2 > second + 200 ? second + 200 : second + 60] ^= 0x55; // inside its records
        McapRecovery.Result r = recover(bad, new ByteArrayOutputStream());
        assertThat(r.messages()).isEqualTo(40);
        assertThat(r.stop()).contains("record 0x6 at " + second).contains("does not match");
    }

    @Test
    void inputThatIsNotMcapIsRefusedNamingWhatItFound() {
        assertThatThrownBy(() -> recover("GIF89a-not-mcap".getBytes(), new ByteArrayOutputStream()))
                .isInstanceOf(McapReader.NotMcapException.class).hasMessageContaining("magic")
                .hasMessageContaining("474946383961");
    }
}
