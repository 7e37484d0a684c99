/* cuframessink: publishes NV12 frames into a cuframes frames ring in GPU memory (CUDA IPC).
 *
 * SECTION:element-cuframessink
 *
 * The frames publisher of docs/specs/cuframes.md §2: a library-owned ring of `ring` device buffers (one pitched
 * allocation of height×3/2 rows each: Y, then interleaved UV), one interprocess CUDA event per
 * slot, and /dev/shm/cuframes-<key> holding their IPC handles (proto_version 3, layout in
 * docs/cuframes-protocol.md). Each frame (video/x-raw, format=NV12, system memory) is uploaded into
 * slot seq % ring on the element's CUDA stream, the slot's event is recorded after the copy, then
 * the slot seq and global_seq are published (DROP_OLDEST: a slot is overwritten whether or not a
 * subscriber still reads it; readers re-check the slot seq). The handshake socket
 * <runtime-dir>/<key>.sock accepts up to 32 subscribers and frees a subscriber's bit when its socket
 * closes. CUDA is loaded at run time (libcuda.so.1); without a driver the element fails at start
 * with a message saying so.
 *
 * Example launch line:
 *   gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,format=NV12,width=1280,height=720 \
 *       ! cuframessink key=cam0 runtime-dir=/tmp/cuframes
 */
#include "gstcuframessink.h"
#include "cuframes-cuda.h"
#include "cuframes-frames.h"
#include "cuframes-handshake.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (cuframes_sink_debug);
#define GST_CAT_DEFAULT cuframes_sink_debug

enum { PROP_0, PROP_KEY, PROP_RUNTIME_DIR, PROP_RING, PROP_CUDA_DEVICE };

struct _GstCuframesSink {
  GstBaseSink parent;
  gchar *key;
  gchar *runtime_dir;
  guint ring_size;
  guint device_ordinal;
  cf_cuda_session cuda;
  cf_CUdeviceptr slot_mem[CF_FRAMES_SLOTS_MAX];
  cf_CUevent slot_event[CF_FRAMES_SLOTS_MAX];
  cf_frame_geometry geometry;
  GstVideoInfo info;
  cf_frames_ring *ring;
  cf_publisher *publisher;
  guint64 published;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("NV12")));

G_DEFINE_TYPE (GstCuframesSink, gst_cuframes_sink, GST_TYPE_BASE_SINK);

static void
gst_cuframes_sink_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (object);
  switch (id) {
    case PROP_KEY:
      g_free (self->key);
      self->key = g_value_dup_string (value);
      break;
    case PROP_RUNTIME_DIR:
      g_free (self->runtime_dir);
      self->runtime_dir = g_value_dup_string (value);
      break;
    case PROP_RING:
      self->ring_size = g_value_get_uint (value);
      break;
    case PROP_CUDA_DEVICE:
      self->device_ordinal = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_cuframes_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (object);
  switch (id) {
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_RUNTIME_DIR:
      g_value_set_string (value, self->runtime_dir);
      break;
    case PROP_RING:
      g_value_set_uint (value, self->ring_size);
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
gst_cuframes_sink_start (GstBaseSink *sink)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (sink);
  cf_error err;
  if (!cf_key_valid (self->key, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Invalid key '%s'", GST_STR_NULL (self->key)), ("%s", err.text));
    return FALSE;
  }
  int rc = cf_cuda_session_open (&self->cuda, self->device_ordinal, &err);
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("CUDA is not available: cuframessink needs an NVIDIA GPU "
            "and driver"), ("device %u: %s (code %d)", self->device_ordinal, err.text, rc));
    return FALSE;
  }
  self->published = 0;
  /* The socket before the ring, as cuframespacketsink: subscribers retry until the ring exists. */
  rc = cf_publisher_start (self->runtime_dir, self->key, NULL, NULL, &self->publisher, &err);
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("No handshake socket for key '%s'", self->key),
        ("%s (code %d): frames subscribers need it (CUDA IPC handles are only given through the handshake)",
            err.text, rc));
    return FALSE;
  }
  return TRUE;
}

static void
free_ring (GstCuframesSink *self)
{
  if (self->ring)
    cf_frames_ring_shutdown (self->ring);
  cf_publisher_stop (self->publisher);
  self->publisher = NULL;
  if (self->cuda.cu) {
    self->cuda.cu->CtxPushCurrent (self->cuda.ctx);
    self->cuda.cu->StreamSynchronize (self->cuda.stream);
    for (guint i = 0; i < CF_FRAMES_SLOTS_MAX; i++) {
      if (self->slot_event[i])
        self->cuda.cu->EventDestroy (self->slot_event[i]);
      if (self->slot_mem[i])
        self->cuda.cu->MemFree (self->slot_mem[i]);
      self->slot_event[i] = NULL;
      self->slot_mem[i] = 0;
    }
    self->cuda.cu->CtxPopCurrent (NULL);
  }
  if (self->ring) {
    GST_INFO_OBJECT (self, "frames ring %s closed after %" G_GUINT64_FORMAT " frames", self->key, self->published);
    cf_frames_ring_close (self->ring, TRUE);
    self->ring = NULL;
  }
}

