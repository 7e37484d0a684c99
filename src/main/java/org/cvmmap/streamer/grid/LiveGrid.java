package org.cvmmap.streamer.grid;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.ingest.Depth;
import org.cvmmap.streamer.ingest.IngestFrame;
import org.cvmmap.streamer.ingest.PixelFormat;
import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapIngest;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapPublisher;
import org.cvmmap.streamer.ingest.cvmmap.CvmmapTarget;
import org.cvmmap.streamer.ingest.cvmmap.PlaneDescriptor;
import org.cvmmap.streamer.ingest.cvmmap.PlaneType;
import org.cvmmap.streamer.ingest.cvmmap.ShmMetadata;
import org.cvmmap.streamer.media.StreamStats;
import org.cvmmap.streamer.pipeline.GstFrameBuffer;
import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.cvmmap.streamer.util.WallClock;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.elements.AppSink;
import org.freedesktop.gstreamer.elements.AppSrc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A live R×C mosaic of cv-mmap producers ({@code pipelines/live-grid.pipeline}), published as a cv-mmap
 * producer of its own ({@code publishAs}, BGR width×height, stride width·3, one frame per output frame at
 * {@code fps}, timestamp = wall clock when published), so that the streamer's normal graph encodes and
 * sends it like any camera. Tile size = the first input's first frame × scale (even, width a multiple
 * of 4). An input that stops leaves its last picture; one that never came shows black. Needs
 * {@code GstRuntime.init()}.
 */
