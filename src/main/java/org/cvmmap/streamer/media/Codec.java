package org.cvmmap.streamer.media;

import org.cvmmap.streamer.util.ConfigException;

/** Video codecs the streamer encodes or re-publishes. */
public enum Codec {
    H264("h264", "H264", 2),
    H265("h265", "H265", 16);

    private final String cliName;
    private final String rtpEncodingName;
    private final int minSide;

    Codec(String cliName, String rtpEncodingName, int minSide) {
        this.cliName = cliName;
        this.rtpEncodingName = rtpEncodingName;
        this.minSide = minSide;
    }

    /**
     * Smallest width and height its software encoder takes, pixels (x264: 2; x265enc's caps: 16).
     * Smaller frames are counted as invalid and dropped, never pushed into a graph that would fail.
     */
    public int minSide() {
        return minSide;
    }

    /** Name on the command line and in descriptor file names ({@code h264}, {@code h265}). */
    public String cliName() {
        return cliName;
    }

    /** SDP {@code a=rtpmap} encoding name (RFC 6184 §8.2.1 / RFC 7798 §7.2). */
    public String rtpEncodingName() {
        return rtpEncodingName;
    }

    /** GStreamer parser element of this codec ({@code h264parse} / {@code h265parse}). */
    public String parser() {
        return cliName + "parse";
    }

    /** Caps of an Annex-B stream with one access unit per buffer, as the encode pipelines' parser emits it. */
    public String encodedCaps() {
        return "video/x-" + cliName + ",stream-format=byte-stream,alignment=au";
    }

    /**
     * Caps of the length-prefixed form with one access unit per buffer and the decoder configuration
     * record as {@code codec_data} ({@code stream-format=avc} / {@code hvc1}), what the hub hands out.
     */
    public String hubCaps() {
        return "video/x-" + cliName + ",stream-format=" + (this == H264 ? "avc" : "hvc1") + ",alignment=au";
    }

    /** GStreamer RTP payloader of this codec ({@code rtph264pay} / {@code rtph265pay}). */
    public String rtpPayloader() {
        return "rtp" + cliName + "pay";
    }

    /**
     * @throws ConfigException naming {@code --codec} for anything but h264/h265
     */
    public static Codec parse(String s) {
        for (Codec c : values()) {
            if (c.cliName.equalsIgnoreCase(s)) {
                return c;
            }
        }
        throw new ConfigException("--codec", s, "must be h264 or h265");
    }
}
