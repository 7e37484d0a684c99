package org.cvmmap.streamer.record;

import com.google.protobuf.InvalidProtocolBufferException;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.NalFraming;
import org.cvmmap.streamer.record.mcap.ChannelVisitor;
import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.proto.CompressedVideo;
import org.cvmmap.streamer.util.ExclusiveFile;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * An MCAP recording's cameras to MP4 files, remuxed (no decode, no encode): each
 * {@code foxglove.CompressedVideo} channel's access units go through the MP4 recorder graph
 * ({@code pipelines/record-mp4.pipeline}) with PTS = log time − the first written frame's log time.
 * One file per camera (label = the topic's first segment: {@code /cam1/video} → {@code cam1}).
 * Frames {@code startFrame..endFrame} of each camera are kept, from the last keyframe at or before
 * {@code startFrame} (an MP4 must start on one). Needs {@code GstRuntime.init()}.
 */
public final class McapToMp4 {
    /**
     * One camera written.
     *
     * @param label    the camera
     * @param output   its MP4 file
     * @param frames   access units written
     * @param firstNs  log time of the first written, ns
     * @param lastNs   log time of the last written, ns
     */
    public record Result(String label, Path output, long frames, long firstNs, long lastNs) {
    }

    private McapToMp4() {
    }

    /** One camera being written. */
    private static final class Track {
        final String label;
        Mp4FileSink sink;
        Path output;
        long index;
        long frames;
        long firstNs = -1;
        long lastNs;
        /** Frames from the last keyframe while still before startFrame (written once startFrame comes). */
        final List<Object[]> held = new ArrayList<>();

        Track(String label) {
            this.label = label;
        }
    }

    /**
     * Where a camera's MP4 goes by default: next to the recording, {@code foo.mcap} → {@code foo_<label>.mp4}.
     *
     * @param dir  the folder
     * @param mcap the recording's file name or path (only its name is used)
     */
    public static Path defaultOutput(Path dir, Path mcap, String label) {
        return dir.resolve(stem(mcap) + "_" + label + ".mp4");
    }

    /** A file's name without {@code .mcap}. */
    public static String stem(Path mcap) {
        String name = mcap.getFileName().toString();
        return name.endsWith(".mcap") ? name.substring(0, name.length() - 5) : name;
    }

    /**
     * Converts.
     *
     * @param mcap       the recording
     * @param onlyLabel  one camera's label, or null for every camera
     * @param outputFor  label → the new MP4 file (must not exist; its folder must)
     * @param startFrame first frame index kept per camera (≥ 0)
     * @param endFrame   last frame index kept (inclusive), -1 = to the end
     * @param bytesRead  told the input's bytes read so far (progress)
     * @return one result per camera written, in channel order
     * @throws IOException naming the file and what is wrong (not MCAP, cut off, no such camera, an MP4 error)
     */
    public static List<Result> convert(Path mcap, String onlyLabel, Function<String, Path> outputFor, long startFrame,
                                       long endFrame, LongConsumer bytesRead) throws IOException {
        Map<Integer, Track> tracks = new LinkedHashMap<>();
        List<Result> results = new ArrayList<>();
        McapReader.Result r;
        try (InputStream in = counting(new BufferedInputStream(Files.newInputStream(mcap)), bytesRead)) {
            r = McapReader.read(in, new ChannelVisitor() {
                @Override
                protected void channel(Channel ch) {
                    if (ch.is(COMPRESSED_VIDEO) && (onlyLabel == null || onlyLabel.equals(ch.label()))) {
                        tracks.put(ch.id(), new Track(ch.label()));
                    }
                }

                @Override
                protected void message(Channel ch, long logTimeNs, long publishTimeNs, byte[] data) throws IOException {
                    Track t = tracks.get(ch.id());
                    if (t != null) {
                        frame(t, logTimeNs, data, outputFor, startFrame, endFrame, mcap);
                    }
                }
            });
        } catch (McapReader.NotMcapException e) {
            throw new IOException(mcap + ": " + e.getMessage(), e);
        } finally {
            for (Track t : tracks.values()) {
                if (t.sink != null) {
                    t.sink.finish();
                    results.add(new Result(t.label, t.output, t.frames, t.firstNs, t.lastNs));
                }
            }
        }
        if (tracks.isEmpty()) {
            throw new IOException(mcap + ": no camera" + (onlyLabel == null ? "" : " labelled " + onlyLabel)
                    + " (no foxglove.CompressedVideo channel)");
        }
        if (!r.complete()) {
            throw new IOException(mcap + ": cut off (" + r.stop() + "); what was read was converted; mcap-recover "
                    + "makes the file whole");
        }
        return results;
    }

    private static void frame(Track t, long logNs, byte[] data, Function<String, Path> outputFor, long startFrame,
                              long endFrame, Path mcap) throws IOException {
        long i = t.index++;
        if (endFrame >= 0 && i > endFrame) {
            return;
        }
        CompressedVideo v;
        try {
            v = CompressedVideo.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(mcap + ": " + t.label + " frame " + i + " is not a CompressedVideo: " + e.getMessage());
        }
        boolean h265 = v.getFormat().equals("h265");
        byte[] au = v.getData().toByteArray();
        if (i < startFrame) {
            if (NalFraming.annexBKeyframe(au, h265)) {
                t.held.clear();
            }
            t.held.add(new Object[]{au, logNs});
            return;
        }
        if (t.sink == null) {
            if (!v.getFormat().equals("h264") && !h265) {
                throw new IOException(mcap + ": " + t.label + " has format \"" + v.getFormat() + "\", not h264 or h265");
            }
            t.output = outputFor.apply(t.label);
            try (ExclusiveFile f = ExclusiveFile.create(t.output, null)) {
                t.sink = new Mp4FileSink(f, h265 ? Codec.H265 : Codec.H264);
            }
            if (NalFraming.annexBKeyframe(au, h265)) {
                t.held.clear(); // the first frame kept is a keyframe itself
            } else if (t.held.isEmpty()) {
                throw new IOException(mcap + ": " + t.label + " frame " + i + " is not a keyframe and none came before it");
            }
            for (Object[] h : t.held) {
                write(t, (byte[]) h[0], (long) h[1]);
            }
            t.held.clear();
        }
        write(t, au, logNs);
    }

    private static void write(Track t, byte[] au, long logNs) throws IOException {
        t.sink.write(au, logNs, logNs);
        if (t.firstNs < 0) {
            t.firstNs = logNs;
        }
        t.lastNs = logNs;
        t.frames++;
    }

    private static InputStream counting(InputStream in, LongConsumer bytesRead) {
        return new FilterInputStream(in) {
            private long n;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    bytesRead.accept(++n);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int k = super.read(buf, off, len);
                if (k > 0) {
                    n += k;
                    bytesRead.accept(n);
                }
                return k;
            }
        };
    }
}
