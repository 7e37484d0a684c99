package org.cvmmap.streamer.media;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The two framings of H.264/H.265 NAL units in an access unit: length-prefixed, as in MP4 and FLV
 * ({@code stream-format=avc}/{@code hvc1}; ISO/IEC 14496-15), with the parameter sets in the decoder
 * configuration record (avcC §5.3.3.1, hvcC §8.3.3.1), and Annex B byte-stream (ITU-T H.264/H.265
 * Annex B: a start code before each NAL unit, parameter sets in band). The encode graph's hub hands
 * out the first; MCAP ({@code foxglove.CompressedVideo} requires Annex B) and the MP4 recorder's
 * byte-stream input take the second. Pure unit: bytes in, bytes out.
 */
public final class NalFraming {
    private static final byte[] START_CODE = {0, 0, 0, 1};
    /** nal_unit_type of a sequence parameter set: H.264 Table 7-1, H.265 Table 7-1. */
    private static final int H264_SPS = 7;
    private static final int H265_SPS = 33;

    private NalFraming() {
    }

    /**
     * What a decoder configuration record carries for re-framing.
     *
     * @param lengthSize    bytes of each NAL unit's length prefix (1, 2 or 4)
     * @param parameterSets VPS/SPS/PPS NAL units in record order, without prefix
     */
    public record DecoderConfig(int lengthSize, List<byte[]> parameterSets) {
        public DecoderConfig {
            parameterSets = List.copyOf(parameterSets);
        }
    }

    /**
     * Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1): version, profile,
     * compatibility, level, lengthSizeMinusOne, then the SPS and PPS arrays.
     *
     * @throws IllegalArgumentException naming the field when the record is short or malformed
     */
    public static DecoderConfig avcC(byte[] r) {
        Reader in = new Reader(r, "avcC");
        if (in.u8("configurationVersion") != 1) {
            throw new IllegalArgumentException("avcC configurationVersion is " + (r[0] & 0xff) + ", not 1");
        }
        in.skip(3, "profile/compatibility/level");
        int lengthSize = (in.u8("lengthSizeMinusOne") & 0x03) + 1;
        List<byte[]> sets = new ArrayList<>();
        int sps = in.u8("numOfSequenceParameterSets") & 0x1f;
        for (int i = 0; i < sps; i++) {
            sets.add(in.nal("sequenceParameterSet[" + i + "]"));
        }
        int pps = in.u8("numOfPictureParameterSets");
        for (int i = 0; i < pps; i++) {
            sets.add(in.nal("pictureParameterSet[" + i + "]"));
        }
        return new DecoderConfig(checkedLength(lengthSize, "avcC"), sets);
    }

    /**
     * Parses an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1): 22 bytes of profile,
     * tier, level and format fields (lengthSizeMinusOne in the low bits of byte 21), then the NAL
     * unit arrays.
     *
     * @throws IllegalArgumentException naming the field when the record is short or malformed
     */
    public static DecoderConfig hvcC(byte[] r) {
        Reader in = new Reader(r, "hvcC");
        if (in.u8("configurationVersion") != 1) {
            throw new IllegalArgumentException("hvcC configurationVersion is " + (r[0] & 0xff) + ", not 1");
        }
        in.skip(20, "general profile/tier/level and format fields");
        int lengthSize = (in.u8("lengthSizeMinusOne") & 0x03) + 1;
        int arrays = in.u8("numOfArrays");
        List<byte[]> sets = new ArrayList<>();
        for (int a = 0; a < arrays; a++) {
            in.u8("array[" + a + "].NAL_unit_type");
            int n = in.u16("array[" + a + "].numNalus");
            for (int i = 0; i < n; i++) {
                sets.add(in.nal("array[" + a + "].nalUnit[" + i + "]"));
            }
        }
        return new DecoderConfig(checkedLength(lengthSize, "hvcC"), sets);
    }

    private static int checkedLength(int lengthSize, String record) {
        if (lengthSize == 3) {
            throw new IllegalArgumentException(record + " lengthSizeMinusOne is 2: a 3-byte NAL length is not allowed");
        }
        return lengthSize;
    }

