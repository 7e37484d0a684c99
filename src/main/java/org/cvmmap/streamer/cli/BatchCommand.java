package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.record.GridMosaic;
import org.cvmmap.streamer.record.McapToMp4;
import org.cvmmap.streamer.record.Mp4Probe;
import org.cvmmap.streamer.record.bundle.BundlePlan;
import org.cvmmap.streamer.record.bundle.BundleWriter;
import org.cvmmap.streamer.record.mcap.ChannelVisitor;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.mcap.McapSummary;
import org.cvmmap.streamer.util.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code cvmmap-streamer batch convert|grid|bundle …}: a tool over a dataset. Items come from a root
 * ({@code --recursive}, {@code --pattern}), explicit {@code --segment-dir}s, or the {@code segment_dir}
 * column of {@code --segments-csv} (first-seen order, duplicates once, {@code --csv-root}):
 * <ul>
 *   <li>{@code convert}: each MCAP recording → one MP4 per camera next to it ({@code foo_<label>.mp4});</li>
 *   <li>{@code grid}: each MCAP recording → a 2×2 mosaic MP4 of its cameras ({@code foo_grid.mp4}); encodes;</li>
 *   <li>{@code bundle}: each segment folder's one-camera MCAP recordings → one bundled MCAP in it
 *       ({@code <folder>_bundle.mcap}, nearest policy, zstd), a folder under {@code --root} being a segment
 *       when it holds two or more.</li>
 * </ul>
 * Workers: {@code --jobs N}, or mixed pools {@code --hardware-jobs N --software-jobs M} (encoding items
 * use the hardware encoder in the first, x264 in the second: NVENC session limits are real on consumer
 * GPUs; without NVENC, hardware workers encode in software), one aggregate progress. An item whose outputs
 * all exist is skipped unless {@code --overwrite}; {@code --probe-existing} reads each existing output to
 * its end and treats one that fails (or an MP4 holding fewer access units than its camera) as missing;
 * {@code --report-existing} only says what exists; {@code --dry-run} only says what would be done. A
 * failed item does not stop the others. Exit 0; 2 for a bad option; 6 when an item failed.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs convert, grid or bundle over a dataset: a root (--recursive, --pattern), --segment-dir "
                + "folders or a --segments-csv (segment_dir column), with --jobs workers (or --hardware-jobs and "
                + "--software-jobs pools), skipping finished items.%n"
                + "Exit codes: 0 ok, 2 bad option, 6 an item failed (the others were done).")
