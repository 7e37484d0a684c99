package org.cvmmap.streamer.record.bundle;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.record.Recorder;
import org.cvmmap.streamer.record.RecorderException;
import org.cvmmap.streamer.record.RecorderStatus;
import org.cvmmap.streamer.record.RecordingControl;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.util.FileTrees;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A bundled recording over streams of one process (a {@code bundles:} entry of the streams config):
 * start records each member stream's MCAP recorder into {@code FILE.mcap.parts/<label>.mcap}; stop
 * stops them all, then writes {@code FILE.mcap} with {@link BundleWriter} (docs/mcap_layout.md) and
 * removes the parts. When a member cannot start, those started are stopped and the parts removed;
 * when bundling fails, the parts stay and the status says why. Thread-safe; stop blocks while the
 * bundle is written (about 1 s per minute of four 720p cameras).
 */
public final class BundleRecorder implements RecordingControl {
    private static final Logger LOG = LogManager.getLogger(BundleRecorder.class);

    /**
     * One member.
     *
     * @param stream the stream's name in the config
     * @param label  its label in the bundle (topics {@code /<label>/…}, {@code /bundle} member key)
     */
    public record Member(String stream, String label) {
    }

    private record Session(Path output, Path parts, List<Recorder> recorders, BundleWriter.Settings settings) {
    }

    private final String name;
    private final List<Member> members;
    private final Function<String, Recorder> mcapRecorderOf;
    private final BundleWriter.Settings settings;
    private Session session;
    private RecorderStatus last = new RecorderStatus(Recorder.Format.MCAP, false, true, 0, 0, "", "");

    /**
     * @param name           the bundle's name (logs, NATS key)
     * @param members        the streams, in bundle order
     * @param mcapRecorderOf a running stream's MCAP recorder by stream name, null when it is not running
     * @param settings       how the bundle is written (the request's compression, when given, wins)
     */
    public BundleRecorder(String name, List<Member> members, Function<String, Recorder> mcapRecorderOf,
                          BundleWriter.Settings settings) {
        this.name = name;
        this.members = List.copyOf(members);
        this.mcapRecorderOf = mcapRecorderOf;
        this.settings = settings;
    }

    /** The bundle's name. */
    public String name() {
        return name;
    }

    /** The members, in bundle order. */
    public List<Member> members() {
        return members;
    }

    @Override
    public Recorder.Format format() {
        return Recorder.Format.MCAP;
    }

