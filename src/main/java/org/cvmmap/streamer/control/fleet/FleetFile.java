package org.cvmmap.streamer.control.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.cvmmap.streamer.util.ConfigException;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A fleet file ({@code ctl apply FILE}, docs/fleet.md): the streams config's vocabulary over hosts,
 * <pre>
 * defaults: {codec: h264}
 * hosts:
 *   rig-a: {streams: {cam1: {input-uri: "cvmmap://cam1", rtp: true, rtp-endpoint: "10.0.0.5:5004"}}}
 *   rig-b: {streams: {cam2: {input-uri: "cvmmap://cam2", rtmp: true, rtmp-url-file: /run/secrets/cam2}}}
 * </pre>
 * turned into the desired-state entries: key {@code <host>.<stream>} ({@link #key}), value the stream's
 * keys with the defaults merged in, as canonical JSON (keys sorted), so that equal documents are equal
 * bytes. The values are checked by the streamer that runs them (its own flags); here only the shape.
 * Pure: text in, entries out.
 */
public final class FleetFile {
    /** Host (instance id) and stream names: one KV key token each. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private FleetFile() {
    }

    /**
     * The desired-state key of a stream: {@code <host>.<stream>} (NATS KV keys are dot-separated tokens).
     *
     * @throws IllegalArgumentException when a name is not one token ({@code [A-Za-z0-9][A-Za-z0-9_-]{0,63}})
     */
    public static String key(String host, String stream) {
        for (String n : new String[]{host, stream}) {
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("\"" + n + "\" is not a host or stream name ([A-Za-z0-9][A-Za-z0-9_-]{0,63})");
            }
        }
        return host + "." + stream;
    }

    /**
     * Reads a fleet file.
     *
     * @param file its name, for errors
     * @return host → (key → canonical JSON document), hosts and streams in file order
     * @throws ConfigException naming the file, the place ({@code hosts.rig-a.streams.cam1}) and the value
     */
    public static Map<String, Map<String, String>> parse(String file, String yaml) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, "(YAML)", e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file, "(top level)", "must be a mapping with hosts:");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("defaults", "hosts").contains(k)) {
                throw new ConfigException(file + ": " + k, "", "unknown key (a fleet file has defaults and hosts)");
            }
        }
        JsonNode defaults = root.path("defaults");
        if (!defaults.isMissingNode() && !defaults.isObject()) {
            throw new ConfigException(file + ": defaults", defaults.toString(), "must be a mapping of stream keys");
        }
        JsonNode hosts = root.path("hosts");
        if (!hosts.isObject() || hosts.isEmpty()) {
            throw new ConfigException(file + ": hosts", hosts.isMissingNode() ? "(missing)" : hosts.toString(),
                    "must map host names (instance ids) to their streams");
        }
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> h = hosts.fields(); h.hasNext(); ) {
            Map.Entry<String, JsonNode> host = h.next();
            String where = file + ": hosts." + host.getKey();
            if (!NAME.matcher(host.getKey()).matches()) {
                throw new ConfigException(file + ": hosts", host.getKey(), "host names match [A-Za-z0-9][A-Za-z0-9_-]{0,63}");
            }
            JsonNode streams = host.getValue().path("streams");
            if (!host.getValue().isObject() || (!streams.isMissingNode() && !streams.isObject())
                    || host.getValue().size() != (streams.isMissingNode() ? 0 : 1)) {
                throw new ConfigException(where, host.getValue().toString(), "must be {streams: {NAME: {KEY: VALUE, …}}}");
            }
            Map<String, String> entries = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> s = streams.fields(); s.hasNext(); ) {
                Map.Entry<String, JsonNode> stream = s.next();
                if (!NAME.matcher(stream.getKey()).matches()) {
                    throw new ConfigException(where + ".streams", stream.getKey(), "stream names match [A-Za-z0-9][A-Za-z0-9_-]{0,63}");
                }
                if (!stream.getValue().isObject()) {
                    throw new ConfigException(where + ".streams." + stream.getKey(), stream.getValue().toString(),
                            "must be a mapping of stream keys");
                }
                ObjectNode doc = CANONICAL.createObjectNode();
                if (defaults.isObject()) {
                    doc.setAll((ObjectNode) defaults);
                }
                doc.setAll((ObjectNode) stream.getValue());
                entries.put(key(host.getKey(), stream.getKey()), canonical(doc));
            }
            out.put(host.getKey(), entries);
        }
        return out;
    }

    /** A document as canonical JSON: keys sorted, no spaces. */
    public static String canonical(JsonNode doc) {
        try {
            return CANONICAL.writeValueAsString(CANONICAL.treeToValue(doc, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