static gboolean
gst_cuframes_sink_stop (GstBaseSink *sink)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (sink);
  free_ring (self);
  cf_cuda_session_close (&self->cuda);
  return TRUE;
}

/* Allocates the slots and their events, creates the frames header and hands it to the publisher. */
static gboolean
create_ring (GstCuframesSink *self)
{
  cf_error err;
  guint w = GST_VIDEO_INFO_WIDTH (&self->info), h = GST_VIDEO_INFO_HEIGHT (&self->info);
  size_t pitch = 0;
  gboolean ok = TRUE;
  cf_CUipcMemHandle mem_handles[CF_FRAMES_SLOTS_MAX];
  cf_CUipcEventHandle event_handles[CF_FRAMES_SLOTS_MAX];
  self->cuda.cu->CtxPushCurrent (self->cuda.ctx);
  for (guint i = 0; ok && i < self->ring_size; i++) {
    ok = CU_OK (self->cuda.cu->MemAllocPitch (&self->slot_mem[i], &pitch, w, (size_t) h * 3 / 2, 16), "cuMemAllocPitch")
        && CU_OK (self->cuda.cu->EventCreate (&self->slot_event[i], CF_CU_EVENT_DISABLE_TIMING | CF_CU_EVENT_INTERPROCESS),
            "cuEventCreate")
        && CU_OK (self->cuda.cu->IpcGetMemHandle (&mem_handles[i], self->slot_mem[i]), "cuIpcGetMemHandle")
        && CU_OK (self->cuda.cu->IpcGetEventHandle (&event_handles[i], self->slot_event[i]), "cuIpcGetEventHandle");
  }
  self->cuda.cu->CtxPopCurrent (NULL);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT, ("Cannot allocate %u CUDA IPC slots of %ux%u NV12",
            self->ring_size, w, h), ("%s", err.text));
    return FALSE;
  }
  int rc = cf_frame_geometry_nv12 (w, h, (uint32_t) pitch, &self->geometry, &err);
  if (rc == CF_OK)
    rc = cf_frames_ring_create (self->key, self->ring_size, self->device_ordinal, &self->geometry, &self->ring, &err);
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("Cannot create /dev/shm/cuframes-%s", self->key),
        ("%s (code %d)", err.text, rc));
    return FALSE;
  }
  for (guint i = 0; i < self->ring_size; i++)
    cf_frames_ring_set_slot_handles (self->ring, i, &mem_handles[i], &event_handles[i]);
  cf_frames_ring_set_legacy_event (self->ring, &event_handles[0]);
  cf_publisher_set_rings (self->publisher, self->ring, NULL);
  GST_INFO_OBJECT (self, "frames ring /dev/shm/cuframes-%s: %u slots of %ux%u NV12, pitch %zu, device %u", self->key,
      self->ring_size, w, h, pitch, self->device_ordinal);
  return TRUE;
}

static gboolean
gst_cuframes_sink_set_caps (GstBaseSink *sink, GstCaps *caps)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (sink);
  GstVideoInfo info;
  if (!gst_video_info_from_caps (&info, caps))
    return FALSE;
  if (self->ring) {
    if (GST_VIDEO_INFO_WIDTH (&info) == GST_VIDEO_INFO_WIDTH (&self->info)
        && GST_VIDEO_INFO_HEIGHT (&info) == GST_VIDEO_INFO_HEIGHT (&self->info)) {
      self->info = info;
      return TRUE;
    }
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Frame size changed within a ring (%dx%d → %dx%d)",
            GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info), GST_VIDEO_INFO_WIDTH (&info),
            GST_VIDEO_INFO_HEIGHT (&info)), (NULL));
    return FALSE;
  }
  self->info = info;
  return create_ring (self);
}

