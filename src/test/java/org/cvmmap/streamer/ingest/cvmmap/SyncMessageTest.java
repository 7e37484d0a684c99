package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.MetadataException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

class SyncMessageTest {
    /** docs/specs/cvmmap-ipc.md §2.1: expected sync_valid.bin (frame_count 42, ts 123456789, label camera_0). */
    static final byte[] SYNC_VALID = hexBytes(
            "7d 00 01 00 | 2a 00 00 00 | 00 00 00 00 00 00 00 00 | 15 cd 5b 07 00 00 00 00 |"
            + "63 61 6d 65 72 61 5f 30 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");

    @Test
    void encodesExactlyAsUpstream() {
        assertThat(SyncMessage.of(42, 123456789L, "camera_0").encode()).isEqualTo(SYNC_VALID);
    }

    @Test
    void decodesGoldenMessage() {
        SyncMessage m = SyncMessage.decode(SYNC_VALID, 48);
        assertThat(m).isEqualTo(new SyncMessage(1, 0, 42, 123456789L, "camera_0"));
    }

    @Test
    void ignoresUninitialisedReservedBytesAndTrailingData() {
        byte[] m = new byte[60];
        System.arraycopy(SYNC_VALID, 0, m, 0, 48);
        m[1] = (byte) 0xAB;
        m[8] = (byte) 0xCD;
        m[15] = (byte) 0xEF;
        m[50] = 1;
        assertThat(SyncMessage.decode(m, 60).frameCount()).isEqualTo(42);
    }

    @Test
    void labelOfExactly24BytesIsUnterminated() {
        String label = "abcdefghijklmnopqrstuvwx";
        byte[] m = SyncMessage.of(7, 1, label).encode();
        assertThat(m[47]).isEqualTo((byte) 'x');
        assertThat(SyncMessage.decode(m, 48).label()).isEqualTo(label);
        assertThatThrownBy(() -> SyncMessage.of(7, 1, label + "y").encode()).hasMessageContaining("longer than 24");
    }

    @Test
    void frameCountIsUnsigned() {
        byte[] m = SYNC_VALID.clone();
        m[4] = m[5] = m[6] = m[7] = (byte) 0xFF;
        assertThat(SyncMessage.decode(m, 48).frameCount()).isEqualTo(0xFFFFFFFFL);
    }

    @Test
    void rejectsMalformed() {
        assertThatThrownBy(() -> SyncMessage.decode(SYNC_VALID, 47)).isInstanceOf(MetadataException.class)
                .hasMessageContaining("sync.length=47");
        byte[] magic = SYNC_VALID.clone();
        magic[0] = 0x5A;
        assertThatThrownBy(() -> SyncMessage.decode(magic, 48)).hasMessageContaining("sync.magic=0x5a");
        byte[] major = SYNC_VALID.clone();
        major[2] = 2;
        assertThatThrownBy(() -> SyncMessage.decode(major, 48)).hasMessageContaining("sync.versions_major=2");
    }
}
