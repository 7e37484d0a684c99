package org.cvmmap.streamer.ingest.dummy;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A 5×7 bitmap font (digits, upper-case letters, a few symbols) for burning text into packed
 * 3-byte-per-pixel frames without AWT. Lower-case input is drawn upper-case; unknown characters as a box.
 */
final class BitmapFont {
    static final int GLYPH_W = 5;
    static final int GLYPH_H = 7;
    private static final Map<Character, int[]> GLYPHS = new HashMap<>();

    static {
        String[] defs = {
            "0:01110,10001,10011,10101,11001,10001,01110", "1:00100,01100,00100,00100,00100,00100,01110",
            "2:01110,10001,00001,00010,00100,01000,11111", "3:11110,00001,00001,01110,00001,00001,11110",
            "4:00010,00110,01010,10010,11111,00010,00010", "5:11111,10000,11110,00001,00001,10001,01110",
            "6:00110,01000,10000,11110,10001,10001,01110", "7:11111,00001,00010,00100,01000,01000,01000",
            "8:01110,10001,10001,01110,10001,10001,01110", "9:01110,10001,10001,01111,00001,00010,01100",
            "A:01110,10001,10001,11111,10001,10001,10001", "B:11110,10001,10001,11110,10001,10001,11110",
            "C:01110,10001,10000,10000,10000,10001,01110", "D:11100,10010,10001,10001,10001,10010,11100",
            "E:11111,10000,10000,11110,10000,10000,11111", "F:11111,10000,10000,11110,10000,10000,10000",
            "G:01110,10001,10000,10111,10001,10001,01111", "H:10001,10001,10001,11111,10001,10001,10001",
            "I:01110,00100,00100,00100,00100,00100,01110", "J:00111,00010,00010,00010,00010,10010,01100",
            "K:10001,10010,10100,11000,10100,10010,10001", "L:10000,10000,10000,10000,10000,10000,11111",
            "M:10001,11011,10101,10101,10001,10001,10001", "N:10001,10001,11001,10101,10011,10001,10001",
            "O:01110,10001,10001,10001,10001,10001,01110", "P:11110,10001,10001,11110,10000,10000,10000",
            "Q:01110,10001,10001,10001,10101,10010,01101", "R:11110,10001,10001,11110,10100,10010,10001",
            "S:01111,10000,10000,01110,00001,00001,11110", "T:11111,00100,00100,00100,00100,00100,00100",
            "U:10001,10001,10001,10001,10001,10001,01110", "V:10001,10001,10001,10001,10001,01010,00100",
            "W:10001,10001,10001,10101,10101,10101,01010", "X:10001,10001,01010,00100,01010,10001,10001",
            "Y:10001,10001,01010,00100,00100,00100,00100", "Z:11111,00001,00010,00100,01000,10000,11111",
            " :00000,00000,00000,00000,00000,00000,00000", ".:00000,00000,00000,00000,00000,01100,01100",
            "-:00000,00000,00000,11111,00000,00000,00000", "_:00000,00000,00000,00000,00000,00000,11111",
            "#:01010,01010,11111,01010,11111,01010,01010", "=:00000,00000,11111,00000,11111,00000,00000",
            "\u003a:00000,01100,01100,00000,01100,01100,00000", "/:00001,00010,00010,00100,01000,01000,10000",
        };
        for (String d : defs) {
            String[] rows = d.substring(2).split(",");
            int[] bits = new int[GLYPH_H];
            for (int r = 0; r < GLYPH_H; r++) {
                bits[r] = Integer.parseInt(rows[r], 2);
            }
            GLYPHS.put(d.charAt(0), bits);
        }
    }

    private BitmapFont() {
    }

    /** Width in pixels of {@code text} drawn at {@code scale}, including 1-pixel (scaled) spacing. */
    static int width(String text, int scale) {
        return text.length() * (GLYPH_W + 1) * scale;
    }

    /**
     * Draws text into a packed 3-byte-per-pixel image.
     *
     * @param img    image bytes, starting at {@code base}
     * @param stride bytes per row
     * @param x      left, pixels
     * @param y      top, pixels
     * @param scale  pixel size of one font dot
     * @param rgb    three bytes written for each lit pixel, in the image's channel order
     */
    static void draw(ByteBuffer img, int base, int stride, int x, int y, String text, int scale, byte[] rgb) {
        int cx = x;
        for (int i = 0; i < text.length(); i++) {
            int[] g = GLYPHS.getOrDefault(Character.toUpperCase(text.charAt(i)), BOX);
            for (int r = 0; r < GLYPH_H; r++) {
                for (int c = 0; c < GLYPH_W; c++) {
                    if ((g[r] >> (GLYPH_W - 1 - c) & 1) == 0) {
                        continue;
                    }
                    for (int dy = 0; dy < scale; dy++) {
                        int row = base + (y + r * scale + dy) * stride + (cx + c * scale) * 3;
                        for (int dx = 0; dx < scale; dx++) {
                            img.put(row + dx * 3, rgb[0]).put(row + dx * 3 + 1, rgb[1]).put(row + dx * 3 + 2, rgb[2]);
                        }
                    }
                }
            }
            cx += (GLYPH_W + 1) * scale;
        }
    }

    private static final int[] BOX = {0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111};
}