    /**
     * Starts every member's MCAP recording into {@code path + ".parts/"}.
     *
     * @param mcap only {@code compression} is taken (of the bundled file); topics are the labels'
     * @throws RecorderException FAILED when already recording, a member is not running, the file or its
     *                           parts folder exists; INVALID/UNSUPPORTED as a member recorder says
     */
    @Override
    public synchronized RecorderStatus start(Path path, Path root, Recorder.McapOptions mcap) throws RecorderException {
        if (session != null) {
            throw new RecorderException(RecorderException.Kind.FAILED, "already recording bundle " + name + " to "
                    + session.output() + "; stop it first");
        }
        ChunkCompression compression = settings.compression();
        if (mcap != null && mcap.compression() != null && !mcap.compression().isEmpty()) {
            try {
                compression = ChunkCompression.parse(mcap.compression());
            } catch (IllegalArgumentException e) {
                throw new RecorderException(RecorderException.Kind.UNSUPPORTED, "mcap_options.compression=\""
                        + mcap.compression() + "\" is not supported (none, zstd or lz4)");
            }
        }
        List<Recorder> recorders = new ArrayList<>();
        for (Member m : members) {
            Recorder r = mcapRecorderOf.apply(m.stream());
            if (r == null) {
                throw new RecorderException(RecorderException.Kind.FAILED, "bundle " + name + ": stream " + m.stream()
                        + " is not running");
            }
            recorders.add(r);
        }
        if (Files.exists(path)) {
            throw new RecorderException(RecorderException.Kind.FAILED, "output_path: " + path + " exists already");
        }
        Path parts = Path.of(path + ".parts");
        try {
            Files.createDirectory(parts);
        } catch (FileAlreadyExistsException e) {
            throw new RecorderException(RecorderException.Kind.FAILED, "output_path: its parts folder " + parts
                    + " exists already");
        } catch (NoSuchFileException e) {
            throw new RecorderException(RecorderException.Kind.INVALID, "output_path: folder " + path.getParent()
                    + " does not exist");
        } catch (IOException e) {
            throw new RecorderException(RecorderException.Kind.FAILED, "output_path: " + parts + " cannot be made: "
                    + e.getMessage());
        }
        List<Recorder> started = new ArrayList<>();
        try {
            for (int i = 0; i < members.size(); i++) {
                recorders.get(i).start(parts.resolve(members.get(i).label() + ".mcap"), root, null);
                started.add(recorders.get(i));
            }
        } catch (RecorderException e) {
            started.forEach(Recorder::stop);
            deleteTree(parts);
            throw new RecorderException(e.kind(), "bundle " + name + ", stream " + members.get(started.size()).stream()
                    + ": " + e.getMessage());
        }
        session = new Session(path, parts, recorders, settings.withCompression(compression));
        LOG.info("event=bundle_recording_started bundle={} path={} streams={}", name, path,
                String.join(",", members.stream().map(Member::stream).toList()));
        return status();
    }

    /** Stops every member, then writes the bundled file (blocking) and removes the parts. */
    @Override
    public synchronized RecorderStatus stop() {
        Session s = session;
        if (s == null) {
            return last;
        }
        long ingested = 0;
        String memberError = "";
        List<BundleWriter.Camera> cameras = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            RecorderStatus st = s.recorders().get(i).stop();
            ingested += st.framesIngested();
            if (!st.error().isEmpty() && memberError.isEmpty()) {
                memberError = members.get(i).stream() + ": " + st.error();
            }
            cameras.add(new BundleWriter.Camera(members.get(i).label(), Path.of(st.path())));
        }
        String error = memberError;
        long bundles = 0;
        if (error.isEmpty()) {
            try {
                BundleWriter.Result r = BundleWriter.write(cameras, s.output(), s.settings());
                bundles = r.plan().bundles().size();
                deleteTree(s.parts());
                LOG.info("event=bundle_recording_stopped bundle={} path={} policy={} bundles={} dropped={} frames_ingested={}",
                        name, s.output(), settings.policy().name().toLowerCase(java.util.Locale.ROOT), bundles,
                        r.plan().dropped(), ingested);
            } catch (IOException | IllegalArgumentException e) {
                error = "bundling failed: " + e.getMessage() + " (the one-camera recordings stay in " + s.parts() + ")";
            }
        }
        if (!error.isEmpty()) {
            LOG.error("event=bundle_recording_failed bundle={} path={} cause=\"{}\"", name, s.output(), error);
        }
        last = new RecorderStatus(Recorder.Format.MCAP, false, error.isEmpty(), ingested, bundles,
                s.output().toString(), error);
        session = null;
        return last;
    }

    /** Recording: frames ingested over the members so far, the bundled file's path to be. */
    @Override
    public synchronized RecorderStatus status() {
        Session s = session;
        if (s == null) {
            return last;
        }
        long ingested = 0;
        long written = 0;
        boolean ok = true;
        for (Recorder r : s.recorders()) {
            RecorderStatus st = r.status();
            ingested += st.framesIngested();
            written += st.framesEncoded();
            ok &= st.lastFrameOk();
        }
        return new RecorderStatus(Recorder.Format.MCAP, true, ok, ingested, written, s.output().toString(), "");
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            LOG.warn("event=bundle_cleanup_failed path={} cause=\"{}\"", dir, e.getMessage());
        }
    }
}
