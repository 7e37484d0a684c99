package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.media.Codec;

import java.util.List;

/**
 * One encoder candidate: the element factory whose presence decides availability, the gst-launch
 * fragment that instantiates it (placeholders {@code ${gop}}, {@code ${b_frames}},
 * {@code ${bitrate_kbps}} filled from the configuration), and the raw format it is fed.
 *
 * @param factory     element factory name checked with {@code ElementFactory.find}
 * @param fragment    gst-launch fragment placed between the converter and the parser
 * @param hardware    true for NVENC: subject to the zero-output watchdog and to fallback
 * @param inputFormat raw format fed to it (I420 for x264/x265; NV12 for NVENC)
 */
public record EncoderSpec(String factory, String fragment, boolean hardware, String inputFormat) {

    /**
     * NVENC candidates in the order {@code auto} and {@code nvidia} try them: the classic
     * {@code nvh26Xenc}, then the newer CUDA-mode {@code nvcudah26Xenc}.
     */
    public static List<EncoderSpec> nvenc(Codec codec) {
        String c = codec == Codec.H264 ? "h264" : "h265";
        return List.of(
                new EncoderSpec("nv" + c + "enc", "nv" + c + "enc name=enc preset=low-latency-hq rc-mode=cbr zerolatency=true"
                        + " gop-size=${gop} bframes=${b_frames} bitrate=${bitrate_kbps}", true, "NV12"),
                new EncoderSpec("nvcuda" + c + "enc", "nvcuda" + c + "enc name=enc preset=low-latency-hq rc-mode=cbr"
                        + " gop-size=${gop} b-frames=${b_frames} bitrate=${bitrate_kbps}", true, "NV12"));
    }

    /**
     * The software encoder for a codec: x264 ({@code tune=zerolatency} unless B-frames are asked for,
     * since zerolatency disables them) or x265 ({@code tune=zerolatency}, B-frames via option-string).
     */
    public static EncoderSpec software(Codec codec, int bFrames) {
        if (codec == Codec.H264) {
            String tune = bFrames == 0 ? " tune=zerolatency" : "";
            return new EncoderSpec("x264enc", "x264enc name=enc speed-preset=veryfast" + tune
                    + " key-int-max=${gop} bframes=${b_frames} bitrate=${bitrate_kbps}", false, "I420");
        }
        return new EncoderSpec("x265enc", "x265enc name=enc speed-preset=ultrafast tune=zerolatency key-int-max=${gop}"
                + " bitrate=${bitrate_kbps} option-string=\"bframes=${b_frames}\"", false, "I420");
    }
}
