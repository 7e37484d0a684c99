/* cuframespacketsrc: see gstcuframespacketsrc.c */
#ifndef GST_CUFRAMES_PACKET_SRC_H
#define GST_CUFRAMES_PACKET_SRC_H
#include <gst/base/gstpushsrc.h>
G_BEGIN_DECLS
#define GST_TYPE_CUFRAMES_PACKET_SRC (gst_cuframes_packet_src_get_type ())
G_DECLARE_FINAL_TYPE (GstCuframesPacketSrc, gst_cuframes_packet_src, GST, CUFRAMES_PACKET_SRC, GstPushSrc)
G_END_DECLS
#endif
