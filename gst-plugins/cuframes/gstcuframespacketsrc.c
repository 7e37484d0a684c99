/* cuframespacketsrc: reads H.264/H.265 access units from a cuframes packet ring.
 *
 * SECTION:element-cuframespacketsrc
 *
 * A live source for /dev/shm/cuframes-<key>-packets (docs/specs/cuframes.md §4). When the publisher has a
 * handshake socket (<runtime-dir>/<key>.sock, §3) it subscribes there (WANTS_PACKETS), opens the ring
 * the response names and starts at its initial_packet_seq, keeping the socket open as its
 * subscription; otherwise it opens the ring directly, read-only, at last_keyframe_seq (a publisher
 * that only writes the byte-exact ring). It waits up to `timeout-ms` for a publisher that is not
 * there yet, and emits one
 * buffer per access unit: video/x-h264 or video/x-h265 (from codec_id), stream-format=byte-stream,
 * alignment=au. The ring's extradata (parameter sets) is put in front of the first keyframe. PTS/DTS
 * are the publisher's pts_ns/dts_ns mapped onto running time (the first packet at its arrival, every
 * later one at its distance from it on the publisher's clock); a packet without pts_ns, or after the
 * publisher's decode time went back, gets its arrival time. KEY packets have no DELTA_UNIT flag;
 * after an overrun the reader resyncs on a keyframe, which is marked DISCONT. End of stream when the publisher shuts down; an error when its socket closes without a
 * shutdown (the publisher died).
 *
 * Example launch line:
 *   gst-launch-1.0 cuframespacketsrc key=cam0 ! h264parse ! avdec_h264 ! videoconvert ! autovideosink
 */
#include "gstcuframespacketsrc.h"
#include "cuframes-handshake.h"
#include "cuframes-protocol.h"

#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (cuframes_packet_src_debug);
#define GST_CAT_DEFAULT cuframes_packet_src_debug

enum { PROP_0, PROP_KEY, PROP_TIMEOUT_MS, PROP_MAX_PACKET, PROP_RUNTIME_DIR };


struct _GstCuframesPacketSrc {
  GstPushSrc parent;
  gchar *key;
  guint timeout_ms;
  guint max_packet;
  gchar *runtime_dir;
  cf_packet_ring *ring;
  int sock;                 /* the subscription (handshake socket), -1 when opened directly */
  cf_packet_reader reader;
  guint8 *buf;
  guint32 cap;
  gboolean sent_extradata;
  cf_pts_map ts;            /* publisher pts_ns/dts_ns → running time */
  volatile gint flushing;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au; "
        "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au"));

G_DEFINE_TYPE (GstCuframesPacketSrc, gst_cuframes_packet_src, GST_TYPE_PUSH_SRC);

