package org.cvmmap.streamer.pipeline;

import org.freedesktop.gstreamer.Pipeline;

/**
 * An output that reads from the encode pipeline through an element of it (the RTMP output reads
 * the appsink named {@value PipelineBuilder#RTMP_APPSINK}). The supervisor calls it for every graph
 * it starts; the tap connects its callbacks and must never block the streaming thread.
 */
@FunctionalInterface
public interface PipelineTap {
    /**
     * Called after a graph is built, before it goes to PLAYING. Access units of an earlier
     * generation never follow ones of a later one.
     *
     * @param pipeline   the new graph
     * @param generation its number, increasing from 1
     * @throws PipelineBuildException if the graph lacks what the tap needs
     */
    void attach(Pipeline pipeline, long generation);

    /**
     * Called when that graph is torn down (stopped, not yet disposed): the tap reads what it needs
     * to carry over and releases the element wrappers it took. Default: nothing.
     *
     * @param pipeline   the graph going away
     * @param generation its number
     */
    default void detach(Pipeline pipeline, long generation) {
    }
}
