package org.cvmmap.streamer.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder trees the program made itself (parts of a recording, temporary remuxes). */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Removes a folder and everything in it, deepest first; symbolic links are removed, never followed.
     *
     * @throws IOException when an entry cannot be removed (what came before it is gone)
     */
    public static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
