package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.Secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.InvalidProtocolBufferException;
import org.cvmmap.streamer.control.ControlClient;
import org.cvmmap.streamer.control.ProcessControlPlane;
import org.cvmmap.streamer.control.proto.McapRecordingOptions;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusResponse;
import org.cvmmap.streamer.control.FleetStore;
import org.cvmmap.streamer.util.ExitCodes;
import org.cvmmap.streamer.util.Graphviz;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * {@code cvmmap-streamer ctl}: a tiny client of the {@code cvmmap_streamer} NATS service, for hosts
 * without the {@code nats} CLI. Prints the reply as JSON on stdout.
 * Exit codes: 0 ok, 1 bad flags, 2 the service refused the request (error reply), 3 NATS permissions forbid the request, 4 no streamer
 * answers on that key, 6 NATS unreachable, 124 no reply in time.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Talks to a running streamer over NATS (cvmmap.<key>.streamer.*) and prints the reply as JSON.%n"
                + "  ctl --key K status | keyframe | restart | discover%n"
                + "  ctl --key K graph [--format svg|dot] [--output FILE]   (the running encode graph)%n"
                + "  ctl ls   (every streamer process and stream the cluster can see: host, instance, key, state, encoder, outputs)%n"
                + "  ctl --key K record mp4|mcap start PATH [--topic T] [--frame-id F] [--depth-topic T] [--compression C] | stop | status%n"
                + "  ctl --key BUNDLE record bundle start PATH [--compression C] | stop | status   (a bundles: entry of run --config)%n"
                + "  ctl apply FLEET.yaml [--dry-run] | get [PREFIX] | delete HOST.STREAM | watch   (desired state, docs/fleet.md; ls shows desired vs observed)%n"
                + "Exit codes: 0 ok, 1 bad flags, 2 request refused, 3 not permitted by NATS, 4 no streamer answers, 6 NATS unreachable, 5 graph --format svg without Graphviz, 6 NATS unreachable, 124 timeout.")
