package org.cvmmap.streamer.record.mcap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Rebuilds a complete MCAP file (MCAP spec: records, chunks, summary, footer) from one a writer left
 * unfinished: a streamer killed during a recording leaves its header, schemas, channels and closed
 * chunks, but no summary, indexes or footer, so indexed readers (@mcap/core's
 * {@code McapIndexedReader}) refuse it. {@link McapReader} reads every complete record in order, up to
 * the first one that is cut off or broken; every message of the complete chunks (and outside chunks)
 * is written again through {@link McapWriter}, which adds message indexes, the summary and the footer.
 * No GStreamer, no files: bytes in, bytes out.
 */
public final class McapRecovery implements McapReader.Visitor {
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

    private final OutputStream out;
    private final String library;
    private final int chunkBytes;
    private McapWriter writer;
    private final Map<Integer, Integer> schemaIds = new HashMap<>();
    private final Map<Integer, Integer> channelIds = new HashMap<>();
    private long messages;

    private McapRecovery(OutputStream out, String library, int chunkBytes) {
        this.out = out;
        this.library = library;
        this.chunkBytes = chunkBytes;
    }

    /**
     * Recovers {@code in} into {@code out} (a complete MCAP file, chunks of {@code chunkBytes}).
     *
     * @throws McapReader.NotMcapException if {@code in} does not start with the MCAP magic
     * @throws IOException                 if {@code in} or {@code out} fails
     */
    public static Result recover(InputStream in, OutputStream out, String library, int chunkBytes) throws IOException {
        McapRecovery r = new McapRecovery(out, library, chunkBytes);
        McapReader.Result read = McapReader.read(in, r);
        if (r.writer == null) {
            r.header("");
        }
        r.writer.close();
        return new Result(r.schemaIds.size(), r.channelIds.size(), r.messages, read.chunks(), read.bytesRead(),
                read.stop());
    }

    @Override
    public void header(String profile) throws IOException {
        writer = new McapWriter(out, profile, library, chunkBytes);
    }

    @Override
    public void schema(int id, String name, String encoding, byte[] data) throws IOException {
        schemaIds.put(id, writer.addSchema(name, encoding, data));
    }

    @Override
    public void channel(int id, int schemaId, String topic, String messageEncoding, Map<String, String> metadata)
            throws IOException {
        channelIds.put(id, writer.addChannel(schemaId == 0 ? 0 : schemaIds.get(schemaId), topic, messageEncoding,
                metadata));
    }

    @Override
    public void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data) throws IOException {
        writer.addMessage(channelIds.get(channelId), logTimeNs, publishTimeNs, data); // numbered again by the writer
        messages++;
    }
}
