package org.cvmmap.streamer.pipeline;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.BufferFlags;
import org.freedesktop.gstreamer.glib.Natives;

import java.nio.ByteBuffer;

/** GstBuffer calls gst1-java-core does not wrap. */
public final class GstBuffers {
    interface Api extends Library {
        Api INSTANCE = Native.load("gstreamer-1.0", Api.class);

        long gst_buffer_get_size(Pointer buffer);
    }

    private GstBuffers() {
    }

    /** The buffer's bytes, copied out (maps it for reading, then unmaps it). */
    public static byte[] copy(Buffer b) {
        ByteBuffer bb = b.map(false);
        byte[] data = new byte[bb.remaining()];
        bb.get(data);
        b.unmap();
        return data;
    }

    /** A new buffer holding a copy of {@code data} (for appsrc, which takes ownership when pushed). */
    public static Buffer of(byte[] data) {
        Buffer b = new Buffer(data.length);
        b.map(true).put(data);
        b.unmap();
        return b;
    }

    /** Whether the buffer holds a keyframe: its DELTA_UNIT flag is not set (parsers set it). */
    public static boolean keyframe(Buffer b) {
        return !b.getFlags().contains(BufferFlags.DELTA_UNIT);
    }

    /** Total bytes in the buffer's memories, without mapping it. */
    public static long size(Buffer b) {
        return Api.INSTANCE.gst_buffer_get_size(Natives.getRawPointer(b));
    }
}
