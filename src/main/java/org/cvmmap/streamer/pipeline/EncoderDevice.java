package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.util.ConfigException;

/** Which encoders {@code --encoder-device} allows (docs/specs/streamer.md §3). */
public enum EncoderDevice {
    /** NVENC first, then deterministic fallback to x264/x265. */
    AUTO,
    /** NVENC only; exit 5 if it cannot encode. */
    NVIDIA,
    /** x264/x265 only. */
    SOFTWARE;

    /**
     * @throws ConfigException naming {@code --encoder-device}
     */
    public static EncoderDevice parse(String s) {
        for (EncoderDevice d : values()) {
            if (d.name().equalsIgnoreCase(s)) {
                return d;
            }
        }
        throw new ConfigException("--encoder-device", s, "must be auto, nvidia or software");
    }
}
