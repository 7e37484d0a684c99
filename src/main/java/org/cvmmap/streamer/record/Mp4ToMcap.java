package org.cvmmap.streamer.record;

import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.util.ExclusiveFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * An MP4 file's video track to a one-camera MCAP ({@code /<label>/video}, foxglove
 * {@code CompressedVideo}; docs/mcap_layout.md), remuxed: {@link Mp4Probe} reads the access units (no
 * decode). Log time = {@code timeBaseNs} + the access unit's PTS: an
 * MP4 holds times from 0, so the caller says where on the Unix-epoch timeline its first frame lies.
 * Needs {@code GstRuntime.init()}.
 */
public final class Mp4ToMcap {
    /**
     * What was written.
     *
     * @param output the MCAP file
     * @param codec  the track's codec
     * @param frames access units written
     * @param lastNs log time of the last one, ns
     */
    public record Result(Path output, Codec codec, long frames, long lastNs) {
    }

    private Mp4ToMcap() {
    }

    /**
     * Converts.
     *
     * @param mp4        the MP4 file
     * @param output     the new MCAP file (must not exist; its folder must)
     * @param label      the camera label (topic {@code /<label>/video}, frame_id)
     * @param timeBaseNs log time of PTS 0, ns since the Unix epoch
     * @param framesDone told the access units written so far (progress)
     * @throws IOException naming the file and why (not an MP4, no H.264/H.265 track, the MCAP cannot be written)
     */
    public static Result convert(Path mp4, Path output, String label, long timeBaseNs, LongConsumer framesDone)
            throws IOException {
        Codec codec = Mp4Probe.codec(mp4);
        long[] last = {-1};
        long[] frames = {0};
        McapFileSink mcap;
        try (ExclusiveFile f = ExclusiveFile.create(output, null)) {
            mcap = new McapFileSink(f, codec, "/" + label + "/video", "/" + label + "/depth", label,
                    "cvmmap-streamer convert", ChunkCompression.NONE);
        }
        try {
            Mp4Probe.read(mp4, u -> {
                last[0] = timeBaseNs + u.ptsNs();
                try {
                    mcap.write(u.annexB(), last[0]);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                framesDone.accept(++frames[0]);
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            mcap.finish();
        }
        if (frames[0] == 0) {
            throw new IOException(mp4 + ": its video track holds no access unit");
        }
        return new Result(output, codec, frames[0], last[0]);
    }
}
