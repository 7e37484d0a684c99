package org.cvmmap.streamer.pipeline;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.glib.Natives;

/** GstBuffer calls gst1-java-core does not wrap. */
public final class GstBuffers {
    interface Api extends Library {
        Api INSTANCE = Native.load("gstreamer-1.0", Api.class);

        long gst_buffer_get_size(Pointer buffer);
    }

    private GstBuffers() {
    }

    /** Total bytes in the buffer's memories, without mapping it. */
    public static long size(Buffer b) {
        return Api.INSTANCE.gst_buffer_get_size(Natives.getRawPointer(b));
    }
}
