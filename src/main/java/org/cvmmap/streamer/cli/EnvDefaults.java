package org.cvmmap.streamer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Every streamer flag's environment variable: {@code --foo-bar} ← {@code CVMMAP_FOO_BAR}. Precedence
 * flag > environment > streams config file > the flag's own default (a file's key that the
 * environment sets is left out, {@link StreamsConfig}). Only the streamer's own flags (not the
 * tools' subcommands). {@code --rtmp-url} keeps its own rule ({@code CVMMAP_RTMP_URL} with
 * {@code --rtmp} only).
 */
final class EnvDefaults implements CommandLine.IDefaultValueProvider {
    /** Flags whose environment is handled by their own rule. */
    private static final Set<String> OWN_RULE = Set.of("--rtmp-url", "--help", "--version");
    private final Function<String, String> env;

    /** @param env the environment ({@code System::getenv}; tests pass a map) */
    EnvDefaults(Function<String, String> env) {
        this.env = env;
    }

    /** {@code --foo-bar} → {@code CVMMAP_FOO_BAR}. */
    static String variable(String longName) {
        return "CVMMAP_" + longName.replaceFirst("^--", "").toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The value the environment gives this flag, or null (blank counts as unset). */
    String value(String longName) {
        if (OWN_RULE.contains(longName)) {
            return null;
        }
        String v = env.apply(variable(longName));
        return v == null || v.isBlank() ? null : v;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec o) || o.command() == null || o.command().userObject() == null
                || !(o.command().userObject() instanceof StreamCommand)) {
            return null;
        }
        return value(o.longestName());
    }
}
