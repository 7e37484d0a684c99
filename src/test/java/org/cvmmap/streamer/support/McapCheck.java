package org.cvmmap.streamer.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The independent MCAP check: {@code test-peers/mcap-check.mjs} with the MCAP project's reader
 * (@mcap/core, installed by scripts/peers.sh). Skips when it is not installed, except under CI
 * ({@code CI=true}), where a missing reader fails the test.
 */
public final class McapCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private McapCheck() {
    }

    /** Skips (or fails under CI) when node or @mcap/core is missing. */
    public static void assumeInstalled() {
        boolean ok = Files.isDirectory(Path.of("test-peers", "node_modules", "@mcap", "core"));
        if (!ok && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("@mcap/core is not installed (scripts/peers.sh) but CI needs it");
        }
        Assumptions.assumeTrue(ok, "@mcap/core not installed (run scripts/peers.sh): MCAP reader check skipped");
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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("mcap-check did not finish on " + file);
        }
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        try {
            return JSON.readTree(last);
        } catch (IOException e) {
            throw new AssertionError("mcap-check printed no JSON for " + file + ":\n" + out);
        }
    }
}
