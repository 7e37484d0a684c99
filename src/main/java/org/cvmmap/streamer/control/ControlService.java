package org.cvmmap.streamer.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.control.proto.ErrorCode;
import org.cvmmap.streamer.control.proto.McapRecordingOptions;
import org.cvmmap.streamer.control.proto.RecordingFormat;
import org.cvmmap.streamer.control.proto.RecordingStartRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusRequest;
import org.cvmmap.streamer.control.proto.RecordingStatusResponse;
import org.cvmmap.streamer.control.proto.RecordingStopRequest;
import org.cvmmap.streamer.record.RecordRoot;
import org.cvmmap.streamer.record.RecordingControl;
import org.cvmmap.streamer.record.Recorder;
import org.cvmmap.streamer.record.RecorderException;
import org.cvmmap.streamer.record.RecorderStatus;
import org.cvmmap.streamer.util.Secrets;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The endpoints of the {@code cvmmap_streamer} service (docs/specs/cvmmap-ipc.md §3.7, docs/specs/streamer.md §5) as
 * request bytes → reply bytes, without NATS (the transport is {@link NatsControlPlane}):
 * <ul>
 *   <li>{@code status}, {@code keyframe}, {@code restart}: any request body; JSON reply;</li>
 *   <li>{@code recorder.<mp4|mcap>.<start|stop|status>}: protobuf {@code RecordingStartRequest} /
 *       {@code RecordingStopRequest} / {@code RecordingStatusRequest} in, {@code RecordingStatusResponse}
 *       out (docs/specs/cvmmap-ipc.md §3.4).</li>
 * </ul>
 * Every failure is a reply with an {@link ErrorCode} and a message, never an exception.
 */