public final class CtlCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Exit code: the NATS permissions of this user do not allow the request. */
    static final int NOT_PERMITTED = 3;
    /** Exit code: no streamer answered (none serves the key, or none is running). */
    static final int NO_STREAMER = 4;
    /** Exit code: NATS cannot be reached (or refused the connection: TLS, credentials). */
    static final int NATS_UNREACHABLE = 6;
    /** Exit code: {@code graph --format svg} and Graphviz's {@code dot} is missing or failed. */
    static final int NO_RENDERER = 5;

    @Spec
    CommandSpec spec;
    @Mixin
    NatsOptions nats;
    @Option(names = "--key", paramLabel = "KEY", description = "The stream's NATS key, as in cvmmap.<key>.streamer.* (e.g. cvmmap_default; the built-in producer's is cvmmap_dummy). Not needed for discover and ls.")
    String key;
    @Option(names = "--instance", paramLabel = "ID", description = "The streamer process's instance id (--instance-id of run), for reload and streams.")
    String instance;
    @Option(names = "--format", paramLabel = "svg|dot", defaultValue = "svg", description = "graph: SVG (drawn here by Graphviz's dot) or the dot text (default ${DEFAULT-VALUE}).")
    String format;
    @Option(names = "--output", paramLabel = "FILE", description = "graph: write to FILE instead of standard output.")
    Path output;
    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "5000", description = "How long to wait for the reply (default ${DEFAULT-VALUE}).")
    long timeoutMs;
    @Option(names = "--topic", paramLabel = "TOPIC", description = "MCAP topic (record mcap start; default /<label>/video).")
    String topic;
    @Option(names = "--frame-id", paramLabel = "ID", description = "MCAP CompressedVideo frame_id (record mcap start; default the label).")
    String frameId;
    @Option(names = "--depth-topic", paramLabel = "TOPIC", description = "MCAP depth topic (record mcap start; default /<label>/depth, written when the producer has a DEPTH plane).")
    String depthTopic;
    @Option(names = "--compression", paramLabel = "C", description = "MCAP chunk compression: none, zstd or lz4 (record mcap start; default none).")
    String compression;
    @Option(names = "--bucket", paramLabel = "NAME", defaultValue = FleetStore.DESIRED, description = "apply, get, delete, ls, watch: the desired-state bucket (default ${DEFAULT-VALUE}).")
    String bucket;
    @Option(names = "--dry-run", description = "apply: only print what would change.")
    boolean dryRun;
    @Option(names = "--kv-replicas", paramLabel = "N", defaultValue = "1", description = "Copies of a bucket made here (a JetStream cluster: 3) (default ${DEFAULT-VALUE}).")
    int kvReplicas;
    @Parameters(paramLabel = "COMMAND", arity = "1..4", description = "status | graph | keyframe | restart | discover | ls | record FORMAT start PATH | record FORMAT stop | record FORMAT status | reload | streams (the last two with --instance ID: a whole run --config process)")
    List<String> command;

    /**
     * {@code ctl ls}: one line per stream every streamer process on the cluster serves (NATS micro
     * discovery), with the state its status reply gives: HOST INSTANCE KEY STATE ENCODER OUTPUTS.
     * STATE is {@code streaming} (frames came in), {@code idle} or {@code no-reply}.
     *
     * @return 0, or 4 when no streamer answers discovery
     */
    private int list(ControlClient client, PrintWriter out) throws Exception {
        List<JsonNode> infos = client.discover(Duration.ofMillis(Math.min(timeoutMs, 1000)));
        out.printf("%-20s %-20s %-28s %-9s %-14s %s%n", "HOST", "INSTANCE", "KEY", "STATE", "ENCODER", "OUTPUTS");
        for (JsonNode info : infos) {
            JsonNode md = info.path("metadata");
            String k = md.path("key").asText("?");
            String state = "no-reply";
            String encoder = "-";
            try {
                JsonNode status = JSON.readTree(client.request(k, "status", new byte[0],
                        Duration.ofMillis(Math.min(timeoutMs, 2000))).body());
                state = status.path("frames").path("in").asLong() > 0 ? "streaming" : "idle";
                encoder = status.path("encoder").path("name").asText("-");
            } catch (TimeoutException | ControlClient.NoResponderException | ControlClient.NotPermittedException e) {
                // listed by discovery, but its status does not answer: shown as no-reply
            }
            out.printf("%-20s %-20s %-28s %-9s %-14s %s%n", md.path("host").asText("?"), md.path("instance_id").asText("?"),
                    k, state, encoder, md.path("outputs").asText("-"));
        }
        out.flush();
        return infos.isEmpty() ? NO_STREAMER : ExitCodes.OK;
    }

    /** The fleet verbs (docs/fleet.md). */
    private int fleet(String verb, PrintWriter out, PrintWriter err) throws Exception {
        FleetCtl f = new FleetCtl(nats.toConfig(), bucket, kvReplicas);
        try {
            return switch (verb) {
                case "apply" -> command.size() != 2 ? usage(err, "apply needs FILE") : f.apply(Path.of(command.get(1)), dryRun, out, err);
                case "get" -> command.size() > 2 ? usage(err, "get takes at most a key prefix") : f.get(command.size() == 2 ? command.get(1) : "", out);
                case "delete" -> command.size() != 2 ? usage(err, "delete needs KEY (<instance-id>.<stream>)") : f.delete(command.get(1), out, err);
                default -> f.watch(timeoutMs, out);
            };
        } catch (FleetStore.NotPermittedException e) {
            err.println("error: " + e.getMessage());
            return NOT_PERMITTED;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return NATS_UNREACHABLE;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String verb = command.get(0);
        if (List.of("apply", "get", "delete", "watch").contains(verb)) {
            return fleet(verb, out, err);
        }
        String endpoint;
        byte[] body = new byte[0];
        boolean recorder = false;
        switch (verb) {
            case "status", "graph", "keyframe", "restart", "discover", "ls", "reload", "streams" -> {
                if (command.size() != 1) {
                    return usage(err, verb + " takes no arguments");
                }
                endpoint = verb;
            }
            case "record" -> {
                if (command.size() < 3 || !List.of("mp4", "mcap", "bundle").contains(command.get(1))) {
                    return usage(err, "record needs FORMAT (mp4|mcap, or bundle with --key BUNDLE) and start PATH | stop | status");
                }
                String action = command.get(2);
                endpoint = "recorder." + command.get(1) + "." + action;
                recorder = true;
                if (action.equals("start")) {
                    if (command.size() != 4) {
                        return usage(err, "record " + command.get(1) + " start needs PATH");
                    }
                    RecordingStartRequest.Builder b = RecordingStartRequest.newBuilder().setOutputPath(command.get(3));
                    if (topic != null || frameId != null || depthTopic != null || compression != null) {
                        McapRecordingOptions.Builder o = McapRecordingOptions.newBuilder();
                        if (depthTopic != null) {
                            o.setDepthTopic(depthTopic);
                        }
                        if (compression != null) {
                            o.setCompression(compression);
                        }
                        if (topic != null) {
                            o.setTopic(topic);
                        }
                        if (frameId != null) {
                            o.setFrameId(frameId);
                        }
                        b.setMcapOptions(o);
                    }
                    body = b.build().toByteArray();
                } else if (!List.of("stop", "status").contains(action) || command.size() != 3) {
                    return usage(err, "record " + command.get(1) + " takes start PATH, stop or status");
                }
            }
            default -> {
                return usage(err, "unknown command " + verb);
            }
        }
        boolean process = verb.equals("reload") || verb.equals("streams");
        if (process && (instance == null || instance.isBlank())) {
            return usage(err, "--instance is required for " + verb + " (the process's --instance-id)");
        }
        if (!process && !verb.equals("discover") && !verb.equals("ls") && (key == null || key.isBlank())) {
            return usage(err, "--key is required (e.g. --key cvmmap_default)");
        }
        ControlClient client;
        try {
            client = ControlClient.connect(nats.toConfig());
        } catch (IOException e) {
            err.println("error: NATS unreachable at " + nats.toConfig().maskedServers() + ": " + Secrets.redact(e.getMessage()));
            return NATS_UNREACHABLE;
        }
        try {
            Duration timeout = Duration.ofMillis(timeoutMs);
            if (verb.equals("ls")) {
                int rc = list(client, out);
                boolean fleetShown = false;
                java.io.StringWriter table = new java.io.StringWriter();
                try { // desired against observed, when this cluster has a fleet
                    fleetShown = new FleetCtl(nats.toConfig(), bucket, kvReplicas).table(new PrintWriter(table)) == ExitCodes.OK;
                } catch (IOException | RuntimeException e) {
                    table.write("fleet: " + e.getMessage() + "\n");
                }
                if (table.getBuffer().length() > 0) {
                    out.println();
                    out.print(table);
                }
                out.flush();
                return fleetShown ? ExitCodes.OK : rc; // a fleet whose hosts run no stream now is still a fleet
            }
            if (verb.equals("discover")) {
                List<JsonNode> infos = client.discover(Duration.ofMillis(Math.min(timeoutMs, 1000)));
                out.println(JSON.writeValueAsString(infos));
                return infos.isEmpty() ? NO_STREAMER : ExitCodes.OK;
            }
            ControlClient.Reply r = process ? client.requestProcess(instance, endpoint, timeout)
                    : client.request(key, endpoint, body, timeout);
            if (verb.equals("graph") && !r.failed()) {
                return graph(r.body(), out, err);
            }
            out.println(recorder ? recorderJson(r.body()) : new String(r.body(), StandardCharsets.UTF_8));
            if (r.failed()) {
                err.println("error: " + Secrets.redact(r.error()) + " (code " + r.errorCode() + ")");
                return ExitCodes.CONFIG;
            }
            return ExitCodes.OK;
        } catch (TimeoutException e) {
            err.println("error: no reply on " + (process ? ProcessControlPlane.subjectPrefix(instance)
                    : "cvmmap." + key + ".streamer.") + endpoint + " within " + timeoutMs + " ms");
            return ExitCodes.TIMEOUT;
        } catch (ControlClient.NotPermittedException e) {
            err.println("error: " + e.getMessage());
            return NOT_PERMITTED;
        } catch (ControlClient.NoResponderException e) {
            err.println("error: " + e.getMessage() + (process ? " (is run --config running with this --instance-id and NATS?)"
                    : " (is the streamer running, with this --key?)"));
            return NO_STREAMER;
        } finally {
            client.close();
        }
    }

    /**
     * {@code ctl graph}: the reply's dot text as asked ({@code --format}), to {@code --output} or stdout.
     *
     * @return 0, 5 when SVG was asked and Graphviz cannot draw it, 2 when the file cannot be written
     */
    private int graph(byte[] reply, PrintWriter out, PrintWriter err) throws IOException {
        if (!format.equals("svg") && !format.equals("dot")) {
            return usage(err, "--format must be svg or dot, not " + format);
        }
        String text = JSON.readTree(reply).path("dot").asText();
        if (format.equals("svg")) {
            try {
                text = Graphviz.svg(text);
            } catch (IOException e) {
                err.println("error: the graph cannot be drawn here (" + e.getMessage()
                        + "); install Graphviz (Debian: apt-get install graphviz) or ask for --format dot");
                return NO_RENDERER;
            }
        }
        if (output == null) {
            out.print(text);
            out.flush();
            return ExitCodes.OK;
        }
        try {
            Files.writeString(output, text);
        } catch (IOException e) {
            err.println("error: --output " + output + ": " + e.getMessage());
            return ExitCodes.CONFIG;
        }
        return ExitCodes.OK;
    }

    private static int usage(PrintWriter err, String why) {
        err.println("error: " + why);
        err.println("Try 'cvmmap-streamer ctl --help'.");
        return ExitCodes.USAGE;
    }

    /** A RecordingStatusResponse as JSON (field names of docs/specs/cvmmap-ipc.md §3.4). */
    static String recorderJson(byte[] body) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            RecordingStatusResponse r = RecordingStatusResponse.parseFrom(body);
            m.put("error", r.getError().name());
            m.put("format", r.getFormat().name());
            m.put("can_record", r.getCanRecord());
            m.put("is_recording", r.getIsRecording());
            m.put("last_frame_ok", r.getLastFrameOk());
            m.put("frames_ingested", Integer.toUnsignedLong(r.getFramesIngested()));
            m.put("frames_encoded", Integer.toUnsignedLong(r.getFramesEncoded()));
            m.put("active_path", r.getActivePath());
            m.put("error_message", r.getErrorMessage());
        } catch (InvalidProtocolBufferException e) {
            return new String(body, StandardCharsets.UTF_8); // a JSON error reply
        }
        return JSON.writeValueAsString(m);
    }
}
