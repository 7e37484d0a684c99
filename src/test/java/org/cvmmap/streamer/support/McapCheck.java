package org.cvmmap.streamer.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The independent MCAP check: {@code test-peers/mcap-check.mjs} with the MCAP project's reader
 * (@mcap/core, installed by scripts/peers.sh). A missing reader fails the test, saying why: a test
 * never passes without its oracle.
 */
public final class McapCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private McapCheck() {
    }

    /** Fails, saying why, when node or @mcap/core is missing. */
    public static void assumeInstalled() {
        if (!Files.isDirectory(Path.of("test-peers", "node_modules", "@mcap", "core"))) {
            throw new AssertionError("@mcap/core is not installed: run scripts/peers.sh (this test cannot judge "
                    + "MCAP files without it)");
        }
    }

    /**
     * Reads {@code file} with the MCAP reader.
     *
     * @param extractFirst where to write the first message's access unit, or null
     * @return the checker's JSON summary ({@code ok}, {@code messages}, {@code topics}, …)
     */
    public static JsonNode check(Path file, Path extractFirst) throws IOException, InterruptedException {
        assumeInstalled();
        List<String> cmd = new ArrayList<>(List.of("node", "test-peers/mcap-check.mjs", file.toString()));
        if (extractFirst != null) {
            cmd.add("--extract-first");
            cmd.add(extractFirst.toString());
        }
        return lastJson(cmd, file, 60);
    }

    /** Runs a checker (at most {@code timeoutS} seconds) and returns the JSON line it printed last. */
    private static JsonNode lastJson(List<String> cmd, Path file, int timeoutS) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(cmd.get(1) + " did not finish on " + file);
        }
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        try {
            return JSON.readTree(last);
        } catch (IOException e) {
            throw new AssertionError(cmd.get(1) + " printed no JSON for " + file + ":\n" + out);
        }
    }

    /**
     * Reads a bundled MCAP with {@code test-peers/bundle-check.mjs} (@mcap/core: topics, bundles, depth
     * pixels) and requires it valid.
     *
     * @return the checker's JSON ({@code compression}, {@code topics}, {@code bundles})
     * @throws AssertionError naming the checker's reason when the file is not valid
     */
    public static JsonNode bundleCheck(Path file) throws IOException, InterruptedException {
        assumeInstalled();
        JsonNode j = lastJson(List.of("node", "test-peers/bundle-check.mjs", file.toString()), file, 120);
        if (!j.path("ok").asBoolean()) {
            throw new AssertionError("bundle-check refused " + file + ": " + j);
        }
        return j;
    }
}
