package org.cvmmap.streamer.output.rtmp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Publish URLs: what is accepted, what the logs show (never a stream key or password). */
class RtmpUrlTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rtmp://127.0.0.1:1935/live/abc                   | 127.0.0.1   | 1935 | live | rtmp://127.0.0.1:1935/live/***",
        "rtmp://example.com/app/sk_live_9f8e7d            | example.com | 1935 | app  | rtmp://example.com/app/***",
        "rtmps://example.com/app/k                        | example.com | 443  | app  | rtmps://example.com/app/***",
        "rtmp://user:s3cret@cdn.example:1936/live/key?t=1 | cdn.example | 1936 | live | rtmp://user:***@cdn.example:1936/live/***?***",
        "rtmp://user@cdn.example/live/a/b                 | cdn.example | 1935 | live | rtmp://user@cdn.example/live/***",
    })
    void parsesAndMasks(String url, String host, int port, String app, String masked) {
        RtmpUrl u = RtmpUrl.parse(url);
        assertThat(u.url()).isEqualTo(url);
        assertThat(u.host()).isEqualTo(host);
        assertThat(u.port()).isEqualTo(port);
        assertThat(u.app()).isEqualTo(app);
        assertThat(u.masked()).isEqualTo(masked).isEqualTo(u.toString());
        assertThat(u.masked()).doesNotContain("s3cret").doesNotContain("sk_live").doesNotContain("abc");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                               | is empty",
        "http://example.com/live/key      | scheme must be rtmp or rtmps, not 'http'",
        "example.com/live/key             | scheme must be rtmp or rtmps, not 'null'",
        "rtmp:///live/key                 | has no host",
        "rtmp://example.com               | has no application",
        "rtmp://example.com/live          | has no stream key after /live",
        "rtmp://example.com/live/         | has no stream key after /live",
        "rtmp://example.com:99999/live/k  | port 99999 is outside 1..65535",
        "rtmp://exa mple.com/live/secret  | is not a URL",
    })
    void rejectsWithoutRepeatingTheKey(String url, String message) {
        assertThatThrownBy(() -> RtmpUrl.parse(url)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message).message().doesNotContain("secret");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rtmp://u:pw@h/live/secret?x=1 | rtmp://u:***@h/live/***",
        "rtmp://exa mple/live/secret   | rtmp://exa mple/live/***",
        "not a url                     | not a url",
    })
    void masksStringsThatDoNotParse(String in, String out) {
        assertThat(RtmpUrl.maskLoosely(in)).isEqualTo(out);
    }
}
