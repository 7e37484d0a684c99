package org.cvmmap.streamer.record.mcap;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/** MCAP records as literal bytes (https://mcap.dev/spec "Records"). */
class McapRecordsTest {
    @Test
    void magic() {
        assertThat(McapRecords.MAGIC).isEqualTo(hexBytes("89 4d 43 41 50 30 0d 0a"));
    }

    @Test
    void header() {
        assertThat(McapRecords.header("", "ab")).isEqualTo(hexBytes(
                "01 0a00000000000000 00000000 02000000 6162"));
    }

    @Test
    void footer() {
        assertThat(McapRecords.footer(0x0102, 0x0304, 0xAABBCCDD)).isEqualTo(hexBytes(
                "02 1400000000000000 0201000000000000 0403000000000000 ddccbbaa"));
        assertThat(McapRecords.footerWithoutCrc(0x0102, 0x0304)).isEqualTo(hexBytes(
                "02 1400000000000000 0201000000000000 0403000000000000"));
    }

    @Test
    void schema() {
        assertThat(McapRecords.schema(1, "a.B", "protobuf", new byte[]{9, 8})).isEqualTo(hexBytes(
                "03 1b00000000000000 0100 03000000 612e42 08000000 70726f746f627566 02000000 0908"));
    }

    @Test
    void channelWithMetadata() {
        Map<String, String> md = new LinkedHashMap<>();
        md.put("k", "v");
        assertThat(McapRecords.channel(2, 1, "/t", "protobuf", md)).isEqualTo(hexBytes(
                "04 2400000000000000 0200 0100 02000000 2f74 08000000 70726f746f627566 0a000000 01000000 6b 01000000 76"));
    }

    @Test
    void message() {
        assertThat(McapRecords.message(1, 7, 0x1122334455667788L, 5, new byte[]{(byte) 0xEE})).isEqualTo(hexBytes(
                "05 1700000000000000 0100 07000000 8877665544332211 0500000000000000 ee"));
    }

    @Test
    void chunkUncompressed() {
        assertThat(McapRecords.chunk(1, 2, new byte[]{0x42}, 0x01020304)).isEqualTo(hexBytes(
                "06 2900000000000000 0100000000000000 0200000000000000 0100000000000000 04030201 00000000"
                        + " 0100000000000000 42"));
    }

    @Test
    void messageIndex() {
        assertThat(McapRecords.messageIndex(3, new long[][]{{10, 0}, {11, 40}})).isEqualTo(hexBytes(
                "07 2600000000000000 0300 20000000 0a00000000000000 0000000000000000 0b00000000000000 2800000000000000"));
    }

    @Test
    void chunkIndex() {
        assertThat(McapRecords.chunkIndex(1, 2, 100, 50, Map.of(1, 160L), 38, 12)).isEqualTo(hexBytes(
                "08 4a00000000000000 0100000000000000 0200000000000000 6400000000000000 3200000000000000"
                        + " 0a000000 0100 a000000000000000 2600000000000000 00000000 0c00000000000000 0c00000000000000"));
    }

    @Test
    void statistics() {
        assertThat(McapRecords.statistics(3, 1, 1, 2, 5, 9, Map.of(1, 3L))).isEqualTo(hexBytes(
                "0b 3800000000000000 0300000000000000 0100 01000000 00000000 00000000 02000000"
                        + " 0500000000000000 0900000000000000 0a000000 0100 0300000000000000"));
    }

    @Test
    void summaryOffsetAndDataEnd() {
        assertThat(McapRecords.summaryOffset(0x08, 0x10, 0x20)).isEqualTo(hexBytes(
                "0e 1100000000000000 08 1000000000000000 2000000000000000"));
        assertThat(McapRecords.dataEnd(0x12345678)).isEqualTo(hexBytes("0f 0400000000000000 78563412"));
    }

    @Test
    void idsOutsideU16AreRefused() {
        assertThatThrownBy(() -> McapRecords.schema(0x10000, "a", "b", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
        assertThatThrownBy(() -> McapRecords.message(-1, 0, 0, 0, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
