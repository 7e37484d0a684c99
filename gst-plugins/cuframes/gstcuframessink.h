/* cuframessink: see gstcuframessink.c */
#ifndef GST_CUFRAMES_SINK_H
#define GST_CUFRAMES_SINK_H
#include <gst/base/gstbasesink.h>
G_BEGIN_DECLS
#define GST_TYPE_CUFRAMES_SINK (gst_cuframes_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstCuframesSink, gst_cuframes_sink, GST, CUFRAMES_SINK, GstBaseSink)
G_END_DECLS
#endif
