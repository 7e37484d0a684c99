package org.cvmmap.streamer.config;

/**
 * The configuration is invalid: a value out of range, a bad combination, a label too long, an
 * unusable input. Maps to exit code 2 (streamer.md §10). The message starts with the flag.
 */
public class ConfigException extends RuntimeException {
    private final String flag;

    /**
     * @param flag   the flag at fault, e.g. {@code --rtp-payload-type}
     * @param value  the value given
     * @param reason what is wrong with it
     */
    public ConfigException(String flag, Object value, String reason) {
        super(flag + "=" + value + ": " + reason);
        this.flag = flag;
    }

    /** The flag at fault. */
    public String flag() {
        return flag;
    }
}
