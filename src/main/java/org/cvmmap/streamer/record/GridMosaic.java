package org.cvmmap.streamer.record;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.pipeline.GstRuntime;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.glib.Natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * N recordings into one R×C mosaic MP4 ({@code pipelines/grid.pipeline}): each decoded, scaled and
 * placed row-major, in sync: the mosaic starts with the earliest input and each compositor pad is
 * offset by its input's start minus that one (a later camera shows black until it starts; negative
 * offsets are never used: GStreamer 1.22's video aggregator aborts the process on a buffer before
 * running time 0), a Unix-time overlay top left (timeoverlay showing running time as a date from the
 * earliest start), encoded with NVENC when the element exists, else x264. Needs {@code GstRuntime.init()}.
 */
public final class GridMosaic {
    /** Longest wait for the mosaic to finish after its inputs ended, ms. */
    static final long FINISH_TIMEOUT_MS = 600_000;

    interface Api extends Library {
        Api GST = Native.load("gstreamer-1.0", Api.class);
        Api GLIB = Native.load("glib-2.0", Api.class);

        void gst_pad_set_offset(Pointer pad, long offsetNs);

        Pointer g_date_time_new_from_unix_utc(long seconds);

        void g_date_time_unref(Pointer dateTime);
    }

    interface GObject extends Library {
        GObject INSTANCE = Native.load("gobject-2.0", GObject.class);

        void g_object_set(Pointer object, String name, Pointer value, Pointer end);
    }

    /**
     * One input.
     *
     * @param mp4     its MP4 file
     * @param startNs Unix-epoch time of its first frame, ns (0 when unknown: all inputs start together)
     */
    public record Input(Path mp4, long startNs) {
    }

    /**
     * The mosaic made.
     *
     * @param output  the MP4
     * @param encoder the encoder element used
     * @param width   picture width, pixels
     * @param height  picture height, pixels
     * @param inputs  the recordings in it
     */
    public record Result(Path output, String encoder, int width, int height, int inputs) {
    }

    private GridMosaic() {
    }

    /**
     * Makes the mosaic.
     *
     * @param inputs          the recordings, row-major
     * @param rows            R
     * @param cols            C (R×C ≥ the inputs)
     * @param tileWidth       tile width, pixels (even)
     * @param tileHeight      tile height, pixels (even)
     * @param fps             output frame rate
     * @param durationSeconds how long from the earliest start, 0 = until every input ended
     * @param output          the new MP4 file (must not exist)
     * @throws IOException naming the input or GStreamer's message
     */
    public static Result make(List<Input> inputs, int rows, int cols, int tileWidth, int tileHeight, int fps,
                              double durationSeconds, Path output) throws IOException {
        return make(inputs, rows, cols, tileWidth, tileHeight, fps, durationSeconds, output, defaultEncoder());
    }

    /**
     * Makes the mosaic of recordings, tiles at {@code scale} of the first one's picture (even sizes).
     *
     * @param scale tile size as a fraction of the first input's, (0, 1]
     * @throws IOException naming the input or GStreamer's message; when the inputs do not fit R×C
     */
    public static Result make(List<Input> inputs, int rows, int cols, double scale, int fps, double durationSeconds,
                              Path output, String encoder) throws IOException {
        if (inputs.isEmpty() || inputs.size() > rows * cols) {
            throw new IOException(inputs.size() + " cameras do not fit a " + rows + "x" + cols + " grid");
        }
        int[] size = Mp4Probe.size(inputs.get(0).mp4());
        int tw = Math.max(2, (int) Math.round(size[0] * scale) & ~1);
        int th = Math.max(2, (int) Math.round(size[1] * scale) & ~1);
        return make(inputs, rows, cols, tw, th, fps, durationSeconds, output, encoder);
    }

    /**
     * Makes the mosaic of every camera of an MCAP recording, in channel order, synced on their first
     * frames' log times (remuxed to MP4s in a temporary folder beside the output, removed after).
     *
     * @throws IOException naming the file and what is wrong
     */
    public static Result ofMcap(Path mcap, int rows, int cols, double scale, int fps, double durationSeconds, Path output,
                                String encoder) throws IOException {
        Path tmp = Files.createTempDirectory(output.toAbsolutePath().getParent(), ".grid-");
        try {
            List<Input> in = new ArrayList<>();
            for (McapToMp4.Result r : McapToMp4.convert(mcap, null, l -> tmp.resolve(l + ".mp4"), 0, -1, n -> { })) {
                in.add(new Input(r.output(), r.firstNs()));
            }
            return make(in, rows, cols, scale, fps, durationSeconds, output, encoder);
        } finally {
            org.cvmmap.streamer.util.FileTrees.delete(tmp);
        }
    }

    /** The software H.264 encoder of a mosaic (x264, fast preset). */
    public static final String SOFTWARE_ENCODER = "x264enc speed-preset=veryfast";
    /** The hardware H.264 encoder of a mosaic when the NVIDIA plugin is there. */
    public static final String HARDWARE_ENCODER = "nvh264enc";

