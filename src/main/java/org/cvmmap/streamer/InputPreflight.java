package org.cvmmap.streamer;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.config.InputSpec;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cuframes.CuframesUri;
import org.cvmmap.streamer.ingest.cuframes.PacketRingHeader;
import org.cvmmap.streamer.util.ExitCodes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** What a stream's input needs before its graph is built, checked once at start (one log line, an exit code). */
final class InputPreflight {
    private static final Logger LOG = LogManager.getLogger(InputPreflight.class);

    private InputPreflight() {
    }

    /**
     * Checks the input before anything is built; today only a cuframes input has something to check: the plugin must be loaded, frames input needs
     * cuframessrc; a packet ring that already exists must carry the codec of {@code --codec}.
     *
     * @param installed   whether a GStreamer element factory exists
     * @param cudaProblem null when CUDA is usable, else why not
     * @return an exit code to end with (5: element missing, or no CUDA for a frames input; 2: codec
     *         mismatch; 3: unreadable ring), or null
     */
    static Integer check(StreamerConfig config, Predicate<String> installed, Supplier<String> cudaProblem) {
        InputSpec in = config.input();
        if (in.cuframes() == null) {
            return null;
        }
        String key = in.streamKey();
        CuframesUri u = in.cuframes();
        String element = u.kind() == CuframesUri.Kind.PACKETS ? "cuframespacketsrc" : "cuframessrc";
        if (!installed.test(element)) {
            LOG.error("event=input_unavailable key={} element={} cause=\"GStreamer element {} not found: build the plugin "
                    + "(mvn compile → target/gst-plugins) or set GST_PLUGIN_PATH to the folder holding libgstcuframes.so\"",
                    key, element, element);
            return ExitCodes.PIPELINE_INIT;
        }
        if (u.kind() == CuframesUri.Kind.FRAMES) {
            String cuda = cudaProblem.get();
            if (cuda != null) { // the source could never start: no rebuild loop, exit 5 now
                LOG.error("event=input_unavailable key={} element={} cause=\"CUDA is not available: {}; cuframes:// "
                        + "needs an NVIDIA GPU and driver (cuframes-packets:// does not)\"", key, element, cuda);
                return ExitCodes.PIPELINE_INIT;
            }
            return null; // the frames header is checked by cuframessrc after the handshake
        }
        Path ring = Path.of(u.packetRingPath());
        if (!Files.exists(ring)) {
            LOG.info("event=input_waiting key={} ring={} cause=\"no publisher yet: the source waits\"", key, ring);
            return null;
        }
        try (InputStream head = Files.newInputStream(ring)) {
            PacketRingHeader h = PacketRingHeader.parse(head.readNBytes(PacketRingHeader.MIN_BYTES));
            if (h.codec() != config.codec()) {
                LOG.error("event=config_error key={} flag=--codec value={} cause=\"the packet ring {} carries {} "
                        + "(codec_id); give --codec {}\"", key, config.codec().cliName(), ring, h.codec().cliName(),
                        h.codec().cliName());
                return ExitCodes.CONFIG;
            }
            LOG.info("event=input_ring key={} ring={} codec={} slots={} data_size={} producer_pid={}", key, ring,
                    h.codec().cliName(), h.slots(), h.dataSize(), h.producerPid());
        } catch (IOException | IllegalArgumentException e) {
            LOG.error("event=input_unreadable key={} ring={} cause=\"{}\"", key, ring, e.getMessage());
            return ExitCodes.SHM;
        }
        return null;
    }
}
