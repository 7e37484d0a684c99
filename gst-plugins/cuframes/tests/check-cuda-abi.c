/* Compile-time check that cuframes-cuda.h mirrors the CUDA driver API's ABI. Built by `make check`
 * only where a CUDA toolkit's cuda.h is found (CUDA_INCLUDE); nothing to run. */
#include <cuda.h>
#include <stddef.h>
#include "../cuframes-cuda.h"
#define SAME(f) _Static_assert (offsetof (CUDA_MEMCPY2D, f) == offsetof (cf_CUDA_MEMCPY2D, f), #f)
SAME(srcXInBytes); SAME(srcY); SAME(srcMemoryType); SAME(srcHost); SAME(srcDevice); SAME(srcArray); SAME(srcPitch);
SAME(dstXInBytes); SAME(dstY); SAME(dstMemoryType); SAME(dstHost); SAME(dstDevice); SAME(dstArray); SAME(dstPitch);
SAME(WidthInBytes); SAME(Height);
_Static_assert (sizeof (CUDA_MEMCPY2D) == sizeof (cf_CUDA_MEMCPY2D), "size");
_Static_assert (sizeof (CUipcMemHandle) == 64 && sizeof (CUipcEventHandle) == 64, "handles");
_Static_assert (CU_EVENT_INTERPROCESS == CF_CU_EVENT_INTERPROCESS && CU_EVENT_DISABLE_TIMING == CF_CU_EVENT_DISABLE_TIMING, "ev");
_Static_assert (CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS == CF_CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS, "ipc");
_Static_assert (CU_MEMORYTYPE_HOST == CF_CU_MEMORYTYPE_HOST && CU_MEMORYTYPE_DEVICE == CF_CU_MEMORYTYPE_DEVICE, "mt");
_Static_assert (CU_STREAM_NON_BLOCKING == CF_CU_STREAM_NON_BLOCKING, "s");
int main (void) { return 0; }
