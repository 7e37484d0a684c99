package org.cvmmap.streamer.record;

/**
 * What a recorder is doing: the streamer's view of cv-mmap's {@code RecordingStatusResponse}
 * (cvmmap-ipc.md §3.4).
 *
 * @param format         the container
 * @param recording      whether a recording is open
 * @param lastFrameOk    whether the last access unit offered was written (false after a drop or error)
 * @param framesIngested access units offered since the recording started (the current or last one)
 * @param framesEncoded  access units written to its file
 * @param path           the file being written, or the last one written ("" if none yet)
 * @param error          why the last recording ended early or could not start ("" if none)
 */
public record RecorderStatus(Recorder.Format format, boolean recording, boolean lastFrameOk, long framesIngested,
                             long framesEncoded, String path, String error) {
}
