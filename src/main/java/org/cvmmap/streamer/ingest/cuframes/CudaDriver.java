package org.cvmmap.streamer.ingest.cuframes;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Whether this machine can run the CUDA side of a {@code cuframes://} input: the NVIDIA driver's
 * {@code libcuda.so.1} loads and {@code cuInit(0)} succeeds (a GPU is visible). Checked once before
 * any graph is built, so a machine without a GPU ends the run at once with exit 5 instead of
 * rebuilding a graph whose source can never start (docs/specs/cuframes.md §2; docs/cuframes-protocol.md).
 */
public final class CudaDriver {
    private CudaDriver() {
    }

    /**
     * @return null when CUDA is usable, else why not in one sentence (for the exit-5 log line)
     */
    public static String problem() {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance("libcuda.so.1");
        } catch (UnsatisfiedLinkError e) {
            return "libcuda.so.1 cannot be loaded (no NVIDIA driver on this machine)";
        }
        try {
            Function init = lib.getFunction("cuInit");
            int r = init.invokeInt(new Object[]{0});
            return r == 0 ? null : "cuInit(0) failed with CUresult " + r + " (no usable GPU)";
        } catch (UnsatisfiedLinkError e) {
            return "libcuda.so.1 has no cuInit: " + e.getMessage();
        }
    }
}
