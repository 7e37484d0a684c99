package org.cvmmap.streamer.pipeline;

import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Version;

/** Process-wide GStreamer initialisation (once per JVM). */
public final class GstRuntime {
    private static boolean initialised;

    private GstRuntime() {
    }

    /**
     * Initialises GStreamer, asking for the 1.16 API (the library's default asks for 1.8; the system
     * has 1.22).
     *
     * @throws IllegalStateException (from gst1-java-core) if the GStreamer libraries are missing
     */
    public static synchronized void init() {
        if (!initialised) {
            Gst.init(Version.of(1, 16), "cvmmap-streamer");
            initialised = true;
        }
    }

    /** Whether an element factory is installed. */
    public static boolean hasElement(String factory) {
        init();
        ElementFactory f;
        try {
            f = ElementFactory.find(factory); // gst1-java-core throws instead of returning null
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (f == null) {
            return false;
        }
        f.dispose();
        return true;
    }
}
