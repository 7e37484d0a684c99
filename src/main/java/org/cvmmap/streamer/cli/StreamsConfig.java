package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.config.StreamsFile;
import org.cvmmap.streamer.record.bundle.BundleRecorder;
import org.cvmmap.streamer.record.bundle.BundleWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A streams config file turned into one validated {@link StreamerConfig} per stream, through the
 * streamer's own flags ({@link StreamCommand}): the file's keys are its long flag names, and its
 * defaults and checks are the flags' own.
 */
final class StreamsConfig {
    /** Options that are not stream settings (help, version, the legacy run mode). */
    private static final Set<String> NOT_KEYS = Set.of("help", "version", "run-mode");

    /**
     * One stream: its name, its validated configuration and the flags it was parsed from.
     *
     * @param args    the command line the file gives it (a reload compares these)
     * @param command the parsed flags ({@code config print} reads the effective values from them)
     */
    record Entry(String name, StreamerConfig config, List<String> args, StreamCommand command) {
    }

    /**
     * One bundle of the file, validated.
     *
     * @param name     its name (NATS key)
     * @param members  its streams and their labels, in bundle order
     * @param settings how it is written ({@code --codec} is the streams')
     * @param args     the command line it stands for (a reload compares these)
     */
    record BundleEntry(String name, List<BundleRecorder.Member> members, BundleWriter.Settings settings, List<String> args) {
    }

    /** Parses a bundle's keys: the bundling options of {@code bundle}. */
    @CommandLine.Command(name = "bundles")
    static final class BundleKeys {
        @CommandLine.Mixin
        BundlePolicyOptions policy = new BundlePolicyOptions();
    }

    private StreamsConfig() {
    }

    /** The keys a bundle takes besides {@code streams}: the bundling options but {@code codec} (the streams'). */
    static Set<String> bundleKeys() {
        Set<String> keys = new TreeSet<>();
        for (OptionSpec o : new CommandLine(new BundleKeys()).getCommandSpec().options()) {
            keys.add(o.longestName().substring(2));
        }
        keys.remove("codec");
        return keys;
    }

