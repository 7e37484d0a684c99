package org.cvmmap.streamer.record.mcap;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The compression of an MCAP chunk's records (https://mcap.dev/spec, "Chunk (op=0x06)", field
 * {@code compression}): none ({@code ""}), {@code "zstd"} (a zstd frame, zstd-jni) or {@code "lz4"} (an
 * LZ4 frame, lz4-java), the three every MCAP reader knows. Pure: bytes in, bytes out.
 */
public enum ChunkCompression {
    /** Records stored as they are. */
    NONE(""),
    /** One zstd frame (RFC 8878), level {@value #ZSTD_LEVEL}. */
    ZSTD("zstd"),
    /** One LZ4 frame (the LZ4 frame format, 64 KiB blocks). */
    LZ4("lz4");

    /** zstd level: the library's default, fast enough to keep up with a live recording on one core. */
    static final int ZSTD_LEVEL = 3;

    private final String mcapName;

    ChunkCompression(String mcapName) {
        this.mcapName = mcapName;
    }

    /** The name a chunk record carries ("" for none). */
    public String mcapName() {
        return mcapName;
    }

    /** The option value that names it ({@code none}, {@code zstd}, {@code lz4}). */
    public String cliName() {
        return this == NONE ? "none" : mcapName;
    }

    /**
     * The compression an option or a chunk record names.
     *
     * @param name {@code none} or "" , {@code zstd}, {@code lz4} (any case)
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static ChunkCompression parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (ChunkCompression c : values()) {
            if (c.mcapName.equals(n) || c.cliName().equals(n)) {
                return c;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not an MCAP chunk compression (none, zstd, lz4)");
    }

    /** Compresses a chunk's records. */
    public byte[] compress(byte[] records) {
        return switch (this) {
            case NONE -> records;
            case ZSTD -> Zstd.compress(records, ZSTD_LEVEL);
            case LZ4 -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream(records.length / 2 + 64);
                try (LZ4FrameOutputStream out = new LZ4FrameOutputStream(b, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB)) {
                    out.write(records);
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // a byte array stream does not fail
                }
                yield b.toByteArray();
            }
        };
    }

    /**
     * Decompresses a chunk's records.
     *
     * @param data             the stored bytes
     * @param uncompressedSize the chunk's {@code uncompressed_size}, bytes
     * @return exactly {@code uncompressedSize} bytes
     * @throws IOException when the data is not a valid frame of this compression or does not hold
     *                     exactly that many bytes
     */
    public byte[] decompress(byte[] data, long uncompressedSize) throws IOException {
        if (uncompressedSize < 0 || uncompressedSize > Integer.MAX_VALUE - 8) {
            throw new IOException("uncompressed_size " + uncompressedSize + " is out of range");
        }
        int size = (int) uncompressedSize;
        byte[] out;
        switch (this) {
            case NONE -> out = data;
            case ZSTD -> {
                try {
                    out = Zstd.decompress(data, size);
                } catch (ZstdException | IllegalArgumentException e) {
                    throw new IOException("zstd: " + e.getMessage(), e);
                }
            }
            case LZ4 -> {
                boolean more;
                try (InputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(data))) {
                    out = in.readNBytes(size);
                    more = in.read() >= 0;
                } catch (IOException | RuntimeException e) {
                    throw new IOException("lz4: " + e.getMessage(), e);
                }
                if (more) {
                    throw new IOException("lz4: more than uncompressed_size " + size + " bytes");
                }
            }
            default -> throw new AssertionError(this);
        }
        if (out.length != size) {
            throw new IOException((this == NONE ? "" : mcapName + ": ") + "uncompressed_size " + size + " but "
                    + out.length + " bytes of records");
        }
        return out;
    }
}
