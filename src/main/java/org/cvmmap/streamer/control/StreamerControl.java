package org.cvmmap.streamer.control;

import org.cvmmap.streamer.record.RecordRoot;
import org.cvmmap.streamer.record.Recorders;

import java.util.Map;

/**
 * What the control plane may do to the running streamer: the narrow interface between NATS and
 * the pipeline. Implementations must be safe to call from any thread and must not block for long.
 */
public interface StreamerControl {
    /**
     * A snapshot of the stream's state for the {@code status} endpoint: counters, encoder and why,
     * per-output state, ingest latency, uptime, recorders (serialized as JSON as given).
     */
    Map<String, Object> status();

    /**
     * The running encode graph as Graphviz dot text (GStreamer's dot dump: elements, pads, states,
     * caps), for the {@code graph} endpoint; null when no graph runs.
     */
    String graphDot();

    /**
     * Asks for an IDR with all headers on the next frame.
     *
     * @return false when nothing can be asked (no pipeline running, or an already-encoded input)
     */
    boolean requestKeyframe(String why);

    /** Rebuilds the encode pipeline (outputs reattach; ingest and recorders go on). */
    void requestRestart(String why);

    /** The stream's MP4 and MCAP recorders. */
    Recorders recorders();

    /**
     * The folder recordings requested over NATS must stay inside ({@code --record-dir}), or null
     * when none is configured: then such requests are refused (403).
     */
    RecordRoot recordRoot();

    /** The producer announced itself (ONLINE): map its shared memory again on the next frame. */
    void producerOnline(String instance, long timestampNs);

    /** The producer stopped (OFFLINE): idle, outputs stay up. */
    void producerOffline(String instance, long timestampNs);

    /** The producer restarted its stream (STREAM_RESET): remap, renegotiate, force a keyframe. */
    void producerStreamReset(String instance, long timestampNs);

    /**
     * Another streamer process already serves this stream's key on the NATS cluster: the stream is
     * refused (stopped, exit code 2) instead of sharing its requests.
     *
     * @param why one line naming the key and who serves it (host, instance id, pid)
     */
    void refuse(String why);
}