static void
gst_cuframes_packet_src_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GstCuframesPacketSrc *self = GST_CUFRAMES_PACKET_SRC (object);
  switch (id) {
    case PROP_KEY:
      g_free (self->key);
      self->key = g_value_dup_string (value);
      break;
    case PROP_TIMEOUT_MS:
      self->timeout_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_PACKET:
      self->max_packet = g_value_get_uint (value);
      break;
    case PROP_RUNTIME_DIR:
      g_free (self->runtime_dir);
      self->runtime_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static void
gst_cuframes_packet_src_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GstCuframesPacketSrc *self = GST_CUFRAMES_PACKET_SRC (object);
  switch (id) {
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_MAX_PACKET:
      g_value_set_uint (value, self->max_packet);
      break;
    case PROP_RUNTIME_DIR:
      g_value_set_string (value, self->runtime_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
  }
}

static gboolean
gst_cuframes_packet_src_start (GstBaseSrc *src)
{
  GstCuframesPacketSrc *self = GST_CUFRAMES_PACKET_SRC (src);
  cf_error err;
  if (!cf_key_valid (self->key, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Invalid key '%s'", GST_STR_NULL (self->key)), ("%s", err.text));
    return FALSE;
  }
  g_atomic_int_set (&self->flushing, 0);
  cf_packet_reader_init (&self->reader);
  self->reader.in_flight_margin = self->max_packet;
  self->sent_extradata = FALSE;
  cf_pts_map_init (&self->ts);
  self->cap = 1u << 20;
  self->buf = g_malloc (self->cap);
  return TRUE;
}

static void
close_ring (GstCuframesPacketSrc *self)
{
  cf_packet_ring_close (self->ring, FALSE);
  self->ring = NULL;
  if (self->sock >= 0)
    close (self->sock); /* leaving: the publisher frees our subscriber bit */
  self->sock = -1;
}

static gboolean
gst_cuframes_packet_src_stop (GstBaseSrc *src)
{
  GstCuframesPacketSrc *self = GST_CUFRAMES_PACKET_SRC (src);
  close_ring (self);
  g_clear_pointer (&self->buf, g_free);
  return TRUE;
}

static gboolean
gst_cuframes_packet_src_unlock (GstBaseSrc *src)
{
  g_atomic_int_set (&GST_CUFRAMES_PACKET_SRC (src)->flushing, 1);
  return TRUE;
}

static gboolean
gst_cuframes_packet_src_unlock_stop (GstBaseSrc *src)
{
  g_atomic_int_set (&GST_CUFRAMES_PACKET_SRC (src)->flushing, 0);
  return TRUE;
}

/* One attempt: subscribe through the handshake socket, or else open the ring directly.
 * CF_ERR_NOT_FOUND while there is neither. */
static int
try_open (GstCuframesPacketSrc *self, cf_error *err)
{
  cf_hello_req req = {.proto_version = CF_PROTO_SLOT_EVENTS, .subscribe_flags = CF_WANTS_PACKETS};
  g_snprintf (req.name, sizeof req.name, "%s", GST_OBJECT_NAME (self));
  cf_hello_resp resp;
  int fd = -1;
  int rc = cf_subscribe (self->runtime_dir, self->key, &req, 2000, &fd, &resp, err);
  if (rc == CF_OK) {
    rc = cf_packet_ring_open_name (resp.packet_shm_path, &self->ring, err);
    if (rc != CF_OK) {
      close (fd);
      return rc;
    }
    self->sock = fd;
    self->reader.next = resp.initial_packet_seq; /* CF_SEQ_NONE: the first keyframe to come */
    GST_INFO_OBJECT (self, "subscribed through %s/%s.sock (subscriber %u): %s from seq %" G_GINT64_FORMAT,
        self->runtime_dir, self->key, resp.subscriber_index, resp.packet_shm_path,
        resp.initial_packet_seq == CF_SEQ_NONE ? (gint64) -1 : (gint64) resp.initial_packet_seq);
    return CF_OK;
  }
  if (rc == CF_ERR_NOT_READY)
    return CF_ERR_NOT_FOUND; /* the socket is there, the ring not yet: wait (never open directly) */
  if (rc != CF_ERR_NOT_FOUND)
    return rc; /* refused (too many subscribers, no packet ring ...) or a broken socket */
  rc = cf_packet_ring_open (self->key, &self->ring, err);
  if (rc == CF_OK)
    GST_INFO_OBJECT (self, "no handshake socket at %s/%s.sock: opened /dev/shm/cuframes-%s-packets directly",
        self->runtime_dir, self->key, self->key);
  return rc;
}

/* Opens the ring, waiting up to timeout-ms for it to appear; sets caps. */
static GstFlowReturn
open_ring (GstCuframesPacketSrc *self)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
  cf_error err;
  int rc;
  GST_INFO_OBJECT (self, "waiting up to %u ms for /dev/shm/cuframes-%s-packets", self->timeout_ms, self->key);
  while ((rc = try_open (self, &err)) == CF_ERR_NOT_FOUND) {
    if (g_atomic_int_get (&self->flushing))
      return GST_FLOW_FLUSHING;
    if (g_get_monotonic_time () > deadline) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No publisher for key '%s' within %u ms", self->key,
              self->timeout_ms), ("%s", err.text));
      return GST_FLOW_ERROR;
    }
    g_usleep (10000);
  }
  if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Cannot open the packet ring of key '%s'", self->key),
        ("%s (code %d)", err.text, rc));
    return GST_FLOW_ERROR;
  }
  guint codec = cf_packet_ring_codec_id (self->ring);
  if (codec != CF_CODEC_H264 && codec != CF_CODEC_HEVC) {
    GST_ELEMENT_ERROR (self, STREAM, CODEC_NOT_FOUND, ("Unsupported codec_id %u", codec), (NULL));
    return GST_FLOW_ERROR;
  }
  GstCaps *caps = gst_caps_new_simple (codec == CF_CODEC_HEVC ? "video/x-h265" : "video/x-h264",
      "stream-format", G_TYPE_STRING, "byte-stream", "alignment", G_TYPE_STRING, "au", NULL);
  gboolean ok = gst_base_src_set_caps (GST_BASE_SRC (self), caps);
  gst_caps_unref (caps);
  GST_INFO_OBJECT (self, "opened /dev/shm/cuframes-%s-packets: codec %u, %u slots, producer pid %" G_GUINT64_FORMAT,
      self->key, codec, cf_packet_ring_slots (self->ring), cf_packet_ring_producer_pid (self->ring));
  return ok ? GST_FLOW_OK : GST_FLOW_NOT_NEGOTIATED;
}

