package org.cvmmap.streamer.record;

import org.cvmmap.streamer.util.RepeatedWarning;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.ingest.DepthImage;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.EncodedUnit;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.record.mcap.ChunkCompression;
import org.cvmmap.streamer.util.ExclusiveFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One recorder (MP4 or MCAP) fed with the encoded access units the streamer already produces: no
 * second encode. A recording starts on a keyframe (one is requested at start), is written by its own
 * thread from a bounded queue ({@value #QUEUE_UNITS} units), and when the disk falls behind, units are
 * dropped up to the next keyframe so the file never holds a broken GOP. One recording at a time.
 */
public final class Recorder implements RecordingControl {
    private static final Logger LOG = LogManager.getLogger(Recorder.class);
    static final int QUEUE_UNITS = 256;
    /** Depth images queued at most (a 1280×720 one is 3.7 MB); more are dropped, counted, logged. */
    static final int QUEUE_DEPTH = 8;
    /** Queued by {@link #stop()} after the last unit: the writer ends at once instead of at its next poll. */
    private static final EncodedUnit END = new EncodedUnit(new byte[0], null, 0, 0, 0, false);
    private static final long STOP_WAIT_MS = 15_000;

    /** Container formats. */
    public enum Format {
        MP4("mp4"), MCAP("mcap");

        private final String id;

        Format(String id) {
            this.id = id;
        }

        /** Lower-case name, as in the NATS subjects ({@code recorder.mp4.start}). */
        public String id() {
            return id;
        }
    }

    /**
     * MCAP options of a start request (docs/specs/cvmmap-ipc.md §3.4 {@code McapRecordingOptions}); null fields
     * take the defaults.
     *
     * @param compression chunk compression: "" or "none" (default: the video already is compressed),
     *                    "zstd" or "lz4" ({@link ChunkCompression}; worth it when depth is recorded)
     * @param topic       default {@code /<label>/video}
     * @param frameId     default the label
     * @param depthTopic  the producer's DEPTH plane (foxglove {@code RawImage}), default {@code /<label>/depth};
     *                    written only when the producer has one
     */
    public record McapOptions(String compression, String topic, String frameId, String depthTopic) {
        /** Every field default. */
        public static final McapOptions DEFAULTS = new McapOptions(null, null, null, null);

        /** Default depth topic. */
        public McapOptions(String compression, String topic, String frameId) {
            this(compression, topic, frameId, null);
        }
    }

    private final class Session {
        /** The requested file: the first segment. */
        final Path path;
        final Path root;
        final McapOptions options;
        /** Every file written so far, the current one last (MP4 splits at a picture size change). */
        final List<Path> files = new CopyOnWriteArrayList<>();
        RecordingSink sink;
        /** The first access unit of the current file (its picture size). */
        EncodedUnit segmentStart;
        /** Access units ({@link EncodedUnit}) and depth images ({@link DepthImage}), in arrival order. */
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_UNITS);
        /** Depth images in the queue (each is width×height×4 bytes: at most {@value #QUEUE_DEPTH}). */
        final AtomicInteger depthQueued = new AtomicInteger();
        final AtomicLong depthWritten = new AtomicLong();
        final AtomicLong depthDropped = new AtomicLong();
        final AtomicLong ingested = new AtomicLong();
        final AtomicLong written = new AtomicLong();
        final Thread thread;
        volatile boolean waitKeyframe = true;
        volatile boolean lastOk = true;
        volatile boolean stopping;
        volatile String error = "";

        Session(Path path, Path root, McapOptions options, RecordingSink sink) {
            this.path = path;
            this.root = root;
            this.options = options;
            this.sink = sink;
            this.files.add(path);
            this.thread = new Thread(this::writeLoop, "rec-" + format.id() + "-" + key);
            this.thread.setDaemon(true);
        }

        void writeLoop() {
            try {
                while (true) {
                    Object item = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (item == END) {
                        break; // stop(): everything offered before it is written
                    }
                    if (item == null) {
                        if (stopping) {
                            break;
                        }
                        continue;
                    }
                    if (item instanceof DepthImage d) {
                        depthQueued.decrementAndGet();
                        sink.writeDepth(d);
                        depthWritten.incrementAndGet();
                        continue;
                    }
                    EncodedUnit u = (EncodedUnit) item;
                    if (format == Format.MP4 && u.keyframe() && segmentStart != null && u.sizeDiffers(segmentStart)) {
                        nextSegment(u);
                    }
                    if (segmentStart == null) {
                        segmentStart = u;
                    }
                    sink.write(u);
                    written.incrementAndGet();
                }
            } catch (IOException e) {
                error = "write failed: " + e.getMessage();
                lastOk = false;
                LOG.error("event=recording_failed key={} format={} path={} frames_written={} cause=\"{}\"", key,
                        format.id(), path, written.get(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    if (sink != null) {
                        sink.finish();
                    }
                } catch (IOException e) {
                    if (error.isEmpty()) {
                        error = "finish failed: " + e.getMessage();
                    }
                    LOG.error("event=recording_finish_failed key={} format={} path={} cause=\"{}\"", key, format.id(),
                            path, e.getMessage());
                }
                ended(this);
            }
        }

        /**
         * A new picture size: an MP4 track cannot change its sample description mid-file (mp4mux
         * rewrote a larger moov over the first fragment, leaving a file no reader opens), so the file
         * is finished and the recording goes on in {@code NAME.<n>.mp4}, created by the same rules.
         */
        private void nextSegment(EncodedUnit u) throws IOException {
            Path next = segmentPath(path, files.size());
            LOG.info("event=recording_segment key={} format={} path={} next={} size={}x{} cause=\"picture size changed from "
                    + "{}x{}\"", key, format.id(), files.get(files.size() - 1), next, u.width(), u.height(),
                    segmentStart.width(), segmentStart.height());
            RecordingSink done = sink;
            sink = null;
            done.finish();
            try (ExclusiveFile file = ExclusiveFile.create(next, root)) {
                sink = factory.open(file, options);
                files.add(file.path());
            }
            segmentStart = u;
        }

        RecorderStatus status(boolean recording) {
            List<String> names = files.stream().map(Path::toString).toList();
            return new RecorderStatus(format, recording, lastOk, ingested.get(), written.get(),
                    names.get(names.size() - 1), error, names);
        }
    }

    /** Opens the file of one recording. */
    @FunctionalInterface
    interface SinkFactory {
        /**
         * @param file the new, empty file: writers open {@link ExclusiveFile#procPath()} before returning
         */
        RecordingSink open(ExclusiveFile file, McapOptions options) throws IOException;
    }

    private final RepeatedWarning overrunWarning = new RepeatedWarning(LOG);
    private final Format format;
    private final String key;
    private final Runnable keyframeRequest;
    private final SinkFactory factory;
    private volatile Session session;
    private volatile RecorderStatus last;

    /**
     * @param format          the container
     * @param codec           the encoded stream's codec
     * @param key             stream key, for logs and thread names
     * @param label           the source label: MCAP topic {@code /<label>/video} and frame_id by default
     * @param keyframeRequest asks the encoder for an IDR (a recording starts on one); must not block
     */
    public Recorder(Format format, Codec codec, String key, String label, Runnable keyframeRequest) {
        this(format, codec, key, label, keyframeRequest, null);
    }

    /**
     * @param mp4Graph the MP4 recorder graph's descriptor ({@code --record-mp4-pipeline}), or null for
     *                 the built-in one
     */
    public Recorder(Format format, Codec codec, String key, String label, Runnable keyframeRequest,
                    PipelineDescriptor mp4Graph) {
        this(format, key, keyframeRequest, (file, o) -> format == Format.MP4 ? new Mp4FileSink(file, codec, mp4Graph)
                : new McapFileSink(file, codec, o.topic() != null ? o.topic() : "/" + label + "/video",
                o.depthTopic() != null ? o.depthTopic() : "/" + label + "/depth",
                o.frameId() != null ? o.frameId() : label, "cvmmap-streamer " + version(),
                ChunkCompression.parse(o.compression())));
    }

    Recorder(Format format, String key, Runnable keyframeRequest, SinkFactory factory) {
        this.format = format;
        this.key = key;
        this.keyframeRequest = keyframeRequest;
        this.factory = factory;
        this.last = new RecorderStatus(format, false, true, 0, 0, "", "");
    }

    static String version() {
        String v = Recorder.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0";
    }

    /** The container. */
    @Override
    public Format format() {
        return format;
    }

    /**
     * Starts a recording into a new file, created exclusively with mode 0640
     * ({@link ExclusiveFile}: never replacing a file, never through a symbolic link at its name).
     *
     * @param path the file (already resolved against the record dir for network requests); its
     *             folder must exist, the file must not
     * @param root null (operator's command line: anywhere), or the real record dir the file's folder
     *             must lie inside after its symbolic links
     * @param mcap MCAP options (null: defaults); must be null for MP4
     * @return the status once started (recording, 0 frames)
     * @throws RecorderException INVALID for options of another format, a topic or frame_id breaking
     *                           {@link RecordRoot#checkName}, a missing folder or one outside the root;
     *                           UNSUPPORTED for an MCAP compression other than none, zstd, lz4; FAILED when
     *                           already recording, the file exists or cannot be created
     */
    @Override
    public synchronized RecorderStatus start(Path path, Path root, McapOptions mcap) throws RecorderException {
        if (mcap != null && format != Format.MCAP) {
            throw new RecorderException(RecorderException.Kind.INVALID, "mcap_options given to the "
                    + format.id() + " recorder");
        }
        McapOptions o = mcap == null ? McapOptions.DEFAULTS : mcap;
        try {
            ChunkCompression.parse(o.compression());
        } catch (IllegalArgumentException e) {
            throw new RecorderException(RecorderException.Kind.UNSUPPORTED, "mcap_options.compression=\""
                    + o.compression() + "\" is not supported (none, zstd or lz4)");
        }
        if (o.topic() != null && !o.topic().isEmpty()) {
            RecordRoot.checkName("mcap_options.topic", o.topic(), true);
        }
        if (o.depthTopic() != null && !o.depthTopic().isEmpty()) {
            RecordRoot.checkName("mcap_options.depth_topic", o.depthTopic(), true);
        }
        if (o.frameId() != null && !o.frameId().isEmpty()) {
            RecordRoot.checkName("mcap_options.frame_id", o.frameId(), false);
        }
        Session s = session;
        if (s != null) {
            throw new RecorderException(RecorderException.Kind.FAILED, "already recording to " + s.path
                    + "; stop it first");
        }
        RecordingSink sink;
        Path created;
        try (ExclusiveFile file = ExclusiveFile.create(path, root)) {
            created = file.path();
            try {
                sink = factory.open(file, normalized(o));
            } catch (IOException | RuntimeException e) {
                deleteQuietly(created);
                throw new RecorderException(RecorderException.Kind.FAILED, "output_path=\"" + path
                        + "\" cannot be written: " + e.getMessage());
            }
        } catch (ExclusiveFile.CreateException e) {
            throw new RecorderException(switch (e.problem()) {
                case NO_FOLDER, OUTSIDE_ROOT -> RecorderException.Kind.INVALID;
                case EXISTS, OTHER -> RecorderException.Kind.FAILED;
            }, "output_path: " + e.getMessage());
        }
        s = new Session(created, root, normalized(o), sink);
        session = s;
        s.thread.start();
        LOG.info("event=recording_started key={} format={} path={}", key, format.id(), created);
        keyframeRequest.run();
        return s.status(true);
    }

    /** {@code dir/a.mp4} → {@code dir/a.<n>.mp4} (the n-th file after the first). */
    static Path segmentPath(Path first, int n) {
        String name = first.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String segment = dot > 0 ? name.substring(0, dot) + "." + n + name.substring(dot) : name + "." + n;
        return first.resolveSibling(segment);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p); // removes a link itself, never what it points to
        } catch (IOException e) {
            LOG.warn("event=recording_cleanup_failed path={} cause=\"{}\"", p, e.getMessage());
        }
    }

    private static McapOptions normalized(McapOptions o) {
        return new McapOptions(emptyToNull(o.compression()), emptyToNull(o.topic()), emptyToNull(o.frameId()),
                emptyToNull(o.depthTopic()));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * Stops the recording: what is queued is written, then the file is finalized. Without a
     * recording it only returns the status.
     *
     * @return the status after the stop (not recording; counts and path of the recording just ended)
     */
    @Override
    public synchronized RecorderStatus stop() {
        Session s = session;
        if (s == null) {
            return last;
        }
        s.stopping = true;
        s.queue.offer(END); // wakes the writer now; when the queue is full it sees stopping within 50 ms
        try {
            s.thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (s.thread.isAlive()) {
            LOG.error("event=recording_stop_slow key={} format={} path={} waited_ms={}", key, format.id(), s.path,
                    STOP_WAIT_MS);
        }
        return last;
    }

    /** Called by the writer thread as it ends (not under the monitor: {@link #stop()} holds it while joining). */
    private void ended(Session s) {
        last = s.status(false);
        if (session == s) {
            session = null;
        }
        LOG.info("event=recording_stopped key={} format={} path={} frames_ingested={} frames_written={} "
                + "depth_written={} depth_dropped={} error=\"{}\"", key, format.id(), s.path, s.ingested.get(),
                s.written.get(), s.depthWritten.get(), s.depthDropped.get(), s.error);
    }

    /** The current recording's status, or the last one's. */
    @Override
    public RecorderStatus status() {
        Session s = session;
        return s != null ? s.status(true) : last;
    }

    /** Whether a recording is open. */
    public boolean recording() {
        return session != null;
    }

    /** Whether a recording that writes depth images is open (an MCAP one). */
    public boolean wantsDepth() {
        Session s = session;
        return format == Format.MCAP && s != null && !s.stopping;
    }

    /**
     * Offers one frame's depth image (ingest thread; never blocks). Taken only by an open MCAP
     * recording once its first keyframe is queued; at most {@value #QUEUE_DEPTH} wait to be written,
     * more are dropped (counted in the stop line). The video is never dropped for depth.
     */
    public void offerDepth(DepthImage depth) {
        Session s = session;
        if (format != Format.MCAP || s == null || s.stopping || s.waitKeyframe) {
            return;
        }
        if (s.depthQueued.incrementAndGet() > QUEUE_DEPTH || !s.queue.offer(depth)) {
            s.depthQueued.decrementAndGet();
            s.depthDropped.incrementAndGet();
            overrunWarning.warn("event=recording_depth_overrun key={} format={} path={} queued={} cause=\"the file "
                    + "writer falls behind: dropping depth images\"", key, format.id(), s.path, QUEUE_DEPTH);
        }
    }

    /**
     * Offers one access unit (streaming thread; never blocks). Before the first keyframe of a
     * recording, and after a drop until the next keyframe, units are skipped.
     */
    public void offer(EncodedUnit unit) {
        Session s = session;
        if (s == null || s.stopping) {
            return;
        }
        s.ingested.incrementAndGet();
        if (s.waitKeyframe) {
            if (!unit.keyframe()) {
                return;
            }
            s.waitKeyframe = false;
        }
        if (s.queue.offer(unit)) {
            s.lastOk = true;
        } else {
            s.lastOk = false;
            s.waitKeyframe = true;
            overrunWarning.warn("event=recording_overrun key={} format={} path={} queued={} cause=\"the file writer falls behind: "
                    + "dropping up to the next keyframe\"", key, format.id(), s.path, QUEUE_UNITS);
            keyframeRequest.run();
        }
    }
}
