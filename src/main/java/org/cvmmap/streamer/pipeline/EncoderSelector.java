package org.cvmmap.streamer.pipeline;


import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Deterministic encoder choice (docs/specs/streamer.md §3). Candidates in fixed order: under {@code auto} the
 * NVENC specs then the software one; under {@code nvidia} NVENC only; under {@code software} the
 * software one only. A candidate whose element is not installed is skipped at once; one that fails
 * later (cannot reach PLAYING, errors before its first access unit, or outputs nothing after the
 * probe frame count) is {@linkplain #reject rejected} and the next is used. Every skip is recorded
 * as the reason shown in logs and status. Not thread-safe: the supervisor thread owns it.
 */
public final class EncoderSelector {
    private final List<EncoderSpec> candidates = new ArrayList<>();
    private final Predicate<String> installed;
    private final List<String> reasons = new ArrayList<>();
    private int index;

    /**
     * @param device    the --encoder-device policy
     * @param hardware  NVENC candidates in order
     * @param software  the x264/x265 spec
     * @param installed whether an element factory exists (production: {@code ElementFactory.find != null})
     */
    public EncoderSelector(EncoderDevice device, List<EncoderSpec> hardware, EncoderSpec software,
                           Predicate<String> installed) {
        if (device != EncoderDevice.SOFTWARE) {
            candidates.addAll(hardware);
        }
        if (device != EncoderDevice.NVIDIA) {
            candidates.add(software);
        }
        if (device == EncoderDevice.SOFTWARE) {
            reasons.add("software requested (--encoder-device software)");
        }
        this.installed = installed;
    }

    /**
     * The candidate to use now, skipping (and recording) any whose element is not installed.
     *
     * @return the candidate, or null when none is left
     */
    public EncoderSpec current() {
        while (index < candidates.size()) {
            EncoderSpec c = candidates.get(index);
            if (installed.test(c.factory())) {
                return c;
            }
            reasons.add(c.factory() + ": element not installed");
            index++;
        }
        return null;
    }

    /**
     * Marks the current candidate as failed.
     *
     * @param reason why, e.g. "no access unit after 60 input frames"
     */
    public void reject(String reason) {
        if (index < candidates.size()) {
            reasons.add(candidates.get(index).factory() + ": " + reason);
            index++;
        }
    }

    /** Why the current encoder is in use: every candidate skipped before it, or "first choice". */
    public String reason() {
        return reasons.isEmpty() ? "first choice" : String.join("; ", reasons);
    }
}