    /**
     * Re-frames one length-prefixed access unit as Annex B. A keyframe that carries no SPS in band
     * gets the record's parameter sets in front, so every keyframe decodes on its own.
     *
     * @param au       the access unit, each NAL unit behind a big-endian length of {@code config.lengthSize()} bytes
     * @param config   the stream's decoder configuration
     * @param keyframe whether the access unit is an IDR/IRAP one
     * @param h265     H.265 NAL headers (type in bits 1–6 of the first byte) rather than H.264 (bits 0–4)
     * @return a new array: {@code 00 00 00 01} before each NAL unit
     * @throws IllegalArgumentException when a length is 0 or runs past the end of the access unit
     */
    public static byte[] toAnnexB(byte[] au, DecoderConfig config, boolean keyframe, boolean h265) {
        int size = config.lengthSize();
        List<int[]> nals = new ArrayList<>(); // offset, length
        boolean hasSps = false;
        int pos = 0;
        while (pos < au.length) {
            if (au.length - pos < size) {
                throw new IllegalArgumentException("access unit ends inside a " + size + "-byte NAL length at offset " + pos);
            }
            long n = 0;
            for (int i = 0; i < size; i++) {
                n = (n << 8) | (au[pos + i] & 0xff);
            }
            pos += size;
            if (n == 0 || n > au.length - pos) {
                throw new IllegalArgumentException("NAL length " + n + " at offset " + (pos - size)
                        + (n == 0 ? " is empty" : " runs past the access unit (" + (au.length - pos) + " bytes left)"));
            }
            int type = h265 ? (au[pos] >> 1) & 0x3f : au[pos] & 0x1f;
            hasSps |= type == (h265 ? H265_SPS : H264_SPS);
            nals.add(new int[]{pos, (int) n});
            pos += (int) n;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(au.length + 64);
        if (keyframe && !hasSps) {
            for (byte[] ps : config.parameterSets()) {
                out.writeBytes(START_CODE);
                out.writeBytes(ps);
            }
        }
        for (int[] nal : nals) {
            out.writeBytes(START_CODE);
            out.write(au, nal[0], nal[1]);
        }
        return out.toByteArray();
    }

    /**
     * Whether an Annex B access unit is a keyframe: it holds an IDR NAL unit (H.264 type 5) or an IRAP
     * one (H.265 types 16–21; ITU-T H.265 Table 7-1). Start codes of 3 or 4 bytes.
     *
     * @param annexB the access unit, NAL units after {@code 00 00 01} / {@code 00 00 00 01}
     * @param h265   H.265 rather than H.264 NAL headers
     */
    public static boolean annexBKeyframe(byte[] annexB, boolean h265) {
        for (int i = 0; i + 3 < annexB.length; i++) {
            if (annexB[i] == 0 && annexB[i + 1] == 0 && annexB[i + 2] == 1) {
                int header = annexB[i + 3] & 0xff;
                int type = h265 ? (header >> 1) & 0x3f : header & 0x1f;
                if (h265 ? type >= 16 && type <= 21 : type == 5) {
                    return true;
                }
                i += 2;
            }
        }
        return false;
    }

    /** Big-endian reads that name the field that ran out. */
    private static final class Reader {
        private final byte[] b;
        private final String record;
        private int pos;

        Reader(byte[] b, String record) {
            this.b = b;
            this.record = record;
        }

        private void need(int n, String field) {
            if (b.length - pos < n) {
                throw new IllegalArgumentException(record + " ends before " + field + " (" + b.length + " bytes)");
            }
        }

        int u8(String field) {
            need(1, field);
            return b[pos++] & 0xff;
        }

        int u16(String field) {
            need(2, field);
            int v = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
            pos += 2;
            return v;
        }

        void skip(int n, String field) {
            need(n, field);
            pos += n;
        }

        byte[] nal(String field) {
            int n = u16(field + " length");
            if (n == 0) {
                throw new IllegalArgumentException(record + " " + field + " is empty");
            }
            need(n, field);
            byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }
    }
}
