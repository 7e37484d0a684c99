package org.cvmmap.streamer.pipeline;

/**
 * A description could not be turned into a usable pipeline: GStreamer refused it, or an element the
 * caller relies on is missing (exit code 5 when nothing else is left).
 */
public final class PipelineBuildException extends RuntimeException {
    private final String description;

    /**
     * @param message     GStreamer's messages, or which element is missing
     * @param description the description that failed, as it may be logged (secrets masked)
     */
    public PipelineBuildException(String message, String description) {
        super(message);
        this.description = description;
    }

    /** The description that failed. */
    public String description() {
        return description;
    }
}