static GstFlowReturn
gst_cuframes_sink_render (GstBaseSink *sink, GstBuffer *buffer)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (sink);
  GstVideoFrame frame;
  cf_error err;
  if (!self->ring)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_video_frame_map (&frame, &self->info, buffer, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot map the frame"), (NULL));
    return GST_FLOW_ERROR;
  }
  uint64_t seq = cf_frames_ring_global_seq (self->ring);
  seq = seq == CF_SEQ_NONE ? 0 : seq + 1;
  guint slot = (guint) (seq % self->ring_size);
  guint h = GST_VIDEO_INFO_HEIGHT (&self->info);
  cf_CUDA_MEMCPY2D planes[2];
  memset (planes, 0, sizeof planes);
  for (guint p = 0; p < 2; p++) {
    planes[p].srcMemoryType = CF_CU_MEMORYTYPE_HOST;
    planes[p].srcHost = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    planes[p].srcPitch = (size_t) GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
    planes[p].dstMemoryType = CF_CU_MEMORYTYPE_DEVICE;
    planes[p].dstDevice = self->slot_mem[slot] + (p ? self->geometry.uv_offset : 0);
    planes[p].dstPitch = p ? self->geometry.pitch_uv : self->geometry.pitch_y;
    planes[p].WidthInBytes = GST_VIDEO_INFO_WIDTH (&self->info);
    planes[p].Height = p ? (h + 1) / 2 : h;
  }
  self->cuda.cu->CtxPushCurrent (self->cuda.ctx);
  /* The upload, then the slot's event after it: a subscriber waiting on the event sees the frame. The
   * host buffer is unmapped only after the stream has finished reading it. */
  gboolean ok = CU_OK (self->cuda.cu->Memcpy2DAsync (&planes[0], self->cuda.stream), "cuMemcpy2DAsync (Y)")
      && CU_OK (self->cuda.cu->Memcpy2DAsync (&planes[1], self->cuda.stream), "cuMemcpy2DAsync (UV)")
      && CU_OK (self->cuda.cu->EventRecord (self->slot_event[slot], self->cuda.stream), "cuEventRecord")
      && CU_OK (self->cuda.cu->StreamSynchronize (self->cuda.stream), "cuStreamSynchronize");
  self->cuda.cu->CtxPopCurrent (NULL);
  gst_video_frame_unmap (&frame);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Upload of frame %" G_GUINT64_FORMAT " failed", seq), ("%s", err.text));
    return GST_FLOW_ERROR;
  }
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  cf_frames_ring_publish (self->ring, GST_CLOCK_TIME_IS_VALID (pts) ? (int64_t) pts : -1);
  self->published++;
  return GST_FLOW_OK;
}

static gboolean
gst_cuframes_sink_event (GstBaseSink *sink, GstEvent *event)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (sink);
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->ring) {
    GST_INFO_OBJECT (self, "EOS: shutdown flag set after %" G_GUINT64_FORMAT " frames", self->published);
    cf_frames_ring_shutdown (self->ring);
  }
  return GST_BASE_SINK_CLASS (gst_cuframes_sink_parent_class)->event (sink, event);
}

static void
gst_cuframes_sink_finalize (GObject *object)
{
  GstCuframesSink *self = GST_CUFRAMES_SINK (object);
  g_free (self->key);
  g_free (self->runtime_dir);
  G_OBJECT_CLASS (gst_cuframes_sink_parent_class)->finalize (object);
}

static void
gst_cuframes_sink_class_init (GstCuframesSinkClass *klass)
{
  GObjectClass *gobject = G_OBJECT_CLASS (klass);
  GstElementClass *element = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base = GST_BASE_SINK_CLASS (klass);
  gobject->set_property = gst_cuframes_sink_set_property;
  gobject->get_property = gst_cuframes_sink_get_property;
  gobject->finalize = gst_cuframes_sink_finalize;
  g_object_class_install_property (gobject, PROP_KEY, g_param_spec_string ("key", "Key",
          "Stream key: 1..63 of [A-Za-z0-9_-]; the header is /dev/shm/cuframes-<key>", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_RUNTIME_DIR, g_param_spec_string ("runtime-dir",
          "Runtime dir", "Directory of the handshake socket <runtime-dir>/<key>.sock (created if missing)",
          CF_RUNTIME_DIR_DEFAULT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_RING, g_param_spec_uint ("ring", "Ring",
          "Frame slots in GPU memory", 1, CF_FRAMES_SLOTS_MAX, 4, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_CUDA_DEVICE, g_param_spec_uint ("cuda-device", "CUDA device",
          "CUDA device ordinal (subscribers must use the same GPU)", 0, 63, 0,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element, &sink_template);
  gst_element_class_set_static_metadata (element, "cuframes frames sink", "Sink/Video",
      "Publishes NV12 frames into a cuframes ring of CUDA IPC buffers with per-slot events", "cvmmap-streamer");
  base->start = gst_cuframes_sink_start;
  base->stop = gst_cuframes_sink_stop;
  base->set_caps = gst_cuframes_sink_set_caps;
  base->render = gst_cuframes_sink_render;
  base->event = gst_cuframes_sink_event;
  GST_DEBUG_CATEGORY_INIT (cuframes_sink_debug, "cuframessink", 0, "cuframes frames sink");
}

static void
gst_cuframes_sink_init (GstCuframesSink *self)
{
  self->ring_size = 4;
  self->runtime_dir = g_strdup (CF_RUNTIME_DIR_DEFAULT);
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}
