package org.cvmmap.streamer.record.bundle;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code /bundle} message of a bundled MCAP (docs/mcap_layout.md): JSON,
 * {@code {"bundle_index": N, "timestamp_ns": T, "members": {"<label>": <log time ns or null>}}},
 * described by {@link #SCHEMA} (JSON Schema, MCAP schema encoding {@code jsonschema}).
 */
public final class BundleManifest {
    /** The MCAP topic. */
    public static final String TOPIC = "/bundle";
    /** The MCAP schema name. */
    public static final String SCHEMA_NAME = "cvmmap_streamer.Bundle";
    /** The JSON Schema of one message (draft 2020-12). */
    public static final String SCHEMA = """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","title":"cvmmap_streamer.Bundle",\
            "description":"Frames of several cameras that belong together: one per camera, the nearest to the bundle time",\
            "type":"object","required":["bundle_index","timestamp_ns","members"],"additionalProperties":false,\
            "properties":{"bundle_index":{"type":"integer","minimum":0,\
            "description":"index on the common timeline, 0 = the common start"},\
            "timestamp_ns":{"type":"integer","description":"bundle time: the reference camera's frame time, ns since the Unix epoch"},\
            "members":{"type":"object","additionalProperties":{"type":["integer","null"]},\
            "description":"camera label -> log time (ns) of that camera's message in this bundle, or null"}}}""";

    private BundleManifest() {
    }

    /** The schema as the bytes of the MCAP schema record. */
    public static byte[] schemaBytes() {
        return SCHEMA.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One message.
     *
     * @param index       bundle index
     * @param timestampNs bundle time, ns
     * @param labels      camera labels (JSON-safe: {@code [A-Za-z0-9._-]}), in order
     * @param memberLogNs per label, the member's log time, ns, or -1 for none (null)
     * @return UTF-8 JSON
     */
    public static byte[] json(int index, long timestampNs, List<String> labels, long[] memberLogNs) {
        StringBuilder b = new StringBuilder(64 + 32 * labels.size());
        b.append("{\"bundle_index\":").append(index).append(",\"timestamp_ns\":").append(timestampNs).append(",\"members\":{");
        for (int i = 0; i < labels.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append('"').append(labels.get(i)).append("\":").append(memberLogNs[i] < 0 ? "null" : Long.toString(memberLogNs[i]));
        }
        return b.append("}}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
