package org.cvmmap.streamer.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Interop peers that Debian does not package, installed by {@code scripts/peers.sh} under
 * {@code .cache/peers/} (or where {@code FFMPEG8_DIR} points). Tests that need one fail, saying
 * why, when it is absent: nothing passes without its oracle.
 */
public final class Peers {
    private Peers() {
    }

    /** The folder holding FFmpeg 8's {@code ffmpeg}, {@code ffprobe} and libraries, if installed. */
    public static Optional<Path> ffmpeg8() {
        String env = System.getenv("FFMPEG8_DIR");
        Path dir = env != null ? Path.of(env) : Path.of(".cache", "peers", "ffmpeg8").toAbsolutePath();
        return Files.isExecutable(dir.resolve("ffprobe")) ? Optional.of(dir) : Optional.empty();
    }

    /** A process builder for one of FFmpeg 8's tools ({@code ffmpeg} / {@code ffprobe}) with its libraries. */
    public static ProcessBuilder ffmpeg8(Path dir, String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(dir.resolve(tool).toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LD_LIBRARY_PATH", dir.toString());
        return pb;
    }

    /**
     * Counts the video frames a probe decodes in a file ({@code -count_frames}).
     *
     * @param probe an {@code ffprobe} invocation without the file
     * @return ffprobe's output (codec_name, width, height, nb_read_frames lines)
     */
    public static String countFrames(ProcessBuilder probe, Path file) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(probe.command());
        cmd.addAll(List.of("-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,width,height,nb_read_frames", "-of", "default=nw=1", file.toString()));
        Process p = probe.command(cmd).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("ffprobe did not finish on " + file);
        }
        return out;
    }
}
