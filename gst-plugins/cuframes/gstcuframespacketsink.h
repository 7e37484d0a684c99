/* cuframespacketsink: see gstcuframespacketsink.c */
#ifndef GST_CUFRAMES_PACKET_SINK_H
#define GST_CUFRAMES_PACKET_SINK_H
#include <gst/base/gstbasesink.h>
G_BEGIN_DECLS
#define GST_TYPE_CUFRAMES_PACKET_SINK (gst_cuframes_packet_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstCuframesPacketSink, gst_cuframes_packet_sink, GST, CUFRAMES_PACKET_SINK, GstBaseSink)
G_END_DECLS
#endif
