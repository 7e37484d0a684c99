package org.cvmmap.streamer.util;

import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.apache.logging.log4j.message.AbstractMessageFactory;

import java.math.BigDecimal;

/**
 * Makes every log line logfmt (https://brandur.org/logfmt): the streamer's messages are
 * {@code key=value} templates ({@code "event=x key={} cause=\"{}\""}); this factory, installed for all
 * loggers ({@code log4j2.component.properties}), renders each {@code {}} parameter so that the line
 * still parses whatever the value holds:
 * <ul>
 *   <li>inside quotes in the template ({@code "{}"}): backslash, quote and control characters escaped
 *       ({@code \\}, {@code \"}, {@code \n}, {@code \t}, {@code \r});</li>
 *   <li>bare: quoted and escaped when it is empty or holds whitespace, {@code "} or {@code =};</li>
 *   <li>{@code double}/{@code float}: written as a plain decimal (never {@code 1.7E9}).</li>
 * </ul>
 * A trailing {@link Throwable} stays log4j's (printed only by the layout, at DEBUG).
 */
public final class LogfmtMessageFactory extends AbstractMessageFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public Message newMessage(String message, Object... params) {
        if (params == null || params.length == 0 || message == null) {
            return new ParameterizedMessage(message, params);
        }
        Object[] out = params.clone();
        int placeholder = 0;
        for (int i = 0; i + 1 < message.length() && placeholder < out.length; i++) {
            if (message.charAt(i) == '{' && message.charAt(i + 1) == '}' && (i == 0 || message.charAt(i - 1) != '\\')) {
                boolean quoted = i > 0 && message.charAt(i - 1) == '"' && i + 2 < message.length()
                        && message.charAt(i + 2) == '"';
                Object p = out[placeholder];
                if (!(p instanceof Throwable && placeholder == out.length - 1)) {
                    out[placeholder] = value(p, quoted);
                }
                placeholder++;
                i++;
            }
        }
        return new ParameterizedMessage(message, out);
    }

    /**
     * Several {@code key=value} pairs as one parameter (a placeholder at the end of the template:
     * {@code "event=exit{}"}), each value written as {@link #value} writes one, each pair preceded by a
     * space.
     *
     * @param text the pairs, already in logfmt
     */
    public record Pairs(String text) {
        /** @param pairs keys (logfmt key characters only) and their values, in order */
        public static Pairs of(java.util.Map<String, ?> pairs) {
            StringBuilder b = new StringBuilder();
            pairs.forEach((k, v) -> b.append(' ').append(k).append('=').append(value(v, false)));
            return new Pairs(b.toString());
        }
    }

    /**
     * One parameter as logfmt text.
     *
     * @param quoted whether the template already has quotes around it
     */
    public static String value(Object p, boolean quoted) {
        if (p instanceof Pairs pairs && !quoted) {
            return pairs.text();
        }
        String s;
        if (p instanceof Double d && Double.isFinite(d)) {
            s = BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        } else if (p instanceof Float f && Float.isFinite(f)) {
            s = new BigDecimal(Float.toString(f)).stripTrailingZeros().toPlainString();
        } else {
            s = String.valueOf(p);
        }
        if (quoted) {
            return escape(s);
        }
        boolean plain = !s.isEmpty();
        for (int i = 0; i < s.length() && plain; i++) {
            char c = s.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c != 0x7f;
        }
        return plain ? s : "\"" + escape(s) + "\"";
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < ' ' || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
