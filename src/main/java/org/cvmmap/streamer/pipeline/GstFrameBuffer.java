package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.ingest.FrameBuffer;
import org.freedesktop.gstreamer.Buffer;

import java.nio.ByteBuffer;

/**
 * A frame destination backed by a freshly allocated GstBuffer, mapped for writing: the SHM plane is
 * copied straight into it (the only copy), then it is unmapped and handed to appsrc, which takes
 * ownership. One buffer per frame: a pushed buffer is never touched again.
 */
public final class GstFrameBuffer implements FrameBuffer {
    private Buffer buffer;
    private final ByteBuffer data;
    private boolean mapped = true;

    private GstFrameBuffer(int bytes) {
        this.buffer = new Buffer(bytes);
        this.data = buffer.map(true);
    }

    /** Factory for the ingest. */
    public static final Factory FACTORY = GstFrameBuffer::new;

    @Override
    public ByteBuffer data() {
        return data;
    }

    @Override
    public void commit() {
        if (mapped) {
            mapped = false;
            buffer.unmap();
        }
    }

    @Override
    public void discard() {
        if (buffer != null) {
            commit();
            Buffer b = buffer;
            buffer = null;
            b.dispose();
        }
    }

    /**
     * Hands the buffer over for pushing; this object must not be used afterwards.
     *
     * @return the GstBuffer, or null if it was discarded
     */
    public Buffer release() {
        Buffer b = buffer;
        buffer = null;
        return b;
    }
}
