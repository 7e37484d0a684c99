package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.StreamerApp;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.record.bundle.BundleWriter;
import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.util.ExitCodes;
import org.cvmmap.streamer.util.FileTrees;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code cvmmap-streamer record-bundle --input URI --input URI … --output FILE.mcap}: records several
 * live inputs at once (each encoded by its own graph into a one-camera MCAP in {@code FILE.mcap.parts/})
 * for {@code --duration-seconds} or until SIGINT/SIGTERM, then bundles them into one MCAP
 * ({@link BundleWriter}, docs/mcap_layout.md). Exit 0; 2 for a bad option; an input's own exit code
 * when one failed (the parts are kept); 6 when the bundled file cannot be written.
 */
@Command(name = "record-bundle", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Records several live inputs (cv-mmap or cuframes) into one bundled MCAP: /<label>/video per camera "
                + "and a /bundle message per bundle (docs/mcap_layout.md).%nExit codes: 0 ok, 2 bad option, an input's "
                + "exit code when it failed (parts kept), 6 the bundled file could not be written.")
public final class RecordBundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--input", required = true, paramLabel = "URI", description = "A live input (cvmmap://NAME, cuframes://KEY, …); repeat per camera.")
    List<String> inputs;
    @Option(names = "--duration-seconds", paramLabel = "S", defaultValue = "0", description = "How long to record; 0 = until SIGINT/SIGTERM (default ${DEFAULT-VALUE}).")
    double durationSeconds;
    @Option(names = "--keep-parts", description = "Keep the one-camera recordings (FILE.mcap.parts/) after bundling.")
    boolean keepParts;
    @Mixin
    BundleOptions options;

    private StreamerConfig config(String uri, Path recording) {
        return StreamerConfig.builder().inputUri(uri).codec(options.policy.codec).nats(false).statusIntervalMs(0)
                .instanceId("record-bundle").recordMcap(recording).build();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!(durationSeconds >= 0)) {
            throw new ConfigException("--duration-seconds", durationSeconds, "must be >= 0 (0 = until a signal)");
        }
        Path parts = Path.of(options.output + ".parts");
        List<String> defaults = new ArrayList<>();
        for (String uri : inputs) { // the input's own name, as its configuration reads the URI
            defaults.add(StreamerConfig.builder().inputUri(uri).codec(options.policy.codec).nats(false).instanceId("record-bundle")
                    .rtp(true).rtpEndpoint("127.0.0.1:9").build().input().label());
        }
        List<String> labels = options.validate(defaults);
        if (Files.exists(parts)) {
            throw new ConfigException("--output", options.output, "its parts folder " + parts + " exists already");
        }
        Files.createDirectory(parts);
        List<StreamerApp> apps = new ArrayList<>();
        List<BundleWriter.Camera> cams = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Path part = parts.resolve(labels.get(i) + ".mcap");
            apps.add(new StreamerApp(config(inputs.get(i), part)));
            cams.add(new BundleWriter.Camera(labels.get(i), part));
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onStop(stop::countDown);
        List<CompletableFuture<Integer>> exits = new ArrayList<>();
        for (int i = 0; i < apps.size(); i++) {
            StreamerApp app = apps.get(i);
            CompletableFuture<Integer> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    f.complete(app.run());
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
                stop.countDown(); // an input that ends ends the recording of all
            }, "record-" + labels.get(i));
            t.start();
            exits.add(f);
        }
        out.printf("record-bundle recording=%d inputs parts=%s duration_s=%s%n", inputs.size(), parts,
                durationSeconds == 0 ? "until-signal" : String.valueOf(durationSeconds));
        out.flush();
        if (durationSeconds > 0) {
            stop.await(Math.round(durationSeconds * 1000), TimeUnit.MILLISECONDS);
        } else {
            stop.await();
        }
        apps.forEach(a -> a.requestStop("record-bundle: recording ends"));
        int failed = ExitCodes.OK;
        for (int i = 0; i < exits.size(); i++) {
            int code;
            try {
                code = exits.get(i).get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                code = ExitCodes.RUNTIME;
            }
            if (code != ExitCodes.OK) {
                err.println("error: input " + labels.get(i) + " (" + inputs.get(i) + ") ended with exit " + code
                        + "; its recordings stay in " + parts);
                failed = failed == ExitCodes.OK ? code : failed;
            }
        }
        if (failed != ExitCodes.OK) {
            return failed;
        }
        int rc = options.write(cams, out, err);
        if (rc == ExitCodes.OK && !keepParts) {
            FileTrees.delete(parts);
        }
        return rc;
    }
}
