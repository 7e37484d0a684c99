package org.cvmmap.streamer.pipeline;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.glib.Natives;

/**
 * A buffer's PTS as running time (ns), through the segment it travels in — the calls
 * gst1-java-core does not wrap. Needed because encoders rebase timestamps: x264enc/x265enc
 * (GstVideoEncoder) output PTS = input PTS − first PTS + 1000 h, in a segment that starts at 1000 h,
 * so only the running time of an access unit equals the running time its frame was pushed with.
 */
final class RunningTime {
    /** {@code GST_FORMAT_TIME}. */
    private static final int FORMAT_TIME = 3;
    /** {@code GST_EVENT_SEGMENT}: number 70, flags downstream | serialized | sticky. */
    private static final int EVENT_SEGMENT = (70 << 8) | (1 << 1) | (1 << 2) | (1 << 3);

    interface Api extends Library {
        Api GST = Native.load("gstreamer-1.0", Api.class);

        Pointer gst_sample_get_segment(Pointer sample);

        Pointer gst_pad_get_sticky_event(Pointer pad, int type, int idx);

        void gst_event_parse_segment(Pointer event, PointerByReference segment);

        long gst_segment_to_running_time(Pointer segment, int format, long position);

        void gst_mini_object_unref(Pointer object);
    }

    private RunningTime() {
    }

    /**
     * @param sample a sample pulled from an appsink (not yet disposed)
     * @param pts    its buffer's PTS, ns
     * @return the running time, ns, or -1 when the sample has no segment or the PTS lies outside it
     */
    static long ofSample(Sample sample, long pts) {
        if (pts < 0) {
            return -1;
        }
        Pointer segment = Api.GST.gst_sample_get_segment(Natives.getRawPointer(sample));
        return segment == null ? -1 : Api.GST.gst_segment_to_running_time(segment, FORMAT_TIME, pts);
    }

    /**
     * @param pad a pad a buffer is passing (in a pad probe)
     * @param pts the buffer's PTS, ns
     * @return the running time through the pad's current segment, ns, or -1 without one
     */
    static long onPad(Pad pad, long pts) {
        if (pts < 0) {
            return -1;
        }
        Pointer event = Api.GST.gst_pad_get_sticky_event(Natives.getRawPointer(pad), EVENT_SEGMENT, 0);
        if (event == null) {
            return -1;
        }
        try {
            PointerByReference segment = new PointerByReference();
            Api.GST.gst_event_parse_segment(event, segment);
            return Api.GST.gst_segment_to_running_time(segment.getValue(), FORMAT_TIME, pts);
        } finally {
            Api.GST.gst_mini_object_unref(event);
        }
    }
}
