package org.cvmmap.streamer.pipeline;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.event.Event;
import org.freedesktop.gstreamer.glib.Natives;

/**
 * Builds the downstream and upstream GstForceKeyUnit events ({@code gst_video_event_new_downstream_force_key_unit},
 * libgstvideo-1.0), which gst1-java-core does not wrap, and sends it into a source so the encoder
 * emits an IDR with all headers for the next frame.
 */
public final class ForceKeyUnit {
    private static final long CLOCK_TIME_NONE = -1L;

    interface GstVideo extends Library {
        GstVideo INSTANCE = Native.load("gstvideo-1.0", GstVideo.class);

        Pointer gst_video_event_new_downstream_force_key_unit(long timestamp, long streamTime, long runningTime,
                                                              boolean allHeaders, int count);

        Pointer gst_video_event_new_upstream_force_key_unit(long runningTime, boolean allHeaders, int count);
    }

    private ForceKeyUnit() {
    }

    /**
     * Sends a force-key-unit (all headers) event into {@code source}; it travels in order with the
     * buffers pushed after it.
     *
     * @param source a source element (appsrc)
     * @return whether the element accepted the event
     */
    public static boolean request(Element source, int count) {
        Pointer p = GstVideo.INSTANCE.gst_video_event_new_downstream_force_key_unit(CLOCK_TIME_NONE, CLOCK_TIME_NONE,
                CLOCK_TIME_NONE, true, count);
        Event event = Natives.callerOwnsReturn(p, Event.class);
        return source.sendEvent(event);
    }

    /**
     * Sends an upstream force-key-unit (all headers) event from a sink towards the encoder, e.g. when
     * a new RTMP session needs a keyframe to start on. Every output of that encoder gets the keyframe.
     *
     * @param sink a sink element (appsink)
     * @return whether the event reached an element that handled it
     */
    public static boolean requestUpstream(Element sink, int count) {
        Pointer p = GstVideo.INSTANCE.gst_video_event_new_upstream_force_key_unit(CLOCK_TIME_NONE, true, count);
        Event event = Natives.callerOwnsReturn(p, Event.class);
        return sink.sendEvent(event);
    }
}
