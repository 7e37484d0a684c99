package org.cvmmap.streamer.output.rtmp;

import org.cvmmap.streamer.util.Secrets;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * An RTMP publish URL {@code rtmp[s]://[user[:password]@]host[:port]/app/stream-key[?query]}, validated
 * and with a masked form for logs. The application is the first path segment; everything after it
 * (the stream key, often a secret) and any user info or query are masked. Pure unit.
 *
 * @param url    the URL as given (handed to {@code rtmp2sink location})
 * @param host   server host
 * @param port   TCP port (1935 for rtmp, 443 for rtmps when not given)
 * @param app    application name (first path segment)
 * @param masked the URL with password, stream key and query replaced by {@code ***}
 */
public record RtmpUrl(String url, String host, int port, String app, String masked) {
    private static final String MASK = "***";

    /**
     * Parses and validates.
     *
     * @throws IllegalArgumentException naming what is wrong (the message never repeats the stream key)
     */
    public static RtmpUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("is empty: give rtmp://HOST[:PORT]/APP/STREAM");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a URL (" + e.getReason() + "): give rtmp://HOST[:PORT]/APP/STREAM");
        }
        String scheme = u.getScheme();
        if (scheme == null || !(scheme.equals("rtmp") || scheme.equals("rtmps"))) {
            throw new IllegalArgumentException("scheme must be rtmp or rtmps, not '" + scheme + "'");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("has no host: give rtmp://HOST[:PORT]/APP/STREAM");
        }
        int port = u.getPort();
        if (port == 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        if (port < 0) {
            port = scheme.equals("rtmps") ? 443 : 1935;
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        String[] parts = path.startsWith("/") ? path.substring(1).split("/", 2) : new String[] {""};
        if (parts[0].isEmpty()) {
            throw new IllegalArgumentException("has no application: give rtmp://HOST[:PORT]/APP/STREAM");
        }
        if (parts.length < 2 || parts[1].isEmpty()) {
            throw new IllegalArgumentException("has no stream key after /" + parts[0] + ": give rtmp://HOST[:PORT]/APP/STREAM");
        }
        StringBuilder m = new StringBuilder(scheme).append("://");
        if (u.getRawUserInfo() != null) {
            String info = u.getRawUserInfo();
            int colon = info.indexOf(':');
            m.append(colon >= 0 ? info.substring(0, colon) + ":" + MASK : info).append('@');
        }
        m.append(u.getRawAuthority().substring(u.getRawAuthority().lastIndexOf('@') + 1));
        m.append('/').append(parts[0]).append('/').append(MASK);
        if (u.getRawQuery() != null) {
            m.append('?').append(MASK);
        }
        Secrets.register(parts[1], u.getRawQuery()); // the key and query; a user name alone is no secret
        if (u.getRawUserInfo() != null && u.getRawUserInfo().indexOf(':') >= 0) {
            Secrets.register(u.getRawUserInfo().substring(u.getRawUserInfo().indexOf(':') + 1));
        }
        return new RtmpUrl(url, u.getHost(), port, parts[0], m.toString());
    }

    /**
     * Masks a string that may not parse as a URL (for error messages about it): the password of any
     * user info, and everything after the application segment.
     */
    public static String maskLoosely(String url) {
        if (url == null) {
            return null;
        }
        String s = url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@", "$1:" + MASK + "@");
        return s.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://[^/]*/[^/?]*)[/?].*$", "$1/" + MASK);
    }

    /** The masked form: safe to log. */
    @Override
    public String toString() {
        return masked;
    }
}
