package org.cvmmap.streamer.util;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of everything the streamer prints or answers (docs/security.md): log lines,
 * error messages, status replies, exception text from libraries (jnats embeds server URLs with their
 * user info in its messages).
 * <ul>
 *   <li>{@link #maskUrls}: the user info of any {@code scheme://user:password@host} becomes
 *       {@code user:***}, a user info without a colon (a token) becomes {@code ***};</li>
 *   <li>{@link #register}: the values the configuration holds (NATS token and password, trust store
 *       password, RTMP stream key) are replaced by {@code ***} wherever {@link #redact} sees them.</li>
 * </ul>
 * The log layout masks URL user info once more as a last line of defence (log4j2.xml).
 */
public final class Secrets {
    /** What a secret is shown as. */
    public static final String MASK = "***";
    /** Shorter values are not registered: masking them would blank ordinary words. */
    static final int MIN_LENGTH = 4;
    private static final Pattern USER_PASSWORD = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^\\s:/@\"'*]+):([^\\s/@\"']*)@");
    private static final Pattern TOKEN = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^\\s:/@\"'*]+)@");
    private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();
    private static volatile List<String> longestFirst = List.of();

    private Secrets() {
    }

    /**
     * Registers secret values (null and values under {@value #MIN_LENGTH} characters are ignored);
     * from now on {@link #redact} replaces them.
     */
    public static void register(String... values) {
        boolean added = false;
        for (String v : values) {
            if (v != null && v.length() >= MIN_LENGTH) {
                added |= VALUES.add(v);
            }
        }
        if (added) {
            synchronized (VALUES) {
                longestFirst = VALUES.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
            }
        }
    }

    /**
     * Masks the user info of every URL in {@code text}: {@code nats://alice:***@host:4222},
     * {@code nats://***@host:4222} for a token.
     */
    public static String maskUrls(String text) {
        if (text == null || text.indexOf("://") < 0) {
            return text;
        }
        String s = USER_PASSWORD.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + ":"
                + MASK + "@"));
        return TOKEN.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + "@"));
    }

    /** {@link #maskUrls} and every registered value replaced by {@value #MASK}; null stays null. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String s = maskUrls(text);
        for (String v : longestFirst) {
            if (s.contains(v)) {
                s = s.replace(v, MASK);
            }
        }
        return s;
    }

    /** {@link #redact} of a throwable's {@code toString()} and its causes' messages, one line. */
    public static String redact(Throwable t) {
        StringBuilder b = new StringBuilder(String.valueOf(t));
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append(": ").append(c);
        }
        return redact(b.toString());
    }
}