    /** NVENC when its element exists, else x264 (as everywhere in the streamer). */
    public static String defaultEncoder() {
        return GstRuntime.hasElement(HARDWARE_ENCODER) ? HARDWARE_ENCODER : SOFTWARE_ENCODER;
    }

    /**
     * Makes the mosaic with a given encoder.
     *
     * @param encoder an H.264 encoder element and its properties, e.g. {@value #SOFTWARE_ENCODER}
     * @throws IOException naming the input or GStreamer's message
     * @see #make(List, int, int, int, int, int, double, Path)
     */
    public static Result make(List<Input> inputs, int rows, int cols, int tileWidth, int tileHeight, int fps,
                              double durationSeconds, Path output, String encoder) throws IOException {
        if (inputs.isEmpty() || inputs.size() > rows * cols) {
            throw new IllegalArgumentException(inputs.size() + " inputs do not fit a " + rows + "x" + cols + " grid");
        }
        long first = inputs.stream().mapToLong(Input::startNs).filter(t -> t > 0).min().orElse(0);
        StringBuilder branches = new StringBuilder();
        StringBuilder tiles = new StringBuilder();
        for (int i = 0; i < inputs.size(); i++) {
            Codec c = Mp4Probe.codec(inputs.get(i).mp4());
            branches.append("filesrc name=src").append(i).append(" ! qtdemux ! ").append(c.parser()).append(" ! avdec_")
                    .append(c.cliName()).append(" ! videoconvert ! videoscale ! video/x-raw,width=").append(tileWidth)
                    .append(",height=").append(tileHeight).append(",pixel-aspect-ratio=1/1 ! queue ! mix.sink_").append(i)
                    .append('\n');
            tiles.append(" sink_").append(i).append("::xpos=").append((i % cols) * tileWidth).append(" sink_").append(i)
                    .append("::ypos=").append((i / cols) * tileHeight);
        }
        Map<String, String> values = new LinkedHashMap<>();
        values.put("inputs", branches.toString());
        values.put("tiles", tiles.toString().strip());
        values.put("width", Integer.toString(cols * tileWidth));
        values.put("height", Integer.toString(rows * tileHeight));
        values.put("fps", Integer.toString(fps));
        values.put("eos_after", durationSeconds > 0 ? Long.toString(Math.max(1, Math.round(durationSeconds * fps)) + 1) : "-1");
        values.put("encoder", encoder);
        values.put("parser", "h264parse");
        PipelineDescriptor d = PipelineDescriptor.builtIn("grid.pipeline");
        String desc = d.render(values);
        Pipeline p;
        try {
            p = PipelineBuilder.parse(d, desc, desc, List.of("mix", "clock", "file"));
        } catch (PipelineBuildException e) {
            throw new IOException("grid graph: " + e.getMessage(), e);
        }
        List<Element> held = new ArrayList<>();
        try {
            for (int i = 0; i < inputs.size(); i++) {
                Element src = p.getElementByName("src" + i);
                src.set("location", inputs.get(i).mp4().toString());
                held.add(src);
            }
            Element mix = p.getElementByName("mix");
            held.add(mix);
            for (int i = 0; i < inputs.size(); i++) {
                Pad pad = mix.getStaticPad("sink_" + i);
                if (pad != null) {
                    long start = inputs.get(i).startNs();
                    Api.GST.gst_pad_set_offset(Natives.getRawPointer(pad), start <= 0 ? 0 : start - first);
                    pad.dispose();
                }
            }
            Element clock = p.getElementByName("clock");
            held.add(clock);
            Pointer epoch = Api.GLIB.g_date_time_new_from_unix_utc(Math.floorDiv(first, 1_000_000_000L));
            GObject.INSTANCE.g_object_set(Natives.getRawPointer(clock), "datetime-epoch", epoch, null);
            Api.GLIB.g_date_time_unref(epoch);
            Element file = p.getElementByName("file");
            file.set("location", output.toString());
            held.add(file);
            CountDownLatch done = new CountDownLatch(1);
            String[] error = new String[1];
            Bus bus = p.getBus();
            bus.connect((Bus.EOS) source -> done.countDown());
            bus.connect((Bus.ERROR) (source, code, message) -> {
                error[0] = (source == null ? "?" : source.getName()) + ": " + message;
                done.countDown();
            });
            p.play();
            if (!done.await(FINISH_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IOException("the mosaic did not finish within " + FINISH_TIMEOUT_MS + " ms");
            }
            if (error[0] != null) {
                throw new IOException(error[0]);
            }
            return new Result(output, encoder.split(" ")[0], cols * tileWidth, rows * tileHeight, inputs.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.setState(State.NULL);
            held.forEach(Element::dispose);
            p.getBus().dispose();
            p.dispose();
        }
    }
}
