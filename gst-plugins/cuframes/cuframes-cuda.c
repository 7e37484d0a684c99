/* Run-time loader of the CUDA driver API: see cuframes-cuda.h. */
#define _GNU_SOURCE
#include "cuframes-cuda.h"
#include "cuframes-internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static cf_cuda_api api;
static int load_rc = 1; /* 1: not tried yet */
static cf_error load_err;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load (void)
{
  const char *name = getenv ("CUFRAMES_LIBCUDA");
  if (!name || !*name)
    name = "libcuda.so.1";
  void *lib = dlopen (name, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    cf_set_error (&load_err, "%s cannot be loaded: no NVIDIA driver on this machine? (%s)", name, dlerror ());
    load_rc = CF_ERR_NOT_FOUND;
    return;
  }
  static const struct {
    const char *symbol;
    size_t offset;
  } table[] = {
#define SYM(field, symbol) {symbol, offsetof (cf_cuda_api, field)}
    SYM (Init, "cuInit"),
    SYM (DeviceGet, "cuDeviceGet"),
    SYM (DeviceGetCount, "cuDeviceGetCount"),
    SYM (DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"),
    SYM (DevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"),
    SYM (CtxPushCurrent, "cuCtxPushCurrent_v2"),
    SYM (CtxPopCurrent, "cuCtxPopCurrent_v2"),
    SYM (StreamCreate, "cuStreamCreate"),
    SYM (StreamDestroy, "cuStreamDestroy_v2"),
    SYM (StreamSynchronize, "cuStreamSynchronize"),
    SYM (StreamWaitEvent, "cuStreamWaitEvent"),
    SYM (MemAllocPitch, "cuMemAllocPitch_v2"),
    SYM (MemFree, "cuMemFree_v2"),
    SYM (Memcpy2DAsync, "cuMemcpy2DAsync_v2"),
    SYM (IpcGetMemHandle, "cuIpcGetMemHandle"),
    SYM (IpcOpenMemHandle, "cuIpcOpenMemHandle_v2"),
    SYM (IpcCloseMemHandle, "cuIpcCloseMemHandle"),
    SYM (EventCreate, "cuEventCreate"),
    SYM (EventDestroy, "cuEventDestroy_v2"),
    SYM (EventRecord, "cuEventRecord"),
    SYM (IpcGetEventHandle, "cuIpcGetEventHandle"),
    SYM (IpcOpenEventHandle, "cuIpcOpenEventHandle"),
    SYM (GetErrorName, "cuGetErrorName"),
    SYM (GetErrorString, "cuGetErrorString"),
#undef SYM
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    void *fn = dlsym (lib, table[i].symbol);
    if (!fn) {
      cf_set_error (&load_err, "%s has no %s: driver too old?", name, table[i].symbol);
      load_rc = CF_ERR_SYSTEM;
      return;
    }
    memcpy ((char *) &api + table[i].offset, &fn, sizeof fn);
  }
  cf_CUresult rc = api.Init (0);
  if (cf_cuda_failed (&api, rc, "cuInit", &load_err)) {
    load_rc = CF_ERR_SYSTEM;
    return;
  }
  int count = 0;
  if (cf_cuda_failed (&api, api.DeviceGetCount (&count), "cuDeviceGetCount", &load_err) || count == 0) {
    if (count == 0)
      cf_set_error (&load_err, "no CUDA device");
    load_rc = CF_ERR_NOT_FOUND;
    return;
  }
  load_rc = CF_OK;
}

int
cf_cuda_load (const cf_cuda_api **out, cf_error *err)
{
  pthread_once (&once, load);
  if (load_rc != CF_OK) {
    if (err)
      *err = load_err;
    return load_rc;
  }
  *out = &api;
  return CF_OK;
}

int
cf_cuda_failed (const cf_cuda_api *a, cf_CUresult rc, const char *what, cf_error *err)
{
  if (rc == 0)
    return 0;
  const char *name = NULL, *text = NULL;
  if (a && a->GetErrorName)
    a->GetErrorName (rc, &name);
  if (a && a->GetErrorString)
    a->GetErrorString (rc, &text);
  cf_set_error (err, "%s: %s (%d): %s", what, name ? name : "CUDA_ERROR", rc, text ? text : "no description");
  return 1;
}

int
cf_cuda_session_open (cf_cuda_session *s, unsigned int ordinal, cf_error *err)
{
  memset (s, 0, sizeof *s);
  const cf_cuda_api *cu;
  int rc = cf_cuda_load (&cu, err);
  if (rc != CF_OK)
    return rc;
  if (cf_cuda_failed (cu, cu->DeviceGet (&s->device, (int) ordinal), "cuDeviceGet", err)
      || cf_cuda_failed (cu, cu->DevicePrimaryCtxRetain (&s->ctx, s->device), "cuDevicePrimaryCtxRetain", err))
    return CF_ERR_SYSTEM;
  cu->CtxPushCurrent (s->ctx);
  int failed = cf_cuda_failed (cu, cu->StreamCreate (&s->stream, CF_CU_STREAM_NON_BLOCKING), "cuStreamCreate", err);
  cu->CtxPopCurrent (NULL);
  if (failed) {
    cu->DevicePrimaryCtxRelease (s->device);
    s->ctx = NULL;
    return CF_ERR_SYSTEM;
  }
  s->cu = cu;
  return CF_OK;
}

void
cf_cuda_session_close (cf_cuda_session *s)
{
  if (!s->cu)
    return;
  s->cu->CtxPushCurrent (s->ctx);
  s->cu->StreamSynchronize (s->stream);
  s->cu->StreamDestroy (s->stream);
  s->cu->CtxPopCurrent (NULL);
  s->cu->DevicePrimaryCtxRelease (s->device);
  memset (s, 0, sizeof *s);
}
