package org.cvmmap.streamer.record.mcap;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link McapReader.Visitor} that keeps the schemas and channels read so far and hands each message
 * with its channel (topic and schema resolved), so readers select messages by schema name and topic
 * instead of by ids.
 */
public abstract class ChannelVisitor implements McapReader.Visitor {
    /** Schema name of foxglove {@code CompressedVideo} (one encoded access unit per message). */
    public static final String COMPRESSED_VIDEO = "foxglove.CompressedVideo";
    /** Schema name of foxglove {@code RawImage} (depth images). */
    public static final String RAW_IMAGE = "foxglove.RawImage";

    /**
     * A channel with its schema.
     *
     * @param id              channel id
     * @param topic           topic
     * @param messageEncoding e.g. "protobuf", "json"
     * @param metadata        the channel's metadata
     * @param schemaName      its schema's name ("" when schemaless)
     * @param schemaEncoding  its schema's encoding ("" when schemaless)
     * @param schemaData      its schema's data (empty when schemaless)
     */
    public record Channel(int id, String topic, String messageEncoding, Map<String, String> metadata, String schemaName,
                          String schemaEncoding, byte[] schemaData) {
        /** The first topic level: {@code /cam1/video} → {@code cam1} (a camera's label). */
        public String label() {
            return labelOf(topic);
        }

        /** Whether its schema is {@code name}. */
        public boolean is(String name) {
            return schemaName.equals(name);
        }
    }

    /** A topic's first level: {@code /cam1/video} → {@code cam1} (a camera's label). */
    public static String labelOf(String topic) {
        return topic.replaceFirst("^/", "").split("/")[0];
    }

    private record Schema(String name, String encoding, byte[] data) {
    }

    private final Map<Integer, Schema> schemas = new HashMap<>();
    private final Map<Integer, Channel> channels = new HashMap<>();

    @Override
    public final void schema(int id, String name, String encoding, byte[] data) {
        schemas.put(id, new Schema(name, encoding, data));
    }

    @Override
    public final void channel(int id, int schemaId, String topic, String messageEncoding, Map<String, String> metadata)
            throws IOException {
        Schema s = schemas.getOrDefault(schemaId, new Schema("", "", new byte[0]));
        Channel c = new Channel(id, topic, messageEncoding, metadata, s.name(), s.encoding(), s.data());
        channels.put(id, c);
        channel(c);
    }

    @Override
    public final void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data)
            throws IOException {
        message(channels.get(channelId), logTimeNs, publishTimeNs, data);
    }

    /** A channel record, its schema resolved. */
    protected void channel(Channel channel) throws IOException {
    }

    /** A message on a channel read before it. */
    protected abstract void message(Channel channel, long logTimeNs, long publishTimeNs, byte[] data) throws IOException;
}
