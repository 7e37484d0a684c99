package org.cvmmap.streamer.ingest;

import java.nio.ByteBuffer;

/**
 * A writable destination for one frame's pixels, usually a mapped GstBuffer. The reader copies the
 * plane into {@link #data()}, then calls exactly one of {@link #commit()} (frame is good) or
 * {@link #discard()} (frame was torn or invalid: it must never reach the encoder).
 */
public interface FrameBuffer {
    /** Writable view, position 0, capacity = the requested size in bytes. */
    ByteBuffer data();

    /** Finishes writing (unmaps); the buffer may now be pushed. */
    void commit();

    /** Drops the buffer and frees it. */
    void discard();

    /** Allocates frame buffers. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param bytes size, bytes
         * @return a mapped, writable buffer of exactly that size
         */
        FrameBuffer allocate(int bytes);
    }

    /** A heap-backed buffer for tests and tools. */
    static FrameBuffer heap(int bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        return new FrameBuffer() {
            @Override
            public ByteBuffer data() {
                return b;
            }

            @Override
            public void commit() {
            }

            @Override
            public void discard() {
            }
        };
    }
}
