package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Secrets read from a file (a mounted secret) instead of a flag, which {@code ps} and
 * {@code /proc/PID/cmdline} show to every user of the machine.
 */
final class SecretFile {
    private SecretFile() {
    }

    /**
     * The first line of {@code file} (surrounding white space removed) when a file is given, else
     * {@code value} (a flag or its environment default).
     *
     * @param flag the file's flag, for the error
     * @throws ConfigException naming {@code flag} when the file cannot be read or its first line is
     *                         empty (the value itself is never part of the message; exit 2)
     */
    static String orValue(String flag, Path file, String value) {
        if (file == null) {
            return value;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(flag, file, "cannot be read: " + e.getClass().getSimpleName());
        }
        String first = lines.isEmpty() ? "" : lines.get(0).strip();
        if (first.isEmpty()) {
            throw new ConfigException(flag, file, "its first line is empty");
        }
        return first;
    }
}
