package org.cvmmap.streamer.record;

import java.nio.file.Path;

/**
 * What a recorder endpoint acts on (NATS {@code recorder.<format>.start|stop|status}, the shared
 * {@code RecordingStartRequest} model): one stream's {@link Recorder} or a bundle of streams'
 * ({@link org.cvmmap.streamer.record.bundle.BundleRecorder}).
 */
public interface RecordingControl {
    /**
     * Starts a recording into a new file.
     *
     * @param path the file, resolved against the record root
     * @param root null (operator's command line: anywhere), or the real record dir it must stay inside
     * @param mcap MCAP options (null: defaults); must be null for MP4
     * @return the status once started
     * @throws RecorderException INVALID, UNSUPPORTED, FORBIDDEN or FAILED, naming the field and why
     */
    RecorderStatus start(Path path, Path root, Recorder.McapOptions mcap) throws RecorderException;

    /** Stops the recording (files finalized); without one, the last status. */
    RecorderStatus stop();

    /** The current recording's status, or the last one's. */
    RecorderStatus status();

    /** The container written. */
    Recorder.Format format();
}
