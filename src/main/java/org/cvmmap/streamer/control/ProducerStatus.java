package org.cvmmap.streamer.control;

import com.google.protobuf.InvalidProtocolBufferException;
import org.cvmmap.streamer.control.proto.ModuleStatusCode;
import org.cvmmap.streamer.control.proto.ModuleStatusEvent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The producer's state as its {@code cvmmap.<key>.status} events (protobuf {@code ModuleStatusEvent},
 * docs/specs/cvmmap-ipc.md §3.2–§3.3) tell it, and the dispatch of each event to the streamer. Thread-safe.
 */
public final class ProducerStatus {
    /** What an event asks of the streamer. */
    public enum Action { REMAP, IDLE, RESET, NONE }

    private final StreamerControl control;
    private String state = "UNKNOWN";
    private String instance = "";
    private long sinceNs;
    private long events;
    private long invalid;
    private Map<String, Object> sourceInfo = Map.of("available", false, "cause", "not queried yet");

    public ProducerStatus(StreamerControl control) {
        this.control = control;
    }

    /**
     * Decodes one event and acts on it: ONLINE → remap, OFFLINE → idle (outputs stay up),
     * STREAM_RESET → remap + renegotiate + keyframe.
     *
     * @param data the message body
     * @return what was done
     * @throws IllegalArgumentException if the body is not a ModuleStatusEvent (nothing is done)
     */
    public Action onEvent(byte[] data) {
        ModuleStatusEvent e;
        try {
            e = ModuleStatusEvent.parseFrom(data);
        } catch (InvalidProtocolBufferException ex) {
            synchronized (this) {
                invalid++;
            }
            throw new IllegalArgumentException("not a ModuleStatusEvent: " + ex.getMessage(), ex);
        }
        ModuleStatusCode code = e.getStatus();
        Action action = switch (code) {
            case MODULE_STATUS_CODE_ONLINE -> Action.REMAP;
            case MODULE_STATUS_CODE_OFFLINE -> Action.IDLE;
            case MODULE_STATUS_CODE_STREAM_RESET -> Action.RESET;
            default -> Action.NONE;
        };
        synchronized (this) {
            events++;
            if (action == Action.NONE) {
                invalid++;
                throw new IllegalArgumentException("status=" + e.getStatusValue() + " is not ONLINE, OFFLINE or STREAM_RESET");
            }
            state = action == Action.IDLE ? "OFFLINE" : "ONLINE";
            instance = e.getInstance();
            sinceNs = e.getTimestampNs();
        }
        switch (action) {
            case REMAP -> control.producerOnline(e.getInstance(), e.getTimestampNs());
            case IDLE -> control.producerOffline(e.getInstance(), e.getTimestampNs());
            case RESET -> control.producerStreamReset(e.getInstance(), e.getTimestampNs());
            default -> throw new IllegalStateException();
        }
        return action;
    }

    /** Records the answer to {@code producer.source.info} (or why there is none). */
    public synchronized void sourceInfo(Map<String, Object> info) {
        this.sourceInfo = info;
    }

    /** The state for the status JSON. */
    public synchronized Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("instance", instance);
        m.put("since_ns", sinceNs);
        m.put("status_events", events);
        m.put("invalid_status_events", invalid);
        m.put("source_info", sourceInfo);
        return m;
    }
}