    /**
     * Reads and validates the file's bundles against its streams: the members exist, share one codec
     * and have distinct labels (their input labels); no bundle name is also a stream's NATS key.
     *
     * @throws ConfigException naming the file, the bundle, the key and the value (exit 2)
     */
    static List<BundleEntry> loadBundles(Path file, List<Entry> streams) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--config", file, "cannot be read: " + e.getMessage());
        }
        Map<String, Entry> byName = new LinkedHashMap<>();
        streams.forEach(e -> byName.put(e.name(), e));
        List<BundleEntry> out = new java.util.ArrayList<>();
        for (StreamsFile.Bundle b : StreamsFile.parseBundles(file.toString(), text, byName.keySet(), bundleKeys())) {
            String where = file + ": bundles." + b.name();
            BundleKeys keys = new BundleKeys();
            try {
                new CommandLine(keys).parseArgs(b.args().toArray(String[]::new));
                keys.policy.validate();
            } catch (CommandLine.ParameterException e) {
                throw atPlace(where, e);
            } catch (ConfigException e) {
                throw atPlace(where, e);
            }
            List<BundleRecorder.Member> members = new java.util.ArrayList<>();
            Set<String> labels = new TreeSet<>();
            org.cvmmap.streamer.media.Codec codec = null;
            for (String m : b.streams()) {
                StreamerConfig c = byName.get(m).config();
                if (c.input().natsKey().equals(b.name())) {
                    throw new ConfigException(where, b.name(), "is also stream " + m + "'s NATS key: give the bundle another name");
                }
                if (codec != null && c.codec() != codec) {
                    throw new ConfigException(where + ".streams", m, "encodes " + c.codec().cliName() + ", the others "
                            + codec.cliName() + ": a bundle's streams share one codec");
                }
                codec = c.codec();
                String label = c.input().label();
                if (!labels.add(label)) {
                    throw new ConfigException(where + ".streams", m, "has the label " + label + " of another member");
                }
                members.add(new BundleRecorder.Member(m, label));
            }
            keys.policy.codec = codec.cliName();
            out.add(new BundleEntry(b.name(), List.copyOf(members), keys.policy.settings(), b.args()));
        }
        return out;
    }

    /** A flag parser's refusal restated at the file's place ({@code FILE: streams.cam1.codec=VALUE: why}). */
    private static ConfigException atPlace(String where, CommandLine.ParameterException e) {
        String key = e.getArgSpec() instanceof OptionSpec o ? "." + o.longestName().replaceFirst("^--", "") : "";
        return new ConfigException(where + key, e.getValue() == null ? "" : e.getValue(), e.getMessage());
    }

    /** "--flag=value: reason" of the flag's own rule, restated at the file's place. */
    private static ConfigException atPlace(String where, ConfigException e) {
        String rest = e.getMessage().substring(e.flag().length() + 1);
        int colon = rest.indexOf(": ");
        return new ConfigException(where + "." + e.flag().replaceFirst("^--", ""),
                colon < 0 ? rest : rest.substring(0, colon), colon < 0 ? "invalid" : rest.substring(colon + 2));
    }

    /** The keys a stream may set: every long option of the streamer but help, version and run mode. */
    static Set<String> streamKeys() {
        Set<String> keys = new TreeSet<>();
        for (OptionSpec o : new CommandLine(new StreamCommand()).getCommandSpec().options()) {
            String n = o.longestName();
            if (n.startsWith("--") && !NOT_KEYS.contains(n.substring(2))) {
                keys.add(n.substring(2));
            }
        }
        keys.removeAll(StreamsFile.PROCESS_KEYS);
        return keys;
    }

    /**
     * Reads and validates the file.
     *
     * @throws ConfigException naming the file, the stream, the key and the value (exit 2)
     */
    static List<Entry> load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Reads and validates the file under an environment: a key the environment sets
     * ({@code CVMMAP_<KEY>}) is taken from it, not from the file.
     *
     * @throws ConfigException naming the file, the stream, the key and the value (exit 2)
     */
    static List<Entry> load(Path file, java.util.function.Function<String, String> env) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--config", file, "cannot be read: " + e.getMessage());
        }
        return load(file.toString(), text, env);
    }

    /**
     * Validates a streams config given as text (a file's, or one made of a desired-state entry).
     *
     * @param file what to call it in errors
     * @throws ConfigException naming it, the stream, the key and the value (exit 2)
     */
    static List<Entry> load(String file, String text, java.util.function.Function<String, String> env) {
        return load(file, text, env, false);
    }

    /**
     * Reads and validates a file that may have no streams (a fleet host: {@code run --desired-state}).
     *
     * @throws ConfigException naming the file, the stream, the key and the value (exit 2)
     */
    static List<Entry> loadHost(Path file) {
        try {
            return load(file.toString(), Files.readString(file, StandardCharsets.UTF_8), System::getenv, true);
        } catch (IOException e) {
            throw new ConfigException("--config", file, "cannot be read: " + e.getMessage());
        }
    }

    private static List<Entry> load(String file, String text, java.util.function.Function<String, String> env,
                                    boolean noStreamsOk) {
        EnvDefaults defaults = new EnvDefaults(env);
        List<Entry> out = new java.util.ArrayList<>();
        Map<String, String> natsKeys = new HashMap<>();
        Set<String> keys = streamKeys();
        Set<String> fromEnv = new TreeSet<>();
        for (String k : java.util.stream.Stream.concat(keys.stream(), StreamsFile.PROCESS_KEYS.stream()).toList()) {
            if (defaults.value("--" + k) != null) {
                fromEnv.add(k);
            }
        }
        for (StreamsFile.Stream s : StreamsFile.parse(file, text, keys, fromEnv, noStreamsOk)) {
            String where = file + ": streams." + s.name();
            StreamCommand cmd = new StreamCommand();
            try {
                new CommandLine(cmd).setDefaultValueProvider(defaults).parseArgs(s.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                throw atPlace(where, e);
            }
            StreamerConfig config;
            try {
                config = cmd.toConfig();
            } catch (ConfigException e) {
                throw atPlace(where, e);
            }
            String natsKey = config.input().natsKey();
            String other = natsKeys.putIfAbsent(natsKey, s.name());
            if (other != null) {
                throw new ConfigException(where, natsKey, "stream " + other + " already reads this key");
            }
            out.add(new Entry(s.name(), config, s.args(), cmd));
        }
        return out;
    }

    /**
     * The process-level keys of a streams config's top level (NATS, instance id, …), as written.
     *
     * @throws ConfigException when the file cannot be read or is not YAML
     */
    static Map<String, Object> processKeys(Path file) {
        try {
            com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                    .readTree(Files.readString(file, StandardCharsets.UTF_8));
            Map<String, Object> out = new LinkedHashMap<>();
            for (String k : StreamsFile.PROCESS_KEYS) {
                if (root != null && root.has(k) && root.get(k).isValueNode()) {
                    com.fasterxml.jackson.databind.JsonNode v = root.get(k);
                    out.put(k, v.isBoolean() ? v.booleanValue() : v.isNumber() ? v.numberValue() : v.asText());
                }
            }
            return out;
        } catch (IOException e) {
            throw new ConfigException("--config", file, "cannot be read: " + e.getMessage());
        }
    }

    /**
     * One stream from a desired-state document (its keys as JSON, docs/fleet.md), validated as the stream
     * {@code name} of a streams config whose top level holds {@code processKeys}.
     *
     * @param where what to call it in errors ({@code kv:NAME@REVISION})
     * @throws ConfigException naming {@code where}, the key and the value (exit 2)
     */
    static Entry fromDocument(String where, String name, String document, Map<String, Object> processKeys) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = json.createObjectNode();
        processKeys.forEach((k, v) -> root.set(k, json.valueToTree(v)));
        com.fasterxml.jackson.databind.JsonNode doc;
        try {
            doc = json.readTree(document);
        } catch (IOException e) {
            throw new ConfigException(where, "(document)", "is not JSON: " + e.getMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new ConfigException(where, "(document)", "must be a JSON object of stream keys");
        }
        root.putObject("streams").set(name, doc);
        List<Entry> one = load(where, root.toString(), System::getenv);
        return one.get(0);
    }

    /**
     * The effective settings of a stream, every key with its value after defaults, secrets as
     * {@code ***} (for {@code config print}).
     */
    static Map<String, Object> effective(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (OptionSpec o : new CommandLine(e.command()).getCommandSpec().options()) {
            String n = o.longestName().replaceFirst("^--", "");
            if (NOT_KEYS.contains(n)) {
                continue;
            }
            Object v = o.getValue();
            if (v == null) {
                continue; // not set, no default
            }
            m.put(n, StreamsFile.secret(n) ? "***" : v instanceof Number || v instanceof Boolean ? v : v.toString());
        }
        return m;
    }
}
