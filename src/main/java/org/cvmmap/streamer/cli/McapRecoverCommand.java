package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.record.mcap.McapReader;
import org.cvmmap.streamer.record.mcap.McapRecovery;
import org.cvmmap.streamer.util.ExclusiveFile;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer mcap-recover IN OUT}: a complete MCAP file (summary, indexes, footer) from
 * one a killed streamer left unfinished, keeping every message of its complete chunks
 * ({@link McapRecovery}). OUT is created like a recording (must not exist, mode 0640).
 */
@Command(name = "mcap-recover", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Rewrites an MCAP file that was not finished (the streamer was killed while recording) into a "
                + "complete one with summary, indexes and footer, keeping every message of its complete chunks.%n"
                + "Exit: 0 written (the line says how much was kept and why reading stopped), 2 OUT exists or cannot "
                + "be created, 3 IN is not an MCAP file, 6 IN cannot be read.")
public final class McapRecoverCommand implements Callable<Integer> {
    /** Exit code: IN is not an MCAP file (no magic). */
    static final int NOT_MCAP = 3;
    /** Exit code: IN cannot be read. */
    static final int UNREADABLE = 6;
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "IN", description = "The unfinished MCAP file.")
    Path in;
    @Parameters(index = "1", paramLabel = "OUT", description = "The complete file to write (must not exist).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        McapRecovery.Result r;
        try (ExclusiveFile file = ExclusiveFile.create(out, null);
             InputStream src = new BufferedInputStream(Files.newInputStream(in), 1 << 16);
             OutputStream dst = new BufferedOutputStream(new FileOutputStream(file.procPath()), 1 << 16)) {
            r = McapRecovery.recover(src, dst, "cvmmap-streamer mcap-recover", 1 << 20);
        } catch (ExclusiveFile.CreateException e) {
            err.println("error: OUT: " + e.getMessage());
            return ExitCodes.CONFIG;
        } catch (McapReader.NotMcapException e) {
            deleteQuietly(out);
            err.println("error: IN=" + in + ": " + e.getMessage());
            return NOT_MCAP;
        } catch (IOException e) {
            deleteQuietly(out);
            err.println("error: IN=" + in + " cannot be read: " + e.getMessage());
            return UNREADABLE;
        }
        o.printf("mcap-recover in=%s out=%s schemas=%d channels=%d chunks=%d messages=%d bytes_read=%d stop=\"%s\"%n",
                in, out, r.schemas(), r.channels(), r.chunks(), r.messages(), r.bytesRead(), r.stop());
        o.flush();
        return ExitCodes.OK;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // it is reported by the caller's error line already
        }
    }
}
