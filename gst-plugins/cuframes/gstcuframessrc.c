/* cuframessrc: reads NV12 frames from a cuframes frames ring through CUDA IPC.
 *
 * SECTION:element-cuframessrc
 *
 * The frames subscriber of docs/specs/cuframes.md §2–§3: connects to <runtime-dir>/<key>.sock (HELLO_REQ,
 * WANTS_FRAMES, with `mode`), maps /dev/shm/cuframes-<key>, imports every slot's memory and event
 * (CUDA driver API loaded at run time), then for each frame: picks the seq (NEWEST_ONLY: the newest;
 * STRICT_ORDER: the next, or the oldest still in the ring after an overrun), holds the slot, makes
 * its own stream wait on that slot's event (cuStreamWaitEvent: the wait is on the GPU; v2
 * publishers have one legacy event), copies the frame device-to-host into a system-memory buffer
 * (video/x-raw, format=NV12, `output=system`, what x264enc takes), releases the slot, and re-checks
 * the slot seq: a slot overwritten during the copy is never pushed (the frame is read again), so no
 * torn frame leaves the element. EOS when the publisher shuts down; an error if its socket closes
 * without a shutdown. Without a driver the element fails at start with a message saying so.
 * (`output=cuda`, GstCudaBufferPool memory for NVENC, needs gstreamer-cuda-1.0 built against a CUDA
 * toolkit's cuda.h: not in this build; it reports so.)
 *
 * Example launch line:
 *   gst-launch-1.0 cuframessrc key=cam0 runtime-dir=/tmp/cuframes ! videoconvert ! x264enc tune=zerolatency \
 *       ! h264parse ! fakesink
 */
#include "gstcuframessrc.h"
#include "cuframes-cuda.h"
#include "cuframes-frames.h"
#include "cuframes-handshake.h"

#include <gst/video/video.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (cuframes_src_debug);
#define GST_CAT_DEFAULT cuframes_src_debug

enum { PROP_0, PROP_KEY, PROP_RUNTIME_DIR, PROP_MODE, PROP_OUTPUT, PROP_TIMEOUT_MS, PROP_CUDA_DEVICE };

#define MAX_RETRIES 8 /* reads of a slot overwritten during the copy before giving that frame up */

typedef enum { OUTPUT_SYSTEM = 0, OUTPUT_CUDA = 1 } CuframesOutput;

struct _GstCuframesSrc {
  GstPushSrc parent;
  gchar *key;
  gchar *runtime_dir;
  guint mode;
  CuframesOutput output;
  guint timeout_ms;
  guint device_ordinal;
  cf_cuda_session cuda;
  int sock;
  int index;             /* our subscriber bit */
  cf_frames_ring *ring;
  guint ring_size;
  cf_frame_geometry geometry;
  GstVideoInfo info;
  cf_CUdeviceptr slot_mem[CF_FRAMES_SLOTS_MAX];
  cf_CUevent slot_event[CF_FRAMES_SLOTS_MAX];
  uint64_t last;
  guint64 skipped, retried;
  volatile gint flushing;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("NV12")));

G_DEFINE_TYPE (GstCuframesSrc, gst_cuframes_src, GST_TYPE_PUSH_SRC);

#define GST_TYPE_CUFRAMES_MODE (gst_cuframes_mode_get_type ())
static GType
gst_cuframes_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {CF_MODE_NEWEST_ONLY, "The newest frame (skips frames the pipeline is too slow for)", "newest-only"},
    {CF_MODE_STRICT_ORDER, "Every frame in order while the ring holds it", "strict-order"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCuframesMode", values));
  return type;
}

#define GST_TYPE_CUFRAMES_OUTPUT (gst_cuframes_output_get_type ())
static GType
gst_cuframes_output_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {OUTPUT_SYSTEM, "Download into system memory (x264enc, videoconvert)", "system"},
    {OUTPUT_CUDA, "CUDA memory (GstCudaBufferPool; not in this build)", "cuda"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstCuframesOutput", values));
  return type;
}

