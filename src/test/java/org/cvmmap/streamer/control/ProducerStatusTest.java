package org.cvmmap.streamer.control;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmmap.streamer.support.Fixtures.hexBytes;

/**
 * ModuleStatusEvent (docs/specs/cvmmap-ipc.md §3.3: status=1, instance=2, timestamp_ns=3) as literal protobuf
 * bytes, and what each status makes the streamer do.
 */
class ProducerStatusTest {
    private final ControlServiceTest.FakeControl control = new ControlServiceTest.FakeControl();
    private final ProducerStatus status = new ProducerStatus(control);

    @Test
    void eachStatusActs() {
        // status=ONLINE(1), instance="cam", timestamp_ns=1000
        assertThat(status.onEvent(hexBytes("08 01 12 03 63616d 18 e807"))).isEqualTo(ProducerStatus.Action.REMAP);
        // status=OFFLINE(2), instance="cam", timestamp_ns=2000
        assertThat(status.onEvent(hexBytes("08 02 12 03 63616d 18 d00f"))).isEqualTo(ProducerStatus.Action.IDLE);
        assertThat(status.toJson()).containsEntry("state", "OFFLINE");
        // status=STREAM_RESET(3), instance="cam", timestamp_ns=3000; unknown field 9 skipped
        assertThat(status.onEvent(hexBytes("08 03 12 03 63616d 18 b817 48 01"))).isEqualTo(ProducerStatus.Action.RESET);
        assertThat(control.calls).containsExactly("online cam 1000", "offline cam 2000", "reset cam 3000");
        assertThat(status.toJson()).containsEntry("state", "ONLINE").containsEntry("status_events", 3L)
                .containsEntry("since_ns", 3000L);
    }

    @Test
    void malformedEventsAreCountedAndDoNothing() {
        List<String> bad = List.of(
                "08",            // truncated varint
                "12 05 6361",    // string longer than the message
                "0f",            // wire type 7
                "08 00",         // UNKNOWN status
                "08 07");        // status value outside the enum
        for (String b : bad) {
            assertThatThrownBy(() -> status.onEvent(hexBytes(b))).as(b).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(control.calls).isEmpty();
        assertThat(status.toJson()).containsEntry("invalid_status_events", 5L).containsEntry("state", "UNKNOWN");
    }
}
