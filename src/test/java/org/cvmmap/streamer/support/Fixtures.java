package org.cvmmap.streamer.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Test fixtures from {@code src/test/resources/fixtures} (copies of ../shared/fixtures). */
public final class Fixtures {
    private Fixtures() {
    }

    /** Raw bytes of a resource. */
    public static byte[] bytes(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("missing fixture " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whitespace-insensitive lowercase hex fixture, decoded. */
    public static byte[] hex(String path) {
        return HexFormat.of().parseHex(new String(bytes(path), StandardCharsets.US_ASCII).replaceAll("\\s", ""));
    }

    /** Decodes hex written with spaces/separators for readability. */
    public static byte[] hexBytes(String spaced) {
        return HexFormat.of().parseHex(spaced.replaceAll("[\\s|_]", ""));
    }
}
