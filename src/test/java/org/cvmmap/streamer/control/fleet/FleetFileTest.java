package org.cvmmap.streamer.control.fleet;

import org.cvmmap.streamer.util.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FleetFileTest {
    private static final String FILE = """
            defaults: {codec: h264, gop: 30}
            hosts:
              rig-a: {streams: {cam1: {input-uri: "cvmmap://cam1", rtp: true, rtp-endpoint: "10.0.0.5:5004"}}}
              rig-b: {streams: {cam2: {input-uri: "cvmmap://cam2", gop: 15, rtmp: true}}}
            """;

    @Test
    void entriesAreTheStreamsWithTheDefaultsMergedAsCanonicalJson() {
        Map<String, Map<String, String>> f = FleetFile.parse("fleet.yaml", FILE);
        assertThat(f.keySet()).containsExactly("rig-a", "rig-b");
        assertThat(f.get("rig-a")).containsExactly(Map.entry("rig-a.cam1",
                "{\"codec\":\"h264\",\"gop\":30,\"input-uri\":\"cvmmap://cam1\",\"rtp\":true,\"rtp-endpoint\":\"10.0.0.5:5004\"}"));
        assertThat(f.get("rig-b").get("rig-b.cam2"))
                .isEqualTo("{\"codec\":\"h264\",\"gop\":15,\"input-uri\":\"cvmmap://cam2\",\"rtmp\":true}");
        // the same streams written in another key order are the same bytes
        assertThat(FleetFile.parse("f", FILE.replace("{codec: h264, gop: 30}", "{gop: 30, codec: h264}"))).isEqualTo(f);
    }

    @Test
    void aMalformedFileIsRefusedNamingThePlaceAndValue() {
        record Case(String yaml, String message) {
        }
        List<Case> cases = List.of(
                new Case("hosts: {}\n", "fleet.yaml: hosts={}: must map host names"),
                new Case("streams: {}\n", "fleet.yaml: streams=: unknown key (a fleet file has defaults and hosts)"),
                new Case("hosts:\n  rig.a: {streams: {}}\n", "fleet.yaml: hosts=rig.a: host names match"),
                new Case("hosts:\n  rig-a: {streams: {cam.1: {}}}\n", "fleet.yaml: hosts.rig-a.streams=cam.1: stream names match"),
                new Case("hosts:\n  rig-a: {cams: {}}\n", "fleet.yaml: hosts.rig-a={\"cams\":{}}: must be {streams:"),
                new Case("hosts:\n  rig-a: {streams: {cam1: 5}}\n", "fleet.yaml: hosts.rig-a.streams.cam1=5: must be a mapping"),
                new Case("defaults: [1]\nhosts:\n  a: {streams: {}}\n", "fleet.yaml: defaults=[1]: must be a mapping"),
                new Case("hosts: [\n", "fleet.yaml=(YAML)"));
        for (Case c : cases) {
            assertThatThrownBy(() -> FleetFile.parse("fleet.yaml", c.yaml())).as(c.yaml()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(c.message());
        }
        assertThatThrownBy(() -> FleetFile.key("a.b", "c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a.b\" is not a host or stream name");
    }

    @Test
    void aPlanCreatesUpdatesAndDeletesOnlyForTheFilesHosts() {
        Map<String, Map<String, String>> desired = Map.of(
                "rig-a", Map.of("rig-a.cam1", "{\"x\":1}", "rig-a.cam2", "{\"x\":2}"),
                "rig-b", Map.of());
        Map<String, FleetPlan.Current> current = Map.of(
                "rig-a.cam1", new FleetPlan.Current("{\"x\":1}", 4),
                "rig-a.cam3", new FleetPlan.Current("{\"x\":3}", 5),
                "rig-b.cam9", new FleetPlan.Current("{\"x\":9}", 6),
                "rig-c.cam1", new FleetPlan.Current("{\"x\":1}", 7));
        FleetPlan p = FleetPlan.of(desired, current);
        assertThat(p.create()).containsExactly(new FleetPlan.Change("rig-a.cam2", "{\"x\":2}", 0));
        assertThat(p.update()).isEmpty();
        assertThat(p.delete()).containsExactlyInAnyOrder(new FleetPlan.Change("rig-a.cam3", null, 5),
                new FleetPlan.Change("rig-b.cam9", null, 6));
        assertThat(p.same()).containsExactly("rig-a.cam1");
        FleetPlan changed = FleetPlan.of(Map.of("rig-a", Map.of("rig-a.cam1", "{\"x\":2}")), current);
        assertThat(changed.update()).containsExactly(new FleetPlan.Change("rig-a.cam1", "{\"x\":2}", 4));
        assertThat(FleetPlan.of(Map.of("rig-c", Map.of("rig-c.cam1", "{\"x\":1}")), current).empty()).isTrue();
    }
}