/* 1 when the publisher closed our subscription socket. */
static gboolean
publisher_gone (GstCuframesPacketSrc *self)
{
  return self->sock >= 0 && cf_socket_closed (self->sock);
}

/* PTS/DTS from the publisher's pts_ns/dts_ns mapped onto running time (cf_pts_map): access units
 * keep their capture spacing even when several are read at once; the arrival time only for packets
 * without a PTS or after the publisher's decode time went back. */
static void
stamp (GstCuframesPacketSrc *self, GstBuffer *buf, const cf_packet_info *info)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return; /* not running against a clock: no timestamps rather than wrong ones */
  GstClockTime now = gst_clock_get_time (clock);
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  gint64 arrival = now > base ? (gint64) (now - base) : 0;
  gint64 pts, dts;
  if (!cf_pts_map_apply (&self->ts, info->pts_ns, info->dts_ns, arrival, &pts, &dts))
    GST_DEBUG_OBJECT (self, "packet %" G_GUINT64_FORMAT " placed at its arrival %" GST_TIME_FORMAT, info->seq,
        GST_TIME_ARGS (pts));
  GST_BUFFER_PTS (buf) = (GstClockTime) pts;
  if (dts >= 0)
    GST_BUFFER_DTS (buf) = (GstClockTime) dts;
}

static GstFlowReturn
gst_cuframes_packet_src_create (GstPushSrc *src, GstBuffer **out)
{
  GstCuframesPacketSrc *self = GST_CUFRAMES_PACKET_SRC (src);
  if (!self->ring) {
    GstFlowReturn r = open_ring (self);
    if (r != GST_FLOW_OK)
      return r;
  }
  cf_packet_info info;
  while (TRUE) {
    if (g_atomic_int_get (&self->flushing))
      return GST_FLOW_FLUSHING;
    int rc = cf_packet_ring_read (self->ring, &self->reader, self->buf, self->cap, &info);
    if (rc == CF_OK)
      break;
    if (rc == CF_ERR_PACKET_OVERSIZED) {
      self->cap = info.size;
      self->buf = g_realloc (self->buf, self->cap);
      continue;
    }
    if (rc == CF_ERR_DISCONNECTED) {
      GST_INFO_OBJECT (self, "publisher shut down: EOS (%" G_GUINT64_FORMAT " overruns)", self->reader.overruns);
      return GST_FLOW_EOS;
    }
    /* Nothing new. A publisher sets the shutdown flag before it closes our socket, so a closed socket
     * without the flag means it died; with the flag, the next reads drain the ring and end in EOS. */
    if (publisher_gone (self) && !cf_packet_ring_is_shutdown (self->ring)) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The publisher of key '%s' went away without shutting down",
              self->key), ("handshake socket closed by the peer"));
      return GST_FLOW_ERROR;
    }
    g_usleep (CF_READER_POLL_US); /* CF_ERR_WOULD_BLOCK: nothing new yet */
  }
  guint8 extra[CF_PKT_EXTRADATA_MAX];
  guint32 extra_size = 0;
  if (!self->sent_extradata && (info.flags & CF_PKT_KEY)) {
    extra_size = cf_packet_ring_extradata (self->ring, extra, sizeof extra);
    if (extra_size > sizeof extra)
      extra_size = 0;
    self->sent_extradata = TRUE;
  }
  GstBuffer *buf = gst_buffer_new_allocate (NULL, extra_size + info.size, NULL);
  gst_buffer_fill (buf, 0, extra, extra_size);
  gst_buffer_fill (buf, extra_size, self->buf, info.size);
  if (!(info.flags & CF_PKT_KEY))
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (info.flags & CF_PKT_DISCONTINUITY) {
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    GST_DEBUG_OBJECT (self, "resynced on keyframe %" G_GUINT64_FORMAT, info.seq);
  }
  GST_BUFFER_OFFSET (buf) = info.seq;
  stamp (self, buf, &info);
  *out = buf;
  return GST_FLOW_OK;
}

