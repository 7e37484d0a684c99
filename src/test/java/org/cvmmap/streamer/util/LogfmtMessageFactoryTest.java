package org.cvmmap.streamer.util;

import org.cvmmap.streamer.support.Logfmt;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Values that broke the log lines before, rendered through the factory and read back by an independent parser. */
class LogfmtMessageFactoryTest {
    private static String render(String template, Object... params) {
        return new LogfmtMessageFactory().newMessage(template, params).getFormattedMessage();
    }

    @Test
    void everyAwkwardValueParsesBackToItself() {
        String line = render("event=x key={} format={} cause=\"{}\" videocodecid={} empty={} eq={} tab=\"{}\" plain={}",
                "cam 1", "BGR 1280x720", "no element \"nosuchelement\" at C:\\path", 1.752589105E9, "", "a=b",
                "a\tb\nc", "ok");
        assertThat(line).contains("format=\"BGR 1280x720\"", "cause=\"no element \\\"nosuchelement\\\" at C:\\\\path\"",
                "videocodecid=1752589105 ", "empty=\"\"", "eq=\"a=b\"", "plain=ok");
        Map<String, String> m = Logfmt.parse(line);
        assertThat(m).containsEntry("key", "cam 1").containsEntry("format", "BGR 1280x720")
                .containsEntry("cause", "no element \"nosuchelement\" at C:\\path").containsEntry("videocodecid", "1752589105")
                .containsEntry("empty", "").containsEntry("eq", "a=b").containsEntry("tab", "a\tb\nc").containsEntry("plain", "ok");
    }

    @Test
    void floatsAreDecimalsAndATrailingThrowableStaysLog4js() {
        assertThat(LogfmtMessageFactory.value(0.25, false)).isEqualTo("0.25");
        assertThat(LogfmtMessageFactory.value(2.5e-7, false)).isEqualTo("0.00000025");
        assertThat(LogfmtMessageFactory.value(1.0f, false)).isEqualTo("1");
        RuntimeException e = new RuntimeException("boom");
        org.apache.logging.log4j.message.Message m = new LogfmtMessageFactory().newMessage("event=x cause=\"{}\"", "a b", e);
        assertThat(m.getFormattedMessage()).isEqualTo("event=x cause=\"a b\"");
        assertThat(m.getThrowable()).isSameAs(e);
    }

    @Test
    void pairsBecomeKeysOfTheLineNotOneQuotedValue() {
        java.util.Map<String, Object> counters = new java.util.LinkedHashMap<>();
        counters.put("frames_in", 60L);
        counters.put("format", "BGR 320x240");
        String line = render("event=exit key={}{}", "k", LogfmtMessageFactory.Pairs.of(counters));
        assertThat(line).isEqualTo("event=exit key=k frames_in=60 format=\"BGR 320x240\"");
        assertThat(Logfmt.parse(line)).containsEntry("frames_in", "60").containsEntry("format", "BGR 320x240");
    }
}