public final class LiveGrid implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(LiveGrid.class);

    /**
     * What to composite.
     *
     * @param inputs    the producers, row-major
     * @param rows      R
     * @param cols      C (R×C ≥ inputs)
     * @param scale     tile size as a fraction of the first input's picture, (0, 1]
     * @param fps       output frame rate
     * @param publishAs where the mosaic is published
     */
    public record Settings(List<CvmmapTarget> inputs, int rows, int cols, double scale, int fps, CvmmapTarget publishAs) {
    }

    private final Settings settings;
    private final List<CvmmapIngest> ingests = new ArrayList<>();
    private final AppSrc[] sources;
    private final RawVideoFormat[] formats;
    private final CountDownLatch firstFrame = new CountDownLatch(1);
    private volatile RawVideoFormat firstFormat;
    private volatile Pipeline pipeline;
    private volatile boolean closed;
    private CvmmapPublisher publisher;
    private Thread output;
    private final AtomicLong published = new AtomicLong();
    private volatile String error;

    /** @param settings what to composite */
    public LiveGrid(Settings settings) {
        this.settings = settings;
        this.sources = new AppSrc[settings.inputs().size()];
        this.formats = new RawVideoFormat[settings.inputs().size()];
    }

    /**
     * Subscribes to every input, waits for the first input's first frame, then builds and plays the mosaic
     * graph and starts publishing.
     *
     * @param firstFrameTimeoutMs how long the first input may take to send a frame, ms
     * @return the mosaic's width×height
     * @throws IOException when the first input sends no frame in time or the graph cannot be built
     */
    public synchronized int[] start(long firstFrameTimeoutMs) throws IOException, InterruptedException {
        for (int i = 0; i < settings.inputs().size(); i++) {
            int index = i;
            CvmmapIngest in = new CvmmapIngest(settings.inputs().get(i), GstFrameBuffer.FACTORY, new StreamStats(),
                    new CvmmapIngest.Listener() {
                        @Override
                        public void onFrame(IngestFrame frame) {
                            push(index, frame);
                        }

                        @Override
                        public void onEnded() {
                        }

                        @Override
                        public void onFatal(int exitCode, String message) {
                            LOG.error("event=grid_input_failed input={} exit_code={} cause=\"{}\"",
                                    settings.inputs().get(index).instance(), exitCode, message);
                        }
                    });
            ingests.add(in);
            in.start();
        }
        if (!firstFrame.await(firstFrameTimeoutMs, TimeUnit.MILLISECONDS)) {
            throw new IOException("input " + settings.inputs().get(0).instance() + " sent no frame within "
                    + firstFrameTimeoutMs + " ms");
        }
        RawVideoFormat f = firstFormat;
        int tw = Math.max(4, (int) Math.round(f.width() * settings.scale()) & ~3);
        int th = Math.max(2, (int) Math.round(f.height() * settings.scale()) & ~1);
        int width = settings.cols() * tw;
        int height = settings.rows() * th;
        StringBuilder branches = new StringBuilder();
        StringBuilder tiles = new StringBuilder();
        for (int i = 0; i < settings.inputs().size(); i++) {
            branches.append("appsrc name=src").append(i).append(" is-live=true format=time do-timestamp=true block=false ")
                    .append("max-buffers=2 leaky-type=downstream ! videoconvert ! videoscale ! video/x-raw,width=")
                    .append(tw).append(",height=").append(th).append(",pixel-aspect-ratio=1/1 ! queue max-size-buffers=2 ")
                    .append("leaky=downstream ! mix.sink_").append(i).append('\n');
            tiles.append(" sink_").append(i).append("::xpos=").append((i % settings.cols()) * tw).append(" sink_")
                    .append(i).append("::ypos=").append((i / settings.cols()) * th);
        }
        Map<String, String> values = new LinkedHashMap<>();
        values.put("inputs", branches.toString());
        values.put("tiles", tiles.toString().strip());
        values.put("width", Integer.toString(width));
        values.put("height", Integer.toString(height));
        values.put("fps", Integer.toString(settings.fps()));
        PipelineDescriptor d = PipelineDescriptor.builtIn("live-grid.pipeline");
        String desc = d.render(values);
        Pipeline p;
        try {
            p = PipelineBuilder.parse(d, desc, desc, List.of("mix", "out"));
        } catch (PipelineBuildException e) {
            throw new IOException("live grid graph: " + e.getMessage(), e);
        }
        PlaneDescriptor left = new PlaneDescriptor(PlaneType.LEFT, PixelFormat.BGR, Depth.U8, width, height, width * 3L,
                0, (long) width * 3 * height);
        publisher = new CvmmapPublisher(settings.publishAs(), List.of(left));
        publisher.writeInitial(); // frame 0: black, until the first mosaic
        p.getBus().connect((Bus.ERROR) (source, code, message) -> {
            error = (source == null ? "?" : source.getName()) + ": " + message;
            LOG.error("event=grid_failed publish_as={} cause=\"{}\"", settings.publishAs().instance(), error);
        });
        for (int i = 0; i < sources.length; i++) {
            sources[i] = (AppSrc) p.getElementByName("src" + i);
        }
        AppSink sink = (AppSink) p.getElementByName("out");
        pipeline = p;
        p.play();
        output = new Thread(() -> publishLoop(sink, left), "grid-publish");
        output.setDaemon(true);
        output.start();
        LOG.info("event=grid_started publish_as={} inputs={} layout={}x{} tile={}x{} size={}x{} fps={}",
                settings.publishAs().instance(), settings.inputs().size(), settings.rows(), settings.cols(), tw, th,
                width, height, settings.fps());
        return new int[]{width, height};
    }

    /** An input's frame: its appsrc takes it once the graph plays (the caps set when its format changes). */
    private void push(int index, IngestFrame f) {
        if (index == 0 && firstFormat == null) {
            firstFormat = f.format();
            firstFrame.countDown();
        }
        AppSrc src;
        synchronized (sources) {
            src = pipeline == null || closed ? null : sources[index];
            if (src == null) {
                f.buffer().discard();
                return;
            }
            if (!f.format().equals(formats[index])) {
                src.setCaps(new Caps(f.format().caps(settings.fps(), 1)));
                formats[index] = f.format();
            }
            Buffer b = ((GstFrameBuffer) f.buffer()).release();
            src.pushBuffer(b); // takes ownership
        }
    }

    /** Pulls each mosaic frame and publishes it (packed BGR rows into the LEFT plane). */
    private void publishLoop(AppSink sink, PlaneDescriptor left) {
        MappedByteBuffer map = publisher.mapping();
        int row = (int) left.strideBytes();
        while (!closed) {
            Sample s = sink.pullSample();
            if (s == null) {
                break; // EOS or flushing (closing)
            }
            try {
                Buffer b = s.getBuffer();
                ByteBuffer data = b.map(false);
                try {
                    int srcStride = data.remaining() / left.height(); // BGR rows: width·3 rounded to 4 = width·3 here
                    for (int y = 0; y < left.height(); y++) {
                        map.put(ShmMetadata.REGION_SIZE + y * row, data, y * srcStride, row);
                    }
                } finally {
                    b.unmap();
                }
            } finally {
                s.dispose();
            }
            publisher.publish(published.incrementAndGet(), WallClock.nowNanos(), 0);
        }
    }

    /** Mosaic frames published so far. */
    public long published() {
        return published.get();
    }

    /** The graph's error, or null. */
    public String error() {
        return error;
    }

    /** Stops the inputs, the graph and the publisher (its SHM object and socket removed). */
    @Override
    public void close() {
        closed = true;
        ingests.forEach(CvmmapIngest::close);
        Pipeline p;
        synchronized (sources) {
            p = pipeline;
            pipeline = null;
        }
        if (p != null) {
            p.setState(State.NULL);
        }
        if (output != null) {
            try {
                output.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (p != null) {
            for (AppSrc s : sources) {
                if (s != null) {
                    s.dispose();
                }
            }
            p.getBus().dispose();
            p.dispose();
        }
        if (publisher != null) {
            publisher.close();
        }
        LOG.info("event=grid_stopped publish_as={} frames_published={}", settings.publishAs().instance(), published.get());
    }
}
