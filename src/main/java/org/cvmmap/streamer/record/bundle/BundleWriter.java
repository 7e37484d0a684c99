package org.cvmmap.streamer.record.bundle;

import com.google.protobuf.InvalidProtocolBufferException;
import org.cvmmap.streamer.media.NalFraming;
import org.cvmmap.streamer.record.mcap.ChannelVisitor;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.mcap.McapWriter;
import org.cvmmap.streamer.record.proto.CompressedVideo;
import org.cvmmap.streamer.record.proto.RawImage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one bundled MCAP from one-camera MCAP recordings (each with one foxglove
 * {@code CompressedVideo} channel and at most one {@code RawImage} depth channel, as {@code --record-mcap}
 * writes them): a {@code /<label>/video} channel per camera, {@code /<label>/depth} for a camera whose
 * recording has depth and, for the nearest and strict policies, a {@code /bundle} message per bundle
 * ({@link BundleManifest}), planned by {@link BundlePlan} from the video messages' log times.
 *
 * <p>Encoded video cannot lose frames without being decoded again: each camera's topic keeps its
 * frames from the last keyframe at or before its first selected frame through its last selected one
 * (the bundles say which frame of each camera belongs where); copy keeps the selected range the same
 * way. Depth images logged within that range are kept. Original log times and payloads are kept;
 * {@code frame_id} becomes the label. Each input is read twice (times, then payloads), so memory holds
 * one chunk at a time. Messages are written camera after camera, so chunks overlap in time: indexed
 * readers give log-time order.
 */
public final class BundleWriter {
    /** Chunk size of the output (uncompressed), bytes. */
    static final int CHUNK_BYTES = 4 << 20;

    /**
     * One camera.
     *
     * @param label its label (topics {@code /<label>/video}, {@code /<label>/depth}, the key in {@code /bundle} members)
     * @param mcap  its one-camera MCAP recording
     */
    public record Camera(String label, Path mcap) {
    }

    /**
     * What was written.
     *
     * @param plan          the bundle plan
     * @param framesWritten per camera (input order), the video messages written
     * @param depthWritten  per camera (input order), the depth images written
     */
    public record Result(BundlePlan.Plan plan, int[] framesWritten, int[] depthWritten) {
    }

    /**
     * How the output is written.
     *
     * @param policy      nearest, strict or copy
     * @param toleranceNs strict: largest member distance from the bundle time, ns
     * @param copyRange   copy: common or full
     * @param startFrame  first bundle index kept
     * @param endFrame    last bundle index kept (inclusive), -1 = to the end
     * @param h265        the recordings hold H.265 (keyframes are IRAP NAL units), else H.264
     * @param compression the output's chunk compression
     */
    public record Settings(BundlePlan.Policy policy, long toleranceNs, BundlePlan.CopyRange copyRange, int startFrame,
                           int endFrame, boolean h265, ChunkCompression compression) {
        /** The same with another chunk compression. */
        public Settings withCompression(ChunkCompression c) {
            return new Settings(policy, toleranceNs, copyRange, startFrame, endFrame, h265, c);
        }
    }

    private BundleWriter() {
    }

    /** Per camera: the log time and keyframe flag of each video message, in file order; its channels. */
    private record Frames(long[] logNs, boolean[] keyframe, ChannelVisitor.Channel video, ChannelVisitor.Channel depth) {
    }

