package org.cvmmap.streamer.config;

import org.cvmmap.streamer.util.ConfigException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A streams config ({@code cvmmap-streamer run --config FILE}): YAML whose keys are the long flag
 * names without their dashes, so a file and a command line share one vocabulary.
 *
 * <pre>
 * defaults: {codec: h264, gop: 30}
 * streams:
 *   cam1: {input-uri: "cvmmap://cam1", rtp: true, rtp-endpoint: "10.0.0.5:5004"}
 *   cam2: {input-uri: "cvmmap://cam2", codec: h265, rtmp: true, rtmp-url-file: /run/secrets/cam2-rtmp}
 * nats-url: nats://nats:4222
 * bundles:
 *   rig: {streams: [cam1, cam2], bundle-policy: nearest, compression: zstd}
 * </pre>
 *
 * Process-level keys ({@link #PROCESS_KEYS}: NATS, instance id) sit at the top level; stream keys
 * under {@code defaults} or a stream, a stream's own value winning over {@code defaults}. Each stream
 * becomes the command line it stands for ({@code --key value}, {@code --flag} for {@code true},
 * nothing for {@code false}), which the streamer's own flag parser then validates, so every default
 * stays defined once, in the flags. A bundle ({@link #parseBundles}) names streams of the file and takes the
 * keys of the {@code bundle} command's bundling options the same way. Pure: text in, argument lists out.
 */
public final class StreamsFile {
    /** Keys that belong to the process, not to one stream (top level only). */
    public static final Set<String> PROCESS_KEYS = Set.of("instance-id", "no-nats", "nats-url", "nats-token",
            "nats-user", "nats-password", "nats-creds", "nats-tls", "nats-tls-truststore",
            "nats-tls-truststore-password", "nats-reconnect-wait-ms", "http-listen", "log-format",
            "log-level");
    /** Stream names: they name streams in errors, logs and {@code config print}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

    /**
     * One stream of the file.
     *
     * @param name its name under {@code streams}
     * @param args its command line, process-level keys included
     */
    public record Stream(String name, List<String> args) {
    }

    /**
     * One bundle of the file: a bundled MCAP recording over some of its streams.
     *
     * @param name    its name under {@code bundles} (its NATS key: {@code cvmmap.<name>.streamer.recorder.bundle.*})
     * @param streams the streams it records, in bundle order
     * @param args    its bundling options as a command line ({@code --bundle-policy nearest …})
     */
    public record Bundle(String name, List<String> streams, List<String> args) {
    }

    /** Bundle names: one NATS subject token. */
    private static final Pattern BUNDLE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");

    private StreamsFile() {
    }

    /**
     * Reads a streams config.
     *
     * @param file       the file's name, for errors
     * @param yaml       its text
     * @param streamKeys every stream-level key the streamer takes (its long flag names without dashes)
     * @return the streams in file order
     * @throws ConfigException naming file, place ({@code streams.cam1.codec}) and value (exit 2)
     */
    public static List<Stream> parse(String file, String yaml, Set<String> streamKeys) {
        return parse(file, yaml, streamKeys, Set.of());
    }

    /**
     * Reads a streams config, leaving out the keys the environment sets (they win over the file).
     *
     * @param fromEnv keys whose value comes from the environment instead
     * @throws ConfigException naming file, place and value (exit 2)
     */
    public static List<Stream> parse(String file, String yaml, Set<String> streamKeys, Set<String> fromEnv) {
        return parse(file, yaml, streamKeys, fromEnv, false);
    }

    /**
     * Reads a streams config.
     *
     * @param noStreamsOk whether a file without {@code streams:} is fine (a host whose streams all come from
     *                    the fleet's desired state: only its process-level keys)
     * @throws ConfigException naming file, place and value (exit 2)
     */
    public static List<Stream> parse(String file, String yaml, Set<String> streamKeys, Set<String> fromEnv,
                                     boolean noStreamsOk) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, "(YAML)", e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file, "(top level)", "must be a mapping with streams:");
        }
        Map<String, JsonNode> process = new LinkedHashMap<>();
        Map<String, JsonNode> defaults = new LinkedHashMap<>();
        JsonNode streams = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            switch (key) {
                case "defaults" -> defaults = streamMap(file, "defaults", e.getValue(), streamKeys);
                case "streams" -> streams = e.getValue();
                case "bundles" -> { } // parseBundles
                default -> {
                    if (!PROCESS_KEYS.contains(key)) {
                        throw new ConfigException(file + ": " + key, text(key, e.getValue()), streamKeys.contains(key)
                                ? "is a stream key: put it under defaults: or a stream"
                                : "unknown key (keys are the long flag names without --)");
                    }
                    scalar(file, key, e.getValue());
                    process.put(key, e.getValue());
                }
            }
        }
        if (noStreamsOk && (streams == null || streams.isNull() || (streams.isObject() && streams.isEmpty()))) {
            return List.of();
        }
        if (streams == null || !streams.isObject() || streams.isEmpty()) {
            throw new ConfigException(file + ": streams", streams == null ? "(missing)" : text("streams", streams),
                    "must map at least one stream name to its keys");
        }
        List<Stream> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = streams.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (!NAME.matcher(name).matches()) {
                throw new ConfigException(file + ": streams", name, "stream names match [A-Za-z0-9][A-Za-z0-9._-]{0,31}");
            }
            Map<String, JsonNode> merged = new LinkedHashMap<>(defaults);
            merged.putAll(streamMap(file, "streams." + name, e.getValue(), streamKeys));
            List<String> args = new ArrayList<>();
            for (Map.Entry<String, JsonNode> kv : merged.entrySet()) {
                JsonNode v = scalar(file, "streams." + name + "." + kv.getKey(), kv.getValue());
                if (!fromEnv.contains(kv.getKey())) {
                    add(args, kv.getKey(), v);
                }
            }
            process.forEach((k, v) -> {
                if (!fromEnv.contains(k)) {
                    add(args, k, v);
                }
            });
            out.add(new Stream(name, List.copyOf(args)));
        }
        return out;
    }

    /**
     * Reads the {@code bundles:} of a streams config (none when absent).
     *
     * @param streamNames the file's stream names (from {@link #parse})
     * @param bundleKeys  the keys a bundle takes besides {@code streams} (long option names without --)
     * @return the bundles in file order
     * @throws ConfigException naming file, place ({@code bundles.rig.streams}) and value (exit 2)
     */
    public static List<Bundle> parseBundles(String file, String yaml, Set<String> streamNames, Set<String> bundleKeys) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, "(YAML)", e.getOriginalMessage());
        }
        JsonNode bundles = root == null ? null : root.get("bundles");
        List<Bundle> out = new ArrayList<>();
        if (bundles == null || bundles.isNull()) {
            return out;
        }
        if (!bundles.isObject()) {
            throw new ConfigException(file + ": bundles", text("bundles", bundles), "must map bundle names to their keys");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = bundles.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String where = "bundles." + name;
            if (!BUNDLE_NAME.matcher(name).matches()) {
                throw new ConfigException(file + ": bundles", name, "bundle names match [A-Za-z0-9][A-Za-z0-9_-]{0,31}");
            }
            if (!e.getValue().isObject()) {
                throw new ConfigException(file + ": " + where, text(where, e.getValue()), "must be a mapping of keys");
            }
            List<String> members = new ArrayList<>();
            List<String> args = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> kv = e.getValue().fields(); kv.hasNext(); ) {
                Map.Entry<String, JsonNode> k = kv.next();
                if (k.getKey().equals("streams")) {
                    JsonNode list = k.getValue();
                    if (!list.isArray() || list.size() < 2) {
                        throw new ConfigException(file + ": " + where + ".streams", text("streams", list),
                                "must list two or more stream names");
                    }
                    for (JsonNode n : list) {
                        if (!n.isTextual() || !streamNames.contains(n.asText())) {
                            throw new ConfigException(file + ": " + where + ".streams", n.toString(),
                                    "is not a stream of this file");
                        }
                        if (members.contains(n.asText())) {
                            throw new ConfigException(file + ": " + where + ".streams", n.asText(), "is listed twice");
                        }
                        members.add(n.asText());
                    }
                } else if (bundleKeys.contains(k.getKey())) {
                    add(args, k.getKey(), scalar(file, where + "." + k.getKey(), k.getValue()));
                } else {
                    throw new ConfigException(file + ": " + where + "." + k.getKey(), text(k.getKey(), k.getValue()),
                            "unknown key (a bundle takes streams and " + String.join(", ", new java.util.TreeSet<>(bundleKeys)) + ")");
                }
            }
            if (members.isEmpty()) {
                throw new ConfigException(file + ": " + where + ".streams", "(missing)", "must list two or more stream names");
            }
            out.add(new Bundle(name, List.copyOf(members), List.copyOf(args)));
        }
        return out;
    }

    private static Map<String, JsonNode> streamMap(String file, String where, JsonNode node, Set<String> streamKeys) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(file + ": " + where, node == null ? "(missing)" : text(where, node), "must be a mapping of keys");
        }
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!streamKeys.contains(key)) {
                throw new ConfigException(file + ": " + where + "." + key, text(key, e.getValue()), PROCESS_KEYS.contains(key)
                        ? "is a process-level key: put it at the top level"
                        : "unknown key (keys are the long flag names without --)");
            }
            m.put(key, e.getValue());
        }
        return m;
    }

    /** The value must be one scalar (text, number, true/false). */
    private static JsonNode scalar(String file, String where, JsonNode v) {
        if (v == null || v.isNull() || v.isContainerNode()) {
            throw new ConfigException(file + ": " + where, v == null || v.isNull() ? "(empty)" : text(where, v),
                    "must be one value (text, number or true/false)");
        }
        return v;
    }

    /** {@code true} → {@code --key}; {@code false} → nothing; anything else → {@code --key value}. */
    private static void add(List<String> args, String key, JsonNode value) {
        if (value.isBoolean()) {
            if (value.booleanValue()) {
                args.add("--" + key);
            }
        } else {
            args.add("--" + key);
            args.add(value.asText());
        }
    }

    /**
     * Whether the key (or a place ending in it) holds a secret: passwords, tokens, the RTMP URL
     * with its stream key. Errors and {@code config print} show such values as {@code ***}.
     */
    public static boolean secret(String key) {
        return key.contains("password") || key.contains("token") || key.endsWith("rtmp-url");
    }

    /** A value for an error: secrets masked, long ones cut. */
    private static String text(String where, JsonNode n) {
        if (secret(where)) {
            return "***";
        }
        String s = n.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
