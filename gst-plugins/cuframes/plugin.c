/* The cuframes GStreamer plugin: registers its elements. */
#include "gstcuframespacketsink.h"
#include "gstcuframespacketsrc.h"
#include "gstcuframessink.h"
#include "gstcuframessrc.h"

#ifndef PACKAGE
#define PACKAGE "cvmmap-streamer"
#endif

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "cuframespacketsink", GST_RANK_NONE, GST_TYPE_CUFRAMES_PACKET_SINK)
      && gst_element_register (plugin, "cuframespacketsrc", GST_RANK_NONE, GST_TYPE_CUFRAMES_PACKET_SRC)
      && gst_element_register (plugin, "cuframessink", GST_RANK_NONE, GST_TYPE_CUFRAMES_SINK)
      && gst_element_register (plugin, "cuframessrc", GST_RANK_NONE, GST_TYPE_CUFRAMES_SRC);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, cuframes,
    "cuframes: CUDA-IPC frames and shared-memory packet rings between processes", plugin_init, "0.1.0",
    "LGPL", "cvmmap-streamer", "https://example.invalid/cvmmap-streamer")