    /**
     * Plans and writes the bundled file.
     *
     * @param cameras the cameras, in order
     * @param output  the new file (must not exist)
     * @return the plan and what was written
     * @throws IOException when an input is not a one-camera video MCAP (naming it and why), nearest/strict
     *                     find no bundle (the recordings do not overlap: nothing is written), or a file fails
     */
    public static Result write(List<Camera> cameras, Path output, Settings settings) throws IOException {
        Map<String, long[]> times = new LinkedHashMap<>();
        List<Frames> frames = new ArrayList<>();
        for (Camera c : cameras) {
            Frames f = scan(c, settings.h265());
            frames.add(f);
            times.put(c.label(), f.logNs());
        }
        BundlePlan.Plan plan = BundlePlan.plan(times, settings.policy(), settings.toleranceNs(), settings.copyRange(),
                settings.startFrame(), settings.endFrame());
        if (plan.bundles().isEmpty() && settings.policy() != BundlePlan.Policy.COPY) {
            StringBuilder ranges = new StringBuilder();
            for (int c = 0; c < cameras.size(); c++) {
                long[] t = frames.get(c).logNs();
                ranges.append(c == 0 ? "" : ", ").append(cameras.get(c).label()).append(' ')
                        .append(t.length == 0 ? "no frames" : t[0] + ".." + t[t.length - 1] + " ns");
            }
            throw new IOException("no bundle: the recordings share no time within the selection (" + ranges + ")");
        }
        int[] written = new int[cameras.size()];
        int[] depthWritten = new int[cameras.size()];
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(output, StandardOpenOption.CREATE_NEW))) {
            McapWriter w = new McapWriter(out, "", "cvmmap-streamer", CHUNK_BYTES, settings.compression());
            Map<String, Integer> schemaIds = new LinkedHashMap<>();
            for (int c = 0; c < cameras.size(); c++) {
                Frames f = frames.get(c);
                int[] keep = keepRange(plan.frames().get(c), f.keyframe());
                if (keep == null) {
                    continue;
                }
                Camera cam = cameras.get(c);
                int video = w.addChannel(schemaId(w, schemaIds, f.video()), "/" + cam.label() + "/video", "protobuf",
                        Map.of());
                int depth = f.depth() == null ? 0 : w.addChannel(schemaId(w, schemaIds, f.depth()),
                        "/" + cam.label() + "/depth", "protobuf", f.depth().metadata());
                int[] n = copy(cam, w, video, depth, keep[0], keep[1], f.logNs()[keep[0]], f.logNs()[keep[1]]);
                written[c] = n[0];
                depthWritten[c] = n[1];
            }
            if (!plan.bundles().isEmpty()) {
                int schema = w.addSchema(BundleManifest.SCHEMA_NAME, "jsonschema", BundleManifest.schemaBytes());
                int channel = w.addChannel(schema, BundleManifest.TOPIC, "json", Map.of());
                for (BundlePlan.Bundle b : plan.bundles()) {
                    long[] members = new long[cameras.size()];
                    for (int c = 0; c < members.length; c++) {
                        members[c] = frames.get(c).logNs()[b.members()[c]];
                    }
                    w.addMessage(channel, b.timestampNs(), b.timestampNs(),
                            BundleManifest.json(b.index(), b.timestampNs(), plan.labels(), members));
                }
            }
            w.close();
        }
        return new Result(plan, written, depthWritten);
    }

    /** The output's id of a schema, added the first time a channel needs it. */
    private static int schemaId(McapWriter w, Map<String, Integer> ids, ChannelVisitor.Channel ch) throws IOException {
        Integer id = ids.get(ch.schemaName());
        if (id == null) {
            id = w.addSchema(ch.schemaName(), ch.schemaEncoding(), ch.schemaData());
            ids.put(ch.schemaName(), id);
        }
        return id;
    }

    /**
     * The frames to keep: from the last keyframe at or before the first selected frame through the
     * last selected one; null when none is selected.
     */
    static int[] keepRange(int[] selected, boolean[] keyframe) {
        if (selected.length == 0) {
            return null;
        }
        int from = selected[0];
        while (from > 0 && !keyframe[from]) {
            from--;
        }
        return new int[]{from, selected[selected.length - 1]};
    }

    private static Frames scan(Camera cam, boolean h265) throws IOException {
        List<Long> log = new ArrayList<>();
        List<Boolean> key = new ArrayList<>();
        ChannelVisitor.Channel[] found = new ChannelVisitor.Channel[2];
        read(cam, new ChannelVisitor() {
            @Override
            protected void channel(Channel ch) throws IOException {
                int slot = ch.is(COMPRESSED_VIDEO) ? 0 : ch.is(RAW_IMAGE) ? 1 : -1;
                if (slot < 0) {
                    return;
                }
                if (found[slot] != null) {
                    throw new IOException(cam.mcap() + ": more than one " + ch.schemaName() + " channel (" + ch.topic()
                            + "); give one camera's recording per input");
                }
                found[slot] = ch;
            }

            @Override
            protected void message(Channel ch, long logTimeNs, long publishTimeNs, byte[] data) throws IOException {
                if (ch != found[0]) {
                    return;
                }
                try {
                    key.add(NalFraming.annexBKeyframe(CompressedVideo.parseFrom(data).getData().toByteArray(), h265));
                } catch (InvalidProtocolBufferException e) {
                    throw new IOException(cam.mcap() + ": message at " + logTimeNs + " ns is not a CompressedVideo: "
                            + e.getMessage());
                }
                log.add(logTimeNs);
            }
        });
        if (found[0] == null) {
            throw new IOException(cam.mcap() + ": no " + ChannelVisitor.COMPRESSED_VIDEO + " channel");
        }
        for (int i = 1; i < log.size(); i++) {
            if (log.get(i) < log.get(i - 1)) {
                throw new IOException(cam.mcap() + ": video message " + i + " logged before the one ahead of it");
            }
        }
        boolean[] k = new boolean[key.size()];
        for (int i = 0; i < k.length; i++) {
            k[i] = key.get(i);
        }
        return new Frames(log.stream().mapToLong(Long::longValue).toArray(), k, found[0], found[1]);
    }

    /**
     * Copies video messages {@code from..to} (indices) and the depth images logged within
     * {@code fromNs..toNs}, frame_id set to the label.
     *
     * @param depthChannel the output's depth channel, 0 = none
     * @return {video messages written, depth images written}
     */
    private static int[] copy(Camera cam, McapWriter w, int videoChannel, int depthChannel, int from, int to,
                              long fromNs, long toNs) throws IOException {
        int[] index = {0};
        int[] written = {0, 0};
        read(cam, new ChannelVisitor() {
            @Override
            protected void message(Channel ch, long logTimeNs, long publishTimeNs, byte[] data) throws IOException {
                if (ch.is(COMPRESSED_VIDEO)) {
                    int i = index[0]++;
                    if (i >= from && i <= to) {
                        byte[] relabelled = CompressedVideo.parseFrom(data).toBuilder().setFrameId(cam.label()).build()
                                .toByteArray();
                        w.addMessage(videoChannel, logTimeNs, publishTimeNs, relabelled);
                        written[0]++;
                    }
                } else if (ch.is(RAW_IMAGE) && depthChannel != 0 && logTimeNs >= fromNs && logTimeNs <= toNs) {
                    byte[] relabelled = RawImage.parseFrom(data).toBuilder().setFrameId(cam.label()).build().toByteArray();
                    w.addMessage(depthChannel, logTimeNs, publishTimeNs, relabelled);
                    written[1]++;
                }
            }
        });
        return written;
    }

    private static void read(Camera cam, McapReader.Visitor v) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(cam.mcap()))) {
            McapReader.Result r = McapReader.read(in, v);
            if (!r.complete()) {
                throw new IOException(cam.mcap() + ": not a complete MCAP file (" + r.stop()
                        + "); mcap-recover makes it one");
            }
        } catch (McapReader.NotMcapException e) {
            throw new IOException(cam.mcap() + ": " + e.getMessage(), e);
        }
    }
}
