package org.cvmmap.streamer.pipeline;

import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether an encoder element opens an encode session here: a few test frames through it into a
 * fakesink ({@code videotestsrc num-buffers=N ! NV12 320×240 ! ENCODER ! fakesink}), to EOS. An NVENC
 * element can be registered and still fail at this point (no free session on a consumer GPU, a driver
 * without {@code libnvidia-encode}, a GPU without NVENC such as the H100).
 */
public final class EncodeSession {
    /** Frames pushed through the encoder. */
    static final int FRAMES = 5;
    /** Longest wait for the session, ms. */
    public static final long TIMEOUT_MS = 10_000;

    private EncodeSession() {
    }

    /**
     * Tries one short session. Needs {@link GstRuntime#init()}.
     *
     * @param element an encoder element factory name ({@code nvh264enc}, {@code x264enc}, …)
     * @return null when it encoded the frames, else why not (GStreamer's message, "not installed", or a timeout)
     */
    public static String problem(String element) {
        if (!GstRuntime.hasElement(element)) {
            return element + ": element not installed";
        }
        Pipeline p;
        try {
            p = PipelineBuilder.parse(null, "videotestsrc num-buffers=" + FRAMES
                    + " ! video/x-raw,format=NV12,width=320,height=240,framerate=30/1 ! " + element + " ! fakesink sync=false",
                    element, List.of());
        } catch (PipelineBuildException e) {
            return element + ": " + e.getMessage();
        }
        CompletableFuture<String> done = new CompletableFuture<>();
        Bus bus = p.getBus();
        bus.connect((Bus.EOS) source -> done.complete(null));
        bus.connect((Bus.ERROR) (source, code, message) -> done.complete(element + ": " + message));
        try {
            p.play();
            return done.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return element + ": no end of stream within " + TIMEOUT_MS + " ms";
        } catch (ExecutionException e) {
            return element + ": " + e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return element + ": interrupted";
        } finally {
            p.setState(State.NULL);
            bus.dispose();
            p.dispose();
        }
    }
}
