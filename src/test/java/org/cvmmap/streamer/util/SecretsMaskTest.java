package org.cvmmap.streamer.util;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** URL user info and registered values masked, as a table of literal inputs and outputs. */
class SecretsMaskTest {
    @Test
    void urlUserInfo() {
        String[][] table = {
                {"nats://alice:Pa55word@host:4222", "nats://alice:***@host:4222"},
                {"nats://s3cr3t@host:4222", "nats://***@host:4222"},
                {"Unable to connect to NATS servers: [nats://alice:pw@h:1, tls://tok@h2:2]",
                        "Unable to connect to NATS servers: [nats://alice:***@h:1, tls://***@h2:2]"},
                {"rtmp://u:p@live.example.com/app/key", "rtmp://u:***@live.example.com/app/key"},
                {"nats://host:4222", "nats://host:4222"},
                {"nats://alice:***@host", "nats://alice:***@host"},
                {"mail alice@example.com is not a URL", "mail alice@example.com is not a URL"},
                {"a=nats://x:y@h b=\"wss://t@h/p\"", "a=nats://x:***@h b=\"wss://***@h/p\""},
                {"no url", "no url"},
        };
        for (String[] row : table) {
            assertThat(Secrets.maskUrls(row[0])).as(row[0]).isEqualTo(row[1]);
        }
        assertThat(Secrets.maskUrls(null)).isNull();
    }

    @Test
    void registeredValuesLongestFirst() {
        Secrets.register("tok-1234", "tok-1234-long", "abc", null);
        assertThat(Secrets.redact("token tok-1234-long and tok-1234 and abc"))
                .isEqualTo("token *** and *** and abc"); // 3 characters: too short to register
        assertThat(Secrets.redact(new IllegalStateException("bad tok-1234", new RuntimeException("nats://u:tok-1234@h"))))
                .isEqualTo("java.lang.IllegalStateException: bad ***: java.lang.RuntimeException: nats://u:***@h");
    }

    @Test
    void theLogLayoutMasksUrlUserInfoInMessagesAndExceptions() {
        var ctx = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        var layout = ctx.getConfiguration().getAppender("text").getLayout();
        var event = org.apache.logging.log4j.core.impl.Log4jLogEvent.newBuilder().setLoggerName("x")
                .setLevel(org.apache.logging.log4j.Level.WARN)
                .setMessage(new org.apache.logging.log4j.message.SimpleMessage("event=t url=nats://alice:Pa55word@h:1 t=tls://tok3n@h"))
                .setThrown(new IllegalStateException("nats://bob:Hidden1@h")).build();
        String line = layout.toSerializable(event).toString();
        assertThat(line).contains("event=t url=nats://alice:***@h:1 t=tls://***@h\n", "IllegalStateException: nats://bob:***@h")
                .doesNotContain("Pa55word", "tok3n", "Hidden1");
    }
}
