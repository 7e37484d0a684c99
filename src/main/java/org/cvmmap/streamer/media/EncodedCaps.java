package org.cvmmap.streamer.media;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the FLV writer needs from a parser's output caps ({@code video/x-h264, stream-format=avc} or
 * {@code video/x-h265, stream-format=hvc1}, {@code alignment=au}): the decoder configuration record
 * from {@code codec_data}, the picture size and the frame rate. Parsed from the caps' text form, so it
 * is a pure unit.
 *
 * @param mediaType   {@code video/x-h264} or {@code video/x-h265}
 * @param codecConfig avcC / hvcC bytes
 * @param width       pixels
 * @param height      rows
 * @param fps         frames per second, 0 when the caps say {@code 0/1} or nothing
 */
public record EncodedCaps(String mediaType, byte[] codecConfig, int width, int height, double fps) {
    private static final Pattern CODEC_DATA = Pattern.compile("codec_data=\\(buffer\\)([0-9a-fA-F]*)");
    private static final Pattern WIDTH = Pattern.compile("[ ,]width=\\(int\\)(\\d+)");
    private static final Pattern HEIGHT = Pattern.compile("[ ,]height=\\(int\\)(\\d+)");
    private static final Pattern FRAMERATE = Pattern.compile("[ ,]framerate=\\(fraction\\)(\\d+)/(\\d+)");
    private static final Pattern FORMAT = Pattern.compile("stream-format=\\(string\\)([a-z0-9-]+)");

    /**
     * @param caps caps as {@code gst_caps_to_string} prints them
     * @throws IllegalArgumentException naming the missing or wrong field: not H.264/H.265, a stream
     *                                  format other than avc/hvc1, no or odd-length codec_data, no size
     */
    public static EncodedCaps parse(String caps) {
        String media = caps.split(",", 2)[0].strip();
        if (!media.equals("video/x-h264") && !media.equals("video/x-h265")) {
            throw new IllegalArgumentException("caps media type '" + media + "' is not video/x-h264 or video/x-h265");
        }
        Matcher f = FORMAT.matcher(caps);
        String format = f.find() ? f.group(1) : "(none)";
        String want = media.equals("video/x-h264") ? "avc" : "hvc1";
        if (!format.equals(want) && !(want.equals("hvc1") && format.equals("hev1"))) {
            throw new IllegalArgumentException("caps stream-format=" + format + ": FLV needs " + want);
        }
        Matcher c = CODEC_DATA.matcher(caps);
        if (!c.find() || c.group(1).isEmpty() || c.group(1).length() % 2 != 0) {
            throw new IllegalArgumentException("caps codec_data is missing or malformed: no avcC/hvcC for the sequence header");
        }
        byte[] config = HexFormat.of().parseHex(c.group(1));
        int w = intField(WIDTH, caps, "width");
        int h = intField(HEIGHT, caps, "height");
        Matcher r = FRAMERATE.matcher(caps);
        double fps = 0;
        if (r.find() && Long.parseLong(r.group(2)) != 0) {
            fps = Long.parseLong(r.group(1)) / (double) Long.parseLong(r.group(2));
        }
        return new EncodedCaps(media, config, w, h, fps);
    }

    private static int intField(Pattern p, String caps, String name) {
        Matcher m = p.matcher(caps);
        if (!m.find()) {
            throw new IllegalArgumentException("caps has no " + name);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Whether the stream is H.265 (else H.264). */
    public boolean h265() {
        return mediaType.equals("video/x-h265");
    }

    /**
     * The decoder configuration record parsed: NAL length size and parameter sets.
     *
     * @throws IllegalArgumentException naming the field when {@code codec_data} is not a valid avcC/hvcC
     */
    public NalFraming.DecoderConfig decoderConfig() {
        return h265() ? NalFraming.hvcC(codecConfig) : NalFraming.avcC(codecConfig);
    }

    /** Whether a new sequence header is needed: another configuration record or picture size. */
    public boolean sameStream(EncodedCaps o) {
        return o != null && Arrays.equals(codecConfig, o.codecConfig) && width == o.width && height == o.height;
    }
}
