package org.cvmmap.streamer.ingest.cuframes;

import java.util.regex.Pattern;

/**
 * A cuframes input (docs/specs/cuframes.md §1): {@code cuframes-packets://<key>[?runtime-dir=DIR]} re-publishes
 * the encoded access units of the packet ring {@code /dev/shm/cuframes-<key>-packets} without
 * re-encoding; {@code cuframes://<key>[?runtime-dir=DIR]} reads decoded NV12 frames through CUDA IPC
 * and encodes them. DIR is where the publisher's handshake socket {@code <DIR>/<key>.sock} lives
 * (default {@code /run/cuframes}). Pure value type: no I/O.
 *
 * @param kind       packets (no encoder) or frames (encoder)
 * @param key        1..63 characters of {@code [A-Za-z0-9_-]}
 * @param runtimeDir absolute directory of the handshake socket
 */
public record CuframesUri(Kind kind, String key, String runtimeDir) {
    /** Default runtime directory of the handshake socket. */
    public static final String DEFAULT_RUNTIME_DIR = "/run/cuframes";
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,63}");
    /** Rendered into a gst-launch description: no quotes, spaces or '!' allowed. */
    private static final Pattern DIR = Pattern.compile("/[A-Za-z0-9/._+-]{0,90}");

    /** What the URI reads. */
    public enum Kind {
        /** Encoded access units from the packet ring: parse → pay/mux, no encoder. */
        PACKETS("cuframes-packets://"),
        /** Decoded NV12 frames through CUDA IPC: encoded by the selected encoder. */
        FRAMES("cuframes://");

        private final String scheme;

        Kind(String scheme) {
            this.scheme = scheme;
        }

        /** The URI prefix, e.g. {@code cuframes-packets://}. */
        public String scheme() {
            return scheme;
        }
    }

    /** Whether {@code uri} has one of the cuframes schemes (then {@link #parse} decides if it is valid). */
    public static boolean matches(String uri) {
        return uri != null && (uri.startsWith(Kind.PACKETS.scheme) || uri.startsWith(Kind.FRAMES.scheme));
    }

    /**
     * @throws IllegalArgumentException naming the part that is wrong (key, runtime-dir, query)
     */
    public static CuframesUri parse(String uri) {
        Kind kind = uri.startsWith(Kind.PACKETS.scheme) ? Kind.PACKETS : uri.startsWith(Kind.FRAMES.scheme) ? Kind.FRAMES : null;
        if (kind == null) {
            throw new IllegalArgumentException("scheme must be cuframes:// or cuframes-packets://");
        }
        String rest = uri.substring(kind.scheme.length());
        String dir = DEFAULT_RUNTIME_DIR;
        int q = rest.indexOf('?');
        if (q >= 0) {
            String query = rest.substring(q + 1);
            rest = rest.substring(0, q);
            for (String pair : query.split("&")) {
                if (!pair.startsWith("runtime-dir=")) {
                    throw new IllegalArgumentException("unknown query parameter '" + pair + "' (only runtime-dir=DIR)");
                }
                dir = pair.substring("runtime-dir=".length());
                if (!DIR.matcher(dir).matches() || dir.contains("..")) {
                    throw new IllegalArgumentException("runtime-dir '" + dir
                            + "' must be an absolute path of [A-Za-z0-9/._+-], at most 91 characters, without '..'");
                }
            }
        }
        if (!KEY.matcher(rest).matches()) {
            throw new IllegalArgumentException("key '" + rest + "' must be 1..63 characters of [A-Za-z0-9_-]");
        }
        return new CuframesUri(kind, rest, dir);
    }

    /** {@code /dev/shm/cuframes-<key>-packets}. */
    public String packetRingPath() {
        return "/dev/shm/cuframes-" + key + "-packets";
    }
}
