package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.config.StreamsFile;
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

    private StreamsConfig() {
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
        EnvDefaults defaults = new EnvDefaults(env);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--config", file, "cannot be read: " + e.getMessage());
        }
        List<Entry> out = new java.util.ArrayList<>();
        Map<String, String> natsKeys = new HashMap<>();
        Set<String> keys = streamKeys();
        Set<String> fromEnv = new TreeSet<>();
        for (String k : java.util.stream.Stream.concat(keys.stream(), StreamsFile.PROCESS_KEYS.stream()).toList()) {
            if (defaults.value("--" + k) != null) {
                fromEnv.add(k);
            }
        }
        for (StreamsFile.Stream s : StreamsFile.parse(file.toString(), text, keys, fromEnv)) {
            String where = file + ": streams." + s.name();
            StreamCommand cmd = new StreamCommand();
            try {
                new CommandLine(cmd).setDefaultValueProvider(defaults).parseArgs(s.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                String key = e.getArgSpec() instanceof OptionSpec o ? "." + o.longestName().replaceFirst("^--", "") : "";
                throw new ConfigException(where + key, e.getValue() == null ? "" : e.getValue(), e.getMessage());
            }
            StreamerConfig config;
            try {
                config = cmd.toConfig();
            } catch (ConfigException e) {
                // "--flag=value: reason" of the flag's own rule, restated at the file's place
                String rest = e.getMessage().substring(e.flag().length() + 1);
                int colon = rest.indexOf(": ");
                throw new ConfigException(where + "." + e.flag().replaceFirst("^--", ""),
                        colon < 0 ? rest : rest.substring(0, colon), colon < 0 ? "invalid" : rest.substring(colon + 2));
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
