/* The part of the CUDA driver API the cuframes frames elements use, loaded at run time with
 * dlopen("libcuda.so.1"): the plugin builds without the CUDA toolkit and loads on machines without
 * an NVIDIA driver; only using a frames element there fails, with a clear message.
 *
 * The types below mirror the driver API's ABI (cuda.h, CUDA 11/12/13: the _v2 entry points and
 * CUDA_MEMCPY2D layout); tests/check-cuda-abi.c compares them with a real cuda.h when one exists.
 */
#ifndef CUFRAMES_CUDA_H
#define CUFRAMES_CUDA_H

#include "cuframes-protocol.h"

#include <stddef.h>

typedef int cf_CUresult;
typedef int cf_CUdevice;
typedef struct cf_CUctx_st *cf_CUcontext;
typedef struct cf_CUstream_st *cf_CUstream;
typedef struct cf_CUevent_st *cf_CUevent;
typedef unsigned long long cf_CUdeviceptr;
typedef struct { char reserved[64]; } cf_CUipcMemHandle;
typedef struct { char reserved[64]; } cf_CUipcEventHandle;

#define CF_CU_MEMORYTYPE_HOST 1
#define CF_CU_MEMORYTYPE_DEVICE 2
#define CF_CU_EVENT_DISABLE_TIMING 0x2u
#define CF_CU_EVENT_INTERPROCESS 0x4u
#define CF_CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS 0x1u
#define CF_CU_STREAM_NON_BLOCKING 0x1u

typedef struct {
  size_t srcXInBytes, srcY;
  int srcMemoryType;
  const void *srcHost;
  cf_CUdeviceptr srcDevice;
  void *srcArray;
  size_t srcPitch;
  size_t dstXInBytes, dstY;
  int dstMemoryType;
  void *dstHost;
  cf_CUdeviceptr dstDevice;
  void *dstArray;
  size_t dstPitch;
  size_t WidthInBytes, Height;
} cf_CUDA_MEMCPY2D;

/* The entry points, resolved once per process. */
typedef struct {
  cf_CUresult (*Init) (unsigned int flags);
  cf_CUresult (*DeviceGet) (cf_CUdevice *dev, int ordinal);
  cf_CUresult (*DeviceGetCount) (int *count);
  cf_CUresult (*DevicePrimaryCtxRetain) (cf_CUcontext *ctx, cf_CUdevice dev);
  cf_CUresult (*DevicePrimaryCtxRelease) (cf_CUdevice dev);
  cf_CUresult (*CtxPushCurrent) (cf_CUcontext ctx);
  cf_CUresult (*CtxPopCurrent) (cf_CUcontext *ctx);
  cf_CUresult (*StreamCreate) (cf_CUstream *stream, unsigned int flags);
  cf_CUresult (*StreamDestroy) (cf_CUstream stream);
  cf_CUresult (*StreamSynchronize) (cf_CUstream stream);
  cf_CUresult (*StreamWaitEvent) (cf_CUstream stream, cf_CUevent event, unsigned int flags);
  cf_CUresult (*MemAllocPitch) (cf_CUdeviceptr *dptr, size_t *pitch, size_t width_bytes, size_t height,
      unsigned int element_bytes);
  cf_CUresult (*MemFree) (cf_CUdeviceptr dptr);
  cf_CUresult (*Memcpy2DAsync) (const cf_CUDA_MEMCPY2D *copy, cf_CUstream stream);
  cf_CUresult (*IpcGetMemHandle) (cf_CUipcMemHandle *handle, cf_CUdeviceptr dptr);
  cf_CUresult (*IpcOpenMemHandle) (cf_CUdeviceptr *dptr, cf_CUipcMemHandle handle, unsigned int flags);
  cf_CUresult (*IpcCloseMemHandle) (cf_CUdeviceptr dptr);
  cf_CUresult (*EventCreate) (cf_CUevent *event, unsigned int flags);
  cf_CUresult (*EventDestroy) (cf_CUevent event);
  cf_CUresult (*EventRecord) (cf_CUevent event, cf_CUstream stream);
  cf_CUresult (*IpcGetEventHandle) (cf_CUipcEventHandle *handle, cf_CUevent event);
  cf_CUresult (*IpcOpenEventHandle) (cf_CUevent *event, cf_CUipcEventHandle handle);
  cf_CUresult (*GetErrorName) (cf_CUresult error, const char **name);
  cf_CUresult (*GetErrorString) (cf_CUresult error, const char **text);
} cf_cuda_api;

/* Loads libcuda.so.1 (or the library named by $CUFRAMES_LIBCUDA, for tests), resolves every entry
 * point and calls cuInit(0). Thread-safe; the result is cached. CF_OK with *api set, or
 * CF_ERR_NOT_FOUND ("libcuda.so.1 cannot be loaded: no NVIDIA driver on this machine? ...") /
 * CF_ERR_SYSTEM (a symbol missing, cuInit failing: the driver's message). */
int cf_cuda_load (const cf_cuda_api **api, cf_error *err);

/* Formats a failed call into err: "<what>: CUDA_ERROR_NAME (code): description". Returns 0 when rc
 * is 0 (success), else 1. */
int cf_cuda_failed (const cf_cuda_api *api, cf_CUresult rc, const char *what, cf_error *err);

/* One element's CUDA context: the device's primary context, retained, and a non-blocking stream. */
typedef struct {
  const cf_cuda_api *cu;
  cf_CUdevice device;
  cf_CUcontext ctx;
  cf_CUstream stream;
} cf_cuda_session;

/* Loads the driver (cf_cuda_load), retains device `ordinal`'s primary context and creates a stream.
 * CF_OK, or the loader's code / CF_ERR_SYSTEM with err saying which call failed; s is then left
 * closed (nothing to release). */
int cf_cuda_session_open (cf_cuda_session *s, unsigned int ordinal, cf_error *err);
/* Synchronizes and destroys the stream, releases the context. A closed session is fine. */
void cf_cuda_session_close (cf_cuda_session *s);

#endif /* CUFRAMES_CUDA_H */
