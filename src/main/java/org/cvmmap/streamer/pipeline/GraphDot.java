package org.cvmmap.streamer.pipeline;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.glib.Natives;

/**
 * A running graph as Graphviz dot text: GStreamer's own {@code gst_debug_bin_to_dot_data} (the text
 * {@code GST_DEBUG_DUMP_DOT_DIR} files hold), which gst1-java-core does not wrap. Every element, pad
 * and link, with states, negotiated caps and the properties that differ from their defaults.
 */
public final class GraphDot {
    /** {@code GST_DEBUG_GRAPH_SHOW_ALL}: media types, caps details, non-default parameters, states. */
    static final int SHOW_ALL = (1 << 4) - 1;

    interface Api extends Library {
        Api GST = Native.load("gstreamer-1.0", Api.class);

        Pointer gst_debug_bin_to_dot_data(Pointer bin, int details);

        void g_free(Pointer p);
    }

    private GraphDot() {
    }

    /**
     * The graph's dot text now. The caller keeps {@code bin} alive (not disposed) during the call.
     *
     * @param bin a pipeline or any bin
     * @return dot source ({@code digraph pipeline { … }}), UTF-8 text
     */
    public static String of(Bin bin) {
        Pointer p = Api.GST.gst_debug_bin_to_dot_data(Natives.getRawPointer(bin), SHOW_ALL);
        try {
            return p.getString(0, "UTF-8");
        } finally {
            Api.GST.g_free(p);
        }
    }
}
