package org.cvmmap.streamer.util;

/**
 * A {@code HOST:PORT} flag value ({@code --rtp-endpoint}, {@code --http-listen}): a host name or address
 * (IPv6 in brackets, {@code [::1]:5004}) and a port.
 *
 * @param host the host, brackets removed
 * @param port the port
 */
public record HostPort(String host, int port) {
    /**
     * @param flag    named in errors
     * @param value   the text
     * @param minPort smallest port allowed (0 where "any free port" makes sense); the largest is 65535
     * @throws ConfigException naming the flag and value: not HOST:PORT, a host that is not a name or
     *                         address, a port that is not a number or out of range (exit code 2)
     */
    public static HostPort parse(String flag, String value, int minPort) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigException(flag, value, "must be HOST:PORT");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.matches("[A-Za-z0-9.:_-]+")) {
            throw new ConfigException(flag, value, "host '" + host + "' is not a host name or address");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(flag, value, "port is not a number");
        }
        if (port < minPort || port > 65535) {
            throw new ConfigException(flag, port, "must be in " + minPort + ".." + 65535);
        }
        return new HostPort(host, port);
    }
}
