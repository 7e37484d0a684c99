package org.cvmmap.streamer.util;

import org.cvmmap.streamer.util.NamedValueException;

/**
 * The configuration is invalid: a value out of range, a bad combination, a label too long, an
 * unusable input. Maps to exit code 2 (docs/specs/streamer.md §10). The message starts with the flag.
 */
public class ConfigException extends NamedValueException {
    /**
     * @param flag   the flag at fault, e.g. {@code --rtp-payload-type}
     * @param value  the value given
     * @param reason what is wrong with it
     */
    public ConfigException(String flag, Object value, String reason) {
        super(flag, value, reason);
    }

    /** The flag at fault. */
    public String flag() {
        return name();
    }
}
