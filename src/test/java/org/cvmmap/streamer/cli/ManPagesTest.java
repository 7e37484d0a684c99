package org.cvmmap.streamer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code man}: a page per command, made troff by Debian's asciidoctor and rendered by groff without a
 * warning; the pages say what the parser accepts (the {@code ctl} page lists {@code --format}, the
 * root page {@code --dump-graph}).
 */
class ManPagesTest {
    @TempDir
    Path dir;

    private static String run(Path cwd, String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError(cmd[0] + " cannot start (" + e.getMessage() + "): scripts/setup.sh installs it; "
                    + "this test does not skip", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    @Test
    void everyCommandHasAPageThatRendersWithoutWarnings() throws Exception {
        Path adoc = dir.resolve("adoc");
        StringWriter out = new StringWriter();
        assertThat(Main.execute(new String[]{"man", "--outdir", adoc.toString()}, new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true))).isZero();
        List<String> names = List.of("cvmmap-streamer", "cvmmap-streamer-run", "cvmmap-streamer-ctl", "cvmmap-streamer-doctor",
                "cvmmap-streamer-config", "cvmmap-streamer-dummy-producer", "cvmmap-streamer-completion", "cvmmap-streamer-man");
        for (String n : names) {
            assertThat(adoc.resolve(n + ".adoc")).as(n).exists();
        }
        Path man1 = dir.resolve("man1");
        try (Stream<Path> pages = Files.list(adoc)) {
            List<String> cmd = new java.util.ArrayList<>(List.of("asciidoctor", "-b", "manpage", "-D", man1.toString()));
            pages.map(Path::toString).sorted().forEach(cmd::add);
            run(dir, cmd.toArray(String[]::new));
        }
        for (String n : names) {
            Path page = man1.resolve(n + ".1");
            assertThat(page).exists();
            String text = run(dir, "groff", "-man", "-Tutf8", "-P", "-cbou", "-ww", page.toString());
            assertThat(text).as(n).contains("NAME", "SYNOPSIS").doesNotContain("troff:"); // groff -ww: no warning
        }
        assertThat(run(dir, "groff", "-man", "-Tutf8", "-P", "-cbou", man1.resolve("cvmmap-streamer-ctl.1").toString()))
                .contains("--format", "--output");
        assertThat(run(dir, "groff", "-man", "-Tutf8", "-P", "-cbou", man1.resolve("cvmmap-streamer.1").toString()))
                .contains("--dump-graph", "--http-listen");
    }
}
