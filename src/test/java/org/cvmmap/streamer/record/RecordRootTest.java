package org.cvmmap.streamer.record;

import org.cvmmap.streamer.util.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Requested output paths resolved against the record dir: what is taken, what is refused and why. */
class RecordRootTest {
    @TempDir
    Path dir;

    @Test
    void resolvesInsideAndRefusesEverythingElseNamingTheValueAndTheRule() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real")).toRealPath();
        Files.createSymbolicLink(dir.resolve("alias"), real);
        RecordRoot root = RecordRoot.of("--record-dir", dir.resolve("alias"));
        assertThat(root.real()).isEqualTo(real);
        assertThat(root.resolve("a.mcap")).isEqualTo(real.resolve("a.mcap"));
        assertThat(root.resolve("sub/./x/../b.mp4")).isEqualTo(real.resolve("sub/b.mp4"));
        assertThat(root.resolve(real + "/c.mcap")).isEqualTo(real.resolve("c.mcap"));
        assertThat(root.resolve(dir.resolve("alias") + "/d.mcap")).as("absolute, as configured").isEqualTo(real.resolve("d.mcap"));
        String[][] refused = {
                {"", "output_path=\"\" is empty"},
                {"../a.mcap", "output_path=\"../a.mcap\" leaves the record dir"},
                {"sub/../../a.mcap", "leaves the record dir"},
                {"/etc/passwd", "output_path=\"/etc/passwd\" is outside the record dir"},
                {real + "/../a.mcap", "is outside the record dir"},
                {".", "names the record dir itself"},
                {"sub/..", "names the record dir itself"},
                {"a\u0000.mcap", "contains U+0000 at character 1"},
                {"a\t.mcap", "output_path=\"a\\u0009.mcap\" contains U+0009"},
                {"a\u0085.mcap", "contains U+0085"},
                {"a\u200b.mcap", "contains U+200B"},
        };
        for (String[] row : refused) {
            assertThatThrownBy(() -> root.resolve(row[0])).as(row[0])
                    .isInstanceOfSatisfying(RecorderException.class,
                            e -> assertThat(e.kind()).isEqualTo(RecorderException.Kind.INVALID))
                    .hasMessageContaining(row[1]);
        }
        assertThatThrownBy(() -> RecordRoot.of("--record-dir", dir.resolve("missing")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--record-dir").hasMessageContaining("is not an existing folder");
    }

    @Test
    void namesAreOnePrintableLineOfAtMost256Bytes() throws Exception {
        RecordRoot.checkName("mcap_options.topic", "/cam0/video", true);
        RecordRoot.checkName("mcap_options.topic", "/камера/видео", true);
        RecordRoot.checkName("mcap_options.frame_id", "cam 0", false);
        RecordRoot.checkName("mcap_options.frame_id", "é".repeat(128), false); // 256 bytes
        assertThatThrownBy(() -> RecordRoot.checkName("mcap_options.frame_id", "é".repeat(129), false))
                .hasMessageContaining("is 258 bytes, longer than 256");
        for (String bad : new String[]{"cam", "/", "//a", "/a/", "/a//b"}) {
            assertThatThrownBy(() -> RecordRoot.checkName("mcap_options.topic", bad, true)).as(bad)
                    .hasMessageContaining("must be /name[/name...]");
        }
    }
}
