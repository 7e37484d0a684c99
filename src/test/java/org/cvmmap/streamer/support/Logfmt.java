package org.cvmmap.streamer.support;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict logfmt parser (https://brandur.org/logfmt), independent of the code that writes the lines:
 * {@code key=value} pairs separated by spaces, a bare key allowed, values bare (no space, quote or
 * {@code =}) or double-quoted with {@code \\ \" \n \r \t \\uXXXX} escapes.
 */
public final class Logfmt {
    private Logfmt() {
    }

    /**
     * @return the pairs in order (a bare key maps to "true"; a repeated key keeps its last value)
     * @throws IllegalArgumentException naming the column and what is wrong
     */
    public static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int k = i;
            while (i < n && isKey(line.charAt(i))) {
                i++;
            }
            if (k == i) {
                throw new IllegalArgumentException("no key at column " + k + ": " + line);
            }
            String key = line.substring(k, i);
            if (i >= n || line.charAt(i) == ' ') {
                out.put(key, "true");
                continue;
            }
            if (line.charAt(i) != '=') {
                throw new IllegalArgumentException("key " + key + " followed by '" + line.charAt(i) + "' at column " + i + ": " + line);
            }
            i++;
            StringBuilder v = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quoted value of " + key + ": " + line);
                    }
                    char c = line.charAt(i);
                    if (c == '\\') {
                        char e = i + 1 < n ? line.charAt(i + 1) : 0;
                        switch (e) {
                            case '\\', '"' -> v.append(e);
                            case 'n' -> v.append('\n');
                            case 'r' -> v.append('\r');
                            case 't' -> v.append('\t');
                            case 'u' -> {
                                v.append((char) Integer.parseInt(line.substring(i + 2, i + 6), 16));
                                i += 4;
                            }
                            default -> throw new IllegalArgumentException("bad escape in " + key + " at column " + i + ": " + line);
                        }
                        i += 2;
                        continue;
                    }
                    if (c == '"') {
                        i++;
                        break;
                    }
                    v.append(c);
                    i++;
                }
                if (i < n && line.charAt(i) != ' ') {
                    throw new IllegalArgumentException("value of " + key + " runs on after its quote at column " + i + ": " + line);
                }
            } else {
                while (i < n && line.charAt(i) != ' ') {
                    char c = line.charAt(i);
                    if (c == '"' || c == '=') {
                        throw new IllegalArgumentException("bare value of " + key + " holds '" + c + "' at column " + i + ": " + line);
                    }
                    v.append(c);
                    i++;
                }
            }
            out.put(key, v.toString());
        }
        return out;
    }

    private static boolean isKey(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-' || c == '[' || c == ']';
    }
}
