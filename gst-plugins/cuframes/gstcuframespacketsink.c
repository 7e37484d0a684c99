/* cuframespacketsink: publishes H.264/H.265 access units into a cuframes packet ring.
 *
 * SECTION:element-cuframespacketsink
 *
 * Takes byte-stream access units (h264parse/h265parse with alignment=au), creates
 * /dev/shm/cuframes-<key>-packets (docs/specs/cuframes.md §4), writes the parameter sets of the first keyframe
 * as the ring's codec extradata, then one packet per access unit (KEY from the buffer's
 * DELTA_UNIT flag, PTS/DTS in ns). It is also the publisher side of the handshake (docs/specs/cuframes.md §3):
 * it listens on <runtime-dir>/<key>.sock, answers HELLO_REQ with the ring's name, codec and last
 * keyframe seq, and frees a subscriber's bit when its socket closes. If the socket cannot be made
 * (e.g. /run/cuframes not writable) it warns and goes on: readers can open the ring directly.
 * At EOS or stop it sets the shutdown flag, closes the socket and unlinks the object.
 *
 * Example launch line:
 *   gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=30 ! h264parse \
 *       ! video/x-h264,stream-format=byte-stream,alignment=au ! cuframespacketsink key=cam0
 */
#include "gstcuframespacketsink.h"
#include "cuframes-handshake.h"
#include "cuframes-protocol.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (cuframes_packet_sink_debug);
#define GST_CAT_DEFAULT cuframes_packet_sink_debug

enum { PROP_0, PROP_KEY, PROP_SLOTS, PROP_DATA_SIZE, PROP_MAX_PACKET, PROP_RUNTIME_DIR };

struct _GstCuframesPacketSink {
  GstBaseSink parent;
  gchar *key;
  guint slots;
  guint data_size;
  guint max_packet;
  guint codec_id;
  gchar *runtime_dir;
  cf_packet_ring *ring;
  cf_publisher *publisher;
  gboolean have_extradata;
  guint64 published;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au; "
        "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au"));

G_DEFINE_TYPE (GstCuframesPacketSink, gst_cuframes_packet_sink, GST_TYPE_BASE_SINK);

static void
gst_cuframes_packet_sink_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (object);
  switch (id) {
    case PROP_KEY:
      g_free (self->key);
      self->key = g_value_dup_string (value);
      break;
    case PROP_SLOTS:
      self->slots = g_value_get_uint (value);
      break;
    case PROP_DATA_SIZE:
      self->data_size = g_value_get_uint (value);
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
gst_cuframes_packet_sink_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (object);
  switch (id) {
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_SLOTS:
      g_value_set_uint (value, self->slots);
      break;
    case PROP_DATA_SIZE:
      g_value_set_uint (value, self->data_size);
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
gst_cuframes_packet_sink_start (GstBaseSink *sink)
{
  GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (sink);
  cf_error err;
  if (!cf_key_valid (self->key, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Invalid key '%s'", GST_STR_NULL (self->key)), ("%s", err.text));
    return FALSE;
  }
  self->codec_id = 0;
  self->have_extradata = FALSE;
  self->published = 0;
  /* The socket before the ring (its subscribers are told to retry until the ring exists), so that a
   * reader that finds the socket never opens the ring directly. */
  int rc = cf_publisher_start (self->runtime_dir, self->key, NULL, NULL, &self->publisher, &err);
  if (rc == CF_OK)
    GST_INFO_OBJECT (self, "handshake socket %s/%s.sock", self->runtime_dir, self->key);
  else
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE, ("No handshake socket for key '%s': readers must open "
            "the ring directly", self->key), ("%s (code %d)", err.text, rc));
  return TRUE;
}

static void
close_ring (GstCuframesPacketSink *self)
{
  /* The flag first: a subscriber that sees its socket close finds the ring shut down (EOS). */
  if (self->ring)
    cf_packet_ring_shutdown (self->ring);
  cf_publisher_stop (self->publisher);
  self->publisher = NULL;
  if (self->ring) {
    cf_packet_ring_close (self->ring, TRUE);
    self->ring = NULL;
    GST_INFO_OBJECT (self, "ring %s closed after %" G_GUINT64_FORMAT " packets", self->key, self->published);
  }
}

static gboolean
gst_cuframes_packet_sink_stop (GstBaseSink *sink)
{
  close_ring (GST_CUFRAMES_PACKET_SINK (sink));
  return TRUE;
}

static gboolean
gst_cuframes_packet_sink_set_caps (GstBaseSink *sink, GstCaps *caps)
{
  GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (sink);
  const gchar *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  guint codec = g_str_equal (name, "video/x-h265") ? CF_CODEC_HEVC : CF_CODEC_H264;
  if (self->ring && codec != self->codec_id) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Codec changed within a ring"), ("%s", name));
    return FALSE;
  }
  if (!self->ring) {
    cf_error err;
    int rc = cf_packet_ring_create (self->key, self->slots, self->data_size, codec, self->max_packet, &self->ring, &err);
    if (rc != CF_OK) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("Cannot create the packet ring for key '%s'", self->key),
          ("%s (code %d)", err.text, rc));
      return FALSE;
    }
    self->codec_id = codec;
    GST_INFO_OBJECT (self, "ring /dev/shm/cuframes-%s-packets: %u slots, %u data bytes, codec %u", self->key,
        self->slots, self->data_size, codec);
    if (self->publisher)
      cf_publisher_set_rings (self->publisher, NULL, self->ring);
  }
  return TRUE;
}

