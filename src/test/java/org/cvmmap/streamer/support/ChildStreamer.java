package org.cvmmap.streamer.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The streamer's command line ({@code org.cvmmap.streamer.cli.Main}) in a child JVM, for what only a
 * separate process shows: its command line in {@code /proc}, its open descriptors under a low
 * {@code ulimit -n}, every byte it prints. Output (stdout and stderr merged) is collected line by
 * line; tests wait on lines, never on sleeps. {@link #close()} stops it (SIGTERM, then SIGKILL).
 */
public final class ChildStreamer implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ChildStreamer(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "child-streamer-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code cvmmap-streamer ARGS}.
     *
     * @param env    extra environment variables (secrets in tests), may be empty
     * @param nofile the open-file limit to run under ({@code ulimit -n}), or 0 for the inherited one
     */
    public static ChildStreamer start(Map<String, String> env, int nofile, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (nofile > 0) {
            // exec keeps the PID: the JVM is the process the test inspects
            cmd.addAll(List.of("bash", "-c", "ulimit -n " + nofile + " && exec \"$@\"", "streamer"));
        }
        cmd.addAll(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "org.cvmmap.streamer.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        return new ChildStreamer(pb.start());
    }

    /** Its PID. */
    public long pid() {
        return process.pid();
    }

    /** Whether it still runs. */
    public boolean alive() {
        return process.isAlive();
    }

    /** Every line printed so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Lines so far that contain {@code text}. */
    public long count(String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    /**
     * Waits for a line matching {@code regex} (searched, not anchored) after the first {@code from} lines.
     *
     * @return its index
     * @throws AssertionError if none came within {@code timeoutMs} or the process ended first
     */
    public int await(String regex, int from, long timeoutMs) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lines) {
            int i = from;
            while (true) {
                for (; i < lines.size(); i++) {
                    if (p.matcher(lines.get(i)).find()) {
                        return i;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("no line matching /" + regex + "/ within " + timeoutMs + " ms (alive="
                            + process.isAlive() + "); last lines:\n" + String.join("\n",
                            lines.subList(Math.max(0, lines.size() - 30), lines.size())));
                }
                lines.wait(Math.min(left, 200));
            }
        }
    }

    /** Open file descriptors of the process ({@code /proc/PID/fd}). */
    public int openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return (int) s.count();
        }
    }

    /** Its open descriptors by kind (link target with digits folded, e.g. {@code anon_inode:[eventfd]}). */
    public Map<String, Long> fdKinds() throws IOException {
        try (var s = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return s.map(f -> {
                try {
                    return Files.readSymbolicLink(f).toString().replaceAll("\\d+", "N");
                } catch (IOException e) {
                    return "(closed)";
                }
            }).collect(java.util.stream.Collectors.groupingBy(k -> k, java.util.TreeMap::new,
                    java.util.stream.Collectors.counting()));
        }
    }

    /** Its command line as the kernel shows it to every user ({@code /proc/PID/cmdline}, NULs as spaces). */
    public String cmdline() throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid()), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ');
    }

    /**
     * Stops it with SIGTERM and waits for the exit code (SIGKILL after 20 s).
     *
     * @return the exit code
     */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        reader.join(5000);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
