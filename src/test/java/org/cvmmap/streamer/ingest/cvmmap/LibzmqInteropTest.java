package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.dummy.DummyProducer;
import org.cvmmap.streamer.support.NativePeer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves {@code ipc://} interop with real libzmq peers, both ways: a C publisher (as a cv-mmap
 * producer) to our subscriber, and our built-in producer to a C subscriber that also reads the SHM.
 */
class LibzmqInteropTest {

    @Test
    void javaSubscriberReceivesSyncFromLibzmqPublisher() throws Exception {
        CvmmapTarget t = CvmmapTarget.parse("interop-pub-" + ProcessHandle.current().pid());
        Process pub = NativePeer.start("pub", t.zmqAddress(), t.instance(), "400", "10");
        try (ZmqSocket sub = ZmqSocket.subscriber(t.zmqAddress(), 200)) {
            BufferedReader out = new BufferedReader(new InputStreamReader(pub.getInputStream()));
            assertThat(out.readLine()).isEqualTo("bound " + t.zmqAddress());
            List<SyncMessage> got = new ArrayList<>();
            byte[] buf = new byte[256];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.size() < 5 && System.nanoTime() < deadline) {
                int n = sub.receive(buf);
                if (n > 0) {
                    got.add(SyncMessage.decode(buf, n));
                }
            }
            assertThat(got).hasSize(5);
            assertThat(got).allSatisfy(m -> {
                assertThat(m.label()).isEqualTo(t.instance());
                assertThat(m.timestampNs()).isEqualTo(m.frameCount() * 1000);
            });
            for (int i = 1; i < got.size(); i++) {
                assertThat(got.get(i).frameCount()).isGreaterThan(got.get(i - 1).frameCount());
            }
        } finally {
            NativePeer.stop(pub);
            java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(t.ipcPath())); // killed: libzmq did not unlink it
        }
    }

    @Test
    void libzmqSubscriberReadsTheBuiltInProducer() throws Exception {
        CvmmapTarget t = CvmmapTarget.parse("interop-sub-" + ProcessHandle.current().pid());
        try (DummyProducer producer = new DummyProducer(new DummyProducer.Settings(t, 320, 240, 100, 0))) {
            Process sub = NativePeer.start("sub", t.zmqAddress(), t.shmName(), "5", "5000");
            Thread run = new Thread(producer::run);
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(sub.getInputStream()));
                assertThat(out.readLine()).isEqualTo("connected " + t.zmqAddress());
                run.start();
                Pattern line = Pattern.compile("sync label=(\\S+) frame=(\\d+) shm_major=2 shm_frame=(\\d+) "
                        + "width=320 height=240 stride=960 format=1");
                for (int i = 0; i < 5; i++) {
                    String l = out.readLine();
                    Matcher m = line.matcher(l == null ? "EOF" : l);
                    assertThat(m.matches()).as(l).isTrue();
                    assertThat(m.group(1)).isEqualTo(t.instance());
                    assertThat(Long.parseLong(m.group(3))).isGreaterThanOrEqualTo(Long.parseLong(m.group(2)));
                }
                assertThat(sub.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(sub.exitValue()).isZero();
            } finally {
                producer.stop();
                run.join(5000);
                NativePeer.stop(sub);
            }
        }
    }
}
