package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.Secrets;

import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Entry point: {@code cvmmap-streamer [OPTIONS]} runs the streamer; subcommands run the built-in
 * producer and the testers. Exit codes: docs/specs/streamer.md §10 (1 = flag parsing, 2 = invalid configuration).
 */
public final class Main {
    private Main() {
    }

    /** Process entry point; installs SIGINT/SIGTERM handlers for a clean stop. */
    public static void main(String[] args) {
        Signals.enable();
        int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /**
     * Runs the command line in-process.
     *
     * @return the exit code
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new StreamCommand());
        cl.setDefaultValueProvider(new EnvDefaults(System::getenv));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + Secrets.maskUrls(ex.getMessage()));
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for the options.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            if (ex instanceof org.cvmmap.streamer.util.ConfigException ce) {
                c.getErr().println("error: " + Secrets.maskUrls(ce.getMessage())); // its values are masked by the rule that threw
                return ExitCodes.CONFIG;
            }
            String cause = Secrets.redact(ex);
            org.apache.logging.log4j.LogManager.getLogger(Main.class).error("event=unexpected_error cause=\"{}\"", cause);
            c.getErr().println("error: " + cause);
            return ExitCodes.RUNTIME;
        });
        return cl.execute(args);
    }
}
