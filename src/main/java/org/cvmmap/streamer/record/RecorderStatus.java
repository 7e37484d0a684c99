package org.cvmmap.streamer.record;

/**
 * What a recorder is doing: the streamer's view of cv-mmap's {@code RecordingStatusResponse}
 * (docs/specs/cvmmap-ipc.md §3.4).
 *
 * @param format         the container
 * @param recording      whether a recording is open
 * @param lastFrameOk    whether the last access unit offered was written (false after a drop or error)
 * @param framesIngested access units offered since the recording started (the current or last one)
 * @param framesEncoded  access units written to its file
 * @param path           the file being written, or the last one written ("" if none yet)
 * @param error          why the last recording ended early or could not start ("" if none)
 * @param files          every file of the recording in order: one, or more when an MP4 recording was
 *                       split at a picture size change ({@code NAME.mp4}, {@code NAME.1.mp4}, …)
 */
public record RecorderStatus(Recorder.Format format, boolean recording, boolean lastFrameOk, long framesIngested,
                             long framesEncoded, String path, String error, java.util.List<String> files) {
    /** A status of a recording with one file (or none yet). */
    public RecorderStatus(Recorder.Format format, boolean recording, boolean lastFrameOk, long framesIngested,
                          long framesEncoded, String path, String error) {
        this(format, recording, lastFrameOk, framesIngested, framesEncoded, path, error,
                path.isEmpty() ? java.util.List.of() : java.util.List.of(path));
    }
}
