/* cuframessrc: see gstcuframessrc.c */
#ifndef GST_CUFRAMES_SRC_H
#define GST_CUFRAMES_SRC_H
#include <gst/base/gstpushsrc.h>
G_BEGIN_DECLS
#define GST_TYPE_CUFRAMES_SRC (gst_cuframes_src_get_type ())
G_DECLARE_FINAL_TYPE (GstCuframesSrc, gst_cuframes_src, GST, CUFRAMES_SRC, GstPushSrc)
G_END_DECLS
#endif
