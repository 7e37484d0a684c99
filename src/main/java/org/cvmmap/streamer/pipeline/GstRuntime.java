package org.cvmmap.streamer.pipeline;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.freedesktop.gstreamer.ElementFactory;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Registry;
import org.freedesktop.gstreamer.Version;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process-wide GStreamer initialisation (once per JVM), including the project's own plugin
 * ({@code libgstcuframes.so}, built by Maven into {@code target/gst-plugins}).
 */
public final class GstRuntime {
    private static final Logger LOG = LogManager.getLogger(GstRuntime.class);
    /** System property naming the folder of the project's GStreamer plugins (overrides the default). */
    public static final String PLUGIN_DIR_PROPERTY = "cvmmap.gstPluginDir";
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
            Path dir = pluginDir();
            if (dir != null && Files.isDirectory(dir)) {
                boolean added = Registry.get().scanPath(dir.toString());
                LOG.debug("event=gst_plugins_scanned path={} changed={}", dir, added);
            }
        }
    }

    /**
     * The folder scanned for the project's plugins: {@value #PLUGIN_DIR_PROPERTY} if set, else
     * {@code gst-plugins} next to the jar or the classes folder ({@code target/gst-plugins}).
     * Folders in {@code GST_PLUGIN_PATH} are scanned by GStreamer itself.
     *
     * @return the folder, or null when it cannot be located
     */
    public static Path pluginDir() {
        String p = System.getProperty(PLUGIN_DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        try {
            Path code = Path.of(GstRuntime.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path parent = code.getParent();
            return parent == null ? null : parent.resolve("gst-plugins");
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
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