static void
gst_cuframes_src_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GstCuframesSrc *self = GST_CUFRAMES_SRC (object);
  switch (id) {
    case PROP_KEY:
      g_free (self->key);
      self->key = g_value_dup_string (value);
      break;
    case PROP_RUNTIME_DIR:
      g_free (self->runtime_dir);
      self->runtime_dir = g_value_dup_string (value);
      break;
    case PROP_MODE:
      self->mode = (guint) g_value_get_enum (value);
      break;
    case PROP_OUTPUT:
      self->output = (CuframesOutput) g_value_get_enum (value);
      break;
    case PROP_TIMEOUT_MS:
      self->timeout_ms = g_value_get_uint (value);
      break;
    case PROP_CUDA_DEVICE:
      self->device_ordinal = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_cuframes_src_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GstCuframesSrc *self = GST_CUFRAMES_SRC (object);
  switch (id) {
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_RUNTIME_DIR:
      g_value_set_string (value, self->runtime_dir);
      break;
    case PROP_MODE:
      g_value_set_enum (value, (gint) self->mode);
      break;
    case PROP_OUTPUT:
      g_value_set_enum (value, self->output);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_CUDA_DEVICE:
      g_value_set_uint (value, self->device_ordinal);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

#define CU_OK(call, what) (!cf_cuda_failed (self->cuda.cu, (call), (what), &err))

static gboolean
gst_cuframes_src_start (GstBaseSrc *src)
{
  GstCuframesSrc *self = GST_CUFRAMES_SRC (src);
  cf_error err;
  if (!cf_key_valid (self->key, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Invalid key '%s'", GST_STR_NULL (self->key)), ("%s", err.text));
    return FALSE;
  }
  if (self->output == OUTPUT_CUDA) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("output=cuda is not available in this build"),
        ("GStreamer 1.22's gstreamer-cuda-1.0 headers need a CUDA toolkit's cuda.h; use output=system"));
    return FALSE;
  }
  int rc = cf_cuda_session_open (&self->cuda, self->device_ordinal, &err);
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("CUDA is not available: cuframessrc needs an NVIDIA GPU "
            "and driver"), ("device %u: %s (code %d)", self->device_ordinal, err.text, rc));
    return FALSE;
  }
  self->last = CF_SEQ_NONE;
  self->skipped = self->retried = 0;
  g_atomic_int_set (&self->flushing, 0);
  return TRUE;
}

static void
detach (GstCuframesSrc *self)
{
  if (self->cuda.cu) {
    self->cuda.cu->CtxPushCurrent (self->cuda.ctx);
    self->cuda.cu->StreamSynchronize (self->cuda.stream);
    for (guint i = 0; i < CF_FRAMES_SLOTS_MAX; i++) {
      if (self->slot_event[i])
        self->cuda.cu->EventDestroy (self->slot_event[i]);
      if (self->slot_mem[i])
        self->cuda.cu->IpcCloseMemHandle (self->slot_mem[i]);
      self->slot_event[i] = NULL;
      self->slot_mem[i] = 0;
    }
    self->cuda.cu->CtxPopCurrent (NULL);
  }
  cf_frames_ring_close (self->ring, FALSE);
  self->ring = NULL;
  if (self->sock >= 0)
    close (self->sock); /* leaving: the publisher frees our bit and subscriber entry */
  self->sock = -1;
}

static gboolean
gst_cuframes_src_stop (GstBaseSrc *src)
{
  GstCuframesSrc *self = GST_CUFRAMES_SRC (src);
  detach (self);
  cf_cuda_session_close (&self->cuda);
  GST_INFO_OBJECT (self, "stopped: %" G_GUINT64_FORMAT " frames skipped, %" G_GUINT64_FORMAT " re-reads",
      self->skipped, self->retried);
  return TRUE;
}

static gboolean
gst_cuframes_src_unlock (GstBaseSrc *src)
{
  g_atomic_int_set (&GST_CUFRAMES_SRC (src)->flushing, 1);
  return TRUE;
}