/* The parameter-set NAL units (H.264 SPS 7 / PPS 8; HEVC VPS 32 / SPS 33 / PPS 34) of an Annex-B
 * access unit, each with a 4-byte start code. Returns the bytes written to out. */
static gsize
parameter_sets (const guint8 *au, gsize size, guint codec, guint8 *out, gsize cap)
{
  gsize n = 0;
  gsize i = 0;
  while (i + 3 <= size) {
    if (!(au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1)) {
      i++;
      continue;
    }
    gsize start = i + 3;
    gsize end = start;
    while (end + 3 <= size && !(au[end] == 0 && au[end + 1] == 0 && (au[end + 2] == 1 || (au[end + 2] == 0
                    && end + 3 < size && au[end + 3] == 1))))
      end++;
    if (end + 3 > size)
      end = size;
    if (start < end) {
      guint type = codec == CF_CODEC_HEVC ? (au[start] >> 1) & 0x3f : au[start] & 0x1f;
      gboolean ps = codec == CF_CODEC_HEVC ? (type >= 32 && type <= 34) : (type == 7 || type == 8);
      if (ps && n + 4 + (end - start) <= cap) {
        static const guint8 sc[4] = {0, 0, 0, 1};
        memcpy (out + n, sc, 4);
        memcpy (out + n + 4, au + start, end - start);
        n += 4 + (end - start);
      }
    }
    i = end;
  }
  return n;
}

static GstFlowReturn
gst_cuframes_packet_sink_render (GstBaseSink *sink, GstBuffer *buf)
{
  GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (sink);
  if (!self->ring) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("No caps before the first buffer"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  gboolean key = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GstMapInfo map;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  GstFlowReturn ret = GST_FLOW_OK;
  cf_error err;
  if (!self->have_extradata) {
    if (!key) {
      GST_DEBUG_OBJECT (self, "waiting for a keyframe with parameter sets");
      goto done;
    }
    guint8 extra[CF_PKT_EXTRADATA_MAX];
    gsize n = parameter_sets (map.data, map.size, self->codec_id, extra, sizeof extra);
    if (n == 0) {
      GST_WARNING_OBJECT (self, "keyframe without in-band parameter sets; waiting for one (set config-interval=-1 on the parser)");
      goto done;
    }
    if (cf_packet_ring_set_extradata (self->ring, extra, (guint32) n, &err) != CF_OK) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot write the codec extradata"), ("%s", err.text));
      ret = GST_FLOW_ERROR;
      goto done;
    }
    self->have_extradata = TRUE;
  }
  gint64 pts = GST_BUFFER_PTS_IS_VALID (buf) ? (gint64) GST_BUFFER_PTS (buf) : -1;
  gint64 dts = GST_BUFFER_DTS_IS_VALID (buf) ? (gint64) GST_BUFFER_DTS (buf) : pts;
  int rc = cf_packet_ring_publish (self->ring, map.data, (guint32) map.size, pts, dts,
      (key ? CF_PKT_KEY : 0) | CF_PKT_LAST_IN_AU | (GST_BUFFER_IS_DISCONT (buf) ? CF_PKT_DISCONTINUITY : 0), &err);
  if (rc == CF_ERR_PACKET_OVERSIZED) {
    GST_ELEMENT_WARNING (self, STREAM, ENCODE, ("Access unit dropped: larger than max-packet"), ("%s", err.text));
  } else if (rc != CF_OK) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot publish"), ("%s (code %d)", err.text, rc));
    ret = GST_FLOW_ERROR;
  } else {
    self->published++;
  }
