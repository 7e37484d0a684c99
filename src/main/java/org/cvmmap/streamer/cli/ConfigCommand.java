package org.cvmmap.streamer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer config check FILE} validates a streams config exactly as {@code run} would;
 * {@code config print FILE} prints the effective settings of every stream (defaults applied, secrets
 * as {@code ***}) as YAML.
 */
@Command(name = "config", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "check FILE: validate a streams config as run would (exit 0, or 2 naming file, stream, key and value).%n"
                + "print FILE: the effective settings of every stream, defaults applied, secrets masked.")
public final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ACTION", description = "check or print")
    String action;
    @Parameters(index = "1", paramLabel = "FILE", description = "The streams config (YAML).")
    Path file;

    @Override
    public Integer call() throws JsonProcessingException {
        if (!List.of("check", "print").contains(action)) {
            spec.commandLine().getErr().println("error: config takes check or print, not " + action);
            return ExitCodes.USAGE;
        }
        List<StreamsConfig.Entry> streams = StreamsConfig.load(file);
        List<StreamsConfig.BundleEntry> bundles = StreamsConfig.loadBundles(file, streams);
        if (action.equals("check")) {
            spec.commandLine().getOut().println("ok: " + file + ": " + streams.size() + " stream(s): "
                    + String.join(", ", streams.stream().map(StreamsConfig.Entry::name).toList())
                    + (bundles.isEmpty() ? "" : "; " + bundles.size() + " bundle(s): "
                    + String.join(", ", bundles.stream().map(StreamsConfig.BundleEntry::name).toList())));
        } else {
            Map<String, Object> all = new LinkedHashMap<>();
            for (StreamsConfig.Entry e : streams) {
                all.put(e.name(), StreamsConfig.effective(e));
            }
            spec.commandLine().getOut().print(new YAMLMapper().writeValueAsString(Map.of("streams", all)));
        }
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