static void
gst_cuframes_packet_src_finalize (GObject *object)
{
  GstCuframesPacketSrc *self = GST_CUFRAMES_PACKET_SRC (object);
  close_ring (self);
  g_free (self->buf);
  g_free (self->key);
  g_free (self->runtime_dir);
  G_OBJECT_CLASS (gst_cuframes_packet_src_parent_class)->finalize (object);
}

static void
gst_cuframes_packet_src_class_init (GstCuframesPacketSrcClass *klass)
{
  GObjectClass *gobject = G_OBJECT_CLASS (klass);
  GstElementClass *element = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *push = GST_PUSH_SRC_CLASS (klass);
  gobject->set_property = gst_cuframes_packet_src_set_property;
  gobject->get_property = gst_cuframes_packet_src_get_property;
  gobject->finalize = gst_cuframes_packet_src_finalize;
  g_object_class_install_property (gobject, PROP_KEY, g_param_spec_string ("key", "Key",
          "Stream key: 1..63 of [A-Za-z0-9_-]; reads /dev/shm/cuframes-<key>-packets", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_TIMEOUT_MS, g_param_spec_uint ("timeout-ms", "Timeout",
          "How long to wait for a publisher that is not there yet, ms", 0, G_MAXUINT, 10000,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_RUNTIME_DIR, g_param_spec_string ("runtime-dir",
          "Runtime dir", "Directory of the publisher's handshake socket <runtime-dir>/<key>.sock",
          CF_RUNTIME_DIR_DEFAULT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_MAX_PACKET, g_param_spec_uint ("max-packet", "Max packet",
          "The publisher's largest packet, bytes (the reader's margin for copies in flight)", 1, G_MAXINT32,
          CF_PKT_MAX_PACKET_DEFAULT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element, &src_template);
  gst_element_class_set_static_metadata (element, "cuframes packet ring source", "Source/Video",
      "Reads H.264/H.265 access units from a cuframes packet ring (shared memory)", "cvmmap-streamer");
  base->start = gst_cuframes_packet_src_start;
  base->stop = gst_cuframes_packet_src_stop;
  base->unlock = gst_cuframes_packet_src_unlock;
  base->unlock_stop = gst_cuframes_packet_src_unlock_stop;
  push->create = gst_cuframes_packet_src_create;
  GST_DEBUG_CATEGORY_INIT (cuframes_packet_src_debug, "cuframespacketsrc", 0, "cuframes packet ring source");
}

static void
gst_cuframes_packet_src_init (GstCuframesPacketSrc *self)
{
  self->timeout_ms = 10000;
  self->max_packet = CF_PKT_MAX_PACKET_DEFAULT;
  self->runtime_dir = g_strdup (CF_RUNTIME_DIR_DEFAULT);
  self->sock = -1;
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (self), FALSE); /* stamp() maps the publisher's times */
}
