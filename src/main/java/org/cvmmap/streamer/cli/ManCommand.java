package org.cvmmap.streamer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code cvmmap-streamer man --outdir DIR}: one man page per command ({@code cvmmap-streamer.adoc},
 * {@code cvmmap-streamer-ctl.adoc}, …) in AsciiDoc, written by picocli's generator from the same
 * definitions the parser uses; {@code asciidoctor -b manpage} turns them into troff
 * ({@code scripts/man-pages.sh} does both). Exit 0, or 2 when DIR cannot be written.
 */
@Command(name = "man", mixinStandardHelpOptions = true,
        description = "Writes a man page per command (AsciiDoc) into DIR; scripts/man-pages.sh makes troff pages of them "
                + "(asciidoctor -b manpage): man -l target/man/man1/cvmmap-streamer.1")
public final class ManCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--outdir", paramLabel = "DIR", defaultValue = "target/man/adoc", description = "Where the pages go (created; default ${DEFAULT-VALUE}).")
    Path outdir;

    @Override
    public Integer call() {
        CommandSpec root = spec.commandLine().getParent().getCommandSpec();
        try {
            Files.createDirectories(outdir);
            int rc = ManPageGenerator.generateManPage(outdir.toFile(), null, new boolean[0], true, root);
            try (Stream<Path> pages = Files.list(outdir)) {
                pages.filter(p -> p.toString().endsWith(".adoc")).sorted()
                        .forEach(p -> spec.commandLine().getOut().println(p));
            }
            spec.commandLine().getOut().flush();
            return rc;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: --outdir " + outdir + ": " + e.getMessage());
            return 2;
        }
    }
}