static gboolean
gst_cuframes_src_unlock_stop (GstBaseSrc *src)
{
  g_atomic_int_set (&GST_CUFRAMES_SRC (src)->flushing, 0);
  return TRUE;
}

/* Handshake (waiting up to timeout-ms), frames header, IPC imports, caps. */
static GstFlowReturn
attach (GstCuframesSrc *self)
{
  cf_hello_req req = {.proto_version = CF_PROTO_SLOT_EVENTS, .cuda_device = self->device_ordinal,
    .mode = self->mode, .subscribe_flags = CF_WANTS_FRAMES};
  g_snprintf (req.name, sizeof req.name, "%s", GST_OBJECT_NAME (self));
  cf_hello_resp resp;
  cf_error err;
  int rc;
  gint64 deadline = g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
  GST_INFO_OBJECT (self, "waiting up to %u ms for %s/%s.sock", self->timeout_ms, self->runtime_dir, self->key);
  while ((rc = cf_subscribe (self->runtime_dir, self->key, &req, 2000, &self->sock, &resp, &err)) == CF_ERR_NOT_FOUND
      || rc == CF_ERR_NOT_READY) {
    if (g_atomic_int_get (&self->flushing))
      return GST_FLOW_FLUSHING;
    if (g_get_monotonic_time () > deadline) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No frames publisher for key '%s' within %u ms", self->key,
              self->timeout_ms), ("%s", err.text));
      return GST_FLOW_ERROR;
    }
    g_usleep (10000);
  }
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("The publisher of key '%s' refused us", self->key),
        ("%s (code %d)", err.text, rc));
    return GST_FLOW_ERROR;
  }
  self->index = (int) resp.subscriber_index;
  rc = cf_frames_ring_open_name (resp.shm_path, &self->ring, &err);
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot open %s", resp.shm_path), ("%s (code %d)", err.text, rc));
    return GST_FLOW_ERROR;
  }
  self->ring_size = cf_frames_ring_size (self->ring);
  cf_frames_ring_geometry (self->ring, &self->geometry);
  if (cf_frames_ring_cuda_device (self->ring) != self->device_ordinal)
    GST_WARNING_OBJECT (self, "publisher uses CUDA device %u, we use %u: CUDA IPC needs the same GPU",
        cf_frames_ring_cuda_device (self->ring), self->device_ordinal);
  gboolean ok = TRUE;
  self->cuda.cu->CtxPushCurrent (self->cuda.ctx);
  for (guint i = 0; ok && i < self->ring_size; i++) {
    cf_CUipcMemHandle mh;
    cf_CUipcEventHandle eh;
    memcpy (&mh, cf_frames_ring_slot_mem_handle (self->ring, i), sizeof mh);
    memcpy (&eh, cf_frames_ring_slot_event_handle (self->ring, i), sizeof eh);
    ok = CU_OK (self->cuda.cu->IpcOpenMemHandle (&self->slot_mem[i], mh, CF_CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS),
            "cuIpcOpenMemHandle")
        && CU_OK (self->cuda.cu->IpcOpenEventHandle (&self->slot_event[i], eh),
            "cuIpcOpenEventHandle (same GPU and PID namespace as the publisher?)");
  }
  self->cuda.cu->CtxPopCurrent (NULL);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot import the CUDA IPC handles of key '%s'", self->key),
        ("%s", err.text));
    return GST_FLOW_ERROR;
  }
  gst_video_info_set_format (&self->info, GST_VIDEO_FORMAT_NV12, self->geometry.width, self->geometry.height);
  GstCaps *caps = gst_video_info_to_caps (&self->info);
  gboolean negotiated = gst_base_src_set_caps (GST_BASE_SRC (self), caps);
  gst_caps_unref (caps);
  GST_INFO_OBJECT (self, "subscribed (subscriber %d, v%u): %u slots of %ux%u NV12, pitch %u, mode %s", self->index,
      cf_frames_ring_version (self->ring), self->ring_size, self->geometry.width, self->geometry.height,
      self->geometry.pitch_y, self->mode == CF_MODE_STRICT_ORDER ? "strict-order" : "newest-only");
  return negotiated ? GST_FLOW_OK : GST_FLOW_NOT_NEGOTIATED;
}

