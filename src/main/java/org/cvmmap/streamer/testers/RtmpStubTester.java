package org.cvmmap.streamer.testers;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.testers.rtmp.Amf0Reader;
import org.cvmmap.streamer.output.rtmp.Amf0Writer;
import org.cvmmap.streamer.output.rtmp.FlvTags;
import org.cvmmap.streamer.testers.rtmp.FlvVideoTagInfo;
import org.cvmmap.streamer.testers.rtmp.RtmpChunkCodec;
import org.cvmmap.streamer.testers.rtmp.RtmpMessage;
import org.cvmmap.streamer.output.rtmp.VideoPackaging;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Embedded RTMP server for tests (docs/specs/streamer.md §8): accepts one publisher, does the plain RTMP
 * handshake (C0/C1/C2, S0/S1/S2, Adobe RTMP spec §5.2), answers connect / releaseStream / FCPublish /
 * createStream / publish, then parses every video message as an FLV video tag, checks its packaging
 * against {@code --mode}, and counts coded frames. Optionally writes what it received as an FLV file.
 *
 * <p>Exit codes: 0 threshold met; 4 publisher gone or time out with some but too few frames;
 * 6 packaging differs from the mode; 7 protocol error; 124 time out without any video.
 */
public final class RtmpStubTester {
    private static final Logger LOG = LogManager.getLogger(RtmpStubTester.class);
    private static final int HANDSHAKE_SIZE = 1536;
    private static final int OUT_CHUNK_SIZE = 4096;

    /**
     * @param mode           expected packaging
     * @param host           address to listen on
     * @param port           TCP port (0 = any free one, see {@link #onListening})
     * @param videoThreshold coded frames needed to pass
     * @param timeoutMs      overall deadline, ms
     * @param dump           FLV file to write what was received, or null
     */
    public record Settings(VideoPackaging mode, String host, int port, long videoThreshold, long timeoutMs, Path dump) {
    }

    /**
     * @param exitCode     the tester's exit code
     * @param codedFrames  coded frames (access units) received
     * @param keyframes    of which keyframes
     * @param sequenceStarts sequence headers received
     * @param metadata     whether an onMetaData data message arrived
     * @param metadataFirst whether onMetaData arrived before any video message (a clean session start)
     * @param firstFrameNanos {@link System#nanoTime()} when the first coded frame arrived, 0 if none
     * @param reason       why it ended
     */
    public record Result(int exitCode, long codedFrames, long keyframes, long sequenceStarts, boolean metadata,
                         boolean metadataFirst, long firstFrameNanos, String reason) {
    }

    /** Reports the bound port. */
    @FunctionalInterface
    public interface Listening {
        void at(int port);
    }

    private final Settings s;
    private Listening onListening = port -> { };

    public RtmpStubTester(Settings s) {
        this.s = s;
    }

    /** Called once the server socket is bound (tests start the publisher then). */
    public void onListening(Listening l) {
        this.onListening = l;
    }

