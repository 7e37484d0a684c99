package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.grid.LiveGrid;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.record.GridMosaic;
import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code cvmmap-streamer grid (--input FILE.mp4|URI … | --mcap FILE.mcap | --segment-dir DIR) (--output OUT.mp4 |
 * --rtp-endpoint HOST:PORT | --rtmp-url URL)}: a CCTV-style R×C mosaic ({@code --layout}, default 2x2, row-major,
 * tiles at {@code --scale} of the first input's size) with a time overlay top left. Recordings: in sync from
 * the earliest one's start, Unix time of the frames, to an MP4 ({@link GridMosaic}). Live producers
 * ({@code cvmmap://NAME}): composited as they come, the wall-clock time, published as a cv-mmap producer
 * ({@code --publish-label}) that the streamer encodes as any camera (encoder auto: NVENC, else x264/x265)
 * to RTP, RTMP and/or an MP4 ({@link LiveGrid}), for {@code --duration-seconds} or until SIGINT/SIGTERM.
 * Exit 0; 2 for a bad option; 6 when an input cannot be read or the mosaic made; a live stream's own exit
 * code when it failed.
 */
@Command(name = "grid", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Makes an R x C mosaic of several recordings (MP4 files, the cameras of an MCAP, a segment folder) "
                + "into an MP4, in sync from the earliest one's start with a Unix-time overlay; or of live producers "
                + "(cvmmap://NAME) to RTP, RTMP and/or an MP4 with the wall-clock time.%nExit codes: 0 ok, 2 bad option, "
                + "6 read/encode failure; live: the stream's exit code.")
public final class GridCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--input", paramLabel = "FILE.mp4|URI", description = "An MP4 recording or a live producer (cvmmap://NAME); repeat, row-major.")
    List<String> inputs = new ArrayList<>();
    @Option(names = "--mcap", paramLabel = "FILE.mcap", description = "Every camera of this MCAP recording, in channel order.")
    Path mcap;
    @Option(names = "--segment-dir", paramLabel = "DIR", description = "A segment folder: its MCAP (one) or else its MP4 files in name order.")
    Path segmentDir;
    @Option(names = "--output", paramLabel = "OUT.mp4", description = "The mosaic MP4 (must not exist).")
    Path output;
    @Option(names = "--rtp-endpoint", paramLabel = "HOST:PORT", description = "Live inputs: send the mosaic as RTP here.")
    String rtpEndpoint;
    @Option(names = "--rtp-sdp", paramLabel = "PATH", description = "Live inputs with RTP: write the SDP here.")
    Path rtpSdp;
    @Option(names = "--rtmp-url", paramLabel = "URL", description = "Live inputs: publish the mosaic to this RTMP URL.")
    String rtmpUrl;
    @Option(names = "--codec", paramLabel = "h264|h265", defaultValue = "h264", description = "Live inputs: the codec (default ${DEFAULT-VALUE}).")
    String codec;
    @Option(names = "--publish-label", paramLabel = "NAME", description = "Live inputs: the cv-mmap name the mosaic is published under (default grid-<pid>).")
    String publishLabel;
    @Option(names = "--layout", paramLabel = "RxC", defaultValue = "2x2", description = "Rows x columns (default ${DEFAULT-VALUE}).")
    String layout;
    @Option(names = "--scale", paramLabel = "F", defaultValue = "0.5", description = "Tile size as a fraction of the first input's (default ${DEFAULT-VALUE}).")
    double scale;
    @Option(names = "--fps", paramLabel = "N", defaultValue = "30", description = "Output frame rate (default ${DEFAULT-VALUE}).")
    int fps;
    @Option(names = "--duration-seconds", paramLabel = "S", defaultValue = "0", description = "Recordings: length from the earliest start, 0 = until every input ended; live: how long, 0 = until a signal (default ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Override
    public Integer call() throws Exception {
        int sources = (inputs.isEmpty() ? 0 : 1) + (mcap == null ? 0 : 1) + (segmentDir == null ? 0 : 1);
        if (sources != 1) {
            throw new ConfigException("--input", inputs.isEmpty() ? "(none)" : inputs.get(0),
                    "give --input, --mcap or --segment-dir, one of them");
        }
        String[] rc = layout.split("x");
        int rows;
        int cols;
        try {
            rows = Integer.parseInt(rc[0]);
            cols = Integer.parseInt(rc[1]);
        } catch (RuntimeException e) {
            throw new ConfigException("--layout", layout, "must be RxC, e.g. 2x2");
        }
        if (rows < 1 || cols < 1 || rows * cols > 64) {
            throw new ConfigException("--layout", layout, "must have 1..64 tiles");
        }
        if (!(scale > 0 && scale <= 1) || fps < 1 || !(durationSeconds >= 0)) {
            throw new ConfigException("--scale", scale, "must be in (0, 1]; --fps >= 1; --duration-seconds >= 0");
        }
        if (output != null && Files.exists(output)) {
            throw new ConfigException("--output", output, "exists already: give a new file");
        }
        long live = inputs.stream().filter(i -> i.contains("://")).count();
        if (live > 0 && live < inputs.size()) {
            throw new ConfigException("--input", inputs.get(0), "give recordings or live producers, not both");
        }
        if (live > 0) {
            return live(rows, cols);
        }
        if (output == null) {
            throw new ConfigException("--output", "(missing)", "a mosaic of recordings is written to an MP4: give --output"
                    + (rtpEndpoint != null || rtmpUrl != null ? " (RTP and RTMP take live inputs, cvmmap://NAME)" : ""));
        }
        return recorded(rows, cols);
    }

    private int recorded(int rows, int cols) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path mcapFile = mcap;
        List<Path> mp4s = new ArrayList<>(inputs.stream().map(Path::of).toList());
        if (segmentDir != null) {
            if (!Files.isDirectory(segmentDir)) {
                throw new ConfigException("--segment-dir", segmentDir, "is not a folder");
            }
            List<Path> mcaps = list(segmentDir, ".mcap");
            if (mcaps.size() > 1) {
                throw new ConfigException("--segment-dir", segmentDir, "holds " + mcaps.size() + " MCAP files: give --mcap FILE");
            }
            mcapFile = mcaps.isEmpty() ? null : mcaps.get(0);
            mp4s = mcapFile == null ? list(segmentDir, ".mp4") : List.of();
            if (mcapFile == null && mp4s.isEmpty()) {
                throw new ConfigException("--segment-dir", segmentDir, "holds no .mcap or .mp4 recording");
            }
        }
        GstRuntime.init();
        try (Progress p = Progress.start("grid " + output.getFileName(), 1, "mosaics", out)) {
            GridMosaic.Result r;
            if (mcapFile != null) {
                r = GridMosaic.ofMcap(mcapFile, rows, cols, scale, fps, durationSeconds, output, GridMosaic.defaultEncoder());
            } else {
                List<GridMosaic.Input> in = mp4s.stream().map(m -> new GridMosaic.Input(m, 0)).toList();
                if (in.size() > rows * cols) {
                    throw new ConfigException("--layout", layout, in.size() + " inputs do not fit");
                }
                r = GridMosaic.make(in, rows, cols, scale, fps, durationSeconds, output, GridMosaic.defaultEncoder());
            }
            p.set(1);
            out.printf("grid output=%s inputs=%d layout=%dx%d size=%dx%d encoder=%s%n", r.output(), r.inputs(), rows,
                    cols, r.width(), r.height(), r.encoder());
            out.flush();
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 6;
        }
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        }
    }

    /** Live producers → {@link LiveGrid} → a streamer of the mosaic with the asked outputs. */
    private int live(int rows, int cols) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (output == null && rtpEndpoint == null && rtmpUrl == null) {
            throw new ConfigException("--rtp-endpoint", "(missing)", "a live mosaic needs --rtp-endpoint, --rtmp-url and/or --output");
        }
        if (inputs.size() > rows * cols) {
            throw new ConfigException("--layout", layout, inputs.size() + " inputs do not fit");
        }
        List<CvmmapTarget> targets = new ArrayList<>();
        for (String uri : inputs) {
            try {
                targets.add(CvmmapTarget.parse(uri));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("--input", uri, e.getMessage());
            }
        }
        String label = publishLabel != null ? publishLabel : "grid-" + ProcessHandle.current().pid();
        // the mosaic's streamer, validated before anything starts (its flags' own checks)
        StreamerConfig.Builder b = StreamerConfig.builder().inputUri("cvmmap://" + label).codec(codec).nats(false)
                .statusIntervalMs(0).instanceId("grid").inputFps(fps);
        if (rtpEndpoint != null) {
            b.rtp(true).rtpEndpoint(rtpEndpoint).rtpSdp(rtpSdp);
        }
        if (rtmpUrl != null) {
            b.rtmp(true).rtmpUrl(rtmpUrl);
        }
        if (output != null) {
            b.recordMp4(output);
        }
        StreamerConfig config = b.build();
        GstRuntime.init();
        CvmmapTarget publishAs = CvmmapTarget.parse("cvmmap://" + label);
        try (LiveGrid grid = new LiveGrid(new LiveGrid.Settings(targets, rows, cols, scale, fps, publishAs))) {
            int[] size;
            try {
                size = grid.start(10_000);
            } catch (IOException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return 6;
            }
            StreamerApp app = new StreamerApp(config);
            CountDownLatch stop = new CountDownLatch(1);
            Signals.onStop(stop::countDown);
            int[] code = {ExitCodes.OK};
            Thread t = new Thread(() -> {
                code[0] = app.run();
                stop.countDown();
            }, "grid-stream");
            t.start();
            out.printf("grid live inputs=%d layout=%dx%d size=%dx%d published_as=%s%n", targets.size(), rows, cols,
                    size[0], size[1], label);
            out.flush();
            if (durationSeconds > 0) {
                stop.await(Math.round(durationSeconds * 1000), TimeUnit.MILLISECONDS);
            } else {
                stop.await();
            }
            app.requestStop("grid: done");
            t.join();
            out.printf("grid live done frames_published=%d exit_code=%d%n", grid.published(), code[0]);
            out.flush();
            return code[0];
        }
    }
}
