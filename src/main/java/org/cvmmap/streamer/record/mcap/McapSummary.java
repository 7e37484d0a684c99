package org.cvmmap.streamer.record.mcap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an MCAP file holds, read in one streaming pass: per topic its schema, message count, time
 * range and rate; for a {@code /bundle} topic (docs/mcap_layout.md) the bundle count, index range and,
 * per camera, how far its members lie from the bundle times. Pure: bytes in, numbers out.
 */
public final class McapSummary implements McapReader.Visitor {
    /**
     * One topic.
     *
     * @param topic    its name
     * @param schema   its schema's name ("" without one)
     * @param messages messages on it
     * @param firstNs  first log time, ns (-1 without messages)
     * @param lastNs   last log time, ns
     */
    public record Topic(String topic, String schema, long messages, long firstNs, long lastNs) {
        /** Messages per second over the topic's time span (0 with fewer than two). */
        public double rateHz() {
            return messages < 2 || lastNs <= firstNs ? 0 : (messages - 1) * 1e9 / (lastNs - firstNs);
        }
    }

    /**
     * One camera's members over all bundles.
     *
     * @param members    bundles it has a member in
     * @param missing    bundles where its member is null
     * @param maxSkewNs  largest |member − bundle time|, ns
     * @param sumSkewNs  sum of |member − bundle time|, ns
     */
    public record Members(long members, long missing, long maxSkewNs, long sumSkewNs) {
        /** Mean |member − bundle time|, ms. */
        public double meanSkewMs() {
            return members == 0 ? 0 : sumSkewNs / 1e6 / members;
        }
    }

    private static final Pattern MEMBER = Pattern.compile("\"([A-Za-z0-9._-]+)\":(null|-?\\d+)");
    private static final Pattern INDEX = Pattern.compile("\"bundle_index\":(\\d+)");
    private final Map<Integer, String> schemas = new LinkedHashMap<>();
    private final Map<Integer, long[]> stats = new LinkedHashMap<>(); // messages, first, last
    private final Map<Integer, String[]> channels = new LinkedHashMap<>(); // topic, schema
    private final Map<String, long[]> members = new LinkedHashMap<>(); // members, missing, max, sum
    private long bundles;
    private long firstIndex = -1;
    private long lastIndex = -1;
    private McapReader.Result read;

    private McapSummary() {
    }

    /**
     * Reads a file.
     *
     * @throws McapReader.NotMcapException when it is not MCAP
     * @throws IOException                 when reading fails
     */
    public static McapSummary of(InputStream in) throws IOException {
        McapSummary s = new McapSummary();
        s.read = McapReader.read(in, s);
        return s;
    }

    @Override
    public void schema(int id, String name, String encoding, byte[] data) {
        schemas.put(id, name);
    }

    @Override
    public void channel(int id, int schemaId, String topic, String encoding, Map<String, String> metadata) {
        channels.put(id, new String[]{topic, schemas.getOrDefault(schemaId, "")});
        stats.put(id, new long[]{0, -1, -1});
    }

    @Override
    public void message(int channelId, long sequence, long logTimeNs, long publishTimeNs, byte[] data) {
        long[] s = stats.get(channelId);
        s[0]++;
        s[1] = s[1] < 0 ? logTimeNs : Math.min(s[1], logTimeNs);
        s[2] = Math.max(s[2], logTimeNs);
        if (channels.get(channelId)[0].equals("/bundle")) {
            bundle(logTimeNs, new String(data, StandardCharsets.UTF_8));
        }
    }

    private void bundle(long t, String json) {
        bundles++;
        Matcher ix = INDEX.matcher(json);
        if (ix.find()) {
            long i = Long.parseLong(ix.group(1));
            firstIndex = firstIndex < 0 ? i : Math.min(firstIndex, i);
            lastIndex = Math.max(lastIndex, i);
        }
        int open = json.indexOf("\"members\":{");
        if (open < 0) {
            return;
        }
        Matcher m = MEMBER.matcher(json.substring(open + 11));
        while (m.find()) {
            long[] c = members.computeIfAbsent(m.group(1), k -> new long[4]);
            if (m.group(2).equals("null")) {
                c[1]++;
            } else {
                long skew = Math.abs(Long.parseLong(m.group(2)) - t);
                c[0]++;
                c[2] = Math.max(c[2], skew);
                c[3] += skew;
            }
        }
    }

    /** How far the file was read ({@link McapReader.Result#complete()}: to its footer). */
    public McapReader.Result read() {
        return read;
    }

    /** The topics in channel order. */
    public java.util.List<Topic> topics() {
        return channels.entrySet().stream().map(e -> {
            long[] s = stats.get(e.getKey());
            return new Topic(e.getValue()[0], e.getValue()[1], s[0], s[1], s[2]);
        }).toList();
    }

    /** {@code /bundle} messages. */
    public long bundles() {
        return bundles;
    }

    /** Smallest and largest bundle index, or -1. */
    public long[] bundleIndexRange() {
        return new long[]{firstIndex, lastIndex};
    }

    /** Per camera label, its members over the bundles. */
    public Map<String, Members> members() {
        Map<String, Members> out = new LinkedHashMap<>();
        members.forEach((k, c) -> out.put(k, new Members(c[0], c[1], c[2], c[3])));
        return out;
    }
}