/* Copies frame `seq` of `slot` into out (mapped NV12 system memory) after the slot's event; returns
 * 1 when the slot still held seq afterwards (the copy is that frame), 0 when it was overwritten. */
static int
copy_frame (GstCuframesSrc *self, GstVideoFrame *out, uint64_t seq, guint slot, cf_error *errp)
{
  cf_error err;
  cf_CUDA_MEMCPY2D planes[2];
  memset (planes, 0, sizeof planes);
  for (guint p = 0; p < 2; p++) {
    planes[p].srcMemoryType = CF_CU_MEMORYTYPE_DEVICE;
    planes[p].srcDevice = self->slot_mem[slot] + (p ? self->geometry.uv_offset : 0);
    planes[p].srcPitch = p ? self->geometry.pitch_uv : self->geometry.pitch_y;
    planes[p].dstMemoryType = CF_CU_MEMORYTYPE_HOST;
    planes[p].dstHost = GST_VIDEO_FRAME_PLANE_DATA (out, p);
    planes[p].dstPitch = (size_t) GST_VIDEO_FRAME_PLANE_STRIDE (out, p);
    planes[p].WidthInBytes = self->geometry.width;
    planes[p].Height = p ? (self->geometry.height + 1) / 2 : self->geometry.height;
  }
  cf_frames_ring_hold (self->ring, self->index, slot);
  self->cuda.cu->CtxPushCurrent (self->cuda.ctx);
  int ok = CU_OK (self->cuda.cu->StreamWaitEvent (self->cuda.stream, self->slot_event[slot], 0), "cuStreamWaitEvent")
      && CU_OK (self->cuda.cu->Memcpy2DAsync (&planes[0], self->cuda.stream), "cuMemcpy2DAsync (Y)")
      && CU_OK (self->cuda.cu->Memcpy2DAsync (&planes[1], self->cuda.stream), "cuMemcpy2DAsync (UV)")
      && CU_OK (self->cuda.cu->StreamSynchronize (self->cuda.stream), "cuStreamSynchronize");
  self->cuda.cu->CtxPopCurrent (NULL);
  cf_frames_ring_release (self->ring, self->index, slot, seq);
  if (!ok) {
    *errp = err;
    return -1;
  }
  return cf_frames_ring_slot_seq (self->ring, slot) == seq;
}

static GstFlowReturn
gst_cuframes_src_create (GstPushSrc *src, GstBuffer **out)
{
  GstCuframesSrc *self = GST_CUFRAMES_SRC (src);
  if (!self->ring) {
    GstFlowReturn r = attach (self);
    if (r != GST_FLOW_OK)
      return r;
  }
  GstBuffer *buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&self->info), NULL);
  GstVideoFrame frame;
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_WRITE)) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  int retries = 0;
  while (TRUE) {
    if (g_atomic_int_get (&self->flushing)) {
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
      return GST_FLOW_FLUSHING;
    }
    uint64_t seq, skipped;
    int rc = cf_frames_pick (self->ring, self->mode, self->last, &seq, &skipped);
    if (rc == CF_ERR_DISCONNECTED) {
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
      GST_INFO_OBJECT (self, "publisher shut down: EOS");
      return GST_FLOW_EOS;
    }
    if (rc == CF_ERR_WOULD_BLOCK) {
      if (cf_socket_closed (self->sock) && !cf_frames_ring_is_shutdown (self->ring)) {
        gst_video_frame_unmap (&frame);
        gst_buffer_unref (buf);
        GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The publisher of key '%s' went away without shutting down",
                self->key), ("handshake socket closed by the peer"));
        return GST_FLOW_ERROR;
      }
      g_usleep (CF_READER_POLL_US);
      continue;
    }
    guint slot = (guint) (seq % self->ring_size);
    cf_error err;
    int got = copy_frame (self, &frame, seq, slot, &err);
    if (got < 0) {
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Copy of frame %" G_GUINT64_FORMAT " failed", seq), ("%s", err.text));
      return GST_FLOW_ERROR;
    }
    if (!got) {
      /* Overwritten while we copied (a later lap): never push it; read again. */
      self->retried++;
      if (++retries > MAX_RETRIES)
        self->last = seq; /* the writer keeps lapping us on this seq: move on */
      continue;
    }
    self->skipped += skipped;
    self->last = seq;
    GST_BUFFER_OFFSET (buf) = seq;
    break;
  }
  gst_video_frame_unmap (&frame);
  *out = buf;
  return GST_FLOW_OK;
}

