package org.cvmmap.streamer.util;

/**
 * A value that breaks a rule, reported as {@code name=value: reason} so the message always names
 * what is wrong (a flag, a protocol field) and what was found.
 */
public abstract class NamedValueException extends RuntimeException {
    private final String name;

    /**
     * @param name   the flag or field, e.g. {@code --rtp-payload-type} or {@code plane[0].size_bytes}
     * @param value  the value found
     * @param reason the rule it breaks
     */
    protected NamedValueException(String name, Object value, String reason) {
        super(name + "=" + value + ": " + reason);
        this.name = name;
    }

    /** The flag or field at fault. */
    protected String name() {
        return name;
    }
}
