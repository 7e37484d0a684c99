package org.cvmmap.streamer.media;

import java.nio.charset.StandardCharsets;

/**
 * The video codec of an MP4 file, read from its first sample description (ISO/IEC 14496-12 §8.5.2,
 * {@code stsd}: version/flags, entry_count, then the first entry's size and FourCC): {@code avc1}/{@code
 * avc3} → H.264, {@code hvc1}/{@code hev1} → H.265. A scan of the bytes given (the file's head: the
 * {@code moov} of a fragmented MP4, as this project writes, comes first). Pure.
 */
public final class Mp4SampleEntry {
    private Mp4SampleEntry() {
    }

    /**
     * @param head the first bytes of the file (enough to hold its {@code moov})
     * @return the codec of the first video sample entry
     * @throws IllegalArgumentException naming what was found instead: no {@code stsd}, a cut-off entry,
     *                                  or a FourCC that is neither H.264 nor H.265
     */
    public static Codec codec(byte[] head) {
        byte[] stsd = "stsd".getBytes(StandardCharsets.US_ASCII);
        String other = null;
        for (int i = 4; i + 4 <= head.length; i++) {
            if (head[i] != stsd[0] || head[i + 1] != stsd[1] || head[i + 2] != stsd[2] || head[i + 3] != stsd[3]) {
                continue;
            }
            int fourcc = i + 4 + 4 + 4 + 4; // type, version/flags, entry_count, entry size
            if (fourcc + 4 > head.length) {
                throw new IllegalArgumentException("sample description at offset " + i + " is cut off");
            }
            String f = new String(head, fourcc, 4, StandardCharsets.US_ASCII);
            switch (f) {
                case "avc1", "avc3" -> {
                    return Codec.H264;
                }
                case "hvc1", "hev1" -> {
                    return Codec.H265;
                }
                default -> other = other == null ? f : other; // an audio track's: look on
            }
            i = fourcc;
        }
        throw new IllegalArgumentException(other == null ? "no sample description (stsd): not an MP4 file, or its moov "
                + "is not at its start" : "no H.264 or H.265 track (sample entry " + other + ")");
    }
}
