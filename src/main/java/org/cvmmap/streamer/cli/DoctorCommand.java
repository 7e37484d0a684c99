package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.control.ControlClient;
import org.cvmmap.streamer.ingest.cuframes.CudaDriver;
import org.cvmmap.streamer.ingest.cuframes.CuframesUri;
import org.cvmmap.streamer.ingest.cvmmap.ZmqSocket;
import org.cvmmap.streamer.pipeline.EncodeSession;
import org.cvmmap.streamer.pipeline.EncoderSelector;
import org.cvmmap.streamer.pipeline.EncoderSpec;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.cvmmap.streamer.util.Secrets;
import org.freedesktop.gstreamer.Gst;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * {@code cvmmap-streamer doctor [--config FILE]}: what this machine can do and, for each stream of a
 * streams config, whether it can run here and what is missing. One {@code check=…} line per fact
 * (GStreamer, the elements each feature needs, NVENC, CUDA, libzmq, {@code /dev/shm}, NATS, the
 * record folder), then one {@code stream=…} line per configured stream.
 * Exit 0 when every configured stream can run (without a config: when H.264 can be encoded and sent
 * over RTP), else 5 naming the missing pieces; 2 for a config file with a mistake.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Says what this machine can do and, with --config, whether each stream can run here and what is "
                + "missing (GStreamer elements per feature, NVENC, CUDA, libzmq, /dev/shm, NATS, the record folder).%n"
                + "Exit codes: 0 every configured stream can run (no config: H.264 over RTP can), 5 something is "
                + "missing, 2 bad config file.")
public final class DoctorCommand implements Callable<Integer> {
    /** Exit code: a configured stream (or, without a config, the basic H.264 + RTP path) cannot run. */
    static final int MISSING = 5;

    @Spec
    CommandSpec spec;
    @Option(names = "--config", paramLabel = "FILE", description = "A streams config: each of its streams is checked.")
    Path config;

    /** The NVENC encoders whose sessions are tried when they are registered. */
    static final List<String> NVENC = List.of("nvh264enc", "nvh265enc");

