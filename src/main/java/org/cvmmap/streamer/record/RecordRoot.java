package org.cvmmap.streamer.record;

import org.cvmmap.streamer.util.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The folder that recordings requested over the network must stay inside ({@code --record-dir},
 * env {@code CVMMAP_RECORD_DIR}; docs/security.md). A requested {@code output_path} is checked as
 * text here (no control character, inside the root once resolved against it and normalised); the
 * creation itself ({@link org.cvmmap.streamer.util.ExclusiveFile}) then checks the real path of the
 * folder after its symbolic links, and never follows one at the last component.
 *
 * <p>Also the text rules of the other request fields that end up in files: MCAP {@code topic} and
 * {@code frame_id}.
 */
public final class RecordRoot {
    /** Longest MCAP topic or frame_id, bytes of UTF-8. */
    public static final int MAX_NAME_BYTES = 256;
    private static final Pattern TOPIC = Pattern.compile("(/[^/]+)+");

    private final Path given;
    private final Path real;

    private RecordRoot(Path given, Path real) {
        this.given = given;
        this.real = real;
    }

    /**
     * Validates the configured folder.
     *
     * @param flag the flag or variable it came from (for the error)
     * @param dir  the folder; must exist and be a folder
     * @throws ConfigException naming {@code flag} when it is not an existing folder (exit 2)
     */
    public static RecordRoot of(String flag, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(flag, dir, "is not an existing folder");
        }
        try {
            return new RecordRoot(dir.toAbsolutePath().normalize(), dir.toRealPath());
        } catch (IOException e) {
            throw new ConfigException(flag, dir, "cannot be resolved: " + e.getMessage());
        }
    }

    /** The folder's real path (after symbolic links): what every recording's folder must lie inside. */
    public Path real() {
        return real;
    }

    /**
     * Resolves a requested {@code output_path}: relative paths against the root; absolute ones must
     * name a place inside it (as configured or as its real path).
     *
     * @return the path inside {@link #real()} (its folder's links are checked at creation)
     * @throws RecorderException INVALID, the message naming the field, the value and the rule: empty,
     *                           a control character, not a path, outside the root, the root itself
     */
    public Path resolve(String outputPath) throws RecorderException {
        if (outputPath == null || outputPath.isEmpty()) {
            throw invalid(outputPath, "is empty");
        }
        checkNoControl("output_path", outputPath);
        Path p;
        try {
            p = Path.of(outputPath);
        } catch (InvalidPathException e) {
            throw invalid(outputPath, "is not a path: " + e.getReason());
        }
        Path inside;
        if (p.isAbsolute()) {
            Path n = p.normalize();
            if (n.startsWith(real)) {
                inside = n;
            } else if (n.startsWith(given)) {
                inside = real.resolve(given.relativize(n));
            } else {
                throw invalid(outputPath, "is outside the record dir " + given);
            }
        } else {
            inside = real.resolve(p).normalize();
            if (!inside.startsWith(real)) {
                throw invalid(outputPath, "leaves the record dir " + given + " (\"..\")");
            }
        }
        if (inside.equals(real)) {
            throw invalid(outputPath, "names the record dir itself, not a file in it");
        }
        return inside;
    }

    private static RecorderException invalid(String value, String rule) {
        return new RecorderException(RecorderException.Kind.INVALID, "output_path=" + quote(value) + " " + rule);
    }

    /**
     * The rule for MCAP {@code topic} (when {@code topic} is true) and {@code frame_id}: printable
     * UTF-8 without control characters, at most {@value #MAX_NAME_BYTES} bytes; a topic is
     * {@code /name[/name…]}.
     *
     * @param field the request field, for the message
     * @throws RecorderException INVALID naming the field, the value and the rule
     */
    public static void checkName(String field, String value, boolean topic) throws RecorderException {
        checkNoControl(field, value);
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw new RecorderException(RecorderException.Kind.INVALID, field + "=" + quote(value) + " is " + bytes
                    + " bytes, longer than " + MAX_NAME_BYTES);
        }
        if (topic && !TOPIC.matcher(value).matches()) {
            throw new RecorderException(RecorderException.Kind.INVALID, field + "=" + quote(value)
                    + " must be /name[/name...] (no empty name, no trailing /)");
        }
    }

    /**
     * Refuses control characters (C0, DEL, C1), line and paragraph separators, format characters,
     * unpaired surrogates and unassigned code points: nothing that could start a new line or hide
     * text in a file, a log line or a terminal.
     */
    private static void checkNoControl(String field, String value) throws RecorderException {
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
                    || type == Character.UNASSIGNED || type == Character.PRIVATE_USE) {
                throw new RecorderException(RecorderException.Kind.INVALID, String.format(
                        "%s=%s contains U+%04X at character %d: control and format characters are not allowed",
                        field, quote(value), cp, i));
            }
            i += Character.charCount(cp);
        }
    }

    /** The value for a message: quoted, control characters escaped so the message stays one line. */
    static String quote(String v) {
        if (v == null) {
            return "\"\"";
        }
        StringBuilder b = new StringBuilder("\"");
        v.codePoints().limit(300).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == '"' || cp == '\\'
                    || cp == 0x2028 || cp == 0x2029) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        if (v.codePointCount(0, v.length()) > 300) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