public final class BatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "TASK", description = "convert (MCAP → MP4 per camera), grid (MCAP → 2x2 mosaic MP4) or bundle (a segment's one-camera MCAPs → one bundled MCAP).")
    String task;
    @Option(names = "--root", paramLabel = "DIR", description = "A dataset root: the recordings in it (with --recursive, below it).")
    Path root;
    @Option(names = "--recursive", description = "With --root: every folder below it too.")
    boolean recursive;
    @Option(names = "--pattern", paramLabel = "GLOB", defaultValue = "*.mcap", description = "File names taken under --root and --segment-dir (default ${DEFAULT-VALUE}).")
    String pattern;
    @Option(names = "--segment-dir", paramLabel = "DIR", description = "A segment folder; repeat for more.")
    List<Path> segmentDirs = new ArrayList<>();
    @Option(names = "--segments-csv", paramLabel = "FILE", description = "A CSV whose segment_dir column lists segment folders.")
    Path segmentsCsv;
    @Option(names = "--csv-root", paramLabel = "DIR", description = "What relative segment_dir values are relative to (default: the CSV's folder).")
    Path csvRoot;
    @Option(names = "--jobs", paramLabel = "N", defaultValue = "1", description = "Items done at once (default ${DEFAULT-VALUE}); ignored with --hardware-jobs/--software-jobs.")
    int jobs;
    @Option(names = "--hardware-jobs", paramLabel = "N", defaultValue = "0", description = "Workers encoding with the hardware encoder (default ${DEFAULT-VALUE}).")
    int hardwareJobs;
    @Option(names = "--software-jobs", paramLabel = "M", defaultValue = "0", description = "Workers encoding with x264 (default ${DEFAULT-VALUE}).")
    int softwareJobs;
    @Option(names = "--hardware-encoder", paramLabel = "ELEMENT", defaultValue = GridMosaic.HARDWARE_ENCODER, description = "The hardware pool's H.264 encoder element (default ${DEFAULT-VALUE}).")
    String hardwareEncoder;
    @Option(names = "--overwrite", description = "Redo items whose outputs exist, replacing them.")
    boolean overwrite;
    @Option(names = "--probe-existing", description = "Read each existing output to its end; an unreadable or short one counts as missing.")
    boolean probeExisting;
    @Option(names = "--report-existing", description = "Only report, per item, whether its outputs exist (done, missing, unreadable).")
    boolean reportExisting;
    @Option(names = "--dry-run", description = "Only print what would be done or skipped.")
    boolean dryRun;

    /**
     * One item: its input(s) and outputs.
     *
     * @param name    what it is called in the lines printed (the recording, or the segment folder)
     * @param inputs  the recording(s)
     * @param outputs label → output file (convert: one per camera; grid, bundle: one)
     * @param frames  label → access units the output must hold (convert); empty otherwise
     */
    private record Item(Path name, List<Path> inputs, Map<String, Path> outputs, Map<String, Long> frames) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!List.of("convert", "grid", "bundle").contains(task)) {
            throw new ConfigException("TASK", task, "must be convert, grid or bundle");
        }
        if (jobs < 1) {
            throw new ConfigException("--jobs", jobs, "must be >= 1");
        }
        if (hardwareJobs < 0 || softwareJobs < 0) {
            throw new ConfigException("--hardware-jobs", hardwareJobs + "/" + softwareJobs, "must be >= 0");
        }
        List<Path> found = task.equals("bundle") ? discoverSegments() : discover();
        if (found.isEmpty()) {
            throw new ConfigException(root != null ? "--root" : segmentsCsv != null ? "--segments-csv" : "--segment-dir",
                    root != null ? root : segmentsCsv != null ? segmentsCsv : segmentDirs, task.equals("bundle")
                            ? "holds no segment with two or more files matching " + pattern : "holds no file matching " + pattern);
        }
        GstRuntime.init();
        List<Item> todo = new ArrayList<>();
        int skipped = 0;
        int failed = 0;
        for (Path f : found) {
            Item item;
            try {
                item = item(f);
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                out.printf("item=%s status=unreadable-input%n", f);
                failed++;
                continue;
            }
            String status = status(item);
            if (reportExisting) {
                out.printf("item=%s status=%s outputs=%s%n", f, status, String.join(",", item.outputs().keySet()));
                continue;
            }
            boolean redo = overwrite || !status.equals("done");
            out.printf("item=%s action=%s status=%s%n", f, redo ? task : "skip", status);
            if (redo) {
                todo.add(item);
            } else {
                skipped++;
            }
        }
        out.flush();
        if (reportExisting || dryRun) {
            return failed == 0 ? 0 : 6;
        }
        int errors = run(todo, out, err);
        out.printf("batch task=%s items=%d done=%d skipped=%d failed=%d%n", task, found.size(), todo.size() - errors,
                skipped, errors + failed);
        out.flush();
        return errors + failed == 0 ? 0 : 6;
    }

    /**
     * Runs the items on the pools: each worker takes the next item; an item that encodes uses its pool's
     * encoder.
     *
     * @return items that failed
     */
    private int run(List<Item> todo, PrintWriter out, PrintWriter err) throws InterruptedException {
        boolean pools = hardwareJobs + softwareJobs > 0;
        boolean hardwarePresent = GstRuntime.hasElement(hardwareEncoder.split(" ")[0]);
        if (pools && hardwareJobs > 0 && !hardwarePresent && task.equals("grid")) {
            out.printf("batch hardware_encoder=%s present=false action=\"hardware workers encode with x264\"%n",
                    hardwareEncoder);
        }
        List<String> workers = new ArrayList<>();
        for (int i = 0; i < (pools ? hardwareJobs : 0); i++) {
            workers.add(hardwarePresent ? hardwareEncoder : GridMosaic.SOFTWARE_ENCODER);
        }
        for (int i = 0; i < (pools ? softwareJobs : jobs); i++) {
            workers.add(pools ? GridMosaic.SOFTWARE_ENCODER : GridMosaic.defaultEncoder());
        }
        java.util.concurrent.BlockingQueue<Item> queue = new java.util.concurrent.LinkedBlockingQueue<>(todo);
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        try (Progress p = Progress.start("batch " + task, todo.size(), "items", out)) {
            for (int w = 0; w < workers.size(); w++) {
                String encoder = workers.get(w);
                String pool = pools && w < hardwareJobs ? "hardware" : "software";
                Thread t = new Thread(() -> {
                    for (Item item; (item = queue.poll()) != null; ) {
                        try {
                            String what = doItem(item, encoder);
                            synchronized (out) {
                                out.printf("item=%s %s pool=%s%n", item.name(), what, pool);
                            }
                        } catch (IOException | RuntimeException e) {
                            errors.incrementAndGet();
                            synchronized (err) {
                                err.println("error: " + item.name() + ": " + e.getMessage());
                            }
                        }
                        synchronized (p) {
                            p.set(done.incrementAndGet());
                        }
                    }
                }, "batch-" + pool + "-" + w);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        return errors.get();
    }

    /** Does one item (its outputs replaced); returns what was done, for the item's line. */
    private String doItem(Item item, String encoder) throws IOException {
        for (Path o : item.outputs().values()) {
            Files.deleteIfExists(o); // missing, unreadable, or --overwrite
        }
        return switch (task) {
            case "convert" -> {
                McapToMp4.convert(item.inputs().get(0), null, item.outputs()::get, 0, -1, n -> { });
                yield "converted=" + item.outputs().size();
            }
            case "grid" -> {
                GridMosaic.Result r = GridMosaic.ofMcap(item.inputs().get(0), 2, 2, 0.5, 30, 0,
                        item.outputs().get("grid"), encoder);
                yield "grid=" + r.output().getFileName() + " encoder=" + r.encoder();
            }
            default -> {
                List<BundleWriter.Camera> cams = new ArrayList<>();
                for (Path in : item.inputs()) {
                    cams.add(new BundleWriter.Camera(McapToMp4.stem(in), in));
                }
                BundleWriter.Result r = BundleWriter.write(cams, item.outputs().get("bundle"), BUNDLE);
                yield "bundles=" + r.plan().bundles().size() + " cameras=" + cams.size();
            }
        };
    }

    /** How batch bundle writes: the defaults of {@code bundle}. */
    private static final BundleWriter.Settings BUNDLE = new BundleWriter.Settings(BundlePlan.Policy.NEAREST, 0,
            BundlePlan.CopyRange.COMMON, 0, -1, false, ChunkCompression.ZSTD);

    private Item item(Path input) throws IOException {
        if (task.equals("bundle")) {
            List<Path> mcaps = segmentFiles(input);
            Path out = input.resolve(input.getFileName() + "_bundle.mcap");
            return new Item(input, mcaps, Map.of("bundle", out), Map.of());
        }
        McapSummary s;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(input))) {
            s = McapSummary.of(in);
        }
        if (!s.read().complete()) {
            throw new IOException(input + ": cut off (" + s.read().stop() + ")");
        }
        Map<String, Path> outputs = new LinkedHashMap<>();
        Map<String, Long> frames = new LinkedHashMap<>();
        for (McapSummary.Topic t : s.topics()) {
            if (t.schema().equals(ChannelVisitor.COMPRESSED_VIDEO)) {
                String label = ChannelVisitor.labelOf(t.topic());
                outputs.put(label, McapToMp4.defaultOutput(input.getParent(), input, label));
                frames.put(label, t.messages());
            }
        }
        if (outputs.isEmpty()) {
            throw new IOException(input + ": no camera (no foxglove.CompressedVideo channel)");
        }
        if (task.equals("grid")) {
            return new Item(input, List.of(input), Map.of("grid", input.resolveSibling(McapToMp4.stem(input) + "_grid.mp4")),
                    Map.of());
        }
        return new Item(input, List.of(input), outputs, frames);
    }

    /** done (every output there, and read whole with --probe-existing), missing, or unreadable. */
    private String status(Item item) {
        String status = "done";
        for (Map.Entry<String, Path> o : item.outputs().entrySet()) {
            if (!Files.exists(o.getValue())) {
                return "missing";
            }
            if (probeExisting && !readsWhole(o.getValue(), item.frames().get(o.getKey()))) {
                status = "unreadable";
            }
        }
        return status;
    }

    /** An MP4 that demuxes to its end (with as many access units as expected, when known), or a complete MCAP. */
    private static boolean readsWhole(Path output, Long frames) {
        try {
            if (output.getFileName().toString().endsWith(".mcap")) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(output))) {
                    return McapReader.read(in, new McapReader.Visitor() { }).complete();
                }
            }
            long n = Mp4Probe.read(output, u -> { });
            return frames == null ? n > 0 : n == frames;
        } catch (IOException e) { // McapReader.NotMcapException too
            return false;
        }
    }

    /** The segment folders (bundle): explicit ones, the CSV's, and under --root those holding two or more recordings. */
    private List<Path> discoverSegments() throws IOException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path d : segmentDirs) {
            dirs.add(d.toAbsolutePath().normalize());
        }
        if (segmentsCsv != null) {
            dirs.addAll(csvDirs());
        }
        if (root != null) {
            if (!Files.isDirectory(root)) {
                throw new ConfigException("--root", root, "is not a folder");
            }
            try (Stream<Path> s = recursive ? Files.walk(root) : Stream.concat(Stream.of(root), Files.list(root))) {
                for (Path d : s.filter(Files::isDirectory).map(p -> p.toAbsolutePath().normalize()).sorted().toList()) {
                    if (segmentFiles(d).size() >= 2) {
                        dirs.add(d);
                    }
                }
            }
        }
        List<Path> out = new ArrayList<>();
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                throw new ConfigException("--segment-dir", d, "is not a folder");
            }
            if (segmentFiles(d).size() >= 2) {
                out.add(d);
            }
        }
        return out;
    }

    /** A segment folder's recordings to bundle: files matching --pattern, but bundles written before. */
    private List<Path> segmentFiles(Path dir) throws IOException {
        PathMatcher match = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> match.matches(p.getFileName()))
                    .filter(p -> !p.getFileName().toString().endsWith("_bundle.mcap")).sorted().toList();
        }
    }

    /** The recordings, in order, each once. */
    private List<Path> discover() throws IOException {
        PathMatcher match = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path d : segmentDirs) {
            dirs.add(d.toAbsolutePath().normalize());
        }
        if (segmentsCsv != null) {
            dirs.addAll(csvDirs());
        }
        Set<Path> files = new LinkedHashSet<>();
        if (root != null) {
            if (!Files.isDirectory(root)) {
                throw new ConfigException("--root", root, "is not a folder");
            }
            try (Stream<Path> s = recursive ? Files.walk(root) : Files.list(root)) {
                s.filter(Files::isRegularFile).filter(p -> match.matches(p.getFileName()))
                        .map(p -> p.toAbsolutePath().normalize()).sorted().forEach(files::add);
            }
        }
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                throw new ConfigException("--segment-dir", d, "is not a folder");
            }
            try (Stream<Path> s = Files.list(d)) {
                s.filter(Files::isRegularFile).filter(p -> match.matches(p.getFileName()))
                        .map(p -> p.toAbsolutePath().normalize()).sorted().forEach(files::add);
            }
        }
        return new ArrayList<>(files);
    }

    private List<Path> csvDirs() throws IOException {
        List<String> lines = Files.readAllLines(segmentsCsv, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new ConfigException("--segments-csv", segmentsCsv, "is empty: it needs a header with segment_dir");
        }
        List<String> header = csvFields(lines.get(0));
        int col = header.indexOf("segment_dir");
        if (col < 0) {
            throw new ConfigException("--segments-csv", segmentsCsv, "has no segment_dir column (header: " + lines.get(0) + ")");
        }
        Path base = csvRoot != null ? csvRoot : segmentsCsv.toAbsolutePath().getParent();
        List<Path> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> f = csvFields(line);
            if (col < f.size() && !f.get(col).isBlank()) {
                out.add(base.resolve(f.get(col).strip()).toAbsolutePath().normalize());
            }
        }
        return out;
    }

    /** One CSV line's fields (RFC 4180: commas, double-quoted fields with "" for a quote). */
    static List<String> csvFields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    f.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        out.add(f.toString());
        return out;
    }
}
