package org.cvmmap.streamer.util;

import java.nio.file.Files;
import java.nio.file.Path;

/** The rule for files the streamer creates for the user (recordings): a new file in an existing folder. */
public final class NewFile {
    /** Why a path cannot be a new file. */
    public enum Problem {
        /** Its folder does not exist (or the path has none). */
        NO_FOLDER,
        /** Something already exists there: recordings never overwrite. */
        EXISTS
    }

    private NewFile() {
    }

    /**
     * Checks a path before creating a file there (the creation itself must still refuse an existing
     * file: this is the early, clear error).
     *
     * @return null when it can be created, else why not
     */
    public static Problem check(Path path) {
        Path abs = path.toAbsolutePath();
        if (abs.getParent() == null || !Files.isDirectory(abs.getParent())) {
            return Problem.NO_FOLDER;
        }
        return Files.exists(abs) ? Problem.EXISTS : null;
    }
}
