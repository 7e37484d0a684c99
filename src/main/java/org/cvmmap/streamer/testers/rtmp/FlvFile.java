package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.output.rtmp.FlvTags;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads an FLV file's tags (Adobe FLV spec v10.1 Annex E.2–E.3): the header ("FLV", version 1,
 * header size ≥ 9), PreviousTagSize0 = 0, then tags, each followed by its PreviousTagSize
 * (11 + data size). Pure parser, used to check dumped streams tag by tag.
 */
public final class FlvFile {
    /**
     * One tag.
     *
     * @param offset byte offset of the tag header in the file
     * @param type   8 audio, 9 video, 18 script data
     * @param timeMs timestamp, ms (24 bits + extension byte)
     * @param body   tag data
     */
    public record Tag(long offset, int type, long timeMs, byte[] body) {
    }

    private FlvFile() {
    }

    /**
     * @throws IllegalArgumentException naming the field and offset: bad signature or version, header
     *                                  size below 9, PreviousTagSize that does not match, truncated tag
     */
    public static List<Tag> parse(byte[] flv) {
        if (flv.length < 13 || flv[0] != 'F' || flv[1] != 'L' || flv[2] != 'V') {
            throw new IllegalArgumentException("flv.signature: not an FLV file (length " + flv.length + ")");
        }
        if (flv[3] != 1) {
            throw new IllegalArgumentException("flv.version=" + flv[3] + ": expected 1");
        }
        long headerSize = u32(flv, 5);
        if (headerSize < 9 || headerSize + 4 > flv.length) {
            throw new IllegalArgumentException("flv.header_size=" + headerSize + ": expected 9..." + (flv.length - 4));
        }
        int p = (int) headerSize;
        if (u32(flv, p) != 0) {
            throw new IllegalArgumentException("flv.previous_tag_size0=" + u32(flv, p) + ": expected 0");
        }
        p += 4;
        List<Tag> tags = new ArrayList<>();
        while (p < flv.length) {
            if (flv.length - p < FlvTags.TAG_HEADER_SIZE) {
                throw new IllegalArgumentException("flv.tag at " + p + ": truncated header (" + (flv.length - p) + " bytes)");
            }
            int type = flv[p] & 0x1F;
            int size = (flv[p + 1] & 0xFF) << 16 | (flv[p + 2] & 0xFF) << 8 | flv[p + 3] & 0xFF;
            long time = (flv[p + 4] & 0xFFL) << 16 | (flv[p + 5] & 0xFF) << 8 | flv[p + 6] & 0xFF | (flv[p + 7] & 0xFFL) << 24;
            int end = p + FlvTags.TAG_HEADER_SIZE + size;
            if (end + 4 > flv.length || end < 0) {
                throw new IllegalArgumentException("flv.tag at " + p + ": data_size=" + size + " runs past the end");
            }
            long prev = u32(flv, end);
            if (prev != FlvTags.TAG_HEADER_SIZE + size) {
                throw new IllegalArgumentException("flv.previous_tag_size at " + end + "=" + prev + ": expected "
                        + (FlvTags.TAG_HEADER_SIZE + size));
            }
            tags.add(new Tag(p, type, time, Arrays.copyOfRange(flv, p + FlvTags.TAG_HEADER_SIZE, end)));
            p = end + 4;
        }
        return tags;
    }

    private static long u32(byte[] b, int p) {
        return (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | b[p + 3] & 0xFF;
    }
}
