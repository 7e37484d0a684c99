package org.cvmmap.streamer.record.bundle;

import com.google.protobuf.InvalidProtocolBufferException;
import org.cvmmap.streamer.media.NalFraming;
import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.mcap.McapWriter;
import org.cvmmap.streamer.record.proto.CompressedVideo;

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
 * {@code CompressedVideo} channel, as {@code --record-mcap} writes them): a {@code /<label>/video}
 * channel per camera and, for the nearest and strict policies, a {@code /bundle} message per bundle
 * ({@link BundleManifest}), planned by {@link BundlePlan} from the messages' log times.
 *
 * <p>Encoded video cannot lose frames without being decoded again: each camera's topic keeps its
 * frames from the last keyframe at or before its first selected frame through its last selected one
 * (the bundles say which frame of each camera belongs where); copy keeps the selected range the same
 * way. Original log times and payloads are kept; {@code frame_id} becomes the label. Each input is
 * read twice (times, then payloads), so memory holds one message at a time. Messages are written
 * camera after camera, so chunks overlap in time: indexed readers give log-time order.
 */
public final class BundleWriter {
    /** Chunk size of the output, bytes. */
    static final int CHUNK_BYTES = 4 << 20;

    /**
     * One camera.
     *
     * @param label its label (topic {@code /<label>/video}, the key in {@code /bundle} members)
     * @param mcap  its one-camera MCAP recording
     */
    public record Camera(String label, Path mcap) {
    }

    /**
     * What was written.
     *
     * @param plan          the bundle plan
     * @param framesWritten per camera (input order), the video messages written
     */
    public record Result(BundlePlan.Plan plan, int[] framesWritten) {
    }

    private BundleWriter() {
    }

    /** Per camera: the log time and keyframe flag of each video message, in file order. */
    private record Frames(long[] logNs, boolean[] keyframe, String schemaName, String schemaEncoding, byte[] schemaData) {
    }

    /**
     * Plans and writes the bundled file.
     *
     * @param cameras     the cameras, in order
     * @param output      the new file (must not exist)
     * @param policy      nearest, strict or copy
     * @param toleranceNs strict: largest member distance from the bundle time, ns
     * @param copyRange   copy: common or full
     * @param startFrame  first bundle index kept
     * @param endFrame    last bundle index kept (inclusive), -1 = to the end
     * @param h265        the recordings hold H.265 (keyframes are IRAP NAL units), else H.264
     * @return the plan and what was written
     * @throws IOException when an input is not a one-camera video MCAP (naming it and why) or a file fails
     */
    public static Result write(List<Camera> cameras, Path output, BundlePlan.Policy policy, long toleranceNs,
                               BundlePlan.CopyRange copyRange, int startFrame, int endFrame, boolean h265) throws IOException {
        Map<String, long[]> times = new LinkedHashMap<>();
        List<Frames> frames = new ArrayList<>();
        for (Camera c : cameras) {
            Frames f = scan(c, h265);
            frames.add(f);
            times.put(c.label(), f.logNs());
        }
        BundlePlan.Plan plan = BundlePlan.plan(times, policy, toleranceNs, copyRange, startFrame, endFrame);
        int[] written = new int[cameras.size()];
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(output, StandardOpenOption.CREATE_NEW))) {
            McapWriter w = new McapWriter(out, "", "cvmmap-streamer", CHUNK_BYTES);
            Frames first = frames.get(0);
            int videoSchema = w.addSchema(first.schemaName(), first.schemaEncoding(), first.schemaData());
            for (int c = 0; c < cameras.size(); c++) {
                int[] keep = keepRange(plan.frames().get(c), frames.get(c).keyframe());
                if (keep == null) {
                    continue;
                }
                Camera cam = cameras.get(c);
                int channel = w.addChannel(videoSchema, "/" + cam.label() + "/video", "protobuf", Map.of());
                written[c] = copy(cam, w, channel, keep[0], keep[1]);
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
        return new Result(plan, written);
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
        String[] schema = new String[2];
        byte[][] schemaData = new byte[1][];
        int[] videoChannel = {-1};
        Map<Integer, String> schemaNames = new LinkedHashMap<>();
        read(cam, new McapReader.Visitor() {
            @Override
            public void schema(int id, String name, String encoding, byte[] data) {
                schemaNames.put(id, name);
                if (name.equals("foxglove.CompressedVideo") && schema[0] == null) {
                    schema[0] = name;
                    schema[1] = encoding;
                    schemaData[0] = data;
                }
            }

            @Override
            public void channel(int id, int schemaId, String topic, String encoding, Map<String, String> metadata)
                    throws IOException {
                if ("foxglove.CompressedVideo".equals(schemaNames.get(schemaId))) {
                    if (videoChannel[0] >= 0) {
                        throw new IOException(cam.mcap() + ": more than one video channel (" + topic + "); give one "
                                + "camera's recording per input");
                    }
                    videoChannel[0] = id;
                }
            }

            @Override
            public void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data)
                    throws IOException {
                if (channelId != videoChannel[0]) {
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
        if (videoChannel[0] < 0) {
            throw new IOException(cam.mcap() + ": no foxglove.CompressedVideo channel");
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
        return new Frames(log.stream().mapToLong(Long::longValue).toArray(), k, schema[0], schema[1], schemaData[0]);
    }

    private static int copy(Camera cam, McapWriter w, int channel, int from, int to) throws IOException {
        int[] index = {0};
        int[] written = {0};
        read(cam, new McapReader.Visitor() {
            private final Map<Integer, Boolean> video = new LinkedHashMap<>();
            private final Map<Integer, String> schemaNames = new LinkedHashMap<>();

            @Override
            public void schema(int id, String name, String encoding, byte[] data) {
                schemaNames.put(id, name);
            }

            @Override
            public void channel(int id, int schemaId, String topic, String encoding, Map<String, String> metadata) {
                video.put(id, "foxglove.CompressedVideo".equals(schemaNames.get(schemaId)));
            }

            @Override
            public void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data)
                    throws IOException {
                if (!video.getOrDefault(channelId, false)) {
                    return;
                }
                int i = index[0]++;
                if (i >= from && i <= to) {
                    byte[] relabelled = CompressedVideo.parseFrom(data).toBuilder().setFrameId(cam.label()).build().toByteArray();
                    w.addMessage(channel, logTimeNs, publishTimeNs, relabelled);
                    written[0]++;
                }
            }
        });
        return written[0];
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
