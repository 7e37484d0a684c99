package org.cvmmap.streamer.ingest.dummy;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapPublisher;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.Depth;
import org.cvmmap.streamer.ingest.PixelFormat;
import org.cvmmap.streamer.ingest.cvmmap.PlaneDescriptor;
import org.cvmmap.streamer.ingest.cvmmap.PlaneType;
import org.cvmmap.streamer.ingest.cvmmap.ShmMetadata;
import org.cvmmap.streamer.ingest.cvmmap.ZmqSocket;
import org.cvmmap.streamer.util.WallClock;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real cv-mmap producer, as upstream's dummy backend (docs/specs/cvmmap-ipc.md §1.8): writes SHM v2.0 with one
 * BGR/U8 LEFT plane (stride = width·3) and publishes the 48-byte sync on a libzmq PUB bound to
 * {@code ipc://<prefix>/<namespace>_<label>}, so upstream C++/Python clients can read it too.
 *
 * <p>Per frame: draw into the payload (a moving bar, then {@code LABEL #frame t=ms} burned in; or,
 * for the torn-read oracle, one grey level per frame), copy the 256-byte metadata, send the sync. Frames are numbered from 1; frame_id 0 is the initial
 * metadata written at start without a sync. The object and socket are removed on {@link #close()}.
 */
public final class DummyProducer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(DummyProducer.class);
    private static final int BAR_W = 16;
    private static final int TEXT_SCALE = 3;

    /**
     * Settings of the dummy producer.
     *
     * @param target where to publish (the label is the instance)
     * @param width  pixels (even, ≥ 16)
     * @param height rows (≥ 16)
     * @param fps    frames per second; 0 = as fast as possible; ignored when nextFrameWithinMs > 0
     * @param frames frames to publish; 0 = until closed
     * @param pattern what each frame shows
     * @param nextFrameWithinMs when > 0, each next frame is written a uniformly random 0..this many
     *                          ms after the previous sync (a producer racing its readers: the torn-read
     *                          fault scenario), instead of at the fps pace
     * @param originEpochNs when > 0, a genlocked camera: frame k is published at exactly
     *                      {@code origin + k·(1 s / fps)} (Unix-epoch ns) and carries that time as its
     *                      timestamp, so producers given one origin form a synchronized rig (frames of
     *                      the same rate in phase, a 29.97 fps one drifting 1 ms/s from a 30 fps one)
     * @param depth  when true, each frame carries a DEPTH plane too (v2 LEFT+DEPTH, GRAY/F32 width×height,
     *               depth_unit millimetre) holding {@link #depthValue} of each pixel
     */
    public record Settings(CvmmapTarget target, int width, int height, double fps, long frames, Pattern pattern,
                           int nextFrameWithinMs, long originEpochNs, boolean depth) {
        /** Without depth. */
        public Settings(CvmmapTarget target, int width, int height, double fps, long frames, Pattern pattern,
                        int nextFrameWithinMs, long originEpochNs) {
            this(target, width, height, fps, frames, pattern, nextFrameWithinMs, originEpochNs, false);
        }

        /** A {@link Pattern#MOVING} producer paced at fps. */
        public Settings(CvmmapTarget target, int width, int height, double fps, long frames) {
            this(target, width, height, fps, frames, Pattern.MOVING, 0, 0);
        }

        /** Not genlocked. */
        public Settings(CvmmapTarget target, int width, int height, double fps, long frames, Pattern pattern,
                        int nextFrameWithinMs) {
            this(target, width, height, fps, frames, pattern, nextFrameWithinMs, 0);
        }
    }

    /** depth_unit of the DEPTH plane: millimetre (docs/specs/cvmmap-ipc.md §1.3). */
    public static final int DEPTH_UNIT_MM = 1;

    /**
     * The depth of pixel (x, y) of frame {@code frameId}, mm: pixel (0, 0) holds the frame id itself (exact
     * in a float up to 2^24), every other pixel {@code 500 + (7x + 13y + frameId) mod 4000} — so a reader
     * can check any depth image it decodes against the producer without knowing which frame it is.
     */
    public static float depthValue(long frameId, int x, int y) {
        if (x == 0 && y == 0) {
            return frameId & 0xFFFFFF;
        }
        return 500 + (int) ((7L * x + 13L * y + frameId) % DEPTH_CYCLE);
    }

    /** The period of the built-in producer's depth pattern, mm. */
    private static final int DEPTH_CYCLE = 4000;

    /** What the producer draws. */
    public enum Pattern {
        /** The background with a moving bar and the label, frame number and time burned in. */
        MOVING,
        /**
         * The frame_id drawn as {@value #ID_DIGITS} vertical blocks of grey, one base-6 digit of
         * (frame_id mod 1296) each, most significant on the left (digit d is grey {@code 16 + 40 d};
         * B = G = R), every row alike, written with one bulk copy of the payload as a camera producer
         * does: a picture whose rows show two ids mixes two frames (the torn-read oracle,
         * {@code scripts/torn-check.py}).
         */
        LEVELS
    }

    /** Blocks (base-6 digits) of {@link Pattern#LEVELS}. */
    public static final int ID_DIGITS = 4;

    /**
     * The grey (B = G = R, 0..255) of block {@code digit} (0 = leftmost) of frame frameId under
     * {@link Pattern#LEVELS}.
     *
     * @param frameId frame counter
     * @param digit   0..{@value #ID_DIGITS}-1
     * @return 16, 56, 96, 136, 176 or 216
     */
    public static int level(long frameId, int digit) {
        long v = Math.floorMod(frameId, 1296L);
        for (int i = ID_DIGITS - 1; i > digit; i--) {
            v /= 6;
        }
        return 16 + 40 * (int) (v % 6);
    }

    private final Settings settings;
    private final PlaneDescriptor left;
    /** The DEPTH plane right after LEFT, or null. */
    private final PlaneDescriptor depth;
    private final List<PlaneDescriptor> planes;
    /** One frame's depth plane, rewritten per frame. */
    private final ByteBuffer depthFrame;
    /** Per pixel {@code (7x + 13y) mod 4000}: a frame's depth is this shifted by the frame id ({@link #depthValue}). */
    private final int[] depthBase;
    private final float[] depthPixels;
    private final byte[] background;
    private final CvmmapPublisher publisher;
    /** The publisher's mapping: metadata at 0, payload from 256. */
    private final MappedByteBuffer map;
    private volatile boolean stopped;
    private volatile PublishListener publishListener;

    /** Observes publications (benchmarks measure latency from them). */
    @FunctionalInterface
    public interface PublishListener {
        /**
         * @param frameId    the frame published
         * @param monoNanos  {@link System#nanoTime()} right after its sync was sent
         */
        void published(long frameId, long monoNanos);
    }
    private long published;
    private int lastBarX = -1;
    private final byte[] bar = filled(BAR_W * 3, (byte) 0xF0);
    private byte[] textBox = new byte[0];
    private static final byte[] TEXT_COLOUR = {(byte) 0x20, (byte) 0xE0, (byte) 0xFF};
    private final byte[] levelFrame;
    /** Payload write times of a racing producer (nextFrameWithinMs > 0 with a frame count), ns. */
    private final long[] writeNs;

    private static byte[] filled(int n, byte v) {
        byte[] a = new byte[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /**
     * Creates the shared-memory object (replacing a stale one) and binds the PUB socket.
     *
     * @throws UncheckedIOException if /dev/shm cannot be written
     * @throws ZmqSocket.ZmqException if the endpoint cannot be bound
     */
    public DummyProducer(Settings s) {
        this.settings = s;
        int stride = s.width() * 3;
        this.left = new PlaneDescriptor(PlaneType.LEFT, PixelFormat.BGR, Depth.U8, s.width(), s.height(), stride, 0,
                (long) stride * s.height());
        this.depth = s.depth() ? new PlaneDescriptor(PlaneType.DEPTH, PixelFormat.GRAY, Depth.F32, s.width(), s.height(),
                s.width() * 4L, left.sizeBytes(), s.width() * 4L * s.height()) : null;
        this.planes = depth == null ? List.of(left) : List.of(left, depth);
        this.depthFrame = depth == null ? null
                : ByteBuffer.allocate((int) depth.sizeBytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        this.depthBase = new int[depth == null ? 0 : s.width() * s.height()];
        for (int i = 0; i < depthBase.length; i++) {
            depthBase[i] = (int) ((7L * (i % s.width()) + 13L * (i / s.width())) % DEPTH_CYCLE);
        }
        this.depthPixels = new float[depthBase.length];
        this.background = renderBackground(s.width(), s.height());
        this.levelFrame = new byte[s.pattern() == Pattern.LEVELS ? stride * s.height() : 0];
        this.writeNs = new long[s.nextFrameWithinMs() > 0 && s.frames() > 0 ? (int) Math.min(s.frames(), 1 << 20) : 0];
        this.publisher = new CvmmapPublisher(s.target(), planes);
        this.map = publisher.mapping();
        map.put(ShmMetadata.REGION_SIZE, background);
        publisher.writeInitial(); // frame 0: the background, complete before its metadata
        LOG.info("event=producer_started label={} shm={} zmq={} size={}x{} fps={} frames={} pattern={} next_frame_within_ms={}",
                s.target().instance(), publisher.shmPath(), s.target().zmqAddress(), s.width(), s.height(), s.fps(), s.frames(),
                s.pattern(), s.nextFrameWithinMs());
    }

    /** {@link #run()} on the frame grid of {@link Settings#originEpochNs()}; a grid time already past is skipped. */
    private long runGenlocked() {
        double periodNs = 1e9 / settings.fps();
        long k = Math.max(0, (long) Math.ceil((WallClock.nowNanos() - settings.originEpochNs()) / periodNs));
        while (!stopped && (settings.frames() == 0 || published < settings.frames())) {
            long at = settings.originEpochNs() + Math.round(k * periodNs);
            long wait = at - WallClock.nowNanos();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (wait < -periodNs) { // fell a frame behind: go on from the next grid time, no burst
                k = (long) Math.ceil((WallClock.nowNanos() - settings.originEpochNs()) / periodNs);
                continue;
            }
            publishFrame(published + 1, at);
            k++;
        }
        LOG.info("event=producer_finished label={} frames={} genlocked_origin_ns={}", settings.target().instance(),
                published, settings.originEpochNs());
        return published;
    }

    /**
     * Publishes frames until the frame count is reached or {@link #stop()} is called.
     *
     * @return frames published
     */
    public long run() {
        long periodNs = settings.fps() > 0 ? Math.round(TimeUnit.SECONDS.toNanos(1) / settings.fps()) : 0;
        long withinNs = TimeUnit.MILLISECONDS.toNanos(settings.nextFrameWithinMs());
        long next = System.nanoTime();
        if (settings.originEpochNs() > 0 && settings.fps() > 0) {
            return runGenlocked();
        }
        while (!stopped && (settings.frames() == 0 || published < settings.frames())) {
            publishFrame(published + 1, WallClock.nowNanos());
            if (withinNs > 0) {
                LockSupport.parkNanos(java.util.concurrent.ThreadLocalRandom.current().nextLong(withinNs + 1));
            } else if (periodNs > 0) {
                next += periodNs;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                } else if (wait < -periodNs * 10) {
                    next = System.nanoTime(); // fell far behind: do not burst
                }
            }
        }
        if (writeNs.length > 0) {
            WriteStats w = writeStats();
            LOG.info("event=producer_finished label={} frames={} median_write_us={} stalled_writes={}",
                    settings.target().instance(), published, w.medianUs(), w.stalled());
        } else {
            LOG.info("event=producer_finished label={} frames={}", settings.target().instance(), published);
        }
        return published;
    }

    /**
     * Writes one frame and publishes its sync (payload, then metadata, then sync, as upstream).
     *
     * @param frameId     frame counter (u32)
     * @param timestampNs capture timestamp, Unix-epoch ns
     */
    public void publishFrame(long frameId, long timestampNs) {
        draw(frameId, timestampNs);
        if (depth != null) {
            int shift = (int) (frameId % DEPTH_CYCLE);
            for (int i = 0; i < depthPixels.length; i++) { // depthValue(frameId, x, y), without a division per pixel
                int v = depthBase[i] + shift;
                depthPixels[i] = 500 + (v >= DEPTH_CYCLE ? v - DEPTH_CYCLE : v);
            }
            depthPixels[0] = depthValue(frameId, 0, 0);
            depthFrame.asFloatBuffer().put(0, depthPixels);
            map.put((int) (ShmMetadata.REGION_SIZE + depth.offsetBytes()), depthFrame.array());
        }
        publisher.publish(frameId, timestampNs, DEPTH_UNIT_MM);
        published++;
        PublishListener l = publishListener;
        if (l != null) {
            l.published(frameId, System.nanoTime());
        }
    }

    /**
     * Waits until a subscriber has connected (ZMTP handshake done), so an in-process consumer that
     * starts with the producer does not miss the first frames.
     *
     * @param timeoutMs longest wait, ms
     * @return true if one connected in time
     */
    public boolean awaitSubscriber(int timeoutMs) {
        return publisher.awaitSubscriber(timeoutMs);
    }

    /** Installs a publication observer. */
    public void onPublished(PublishListener l) {
        this.publishListener = l;
    }

    /** Asks {@link #run()} to return after the current frame. */
    public void stop() {
        stopped = true;
    }

    /** Frames published so far. */
    public long published() {
        return published;
    }

    /** The settings this producer runs with. */
    public Settings settings() {
        return settings;
    }

    private void draw(long frameId, long timestampNs) {
        if (settings.pattern() == Pattern.LEVELS) {
            drawId(frameId);
            long t0 = System.nanoTime();
            map.put(ShmMetadata.REGION_SIZE, levelFrame);
            if (published < writeNs.length) {
                writeNs[(int) published] = System.nanoTime() - t0;
            }
            return;
        }
        int w = settings.width();
        int h = settings.height();
        int stride = w * 3;
        int base = ShmMetadata.REGION_SIZE;
        if (lastBarX >= 0) {
            for (int y = 0; y < h; y++) {
                int off = y * stride + lastBarX * 3;
                map.put(base + off, background, off, Math.min(BAR_W, w - lastBarX) * 3);
            }
        }
        int barX = (int) ((frameId * 8) % Math.max(1, w - BAR_W));
        int barBytes = Math.min(BAR_W, w - barX) * 3;
        for (int y = 0; y < h; y++) {
            map.put(base + y * stride + barX * 3, bar, 0, barBytes);
        }
        lastBarX = barX;
        // The text is drawn into a small off-screen box, then copied row by row: one bulk put per row.
        String text = settings.target().instance() + " #" + frameId + " t=" + (timestampNs / 1_000_000) + "MS";
        int scale = Math.max(1, Math.min(TEXT_SCALE, (w - 8) / Math.max(1, BitmapFont.width(text, 1))));
        int boxW = Math.min(w, BitmapFont.width(text, scale) + 8);
        int boxH = Math.min(h, BitmapFont.GLYPH_H * scale + 8);
        if (textBox.length < boxW * 3 * boxH) {
            textBox = new byte[boxW * 3 * boxH];
        }
        java.util.Arrays.fill(textBox, 0, boxW * 3 * boxH, (byte) 0);
        if (boxH >= BitmapFont.GLYPH_H * scale + 8 && boxW >= BitmapFont.width(text, scale) + 8) {
            BitmapFont.draw(ByteBuffer.wrap(textBox), 0, boxW * 3, 4, 4, text, scale, TEXT_COLOUR);
        }
        for (int y = 0; y < boxH; y++) {
            map.put(base + y * stride, textBox, y * boxW * 3, boxW * 3);
        }
    }

    /** Renders frameId's blocks into {@link #levelFrame} (off the shared memory). */
    private void drawId(long frameId) {
        int w = settings.width();
        int stride = w * 3;
        for (int d = 0; d < ID_DIGITS; d++) {
            java.util.Arrays.fill(levelFrame, d * w / ID_DIGITS * 3, (d + 1) * w / ID_DIGITS * 3, (byte) level(frameId, d));
        }
        for (int y = 1; y < settings.height(); y++) {
            System.arraycopy(levelFrame, 0, levelFrame, y * stride, stride);
        }
    }

    /**
     * The frames whose payload write took more than 4 times the median write: a writer paused
     * mid-payload, the one tear no reader can detect (the metadata changes only after the payload,
     * docs/specs/cvmmap-ipc.md §1.8). Logged at the end of a racing run.
     */
    /** The median write time and the frames (1-based) written more than 4× slower than it ("-": none). */
    private record WriteStats(long medianUs, String stalled) {
    }

    private WriteStats writeStats() {
        int n = (int) Math.min(published, writeNs.length);
        long[] sorted = java.util.Arrays.copyOf(writeNs, n);
        java.util.Arrays.sort(sorted);
        long median = n == 0 ? 0 : sorted[n / 2];
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (writeNs[i] > 4 * median) {
                ids.append(ids.length() == 0 ? "" : ",").append(i + 1);
            }
        }
        return new WriteStats(median / 1000, ids.length() == 0 ? "-" : ids.toString());
    }

    private static byte[] renderBackground(int w, int h) {
        byte[] img = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] bgr = backgroundPixel(x, y, w, h);
                int i = (y * w + x) * 3;
                img[i] = (byte) bgr[0];
                img[i + 1] = (byte) bgr[1];
                img[i + 2] = (byte) bgr[2];
            }
        }
        return img;
    }

    /**
     * The static background under the bar and text: blue ramps with x, green with y, red is a
     * 32-pixel checkerboard. Receivers' tests compare decoded pictures against it.
     *
     * @return {B, G, R}, each 0..255
     */
    public static int[] backgroundPixel(int x, int y, int w, int h) {
        return new int[] {x * 255 / Math.max(1, w - 1), y * 255 / Math.max(1, h - 1), ((x / 32 + y / 32) & 1) * 96 + 64};
    }

    /** Unbinds the socket and unlinks the shared-memory object, as upstream does on exit. */
    @Override
    public void close() {
        stopped = true;
        publisher.close();
    }
}