static void
gst_cuframes_src_finalize (GObject *object)
{
  GstCuframesSrc *self = GST_CUFRAMES_SRC (object);
  g_free (self->key);
  g_free (self->runtime_dir);
  G_OBJECT_CLASS (gst_cuframes_src_parent_class)->finalize (object);
}

static void
gst_cuframes_src_class_init (GstCuframesSrcClass *klass)
{
  GObjectClass *gobject = G_OBJECT_CLASS (klass);
  GstElementClass *element = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *push = GST_PUSH_SRC_CLASS (klass);
  gobject->set_property = gst_cuframes_src_set_property;
  gobject->get_property = gst_cuframes_src_get_property;
  gobject->finalize = gst_cuframes_src_finalize;
  g_object_class_install_property (gobject, PROP_KEY, g_param_spec_string ("key", "Key",
          "Stream key: 1..63 of [A-Za-z0-9_-]", NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_RUNTIME_DIR, g_param_spec_string ("runtime-dir",
          "Runtime dir", "Directory of the publisher's handshake socket <runtime-dir>/<key>.sock",
          CF_RUNTIME_DIR_DEFAULT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_MODE, g_param_spec_enum ("mode", "Mode", "Which frame to read next",
          GST_TYPE_CUFRAMES_MODE, CF_MODE_NEWEST_ONLY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_OUTPUT, g_param_spec_enum ("output", "Output", "Output memory",
          GST_TYPE_CUFRAMES_OUTPUT, OUTPUT_SYSTEM, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_TIMEOUT_MS, g_param_spec_uint ("timeout-ms", "Timeout",
          "How long to wait for a publisher that is not there yet, ms", 0, G_MAXUINT, 10000,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_CUDA_DEVICE, g_param_spec_uint ("cuda-device", "CUDA device",
          "CUDA device ordinal (the publisher's GPU)", 0, 63, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element, &src_template);
  gst_element_class_set_static_metadata (element, "cuframes frames source", "Source/Video",
      "Reads NV12 frames from a cuframes ring of CUDA IPC buffers (per-slot events)", "cvmmap-streamer");
  base->start = gst_cuframes_src_start;
  base->stop = gst_cuframes_src_stop;
  base->unlock = gst_cuframes_src_unlock;
  base->unlock_stop = gst_cuframes_src_unlock_stop;
  push->create = gst_cuframes_src_create;
  GST_DEBUG_CATEGORY_INIT (cuframes_src_debug, "cuframessrc", 0, "cuframes frames source");
  gst_type_mark_as_plugin_api (GST_TYPE_CUFRAMES_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_CUFRAMES_OUTPUT, 0);
}

static void
gst_cuframes_src_init (GstCuframesSrc *self)
{
  self->runtime_dir = g_strdup (CF_RUNTIME_DIR_DEFAULT);
  self->timeout_ms = 10000;
  self->mode = CF_MODE_NEWEST_ONLY;
  self->output = OUTPUT_SYSTEM;
  self->sock = -1;
  self->index = -1;
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (self), TRUE);
}
