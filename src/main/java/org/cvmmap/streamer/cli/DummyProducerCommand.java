package org.cvmmap.streamer.cli;

import org.cvmmap.streamer.util.ConfigException;
import org.cvmmap.streamer.config.StreamerConfig;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.util.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code cvmmap-streamer dummy-producer}: a standalone cv-mmap producer (SHM v2.0 BGR + ZeroMQ sync),
 * readable by this streamer and by upstream C++/Python clients.
 */
@Command(name = "dummy-producer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Publishes a moving test pattern (frame number and timestamp burned in) as a cv-mmap producer: "
                + "/dev/shm/<namespace>_<label> + ipc://<prefix>/<namespace>_<label>.")
public final class DummyProducerCommand implements Callable<Integer> {
    @Option(names = "--label", defaultValue = "dummy", description = "Instance label, <= 24 bytes (default ${DEFAULT-VALUE}).")
    String label;
    @Option(names = "--namespace", defaultValue = CvmmapTarget.DEFAULT_NAMESPACE, description = "Namespace (default ${DEFAULT-VALUE}).")
    String namespace;
    @Option(names = "--prefix", defaultValue = CvmmapTarget.DEFAULT_PREFIX, description = "Socket directory (default ${DEFAULT-VALUE}).")
    String prefix;
    @Option(names = "--frames", defaultValue = "0", description = "Frames to publish; 0 = until stopped.")
    long frames;
    @Option(names = "--fps", defaultValue = "30", description = "Frames per second, fractions allowed (29.97); 0 = as fast as possible (default ${DEFAULT-VALUE}).")
    double fps;
    @Option(names = "--genlock-origin-ns", paramLabel = "NS", defaultValue = "0", description = "A genlocked camera: frame k at exactly NS + k/fps (ns since the Unix epoch), that time its timestamp; producers given one origin form a synchronized rig. 0 = off (default ${DEFAULT-VALUE}).")
    long genlockOriginNs;
    @Option(names = "--width", defaultValue = "1280", description = "Width, pixels (default ${DEFAULT-VALUE}).")
    int width;
    @Option(names = "--height", defaultValue = "720", description = "Height, pixels (default ${DEFAULT-VALUE}).")
    int height;
    @Option(names = "--pattern", defaultValue = "moving", converter = PatternConverter.class,
            description = "moving (bar, frame number and time burned in) or levels (each frame one grey level, "
                    + "the torn-read oracle) (default ${DEFAULT-VALUE}).")
    DummyProducer.Pattern pattern;
    @Option(names = "--next-frame-within-ms", defaultValue = "0",
            description = "When > 0: write each next frame a random 0..N ms after the previous sync, racing readers "
                    + "(the torn-read fault scenario); --fps is then ignored (default ${DEFAULT-VALUE}).")
    int nextFrameWithinMs;
    @Option(names = "--depth", description = "Publish a DEPTH plane beside LEFT (v2 LEFT+DEPTH, GRAY/F32 in mm, the same width x height).")
    boolean depth;

    /** Accepts the pattern in lower case, as the help shows it. */
    static final class PatternConverter implements picocli.CommandLine.ITypeConverter<DummyProducer.Pattern> {
        @Override
        public DummyProducer.Pattern convert(String value) {
            try {
                return DummyProducer.Pattern.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' must be moving or levels");
            }
        }
    }

    @Override
    public Integer call() {
        int bytes = label.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > StreamerConfig.MAX_LABEL_BYTES) {
            throw new ConfigException("--label", label, "is " + bytes + " bytes, longer than 24");
        }
        if (!label.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new ConfigException("--label", label, "must match [A-Za-z0-9][A-Za-z0-9._-]*");
        }
        CvmmapTarget place;
        try {
            place = CvmmapTarget.parse("cvmmap://x@" + prefix + "?namespace=" + namespace);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--prefix/--namespace", prefix + " " + namespace, e.getMessage());
        }
        CvmmapTarget target = new CvmmapTarget(label, place.namespace(), place.prefix());
        if (width < 16 || height < 16 || width > 7680 || height > 4320) {
            throw new ConfigException("--width", width + "x" + height, "must be within 16x16..7680x4320");
        }
        if (fps < 0 || frames < 0) {
            throw new ConfigException("--fps", fps + " (frames " + frames + ")", "must be >= 0");
        }
        if (nextFrameWithinMs < 0 || nextFrameWithinMs > 1000) {
            throw new ConfigException("--next-frame-within-ms", String.valueOf(nextFrameWithinMs), "must be within 0..1000");
        }
        try (DummyProducer p = new DummyProducer(new DummyProducer.Settings(target, width, height, fps, frames,
                pattern, nextFrameWithinMs, genlockOriginNs, depth))) {
            Signals.onStop(p::stop);
            p.run();
        }
        return ExitCodes.OK;
    }
}
