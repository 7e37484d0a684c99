package org.cvmmap.streamer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code completion bash}: a script real bash sources, that registers completion for the command and knows its flags. */
class CompletionTest {
    @TempDir
    Path dir;

    @Test
    void bashSourcesTheScriptAndItCompletesFlagsAndSubcommands() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new String[] {"completion", "bash"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        Path script = dir.resolve("cvmmap-streamer.bash");
        Files.writeString(script, out.toString());
        // complete the word after "cvmmap-streamer --rtp-end" and after "cvmmap-streamer ct" in a real bash
        Process bash = new ProcessBuilder("bash", "-c", "source '" + script + "' && complete -p cvmmap-streamer"
                + " && COMP_WORDS=(cvmmap-streamer --rtp-end) COMP_CWORD=1 COMP_LINE='cvmmap-streamer --rtp-end' COMP_POINT=25"
                + " && $(complete -p cvmmap-streamer | sed 's/.*-F \\([^ ]*\\).*/\\1/') && echo \"flags: ${COMPREPLY[*]}\""
                + " && COMP_WORDS=(cvmmap-streamer ct) COMP_CWORD=1 COMP_LINE='cvmmap-streamer ct' COMP_POINT=18"
                + " && $(complete -p cvmmap-streamer | sed 's/.*-F \\([^ ]*\\).*/\\1/') && echo \"commands: ${COMPREPLY[*]}\"")
                .redirectErrorStream(true).start();
        String o = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor()).as(o).isZero();
        assertThat(o).contains("-F _complete_cvmmap-streamer cvmmap-streamer").contains("flags: --rtp-endpoint")
                .contains("commands: ctl");
    }
}
