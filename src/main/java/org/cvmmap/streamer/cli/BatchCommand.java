package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.record.McapToMp4;
import org.cvmmap.streamer.record.Mp4Probe;
import org.cvmmap.streamer.record.mcap.ChannelVisitor;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code cvmmap-streamer batch convert …}: {@code convert} over a dataset — every MCAP recording under a
 * root ({@code --recursive}, {@code --pattern}), in explicit {@code --segment-dir}s, or in the
 * {@code segment_dir} column of {@code --segments-csv} (first-seen order, duplicates once,
 * {@code --csv-root}) — with {@code --jobs} workers and one aggregate progress. An item whose MP4
 * files all exist is skipped unless {@code --overwrite}; {@code --probe-existing} reads each existing
 * MP4 to its end and treats one that fails or holds fewer access units than its camera's topic as
 * missing; {@code --report-existing} only says what exists; {@code --dry-run} only says what would be
 * done. A failed item does not stop the others. Exit 0; 2 for a bad option; 6 when an item failed.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs convert over a dataset: a root (--recursive, --pattern), --segment-dir folders or a "
                + "--segments-csv (segment_dir column), with --jobs workers, skipping finished items.%n"
                + "Exit codes: 0 ok, 2 bad option, 6 an item failed (the others were done).")
public final class BatchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "TASK", description = "convert (grid and bundle are not there yet).")
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
    @Option(names = "--jobs", paramLabel = "N", defaultValue = "1", description = "Items converted at once (default ${DEFAULT-VALUE}).")
    int jobs;
    @Option(names = "--overwrite", description = "Convert items whose outputs exist, replacing them.")
    boolean overwrite;
    @Option(names = "--probe-existing", description = "Read each existing output to its end; an unreadable or short one counts as missing.")
    boolean probeExisting;
    @Option(names = "--report-existing", description = "Only report, per item, whether its outputs exist (done, missing, unreadable).")
    boolean reportExisting;
    @Option(names = "--dry-run", description = "Only print what would be converted or skipped.")
    boolean dryRun;

    /** One recording and its outputs (one MP4 per camera next to it). */
    private record Item(Path mcap, Map<String, Path> outputs, Map<String, Long> frames) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!task.equals("convert")) {
            throw new ConfigException("TASK", task, "must be convert (grid and bundle are not there yet)");
        }
        if (jobs < 1) {
            throw new ConfigException("--jobs", jobs, "must be >= 1");
        }
        List<Path> files = discover();
        if (files.isEmpty()) {
            throw new ConfigException(root != null ? "--root" : segmentsCsv != null ? "--segments-csv" : "--segment-dir",
                    root != null ? root : segmentsCsv != null ? segmentsCsv : segmentDirs, "holds no file matching " + pattern);
        }
        GstRuntime.init();
        List<Item> todo = new ArrayList<>();
        int skipped = 0;
        int failed = 0;
        for (Path f : files) {
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
                out.printf("item=%s status=%s cameras=%s%n", f, status, String.join(",", item.outputs().keySet()));
                continue;
            }
            boolean convert = overwrite || !status.equals("done");
            out.printf("item=%s action=%s status=%s%n", f, convert ? "convert" : "skip", status);
            if (convert) {
                todo.add(item);
            } else {
                skipped++;
            }
        }
        out.flush();
        if (reportExisting || dryRun) {
            return failed == 0 ? 0 : 6;
        }
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger(failed);
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "batch");
            t.setDaemon(true);
            return t;
        });
        try (Progress p = Progress.start("batch convert", todo.size(), "items", out)) {
            List<Future<?>> futures = new ArrayList<>();
            for (Item item : todo) {
                futures.add(pool.submit(() -> {
                    try {
                        for (Path o : item.outputs().values()) {
                            Files.deleteIfExists(o); // missing, unreadable, or --overwrite
                        }
                        McapToMp4.convert(item.mcap(), null, item.outputs()::get, 0, -1, n -> { });
                        synchronized (out) {
                            out.printf("item=%s converted=%d%n", item.mcap(), item.outputs().size());
                        }
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        synchronized (err) {
                            err.println("error: " + item.mcap() + ": " + e.getMessage());
                        }
                    }
                    synchronized (p) {
                        p.set(done.incrementAndGet());
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        out.printf("batch task=convert items=%d converted=%d skipped=%d failed=%d%n", files.size(),
                todo.size() - (errors.get() - failed), skipped, errors.get());
        out.flush();
        return errors.get() == 0 ? 0 : 6;
    }

    private Item item(Path mcap) throws IOException {
        McapSummary s;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(mcap))) {
            s = McapSummary.of(in);
        }
        if (!s.read().complete()) {
            throw new IOException(mcap + ": cut off (" + s.read().stop() + ")");
        }
        String name = mcap.getFileName().toString();
        String stem = name.endsWith(".mcap") ? name.substring(0, name.length() - 5) : name;
        Map<String, Path> outputs = new LinkedHashMap<>();
        Map<String, Long> frames = new LinkedHashMap<>();
        for (McapSummary.Topic t : s.topics()) {
            if (t.schema().equals(ChannelVisitor.COMPRESSED_VIDEO)) {
                String label = t.topic().replaceFirst("^/", "").split("/")[0];
                outputs.put(label, mcap.resolveSibling(stem + "_" + label + ".mp4"));
                frames.put(label, t.messages());
            }
        }
        if (outputs.isEmpty()) {
            throw new IOException(mcap + ": no camera (no foxglove.CompressedVideo channel)");
        }
        return new Item(mcap, outputs, frames);
    }

    /** done (every output there, and read whole with --probe-existing), missing, or unreadable. */
    private String status(Item item) {
        String status = "done";
        for (Map.Entry<String, Path> o : item.outputs().entrySet()) {
            if (!Files.exists(o.getValue())) {
                return "missing";
            }
            if (probeExisting) {
                try {
                    long n = Mp4Probe.read(o.getValue(), u -> { });
                    if (n != item.frames().get(o.getKey())) {
                        status = "unreadable";
                    }
                } catch (IOException e) {
                    status = "unreadable";
                }
            }
        }
        return status;
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
