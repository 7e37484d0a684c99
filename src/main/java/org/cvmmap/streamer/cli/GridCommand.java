package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.record.GridMosaic;
import org.cvmmap.streamer.record.McapToMp4;
import org.cvmmap.streamer.record.Mp4Probe;
import org.cvmmap.streamer.util.ConfigException;
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

/**
 * {@code cvmmap-streamer grid (--input FILE.mp4 … | --mcap FILE.mcap) --output OUT.mp4}: a CCTV-style
 * R×C mosaic ({@code --layout}, default 2x2, row-major, tiles at {@code --scale} of the first input's size)
 * with a Unix-time overlay top left, the inputs in sync from the earliest one's start ({@link GridMosaic}). Exit 0;
 * 2 for a bad option; 6 when an input cannot be read or the mosaic made.
 */
@Command(name = "grid", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Makes an R x C mosaic MP4 of several recordings (MP4 files, or the cameras of an MCAP) with a "
                + "Unix-time overlay, in sync from the earliest one's start.%nExit codes: 0 ok, 2 bad option, 6 read/encode failure.")
public final class GridCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--input", paramLabel = "FILE.mp4", description = "An MP4 recording; repeat, row-major.")
    List<Path> inputs = new ArrayList<>();
    @Option(names = "--mcap", paramLabel = "FILE.mcap", description = "Every camera of this MCAP recording, in channel order.")
    Path mcap;
    @Option(names = "--output", required = true, paramLabel = "OUT.mp4", description = "The mosaic (must not exist).")
    Path output;
    @Option(names = "--layout", paramLabel = "RxC", defaultValue = "2x2", description = "Rows x columns (default ${DEFAULT-VALUE}).")
    String layout;
    @Option(names = "--scale", paramLabel = "F", defaultValue = "0.5", description = "Tile size as a fraction of the first input's (default ${DEFAULT-VALUE}).")
    double scale;
    @Option(names = "--fps", paramLabel = "N", defaultValue = "30", description = "Output frame rate (default ${DEFAULT-VALUE}).")
    int fps;
    @Option(names = "--duration-seconds", paramLabel = "S", defaultValue = "0", description = "Length from the earliest input's start; 0 = until every input ended (default ${DEFAULT-VALUE}).")
    double durationSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((mcap == null) == inputs.isEmpty()) {
            throw new ConfigException("--input", inputs.isEmpty() ? "(none)" : inputs.get(0), "give --input files or --mcap, one of them");
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
        if (Files.exists(output)) {
            throw new ConfigException("--output", output, "exists already: give a new file");
        }
        GstRuntime.init();
        Path tmp = null;
        try {
            List<GridMosaic.Input> in = new ArrayList<>();
            if (mcap != null) {
                tmp = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".grid-");
                Path dir = tmp;
                for (McapToMp4.Result r : McapToMp4.convert(mcap, null, l -> dir.resolve(l + ".mp4"), 0, -1, n -> { })) {
                    in.add(new GridMosaic.Input(r.output(), r.firstNs()));
                }
            } else {
                for (Path p : inputs) {
                    in.add(new GridMosaic.Input(p, 0));
                }
            }
            if (in.size() > rows * cols) {
                throw new ConfigException("--layout", layout, in.size() + " inputs do not fit");
            }
            int[] size = Mp4Probe.size(in.get(0).mp4());
            int tw = Math.max(2, (int) Math.round(size[0] * scale) & ~1);
            int th = Math.max(2, (int) Math.round(size[1] * scale) & ~1);
            try (Progress p = Progress.start("grid " + output.getFileName(), in.size(), "inputs", out)) {
                GridMosaic.Result r = GridMosaic.make(in, rows, cols, tw, th, fps, durationSeconds, output);
                p.set(in.size());
                out.printf("grid output=%s inputs=%d layout=%dx%d size=%dx%d encoder=%s%n", r.output(), in.size(), rows,
                        cols, r.width(), r.height(), r.encoder());
            }
            out.flush();
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 6;
        } finally {
            if (tmp != null) {
                RecordBundleCommand.deleteTree(tmp);
            }
        }
    }
}
