package org.cvmmap.streamer.util;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

import java.util.Locale;

/**
 * {@code --log-format text|json} and {@code --log-level LEVEL}: chosen by system properties the
 * logging configuration reads ({@code log4j2.xml}: {@code cvmmap.log.format}, {@code cvmmap.log.level}),
 * applied by reconfiguring log4j once the flags are parsed (only when they change something).
 */
public final class Logging {
    private Logging() {
    }

    /**
     * @param format {@code text} (logfmt) or {@code json}
     * @param level  a log4j level name ({@code trace} … {@code off}), any case
     * @throws ConfigException naming {@code --log-format} or {@code --log-level} (exit code 2)
     */
    public static void configure(String format, String level) {
        if (!format.equals("text") && !format.equals("json")) {
            throw new ConfigException("--log-format", format, "must be text or json");
        }
        Level l = Level.toLevel(level, null);
        if (l == null) {
            throw new ConfigException("--log-level", level, "must be one of off, fatal, error, warn, info, debug, trace, all");
        }
        String lv = l.name().toLowerCase(Locale.ROOT);
        if (format.equals(System.getProperty("cvmmap.log.format", "text"))
                && lv.equals(System.getProperty("cvmmap.log.level", "info").toLowerCase(Locale.ROOT))) {
            return;
        }
        System.setProperty("cvmmap.log.format", format);
        System.setProperty("cvmmap.log.level", lv);
        ((LoggerContext) LogManager.getContext(false)).reconfigure();
    }
}
