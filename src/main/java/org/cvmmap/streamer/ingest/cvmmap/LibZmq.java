package org.cvmmap.streamer.ingest.cvmmap;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * Direct JNA binding to the system libzmq ({@code libzmq.so.5}), the same library cv-mmap producers
 * use, so {@code ipc://} is a real Unix-domain socket speaking ZMTP 3.x (JeroMQ 0.6.0 emulates it over
 * TCP and cannot talk to them). Only the calls this project needs.
 */
final class LibZmq {
    static final int ZMQ_PAIR = 0;
    static final int ZMQ_PUB = 1;
    static final int ZMQ_SUB = 2;
    static final int ZMQ_SUBSCRIBE = 6;
    static final int ZMQ_LINGER = 17;
    static final int ZMQ_SNDHWM = 23;
    static final int ZMQ_RCVHWM = 24;
    static final int ZMQ_RCVTIMEO = 27;
    static final int ZMQ_CONFLATE = 54;
    static final int ZMQ_DONTWAIT = 1;
    static final int ZMQ_EVENT_HANDSHAKE_SUCCEEDED = 0x1000;
    static final int EAGAIN = 11;
    static final int EINTR = 4;
    /** ZMQ_HAUSNUMERO + 53. */
    static final int ETERM = 156384712 + 53;

    private static final Throwable LOAD_ERROR;

    static {
        Throwable err = null;
        try {
            Native.register(LibZmq.class, NativeLibrary.getInstance("zmq"));
        } catch (Throwable t) {
            err = t;
        }
        LOAD_ERROR = err;
    }

    private LibZmq() {
    }

    /**
     * @throws IllegalStateException if libzmq could not be loaded (install libzmq5)
     */
    static void ensureLoaded() {
        if (LOAD_ERROR != null) {
            throw new IllegalStateException("libzmq (libzmq5) could not be loaded: " + LOAD_ERROR.getMessage(), LOAD_ERROR);
        }
    }

    static native Pointer zmq_ctx_new();

    static native int zmq_ctx_term(Pointer ctx);

    static native Pointer zmq_socket(Pointer ctx, int type);

    static native int zmq_close(Pointer socket);

    static native int zmq_setsockopt(Pointer socket, int option, IntByReference value, long len);

    static native int zmq_setsockopt(Pointer socket, int option, byte[] value, long len);

    static native int zmq_connect(Pointer socket, String endpoint);

    static native int zmq_bind(Pointer socket, String endpoint);

    static native int zmq_recv(Pointer socket, byte[] buf, long len, int flags);

    static native int zmq_send(Pointer socket, byte[] buf, long len, int flags);

    static native int zmq_socket_monitor(Pointer socket, String endpoint, int events);

    static native int zmq_errno();

    static native String zmq_strerror(int errnum);

    static void version(int[] out) {
        IntByReference a = new IntByReference();
        IntByReference b = new IntByReference();
        IntByReference c = new IntByReference();
        zmq_version(a, b, c);
        out[0] = a.getValue();
        out[1] = b.getValue();
        out[2] = c.getValue();
    }

    static native void zmq_version(IntByReference major, IntByReference minor, IntByReference patch);

    static String lastError() {
        int e = zmq_errno();
        return zmq_strerror(e) + " (errno " + e + ")";
    }
}
