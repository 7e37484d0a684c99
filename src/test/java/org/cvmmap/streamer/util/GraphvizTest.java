package org.cvmmap.streamer.util;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Debian's Graphviz draws dot text; a mistake in the text is its message, not a blank picture. */
class GraphvizTest {
    @Test
    void drawsDotAsAnInlineSvgElement() throws IOException {
        assertThat(Graphviz.available()).as("Graphviz's dot is installed (scripts/setup.sh: graphviz)").isTrue();
        String svg = Graphviz.svg("digraph pipeline { src -> enc -> \"sink<1>\" }");
        assertThat(svg).startsWith("<svg").contains("<title>src</title>", "<title>enc&#45;&gt;sink&lt;1&gt;</title>")
                .endsWith("</svg>\n");
    }

    @Test
    void malformedDotIsAnErrorNamingTheLine() {
        assertThatThrownBy(() -> Graphviz.svg("digraph { a -> }")).isInstanceOf(IOException.class)
                .hasMessageContaining("dot -Tsvg exited 1").hasMessageContaining("line 1");
    }
}
