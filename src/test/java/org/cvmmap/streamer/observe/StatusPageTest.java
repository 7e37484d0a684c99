package org.cvmmap.streamer.observe;

import org.cvmmap.streamer.media.StreamStats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The status page's HTML from crafted streams: structure, escaping, rates, the SVG cache. */
class StatusPageTest {
    private final AtomicInteger renders = new AtomicInteger();
    private final StatusPage page = new StatusPage(dot -> {
        renders.incrementAndGet();
        return "<svg data-dot-length=\"" + dot.length() + "\"></svg>";
    });

    private static StreamView view(String name, StreamStats stats, boolean playing, String[] dot) {
        return new StreamView(name, "cvmmap_" + name, stats, () -> playing,
                () -> List.of(new StreamView.Output("rtp", "127.0.0.1:5004", 1234, true, 0),
                        new StreamView.Output("rtmp", "rtmp://h/app/***", 0, false, 2)),
                () -> List.of(new StreamView.Recording("mp4", true, 42, "/rec/a.mp4", "")),
                () -> dot[0]);
    }

    private static String section(String html, String name) {
        Matcher m = Pattern.compile("<section class=\"stream\" id=\"stream-" + Pattern.quote(name)
                + "\"[^>]*>(.*?)</section>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("a section for " + name).isTrue();
        return m.group(0);
    }

    @Test
    void everyStreamHasASectionWithItsStateFactsOutputsRecordersAndGraph() {
        StreamStats a = new StreamStats();
        a.framesIn.set(300);
        a.accessUnits.set(299);
        a.firstFrameNanos.set(System.nanoTime() - 10_000_000_000L);
        a.lastFrameNanos.set(System.nanoTime());
        a.encoder("x264enc", "nvh264enc: element not installed");
        a.format("BGR 1280x720");
        StreamStats b = new StreamStats();
        b.error("graph 3, element enc: internal data stream error");
        String html = page.render("host1", List.of(view("a", a, true, new String[]{"digraph a {}"}),
                view("b", b, false, new String[]{null})));

        assertThat(html).startsWith("<!DOCTYPE html>").contains("<meta http-equiv=\"refresh\" content=\"5\">")
                .doesNotContain("<script");
        String sa = section(html, "a");
        assertThat(sa).contains("data-state=\"playing\"", "x264enc (nvh264enc: element not installed)", "BGR 1280x720",
                "300 / 299", "127.0.0.1:5004", "rtmp://h/app/***", "/rec/a.mp4",
                "<svg data-dot-length=\"12\"></svg>", "<dd>none</dd>");
        // 300 frames over ~10 s since the first frame, on the first load
        assertThat(sa).containsPattern("<dt>fps in / out</dt><dd>(29|30)\\.\\d / (29|30)\\.\\d</dd>");
        String sb = section(html, "b");
        assertThat(sb).contains("data-state=\"stopped\"", "no graph is running",
                "graph 3, element enc: internal data stream error").doesNotContain("<svg");
    }

    @Test
    void namesAndMessagesAreEscaped() {
        StreamStats s = new StreamStats();
        s.error("<img src=x onerror=alert(1)> & \"quoted\"");
        String html = page.render("h<1>", List.of(view("x\"><script>", s, false, new String[]{null})));
        assertThat(html).doesNotContain("<script>", "<img", "h<1>")
                .contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;", "x&quot;&gt;&lt;script&gt;");
    }

    @Test
    void aGraphIsDrawnAgainOnlyWhenItsDotTextChanged() {
        String[] dot = {"digraph a {}"};
        List<StreamView> streams = new ArrayList<>(List.of(view("a", new StreamStats(), true, dot)));
        page.render("h", streams);
        page.render("h", streams);
        assertThat(renders.get()).isEqualTo(1);
        dot[0] = "digraph a { x -> y }";
        assertThat(page.render("h", streams)).contains("data-dot-length=\"20\"");
        assertThat(renders.get()).isEqualTo(2);
    }

    @Test
    void noStreamSaysSo() {
        assertThat(page.render("h", List.of())).contains("0 streams", "No stream is running.");
    }
}
