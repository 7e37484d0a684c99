package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.util.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gst-launch-style pipeline descriptor (docs/specs/streamer.md §6): lines starting with {@code #} are
 * comments, the rest is one gst-launch description with {@code ${name}} placeholders that
 * {@link #render(Map)} fills from the validated configuration. Pure text unit.
 *
 * @param name             where it came from (file path or built-in resource name), for logs
 * @param source           descriptor text without comment lines, lines joined by spaces
 * @param placeholderLines each placeholder the text uses → the 1-based line of the file it first
 *                         appears on (empty for composed built-ins)
 */
public record PipelineDescriptor(String name, String source, Map<String, Integer> placeholderLines) {
    public PipelineDescriptor {
        placeholderLines = Map.copyOf(placeholderLines);
    }

    /** A descriptor without line information. */
    public PipelineDescriptor(String name, String source) {
        this(name, source, Map.of());
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9_]+)}");

    /**
     * Parses descriptor text.
     *
     * @param name label for messages
     * @param text file contents
     */
    public static PipelineDescriptor parse(String name, String text) {
        StringBuilder sb = new StringBuilder();
        Map<String, Integer> lines = new java.util.LinkedHashMap<>();
        String[] all = text.split("\n");
        for (int i = 0; i < all.length; i++) {
            String t = all[i].strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            Matcher m = PLACEHOLDER.matcher(t);
            while (m.find()) {
                lines.putIfAbsent(m.group(1), i + 1);
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(t);
        }
        return new PipelineDescriptor(name, sb.toString(), lines);
    }

    /**
     * Loads a built-in descriptor from the jar ({@code pipelines/<file>}, the repository's
     * {@code pipelines/} folder).
     *
     * @throws IllegalArgumentException if there is no such descriptor
     */
    public static PipelineDescriptor builtIn(String file) {
        try (InputStream in = PipelineDescriptor.class.getResourceAsStream("/pipelines/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no built-in pipeline descriptor " + file);
            }
            return parse("builtin:" + file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Joins built-in fragments into one descriptor, in order (a source fragment ends where the next
     * one's {@code !} continues it; output fragments start with {@code encoded.}).
     *
     * @param files fragment files under {@code pipelines/}
     * @return named {@code builtin:a+b+c} after the fragments, without their {@code .pipeline}
     * @throws IllegalArgumentException if a fragment does not exist
     */
    public static PipelineDescriptor compose(List<String> files) {
        StringBuilder src = new StringBuilder();
        StringBuilder name = new StringBuilder("builtin:");
        for (String f : files) {
            PipelineDescriptor d = builtIn(f);
            src.append(src.length() == 0 ? "" : " ").append(d.source());
            name.append(name.length() == 8 ? "" : "+").append(f.replace(".pipeline", ""));
        }
        return new PipelineDescriptor(name.toString(), src.toString());
    }

    /**
     * Checks, before anything runs, that every placeholder the descriptor uses has a value in this
     * configuration.
     *
     * @param flag  the flag that named the file (for the message)
     * @param known placeholder names this graph fills, with what each needs when it has no value
     *              here (e.g. {@code rtp_host} → "--rtp"); null needs = always filled
     * @throws ConfigException naming the flag, {@code FILE:LINE} and the placeholder (exit code 2)
     */
    public void requirePlaceholders(String flag, Map<String, String> known) {
        for (Map.Entry<String, Integer> e : placeholderLines.entrySet()) {
            String where = name + ":" + e.getValue();
            if (!known.containsKey(e.getKey())) {
                throw new ConfigException(flag, where, "unknown placeholder ${" + e.getKey() + "}; this graph fills "
                        + String.join(", ", new java.util.TreeSet<>(known.keySet())));
            }
            String needs = known.get(e.getKey());
            if (needs != null) {
                throw new ConfigException(flag, where, "placeholder ${" + e.getKey() + "} has no value without " + needs);
            }
        }
    }

    /**
     * Loads a descriptor file named by a flag.
     *
     * @throws ConfigException naming the flag and file when it cannot be read (exit code 2)
     */
    public static PipelineDescriptor load(String flag, Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(flag, file, "cannot be read: " + e.getMessage());
        }
    }

    /**
     * The element factories a rendered gst-launch description instantiates, in order: the first word
     * of each {@code !}-separated link, leaving out caps ({@code video/x-raw,…}) and pad references
     * ({@code encoded.}). Pure text; quoted property values must not contain {@code !}.
     *
     * @param description a description with every placeholder filled
     */
    public static java.util.Set<String> elementFactories(String description) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String link : description.split("!")) {
            String[] words = link.strip().split("\\s+");
            if (words.length > 0 && words[0].matches("[a-z0-9_-]+")) {
                out.add(words[0]);
            }
        }
        return out;
    }

    /**
     * Fills every placeholder. Values are inserted verbatim, and may themselves contain placeholders
     * (the encoder fragment does), which are filled in a second pass.
     *
     * @param values placeholder name → value
     * @return the gst-launch description
     * @throws IllegalArgumentException naming the first placeholder that has no value
     */
    public String render(Map<String, String> values) {
        return fill(fill(source, values), values);
    }

    private String fill(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("pipeline descriptor " + name + ": placeholder ${" + m.group(1)
                        + "} has no value (known: " + String.join(", ", new java.util.TreeSet<>(values.keySet())) + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }
}