    /** The features and the elements each needs. */
    private static final List<List<String>> FEATURES = List.of(
            List.of("raw input (cv-mmap, built-in producer)", "appsrc", "videoconvert"),
            List.of("H.264 software encode", "x264enc", "h264parse"),
            List.of("H.265 software encode", "x265enc", "h265parse"),
            List.of("H.264 NVENC", "nvh264enc"),
            List.of("H.265 NVENC", "nvh265enc"),
            List.of("RTP H.264", "rtph264pay", "udpsink"),
            List.of("RTP H.265", "rtph265pay", "udpsink"),
            List.of("RTMP", "rtmp2sink"),
            List.of("hub (RTMP, recorders)", "tee", "queue", "appsink"),
            List.of("MP4 recorder", "mp4mux", "filesink"),
            List.of("cuframes plugin", "cuframessrc", "cuframespacketsrc"));

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<StreamsConfig.Entry> streams = config == null ? List.of() : StreamsConfig.load(config);
        GstRuntime.init();
        Predicate<String> installed = GstRuntime::hasElement;
        out.printf("check=gstreamer ok=true version=\"%s\" plugin_dir=%s%n", Gst.getVersionString(), GstRuntime.pluginDir());
        for (List<String> f : FEATURES) {
            List<String> missing = f.subList(1, f.size()).stream().filter(installed.negate()).toList();
            out.printf("check=feature name=\"%s\" ok=%s elements=%s%s%n", f.get(0), missing.isEmpty(),
                    String.join(",", f.subList(1, f.size())), missing.isEmpty() ? "" : " missing=" + String.join(",", missing));
        }
        String cuda = CudaDriver.problem();
        out.printf("check=cuda ok=%s detail=\"%s\"%n", cuda == null, cuda == null
                ? "driver loaded, cuInit(0) succeeded; " + String.join("; ", CudaDriver.devices()) : cuda);
        for (String nvenc : NVENC) { // registered is not enough: a session must open
            if (installed.test(nvenc)) {
                String why = EncodeSession.problem(nvenc);
                out.printf("check=encode_session element=%s ok=%s%s%n", nvenc, why == null,
                        why == null ? "" : " detail=\"" + why.replace("\"", "'") + "\"");
            } else {
                out.printf("check=encode_session element=%s ok=false detail=\"element not installed (NVENC needs the NVIDIA "
                        + "driver with its video capability)\"%n", nvenc);
            }
        }
        out.printf("check=libzmq ok=true version=%s%n", ZmqSocket.libraryVersion());
        shm(out);
        boolean ok;
        if (streams.isEmpty()) {
            List<String> basic = missingFor(StreamerConfig.builder().inputMode("dummy").codec("h264").rtp(true)
                    .rtpEndpoint("127.0.0.1:9").nats(false).instanceId("doctor").build(), installed, cuda);
            ok = basic.isEmpty();
            out.printf("check=basic name=\"H.264 over RTP\" ok=%s%s%n", ok, ok ? "" : " missing=\"" + String.join("; ", basic) + "\"");
        } else {
            ok = true;
            StreamerConfig first = streams.get(0).config();
            if (first.nats() != null) {
                nats(out, first);
            }
            if (first.recordDir() != null) {
                Path d = first.recordDir().real();
                out.printf("check=record_dir path=%s ok=%s%n", d, Files.isDirectory(d) && Files.isWritable(d));
            }
            for (StreamsConfig.Entry e : streams) {
                List<String> missing = missingFor(e.config(), installed, cuda);
                ok &= missing.isEmpty();
                out.printf("stream=%s key=%s ok=%s%s%n", e.name(), e.config().input().natsKey(), missing.isEmpty(),
                        missing.isEmpty() ? "" : " missing=\"" + String.join("; ", missing) + "\"");
            }
        }
        out.flush();
        return ok ? 0 : MISSING;
    }

    /**
     * What one stream's graphs need that this machine lacks (empty: it can run): every element of the
     * encode graph the stream would build (its real descriptor, rendered with the encoder it would
     * pick), of the RTMP client graph and of the MP4 recorder graph, and CUDA for a frames input.
     */
    static List<String> missingFor(StreamerConfig c, Predicate<String> installed, String cudaProblem) {
        List<String> problems = new ArrayList<>();
        if (c.input().cuframes() != null && c.input().cuframes().kind() == CuframesUri.Kind.FRAMES && cudaProblem != null) {
            problems.add("cuframes:// needs CUDA: " + cudaProblem);
        }
        EncoderSpec software = EncoderSpec.software(c.codec(), c.bFrames());
        EncoderSpec encoder = null;
        if (!c.input().passthrough()) {
            EncoderSelector s = new EncoderSelector(c.encoderDevice(), c.hardwareEncoders(), software, installed);
            encoder = s.current();
            if (encoder == null) {
                problems.add("no " + c.codec().cliName() + " encoder for --encoder-device "
                        + c.encoderDevice().toString().toLowerCase() + " (" + s.reason() + ")");
                encoder = software; // the rest of the graph is still checked
            }
        }
        Set<String> need = new LinkedHashSet<>(PipelineDescriptor.elementFactories(new PipelineBuilder(c.pipelineSettings())
                .describe(encoder, new RawVideoFormat("BGR", 64, 64, 3), c.nominalFps())));
        if (c.rtmp() != null) {
            need.addAll(PipelineDescriptor.elementFactories(c.rtmp().clientGraph().render(Map.of("rtmp_url", "rtmp://h/a/b"))));
        }
        if (c.recordMp4() != null || c.recordDir() != null) {
            need.addAll(PipelineDescriptor.elementFactories(PipelineBuilder.mp4RecorderDescription(c.codec(), c.mp4Graph())));
        }
        need.stream().filter(installed.negate()).forEach(el -> problems.add("element " + el + " not installed"));
        return problems;
    }

    private static void shm(PrintWriter out) {
        try {
            FileStore fs = Files.getFileStore(Path.of("/dev/shm"));
            out.printf("check=shm path=/dev/shm ok=%s free_mib=%d%n", fs.getUsableSpace() > 64L << 20,
                    fs.getUsableSpace() >> 20);
        } catch (IOException e) {
            out.printf("check=shm path=/dev/shm ok=false detail=\"%s\"%n", e.getMessage());
        }
    }

    private static void nats(PrintWriter out, StreamerConfig c) {
        try {
            ControlClient client = ControlClient.connect(c.nats());
            client.close();
            out.printf("check=nats servers=%s ok=true%n", c.nats().maskedServers());
        } catch (IOException e) {
            out.printf("check=nats servers=%s ok=false detail=\"%s\"%n", c.nats().maskedServers(),
                    Secrets.redact(e.getMessage()).replace("\"", "'"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