    /**
     * Serves one publisher until the threshold, a mismatch, an error or the deadline.
     *
     * @throws IOException if the port cannot be bound or the dump cannot be written
     */
    public Result run() throws IOException {
        long deadline = System.nanoTime() + s.timeoutMs() * 1_000_000L;
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(s.host(), s.port()));
            LOG.info("event=rtmp_stub_listening port={} mode={} threshold={}", server.getLocalPort(), s.mode(),
                    s.videoThreshold());
            onListening.at(server.getLocalPort());
            Socket accepted = null;
            while (accepted == null) {
                int left = remainingMs(deadline);
                if (left <= 0) {
                    return end(TesterExitCodes.TIMEOUT, new Counts(s.mode()), "no publisher connected");
                }
                server.setSoTimeout(Math.min(left, 250));
                try {
                    accepted = server.accept();
                } catch (SocketTimeoutException e) {
                    // check the deadline again
                }
            }
            try (Socket client = accepted) {
                client.setTcpNoDelay(true);
                return serve(client, deadline);
            }
        }
    }

    private static int remainingMs(long deadline) {
        return (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
    }

    /** Mutable counters of one session. */
    private static final class Counts {
        final VideoTagCheck video;
        long videoMessages;
        boolean metadata;
        boolean metadataFirst;
        long firstFrameNanos;

        Counts(VideoPackaging mode) {
            video = new VideoTagCheck(mode);
        }
    }

    private Result serve(Socket socket, long deadline) throws IOException {
        Counts c = new Counts(s.mode());
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        Dump dump = s.dump() != null ? new Dump(s.dump()) : null;
        try {
            socket.setSoTimeout(Math.max(1, remainingMs(deadline)));
            handshake(new DataInputStream(in), out);
            RtmpChunkCodec codec = new RtmpChunkCodec();
            byte[] buf = new byte[64 * 1024];
            while (true) {
                int left = remainingMs(deadline);
                if (left <= 0) {
                    return end(c.video.codedFrames() == 0 ? TesterExitCodes.TIMEOUT : TesterExitCodes.THRESHOLD, c, "time out");
                }
                socket.setSoTimeout(Math.min(left, 250));
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                if (n < 0) {
                    return end(TesterExitCodes.THRESHOLD, c, "publisher closed the connection");
                }
                for (RtmpMessage m : codec.decode(buf, 0, n)) {
                    Result r = handle(m, out, c, dump);
                    if (r != null) {
                        return r;
                    }
                }
            }
        } catch (RtmpChunkCodec.RtmpProtocolException | Amf0Reader.Amf0Exception | IllegalStateException e) {
            return end(TesterExitCodes.PROTOCOL, c, "protocol error: " + e.getMessage());
        } catch (SocketTimeoutException e) {
            return end(TesterExitCodes.TIMEOUT, c, "handshake timed out");
        } finally {
            if (dump != null) {
                dump.close();
            }
        }
    }

    private Result handle(RtmpMessage m, OutputStream out, Counts c, Dump dump) throws IOException {
        switch (m.typeId()) {
            case RtmpMessage.COMMAND_AMF0 -> command(m, out);
            case RtmpMessage.DATA_AMF0 -> {
                List<Object> v = Amf0Reader.readAll(m.payload());
                if (v.contains("onMetaData")) {
                    c.metadata = true;
                    c.metadataFirst |= c.videoMessages == 0;
                    LOG.info("event=rtmp_stub_metadata values={}", v);
                    if (dump != null) {
                        // FLV files hold the metadata without the @setDataFrame wrapper, at the time it came
                        // (a re-announcement mid-session is not at 0)
                        int skip = "@setDataFrame".equals(v.get(0)) ? 3 + "@setDataFrame".length() : 0;
                        dump.tag(FlvTags.TAG_SCRIPT, m.timestamp(), java.util.Arrays.copyOfRange(m.payload(), skip,
                                m.payload().length));
                    }
                }
            }
            case RtmpMessage.VIDEO -> {
                FlvVideoTagInfo info;
                try {
                    c.videoMessages++;
                    info = FlvVideoTagInfo.parse(m.payload());
                } catch (IllegalArgumentException e) {
                    return end(TesterExitCodes.MODE_MISMATCH, c, "video message not understood for mode " + s.mode() + ": " + e.getMessage());
                }
                if (dump != null && info.packaging() == s.mode()) {
                    dump.tag(FlvTags.TAG_VIDEO, m.timestamp(), m.payload());
                }
                long before = c.video.codedFrames();
                VideoTagCheck.Violation broken = c.video.accept(info);
                if (broken != null) {
                    return end(broken.exitCode(), c, broken.message());
                }
                if (before == 0 && c.video.codedFrames() == 1) {
                    c.firstFrameNanos = System.nanoTime();
                    LOG.info("event=rtmp_stub_first_frame keyframe={} tag_ms={}", info.keyframe(), m.timestamp());
                }
                if (info.kind() == FlvVideoTagInfo.Kind.SEQUENCE_END) {
                    LOG.info("event=rtmp_stub_sequence_end frames={}", c.video.codedFrames());
                }
                if (c.video.codedFrames() >= s.videoThreshold()) {
                    return end(TesterExitCodes.OK, c, "threshold met");
                }
            }
            default -> { } // audio, acknowledgements, user control: not checked
        }
        return null;
    }

    private void command(RtmpMessage m, OutputStream out) throws IOException {
        List<Object> v = Amf0Reader.readAll(m.payload());
        if (v.isEmpty() || !(v.get(0) instanceof String name)) {
            throw new IllegalStateException("command message without a name");
        }
        double tx = v.size() > 1 && v.get(1) instanceof Double d ? d : 0;
        LOG.info("event=rtmp_stub_command name={} transaction={}", name, tx);
        switch (name) {
            case "connect" -> {
                send(out, new RtmpMessage(2, RtmpMessage.WINDOW_ACK_SIZE, 0, 0, u32(2_500_000)));
                byte[] bw = new byte[5];
                System.arraycopy(u32(2_500_000), 0, bw, 0, 4);
                bw[4] = 2; // dynamic
                send(out, new RtmpMessage(2, RtmpMessage.SET_PEER_BANDWIDTH, 0, 0, bw));
                send(out, new RtmpMessage(2, RtmpMessage.SET_CHUNK_SIZE, 0, 0, u32(OUT_CHUNK_SIZE)));
                Map<String, Object> props = new LinkedHashMap<>();
                props.put("fmsVer", "FMS/3,0,1,123");
                props.put("capabilities", 31);
                Map<String, Object> info = status("NetConnection.Connect.Success", "Connection succeeded.");
                info.put("objectEncoding", 0);
                reply(out, 0, new Amf0Writer().string("_result").number(tx).object(props).object(info));
            }
            case "createStream" -> reply(out, 0, new Amf0Writer().string("_result").number(tx).nul().number(1));
            case "publish" -> reply(out, 1, new Amf0Writer().string("onStatus").number(0).nul()
                    .object(status("NetStream.Publish.Start", "Publishing.")));
            default -> {
                if (tx > 0) {
                    reply(out, 0, new Amf0Writer().string("_result").number(tx).nul());
                }
            }
        }
    }

    private static Map<String, Object> status(String code, String description) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", "status");
        m.put("code", code);
        m.put("description", description);
        return m;
    }

    private static void reply(OutputStream out, int streamId, Amf0Writer w) throws IOException {
        send(out, new RtmpMessage(3, RtmpMessage.COMMAND_AMF0, streamId, 0, w.toByteArray()));
    }

    private static void send(OutputStream out, RtmpMessage m) throws IOException {
        // Our own Set Chunk Size goes out in the default size; everything after it in the new one.
        int size = m.typeId() == RtmpMessage.SET_CHUNK_SIZE ? RtmpChunkCodec.DEFAULT_CHUNK_SIZE : OUT_CHUNK_SIZE;
        out.write(RtmpChunkCodec.encode(m, size));
        out.flush();
    }

    private static byte[] u32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** Plain handshake: C0+C1 in, S0+S1+S2 out (S2 echoes C1), C2 in. */
    private static void handshake(DataInputStream in, OutputStream out) throws IOException {
        int version = in.readUnsignedByte();
        if (version != 3) {
            throw new RtmpChunkCodec.RtmpProtocolException("handshake: C0 version " + version + " (expected 3)");
        }
        byte[] c1 = new byte[HANDSHAKE_SIZE];
        in.readFully(c1);
        byte[] s1 = new byte[HANDSHAKE_SIZE];
        ThreadLocalRandom.current().nextBytes(s1);
        for (int i = 0; i < 8; i++) {
            s1[i] = 0; // time and zero fields
        }
        out.write(3);
        out.write(s1);
        out.write(c1);
        out.flush();
        in.readFully(new byte[HANDSHAKE_SIZE]); // C2
    }

    private static Result end(int code, Counts c, String reason) {
        Result r = new Result(code, c.video.codedFrames(), c.video.keyframes(), c.video.sequenceStarts(), c.metadata, c.metadataFirst, c.firstFrameNanos,
                reason);
        LOG.info("event=rtmp_stub_done exit_code={} frames={} keyframes={} sequence_starts={} metadata={} metadata_first={} cause=\"{}\"",
                code, c.video.codedFrames(), c.video.keyframes(), c.video.sequenceStarts(), c.metadata, c.metadataFirst,
                reason);
        return r;
    }

    /** Writes received tags as an FLV file (header, then complete tags). */
    private static final class Dump implements AutoCloseable {
        private final OutputStream out;

        Dump(Path p) throws IOException {
            out = Files.newOutputStream(p);
            out.write(FlvTags.fileHeader());
        }

        void tag(int type, long timeMs, byte[] body) throws IOException {
            out.write(FlvTags.tag(type, timeMs, body));
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
