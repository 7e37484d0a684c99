package org.cvmmap.streamer.ingest.cvmmap;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * One libzmq PUB or SUB socket with its own context. Single-threaded use: each socket belongs to one
 * thread (libzmq sockets are not thread-safe).
 */
public final class ZmqSocket implements AutoCloseable {
    private final Pointer ctx;
    private final Pointer socket;
    private final String endpoint;
    private boolean closed;
    private Pointer monitor;

    private ZmqSocket(Pointer ctx, Pointer socket, String endpoint) {
        this.ctx = ctx;
        this.socket = socket;
        this.endpoint = endpoint;
    }

    /**
     * Connects a SUB socket that receives every message (subscription {@code ""}), with CONFLATE so
     * only the newest sync is kept, and a receive timeout.
     *
     * @param endpoint  e.g. {@code ipc:///tmp/cvmmap_default}
     * @param timeoutMs receive timeout, ms ({@link #receive} returns -1 after it)
     * @throws ZmqException if libzmq is missing or the endpoint is refused
     */
    public static ZmqSocket subscriber(String endpoint, int timeoutMs) {
        ZmqSocket s = open(LibZmq.ZMQ_SUB, endpoint);
        try {
            s.setInt(LibZmq.ZMQ_CONFLATE, 1);
            s.setInt(LibZmq.ZMQ_RCVTIMEO, timeoutMs);
            s.setInt(LibZmq.ZMQ_LINGER, 0);
            if (LibZmq.zmq_setsockopt(s.socket, LibZmq.ZMQ_SUBSCRIBE, new byte[0], 0) != 0) {
                throw new ZmqException("zmq_setsockopt(SUBSCRIBE) failed: " + LibZmq.lastError());
            }
            if (LibZmq.zmq_connect(s.socket, endpoint) != 0) {
                throw new ZmqException("zmq_connect(" + endpoint + ") failed: " + LibZmq.lastError());
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Binds a PUB socket, as a cv-mmap producer does.
     *
     * @param endpoint e.g. {@code ipc:///tmp/cvmmap_default}
     * @throws ZmqException if the bind fails (address in use, bad path)
     */
    public static ZmqSocket publisher(String endpoint) {
        ZmqSocket s = open(LibZmq.ZMQ_PUB, endpoint);
        try {
            s.setInt(LibZmq.ZMQ_LINGER, 0);
            s.setInt(LibZmq.ZMQ_SNDHWM, 16);
            if (LibZmq.zmq_bind(s.socket, endpoint) != 0) {
                throw new ZmqException("zmq_bind(" + endpoint + ") failed: " + LibZmq.lastError());
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static ZmqSocket open(int type, String endpoint) {
        try {
            LibZmq.ensureLoaded();
        } catch (IllegalStateException e) {
            throw new ZmqException(e.getMessage());
        }
        Pointer ctx = LibZmq.zmq_ctx_new();
        if (ctx == null) {
            throw new ZmqException("zmq_ctx_new failed: " + LibZmq.lastError());
        }
        Pointer sock = LibZmq.zmq_socket(ctx, type);
        if (sock == null) {
            String err = LibZmq.lastError();
            LibZmq.zmq_ctx_term(ctx);
            throw new ZmqException("zmq_socket failed: " + err);
        }
        return new ZmqSocket(ctx, sock, endpoint);
    }

    private void setInt(int option, int value) {
        if (LibZmq.zmq_setsockopt(socket, option, new IntByReference(value), 4) != 0) {
            throw new ZmqException("zmq_setsockopt(" + option + ") failed: " + LibZmq.lastError());
        }
    }

    /**
     * Receives one message.
     *
     * @param buf destination; longer messages are truncated to its length
     * @return the full message length (may exceed buf.length), or -1 on timeout/interruption
     * @throws ZmqException on any other error
     */
    public int receive(byte[] buf) {
        int n = LibZmq.zmq_recv(socket, buf, buf.length, 0);
        if (n >= 0) {
            return n;
        }
        int err = LibZmq.zmq_errno();
        if (err == LibZmq.EAGAIN || err == LibZmq.EINTR) {
            return -1;
        }
        throw new ZmqException("zmq_recv(" + endpoint + ") failed: " + LibZmq.zmq_strerror(err));
    }

    /**
     * Sends one single-part message without blocking (a PUB drops it when no subscriber can take it).
     *
     * @throws ZmqException on error other than EAGAIN
     */
    public void send(byte[] msg) {
        if (LibZmq.zmq_send(socket, msg, msg.length, LibZmq.ZMQ_DONTWAIT) < 0) {
            int err = LibZmq.zmq_errno();
            if (err != LibZmq.EAGAIN) {
                throw new ZmqException("zmq_send(" + endpoint + ") failed: " + LibZmq.zmq_strerror(err));
            }
        }
    }

    /**
     * Starts watching this (bound) socket for peers whose ZMTP handshake completed, so a publisher
     * can wait for its first subscriber instead of sleeping. Call before peers may connect.
     *
     * @throws ZmqException if libzmq refuses the monitor
     */
    public synchronized void watchPeers() {
        String ep = "inproc://peers-" + Long.toHexString(Pointer.nativeValue(socket));
        if (LibZmq.zmq_socket_monitor(socket, ep, LibZmq.ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0) {
            throw new ZmqException("zmq_socket_monitor failed: " + LibZmq.lastError());
        }
        Pointer pair = LibZmq.zmq_socket(ctx, LibZmq.ZMQ_PAIR);
        if (pair == null || LibZmq.zmq_connect(pair, ep) != 0) {
            throw new ZmqException("monitor connect failed: " + LibZmq.lastError());
        }
        monitor = pair;
    }

    /**
     * Waits for the next peer handshake reported by {@link #watchPeers()}.
     *
     * @param timeoutMs longest wait, ms
     * @return true if a peer completed its handshake in time
     */
    public synchronized boolean awaitPeer(int timeoutMs) {
        if (monitor == null) {
            throw new IllegalStateException("watchPeers() was not called");
        }
        LibZmq.zmq_setsockopt(monitor, LibZmq.ZMQ_RCVTIMEO, new IntByReference(timeoutMs), 4);
        byte[] event = new byte[16];
        int n = LibZmq.zmq_recv(monitor, event, event.length, 0); // frame 1: u16 event id, u32 value
        if (n < 2) {
            return false;
        }
        byte[] address = new byte[256];
        LibZmq.zmq_recv(monitor, address, address.length, 0); // frame 2: peer endpoint
        int id = (event[0] & 0xFF) | (event[1] & 0xFF) << 8;
        return id == LibZmq.ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    }

    /** libzmq version as "major.minor.patch". */
    public static String libraryVersion() {
        LibZmq.ensureLoaded();
        int[] v = new int[3];
        LibZmq.version(v);
        return v[0] + "." + v[1] + "." + v[2];
    }

    /** The endpoint this socket was bound or connected to. */
    public String endpoint() {
        return endpoint;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (monitor != null) {
                LibZmq.zmq_socket_monitor(socket, null, 0);
                LibZmq.zmq_close(monitor);
            }
            LibZmq.zmq_close(socket);
            LibZmq.zmq_ctx_term(ctx);
        }
    }

    /** A libzmq call failed; the message carries libzmq's error text. */
    public static final class ZmqException extends RuntimeException {
        public ZmqException(String message) {
            super(message);
        }
    }
}
