package org.cvmmap.streamer.testers.rtmp;

import org.cvmmap.streamer.output.rtmp.Amf0Writer;

import org.cvmmap.streamer.testers.rtmp.Amf0Reader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

class Amf0ReaderTest {

    /** An RTMP "connect" command as publishers send it (name, transaction id, command object). */
    @Test
    void decodesConnectCommand() {
        byte[] msg = hexBytes("02 0007 636f6e6e656374 | 00 3ff0000000000000 |"
                + "03 | 0003 617070 02 0004 6c697665 | 0004 74797065 02 000a 6e6f6e70726976617465 |"
                + "0008 666c61736856657202 001f 464d4c452f332e302028636f6d70617469626c653b20464d53632f312e3029 |"
                + "0005 746355726c 02 0015 72746d703a2f2f6c6f63616c686f73742f6c697665 | 000009");
        List<Object> v = Amf0Reader.readAll(msg);
        assertThat(v).hasSize(3);
        assertThat(v.get(0)).isEqualTo("connect");
        assertThat(v.get(1)).isEqualTo(1.0);
        Map<String, Object> cmd = new LinkedHashMap<>();
        cmd.put("app", "live");
        cmd.put("type", "nonprivate");
        cmd.put("flashVer", "FMLE/3.0 (compatible; FMSc/1.0)");
        cmd.put("tcUrl", "rtmp://localhost/live");
        assertThat(v.get(2)).isEqualTo(cmd);
    }

    @Test
    void roundTripsWhatTheWriterWrites() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("a", 1.5);
        inner.put("b", true);
        inner.put("c", null);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("width", 1280.0);
        meta.put("nested", inner);
        byte[] bytes = new Amf0Writer().string("onMetaData").ecmaArray(meta).nul().bool(false).number(-2).toByteArray();
        assertThat(Amf0Reader.readAll(bytes)).containsExactly("onMetaData", meta, null, false, -2.0);
    }

    @Test
    void decodesStrictArrayDateLongStringAndUndefined() {
        byte[] b = hexBytes("0a 00000002 00 4000000000000000 01 01 | 0b 40f86a0000000000 0000 | 0c 00000002 6869 | 06");
        assertThat(Amf0Reader.readAll(b)).containsExactly(List.of(2.0, true), 100_000.0, "hi", null);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "truncated number   | 00 3ff0           | offset 1: truncated: 8 bytes needed, 2 left",
        "truncated string   | 02 0005 6869      | offset 3: truncated: 5 bytes needed, 2 left",
        "unsupported marker | 11                | offset 0: marker 0x11 is not supported",
        "missing object end | 03 0000 05        | offset 3: empty property name not followed by the object-end marker",
        "huge strict array  | 0a ffffffff       | length 4294967295 exceeds",
        "empty input        | ''                | offset 0: truncated: 1 bytes needed, 0 left",
    })
    void rejectsMalformed(String name, String hex, String message) {
        byte[] b = hexBytes(hex.equals("''") ? "" : hex);
        assertThatThrownBy(() -> new Amf0Reader(b, 0, b.length).read()).isInstanceOf(Amf0Reader.Amf0Exception.class)
                .hasMessageContaining(message);
    }

    @Test
    void rejectsDeepNesting() {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            hex.append("03 0001 78 ");
        }
        byte[] b = hexBytes(hex.toString());
        assertThatThrownBy(() -> new Amf0Reader(b, 0, b.length).read()).hasMessageContaining("nesting deeper than 32");
    }
}
