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
     * The driver's version and its devices, through the driver API ({@code cuDriverGetVersion},
     * {@code cuDeviceGetCount}, {@code cuDeviceGetName}, {@code cuDeviceTotalMem_v2}); call only when
     * {@link #problem()} is null.
     *
     * @return e.g. {@code ["driver 13.0", "0: NVIDIA H200 (143771 MiB)"]}, or one line saying what failed
     */
    public static java.util.List<String> devices() {
        java.util.List<String> out = new java.util.ArrayList<>();
        try {
            NativeLibrary lib = NativeLibrary.getInstance("libcuda.so.1");
            int[] v = new int[1];
            if (lib.getFunction("cuDriverGetVersion").invokeInt(new Object[]{v}) == 0) {
                out.add("driver " + v[0] / 1000 + "." + (v[0] % 1000) / 10);
            }
            int[] n = new int[1];
            int r = lib.getFunction("cuDeviceGetCount").invokeInt(new Object[]{n});
            if (r != 0) {
                out.add("cuDeviceGetCount failed with CUresult " + r);
                return out;
            }
            for (int i = 0; i < n[0]; i++) {
                int[] dev = new int[1];
                lib.getFunction("cuDeviceGet").invokeInt(new Object[]{dev, i});
                byte[] name = new byte[256];
                lib.getFunction("cuDeviceGetName").invokeInt(new Object[]{name, name.length, dev[0]});
                long[] mem = new long[1];
                lib.getFunction("cuDeviceTotalMem_v2").invokeInt(new Object[]{mem, dev[0]});
                int len = 0;
                while (len < name.length && name[len] != 0) {
                    len++;
                }
                out.add(i + ": " + new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8) + " ("
                        + (mem[0] >> 20) + " MiB)");
            }
        } catch (UnsatisfiedLinkError e) {
            out.add("the driver API cannot be called: " + e.getMessage());
        }
        return out;
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
