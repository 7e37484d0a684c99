package org.cvmmap.streamer.record;

import org.cvmmap.streamer.media.EncodedUnit;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Timestamp;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.ingest.DepthImage;
import org.cvmmap.streamer.record.mcap.ChannelVisitor;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.record.mcap.McapWriter;
import org.cvmmap.streamer.record.proto.RawImage;
import org.cvmmap.streamer.record.proto.CompressedVideo;
import org.cvmmap.streamer.util.ExclusiveFile;
import org.cvmmap.streamer.util.WallClock;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MCAP recording: one channel {@code topic} of foxglove {@code CompressedVideo} (protobuf schema,
 * {@code format} = h264/h265, one Annex-B access unit per message), log time = capture timestamp,
 * publish time = wall clock when written; when the producer has a DEPTH plane, a channel
 * {@code depthTopic} of foxglove {@code RawImage} ({@code 32FC1}, the producer's unit), added with the
 * first depth image, log time = the frame's capture timestamp. Chunks compressed as asked
 * ({@link ChunkCompression}). Chunks of {@value #CHUNK_BYTES} bytes or
 * {@value #CHUNK_MS} ms, whichever comes first: a crash loses at most the open chunk.
 */
final class McapFileSink implements RecordingSink {
    static final int CHUNK_BYTES = 1 << 20;
    static final long CHUNK_MS = 1000;
    static final String SCHEMA_NAME = ChannelVisitor.COMPRESSED_VIDEO;
    static final String DEPTH_SCHEMA_NAME = ChannelVisitor.RAW_IMAGE;

    private final OutputStream out;
    private final McapWriter writer;
    private final int channel;
    private final String frameId;
    private final String format;
    private final String depthTopic;
    /** The depth channel, 0 until the first depth image. */
    private int depthChannel;
    /** {@link System#nanoTime()} when the open chunk got its first message. */
    private long chunkOpenedNanos;

    /**
     * Writes the header, schema and channel into a new file (opened through
     * {@link ExclusiveFile#procPath()}: the very file created).
     *
     * @throws IOException if it cannot be written
     */
    McapFileSink(ExclusiveFile file, Codec codec, String topic, String depthTopic, String frameId, String library,
                 ChunkCompression compression) throws IOException {
        this.out = new BufferedOutputStream(new FileOutputStream(file.procPath()), 1 << 16);
        this.frameId = frameId;
        this.format = codec.cliName();
        this.depthTopic = depthTopic;
        try {
            this.writer = new McapWriter(out, "", library, CHUNK_BYTES, compression);
            int schema = writer.addSchema(SCHEMA_NAME, "protobuf", descriptorSet(CompressedVideo.getDescriptor().getFile()));
            this.channel = writer.addChannel(schema, topic, "protobuf", Map.of());
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * The schema data MCAP's protobuf profile wants: a FileDescriptorSet holding the message's file
     * and every file it imports, dependencies first.
     */
    static byte[] descriptorSet(FileDescriptor file) {
        Set<FileDescriptor> ordered = new LinkedHashSet<>();
        collect(file, ordered);
        List<com.google.protobuf.DescriptorProtos.FileDescriptorProto> protos = new ArrayList<>();
        ordered.forEach(f -> protos.add(f.toProto()));
        return FileDescriptorSet.newBuilder().addAllFile(protos).build().toByteArray();
    }

    private static void collect(FileDescriptor f, Set<FileDescriptor> into) {
        for (FileDescriptor d : f.getDependencies()) {
            collect(d, into);
        }
        into.add(f);
    }

    @Override
    public void write(EncodedUnit unit) throws IOException {
        write(RecordingSink.annexB(unit), unit.captureNs());
    }

    /**
     * Writes one access unit already in Annex B.
     *
     * @param annexB the access unit
     * @param t      its capture time = the message's log time, ns since the Unix epoch
     * @throws IOException when the file cannot be written
     */
    void write(byte[] annexB, long t) throws IOException {
        byte[] msg = CompressedVideo.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(Math.floorDiv(t, 1_000_000_000L))
                        .setNanos((int) Math.floorMod(t, 1_000_000_000L)))
                .setFrameId(frameId).setData(ByteString.copyFrom(annexB)).setFormat(format)
                .build().toByteArray();
        add(channel, t, msg);
    }

    @Override
    public void writeDepth(DepthImage d) throws IOException {
        if (depthChannel == 0) {
            int schema = writer.addSchema(DEPTH_SCHEMA_NAME, "protobuf", descriptorSet(RawImage.getDescriptor().getFile()));
            depthChannel = writer.addChannel(schema, depthTopic, "protobuf",
                    Map.of("depth_unit", DEPTH_UNITS[Math.min(d.unit(), DEPTH_UNITS.length - 1)]));
        }
        add(depthChannel, d.timestampNs(), rawImage(d, frameId));
    }

    /** The producer's depth_unit codes (docs/specs/cvmmap-ipc.md §1.3), as the depth channel's metadata says them. */
    private static final String[] DEPTH_UNITS = {"unknown", "millimeter", "meter", "unknown"};

    /**
     * A depth image as a foxglove {@code RawImage} message (protobuf bytes).
     *
     * @param frameId the message's frame_id
     */
    public static byte[] rawImage(DepthImage d, String frameId) {
        long t = d.timestampNs();
        return RawImage.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(Math.floorDiv(t, 1_000_000_000L))
                        .setNanos((int) Math.floorMod(t, 1_000_000_000L)))
                .setFrameId(frameId).setWidth(d.width()).setHeight(d.height()).setEncoding(d.encoding())
                .setStep(d.stepBytes()).setData(ByteString.copyFrom(d.data())).build().toByteArray();
    }

    /** Adds a message; closes the chunk after {@value #CHUNK_MS} ms (or at {@value #CHUNK_BYTES} bytes). */
    private void add(int ch, long logTimeNs, byte[] msg) throws IOException {
        long now = System.nanoTime();
        if (writer.openChunkBytes() == 0) {
            chunkOpenedNanos = now; // this message opens a chunk (the last one was closed by size or time)
        }
        writer.addMessage(ch, logTimeNs, WallClock.nowNanos(), msg);
        if (writer.openChunkBytes() > 0 && now - chunkOpenedNanos >= CHUNK_MS * 1_000_000L) {
            writer.flushChunk();
        }
    }

    @Override
    public void finish() throws IOException {
        try (out) {
            writer.close();
        }
    }
}