public final class ControlService {
    private static final Logger LOG = LogManager.getLogger(ControlService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The service name in NATS micro discovery. */
    public static final String NAME = "cvmmap_streamer";
    /** The service version (docs/specs/cvmmap-ipc.md §3.7). */
    public static final String VERSION = "0.1.0";

    /** Endpoint subjects, relative to {@code cvmmap.<key>.streamer.}. */
    public static final List<String> ENDPOINTS = List.of("status", "graph", "keyframe", "restart",
            "recorder.mp4.start", "recorder.mp4.stop", "recorder.mp4.status",
            "recorder.mcap.start", "recorder.mcap.stop", "recorder.mcap.status");

    /**
     * A reply.
     *
     * @param body    the bytes to send (JSON or protobuf)
     * @param error   OK, or why the request failed
     * @param message "" or the failure's description
     * @param status  the micro protocol's HTTP-like error code ({@code Nats-Service-Error-Code}):
     *                0 when OK, else 400, 403, 404, 500, 501 or 504
     */
    public record Reply(byte[] body, ErrorCode error, String message, int status) {
        Reply(byte[] body, ErrorCode error, String message) {
            this(body, error, message, httpLike(error));
        }

        /** Whether it reports a failure. */
        public boolean failed() {
            return error != ErrorCode.ERROR_CODE_OK;
        }
    }

    /** The micro protocol's numeric error code (HTTP-like) for a cv-mmap error code; 0 for OK. */
    static int httpLike(ErrorCode e) {
        return switch (e) {
            case ERROR_CODE_OK -> 0;
            case ERROR_CODE_INVALID_PAYLOAD, ERROR_CODE_OUT_OF_RANGE -> 400;
            case ERROR_CODE_UNKNOWN_CMD -> 404;
            case ERROR_CODE_UNSUPPORTED -> 501;
            case ERROR_CODE_TIMEOUT -> 504;
            default -> 500;
        };
    }

    private final String key;
    private final StreamerControl control;

    /**
     * @param key     the stream's NATS key (logs)
     * @param control what the endpoints act on
     */
    public ControlService(String key, StreamerControl control) {
        this.key = key;
        this.control = control;
    }

    /** The subject prefix of the endpoints: {@code cvmmap.<key>.streamer.}. */
    public static String subjectPrefix(String natsKey) {
        return "cvmmap." + natsKey + ".streamer.";
    }

    /**
     * Handles one request.
     *
     * @param endpoint one of {@link #ENDPOINTS}
     * @param request  the request body (may be empty)
     */
    public Reply handle(String endpoint, byte[] request) {
        try {
            return switch (endpoint) {
                case "status" -> json(control.status());
                case "graph" -> {
                    String dot = control.graphDot();
                    yield dot == null ? jsonError(ErrorCode.ERROR_CODE_UNSUPPORTED, "no encode graph is running now")
                            : json(Map.of("key", key, "format", "dot", "dot", dot));
                }
                case "keyframe" -> {
                    boolean ok = control.requestKeyframe("nats keyframe request");
                    yield ok ? json(Map.of("ok", true, "requested", "keyframe"))
                            : jsonError(ErrorCode.ERROR_CODE_UNSUPPORTED,
                            "no keyframe can be forced now: no pipeline running, or the input is already encoded");
                }
                case "restart" -> {
                    control.requestRestart("nats restart request");
                    yield json(Map.of("ok", true, "requested", "restart"));
                }
                default -> recorder(endpoint, request);
            };
        } catch (RuntimeException e) { // a bug must not take the service down: report it
            String cause = Secrets.redact(e);
            LOG.error("event=control_request_failed key={} endpoint={} cause=\"{}\"", key, endpoint, cause);
            return jsonError(ErrorCode.ERROR_CODE_ERROR, "internal error: " + cause);
        }
    }

    private Reply recorder(String endpoint, byte[] request) {
        String[] parts = endpoint.split("\\.");
        if (parts.length != 3 || !parts[0].equals("recorder")) {
            return jsonError(ErrorCode.ERROR_CODE_UNKNOWN_CMD, "unknown endpoint " + endpoint);
        }
        Recorder.Format format = switch (parts[1]) {
            case "mp4" -> Recorder.Format.MP4;
            case "mcap" -> Recorder.Format.MCAP;
            default -> null;
        };
        if (format == null) {
            return jsonError(ErrorCode.ERROR_CODE_UNKNOWN_CMD, "unknown recorder " + parts[1]);
        }
        return recorderCommand(parts[2], request, control.recorders().get(format), control::recordRoot);
    }

    /**
     * One recorder command of the shared model (docs/specs/cvmmap-ipc.md §3.4): {@code start} takes a
     * {@code RecordingStartRequest} (output path resolved inside the record root), {@code stop} and
     * {@code status} their empty requests; the reply is a {@code RecordingStatusResponse}.
     *
     * @param action start, stop or status
     * @param r      the recorder (one stream's, or a bundle's)
     * @param root   the record root; null refuses starts (403)
     */
    public static Reply recorderCommand(String action, byte[] request, RecordingControl r,
                                        java.util.function.Supplier<RecordRoot> root) {
        String formatId = r.format().id();
        try {
            return switch (action) {
                case "start" -> {
                    RecordingStartRequest req = RecordingStartRequest.parseFrom(request);
                    if (req.hasSvoOptions()) {
                        yield status(r.status(), ErrorCode.ERROR_CODE_INVALID_PAYLOAD,
                                "svo_options are for the producer's SVO recorder, not the streamer's " + formatId);
                    }
                    Recorder.McapOptions mcap = null;
                    if (req.hasMcapOptions()) {
                        McapRecordingOptions o = req.getMcapOptions();
                        mcap = new Recorder.McapOptions(o.hasCompression() ? o.getCompression() : null,
                                o.hasTopic() ? o.getTopic() : null, o.hasFrameId() ? o.getFrameId() : null,
                                o.hasDepthTopic() ? o.getDepthTopic() : null);
                    }
                    RecordRoot rr = root.get();
                    if (rr == null) {
                        throw new RecorderException(RecorderException.Kind.FORBIDDEN, "recording over NATS is off: "
                                + "this streamer has no --record-dir (env CVMMAP_RECORD_DIR) to keep files in");
                    }
                    yield status(r.start(rr.resolve(req.getOutputPath()), rr.real(), mcap), ErrorCode.ERROR_CODE_OK, "");
                }
                case "stop" -> {
                    RecordingStopRequest.parseFrom(request);
                    yield status(r.stop(), ErrorCode.ERROR_CODE_OK, "");
                }
                case "status" -> {
                    RecordingStatusRequest.parseFrom(request);
                    yield status(r.status(), ErrorCode.ERROR_CODE_OK, "");
                }
                default -> jsonError(ErrorCode.ERROR_CODE_UNKNOWN_CMD, "unknown recorder command " + action);
            };
        } catch (InvalidProtocolBufferException e) {
            return status(r.status(), ErrorCode.ERROR_CODE_INVALID_PAYLOAD,
                    "request is not a valid protobuf message: " + e.getMessage());
        } catch (RecorderException e) {
            ErrorCode code = switch (e.kind()) {
                case INVALID -> ErrorCode.ERROR_CODE_INVALID_PAYLOAD;
                case UNSUPPORTED, FORBIDDEN -> ErrorCode.ERROR_CODE_UNSUPPORTED;
                case FAILED -> ErrorCode.ERROR_CODE_ERROR;
            };
            return new Reply(toProto(r.status(), code, e.getMessage()).toByteArray(), code, e.getMessage(),
                    e.kind() == RecorderException.Kind.FORBIDDEN ? 403 : httpLike(code));
        }
    }

    /** The shared model's status message for a recorder status (format MP4 is our enum extension 3). */
    static RecordingStatusResponse toProto(RecorderStatus s, ErrorCode error, String message) {
        return RecordingStatusResponse.newBuilder()
                .setError(error)
                .setFormat(s.format() == Recorder.Format.MP4 ? RecordingFormat.RECORDING_FORMAT_MP4
                        : RecordingFormat.RECORDING_FORMAT_MCAP)
                .setCanRecord(true)
                .setIsRecording(s.recording())
                .setIsPaused(false)
                .setLastFrameOk(s.lastFrameOk())
                .setFramesIngested((int) Math.min(s.framesIngested(), 0xFFFF_FFFFL))
                .setFramesEncoded((int) Math.min(s.framesEncoded(), 0xFFFF_FFFFL))
                .setActivePath(s.path())
                .setErrorMessage(!message.isEmpty() ? message : s.error())
                .build();
    }

    private static Reply status(RecorderStatus s, ErrorCode error, String message) {
        return new Reply(toProto(s, error, message).toByteArray(), error, message);
    }

    /** A recorder's state as the status JSON shows it. */
    public static Map<String, Object> toJson(RecorderStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("is_recording", s.recording());
        m.put("active_path", s.path());
        m.put("frames_ingested", s.framesIngested());
        m.put("frames_encoded", s.framesEncoded());
        m.put("last_frame_ok", s.lastFrameOk());
        m.put("error_message", s.error());
        m.put("files", s.files());
        return m;
    }

    private static Reply json(Map<String, Object> body) {
        try {
            return new Reply(JSON.writeValueAsBytes(body), ErrorCode.ERROR_CODE_OK, "");
        } catch (JsonProcessingException e) {
            return jsonError(ErrorCode.ERROR_CODE_ERROR, "status cannot be serialized: " + e.getMessage());
        }
    }

    private static Reply jsonError(ErrorCode code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", code.name());
        m.put("error_message", message);
        String body;
        try {
            body = JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            body = "{\"error\":\"" + code.name() + "\"}";
        }
        return new Reply(body.getBytes(StandardCharsets.UTF_8), code, message);
    }
}