done:
  gst_buffer_unmap (buf, &map);
  return ret;
}

static gboolean
gst_cuframes_packet_sink_event (GstBaseSink *sink, GstEvent *event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (sink);
    if (self->ring)
      cf_packet_ring_shutdown (self->ring);
  }
  return GST_BASE_SINK_CLASS (gst_cuframes_packet_sink_parent_class)->event (sink, event);
}

static void
gst_cuframes_packet_sink_finalize (GObject *object)
{
  GstCuframesPacketSink *self = GST_CUFRAMES_PACKET_SINK (object);
  close_ring (self);
  g_free (self->key);
  g_free (self->runtime_dir);
  G_OBJECT_CLASS (gst_cuframes_packet_sink_parent_class)->finalize (object);
}

static void
gst_cuframes_packet_sink_class_init (GstCuframesPacketSinkClass *klass)
{
  GObjectClass *gobject = G_OBJECT_CLASS (klass);
  GstElementClass *element = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base = GST_BASE_SINK_CLASS (klass);
  gobject->set_property = gst_cuframes_packet_sink_set_property;
  gobject->get_property = gst_cuframes_packet_sink_get_property;
  gobject->finalize = gst_cuframes_packet_sink_finalize;
  g_object_class_install_property (gobject, PROP_KEY, g_param_spec_string ("key", "Key",
          "Stream key: 1..63 of [A-Za-z0-9_-]; the ring is /dev/shm/cuframes-<key>-packets", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_SLOTS, g_param_spec_uint ("slots", "Slots",
          "Packet slots in the ring", 1, CF_PKT_SLOTS_MAX, CF_PKT_SLOTS_DEFAULT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_DATA_SIZE, g_param_spec_uint ("data-size", "Data size",
          "Bytes of the payload ring", 4096, G_MAXINT32, CF_PKT_DATA_SIZE_DEFAULT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_RUNTIME_DIR, g_param_spec_string ("runtime-dir",
          "Runtime dir", "Directory of the handshake socket <runtime-dir>/<key>.sock (created if missing)",
          CF_RUNTIME_DIR_DEFAULT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject, PROP_MAX_PACKET, g_param_spec_uint ("max-packet", "Max packet",
          "Largest access unit in bytes (<= data-size); larger ones are dropped with a warning", 1, G_MAXINT32,
          CF_PKT_MAX_PACKET_DEFAULT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element, &sink_template);
  gst_element_class_set_static_metadata (element, "cuframes packet ring sink", "Sink/Video",
      "Publishes H.264/H.265 access units into a cuframes packet ring (shared memory)", "cvmmap-streamer");
  base->start = gst_cuframes_packet_sink_start;
  base->stop = gst_cuframes_packet_sink_stop;
  base->set_caps = gst_cuframes_packet_sink_set_caps;
  base->render = gst_cuframes_packet_sink_render;
  base->event = gst_cuframes_packet_sink_event;
  GST_DEBUG_CATEGORY_INIT (cuframes_packet_sink_debug, "cuframespacketsink", 0, "cuframes packet ring sink");
}

static void
gst_cuframes_packet_sink_init (GstCuframesPacketSink *self)
{
  self->slots = CF_PKT_SLOTS_DEFAULT;
  self->data_size = CF_PKT_DATA_SIZE_DEFAULT;
  self->max_packet = CF_PKT_MAX_PACKET_DEFAULT;
  self->runtime_dir = g_strdup (CF_RUNTIME_DIR_DEFAULT);
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}
