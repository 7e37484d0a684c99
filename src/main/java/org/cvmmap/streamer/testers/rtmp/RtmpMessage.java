package org.cvmmap.streamer.testers.rtmp;

/**
 * One RTMP message (Adobe RTMP spec §6.1) reassembled from its chunks.
 *
 * @param chunkStreamId chunk stream it travelled on (2..65599)
 * @param typeId        message type: 1 set chunk size, 20 AMF0 command, 18 AMF0 data, 9 video, 8 audio, …
 * @param streamId      message stream id
 * @param timestamp     absolute timestamp, ms (32 bits)
 * @param payload       message body
 */
public record RtmpMessage(int chunkStreamId, int typeId, int streamId, long timestamp, byte[] payload) {
    /** Protocol control: Set Chunk Size. */
    public static final int SET_CHUNK_SIZE = 1;
    /** Protocol control: Window Acknowledgement Size. */
    public static final int WINDOW_ACK_SIZE = 5;
    /** Protocol control: Set Peer Bandwidth. */
    public static final int SET_PEER_BANDWIDTH = 6;
    /** Audio data. */
    public static final int AUDIO = 8;
    /** Video data (one FLV video tag body). */
    public static final int VIDEO = 9;
    /** AMF0 data (e.g. @setDataFrame onMetaData). */
    public static final int DATA_AMF0 = 18;
    /** AMF0 command (connect, createStream, publish, …). */
    public static final int COMMAND_AMF0 = 20;
}
