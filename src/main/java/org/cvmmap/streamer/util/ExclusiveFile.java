package org.cvmmap.streamer.util;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Creates the files the streamer writes for its users (recordings) so that a request can never make
 * it replace, or write through, something else (docs/security.md):
 * <ul>
 *   <li>the folder is opened first ({@code open(O_DIRECTORY)}) and, when a root is given, its real
 *       path (read back from {@code /proc/self/fd}, after every symbolic link) must lie inside it: a
 *       folder swapped for a link between a check and the creation changes nothing;</li>
 *   <li>the file is created relative to that open folder with
 *       {@code openat(O_CREAT | O_EXCL | O_NOFOLLOW)}: never an existing file, never through a link
 *       at the last component;</li>
 *   <li>its mode is set to {@value #MODE_TEXT} with {@code fchmod}, whatever the umask.</li>
 * </ul>
 * The open descriptor stays owned by this object; writers reach the same file through
 * {@link #procPath()} ({@code /proc/self/fd/N}), which refers to the open file, not to a path that
 * could be re-resolved. Linux only.
 */
public final class ExclusiveFile implements AutoCloseable {
    /** File mode of every recording: owner read/write, group read. */
    public static final int MODE = 0640;
    static final String MODE_TEXT = "0640";

    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_PATH = 010000000;
    private static final int EEXIST = 17;
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;

    private static final Throwable LOAD_ERROR;

    static {
        Throwable err = null;
        try {
            Native.register(ExclusiveFile.class, NativeLibrary.getInstance("c"));
        } catch (Throwable t) {
            err = t;
        }
        LOAD_ERROR = err;
    }

    private static native int open(String path, int flags, int mode) throws LastErrorException;

    private static native int openat(int dirfd, String path, int flags, int mode) throws LastErrorException;

    private static native int fchmod(int fd, int mode) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    /** Why a file could not be created. */
    public enum Problem {
        /** The folder does not exist (or is not a folder). */
        NO_FOLDER,
        /** The folder's real path is outside the required root. */
        OUTSIDE_ROOT,
        /** Something (a file, a folder, a link) already has that name. */
        EXISTS,
        /** Any other refusal by the system (permissions, read-only file system, …). */
        OTHER
    }

    /** A file that was not created; {@link #problem()} says why, the message names the path. */
    public static final class CreateException extends IOException {
        private final Problem problem;

        CreateException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        /** Why. */
        public Problem problem() {
            return problem;
        }
    }

    private final Path path;
    private final int fd;
    private boolean closed;

    private ExclusiveFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Creates a new, empty file with mode {@value #MODE_TEXT}.
     *
     * @param file an absolute or relative path; its folder must exist
     * @param root null, or a real (symlink-free, absolute) folder the file's folder must lie inside
     * @return the open file; close it once its writers have opened {@link #procPath()}
     * @throws CreateException NO_FOLDER, OUTSIDE_ROOT, EXISTS or OTHER, the message naming the path
     */
    public static ExclusiveFile create(Path file, Path root) throws CreateException {
        if (LOAD_ERROR != null) {
            throw new CreateException(Problem.OTHER, "libc cannot be loaded: " + LOAD_ERROR.getMessage());
        }
        Path abs = file.toAbsolutePath().normalize();
        Path folder = abs.getParent();
        Path name = abs.getFileName();
        if (folder == null || name == null) {
            throw new CreateException(Problem.NO_FOLDER, abs + " names no file in a folder");
        }
        int dir;
        try {
            dir = open(folder.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw new CreateException(e.getErrorCode() == ENOENT || e.getErrorCode() == ENOTDIR ? Problem.NO_FOLDER
                    : Problem.OTHER, "folder " + folder + " cannot be opened: " + reason(e));
        }
        try {
            Path real = realPathOf(dir, folder);
            if (root != null && !real.startsWith(root)) {
                throw new CreateException(Problem.OUTSIDE_ROOT, "folder " + folder + " is " + real
                        + " after its symbolic links, outside " + root);
            }
            int fd;
            try {
                fd = openat(dir, name.toString(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, MODE);
            } catch (LastErrorException e) {
                int errno = e.getErrorCode();
                throw new CreateException(errno == EEXIST ? Problem.EXISTS : Problem.OTHER, errno == EEXIST ? abs + " already exists (recordings never replace a file)"
                        : abs + " cannot be created: " + reason(e));
            }
            try {
                fchmod(fd, MODE);
            } catch (LastErrorException e) {
                closeQuietly(fd);
                throw new CreateException(Problem.OTHER, abs + ": mode " + MODE_TEXT + " cannot be set: " + reason(e));
            }
            return new ExclusiveFile(real.resolve(name), fd);
        } finally {
            closeQuietly(dir);
        }
    }

    private static Path realPathOf(int fd, Path asGiven) throws CreateException {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
        } catch (IOException | UnsupportedOperationException e) {
            throw new CreateException(Problem.OTHER, "folder " + asGiven + ": its real path cannot be read from /proc: "
                    + e.getMessage());
        }
    }

    /** JNA's message: {@code [errno] strerror text}. */
    private static String reason(LastErrorException e) {
        return e.getMessage() == null ? "errno " + e.getErrorCode() : e.getMessage();
    }

    private static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (LastErrorException e) {
            // nothing to do: the descriptor is gone either way
        }
    }

    /** The file's real path (its folder after symbolic links, then its name). */
    public Path path() {
        return path;
    }

    /**
     * {@code /proc/self/fd/N}: opening it reaches this very file (the one created), whatever happens
     * to its name meanwhile. Valid until {@link #close()}.
     */
    public String procPath() {
        return "/proc/self/fd/" + fd;
    }

    /** Closes this descriptor (writers that opened {@link #procPath()} keep their own). Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeQuietly(fd);
        }
    }
}
