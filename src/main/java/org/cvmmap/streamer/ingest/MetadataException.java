package org.cvmmap.streamer.ingest;

import org.cvmmap.streamer.util.NamedValueException;

/**
 * A cv-mmap metadata region or sync message failed validation. The message names the field
 * (as in docs/specs/cvmmap-ipc.md) and the value found.
 */
public class MetadataException extends NamedValueException {
    /**
     * @param field  field name as in the spec, e.g. {@code plane[0].size_bytes}
     * @param value  the value found
     * @param reason what rule it breaks
     */
    public MetadataException(String field, Object value, String reason) {
        super(field, value, reason);
    }

    /** The field that failed. */
    public String field() {
        return name();
    }
}
