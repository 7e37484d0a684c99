package org.cvmmap.streamer.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad flags exit 1, bad configuration exits 2, each with a message naming the flag. */
class CliTest {
    private static final String OK = "--input-mode dummy --codec h264 --rtp --rtp-endpoint 127.0.0.1:5004";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "--gop abc " + OK + "                                   | 1 | --gop",
        "--bogus " + OK + "                                     | 1 | Unknown option: '--bogus'",
        "--rtp-payload-type x " + OK + "                        | 1 | --rtp-payload-type",
        OK + " --rtp-payload-type 200                           | 2 | --rtp-payload-type=200: must be in 96..127",
        OK + " --rtp-payload-type 95                            | 2 | --rtp-payload-type=95",
        OK + " --dummy-label abcdefghijklmnopqrstuvwxy          | 2 | --dummy-label=abcdefghijklmnopqrstuvwxy: is 25 bytes, longer than 24",
        OK + " --gop 0                                          | 2 | --gop=0",
        OK + " --b-frames 9                                     | 2 | --b-frames=9",
        OK + " --queue-size 0                                   | 2 | --queue-size=0",
        OK + " --encoder-device gpu                             | 2 | --encoder-device=gpu",
        OK + " --ingest-idle-timeout-ms -1                      | 2 | --ingest-idle-timeout-ms=-1",
        OK + " --dummy-width 641                                | 2 | --dummy-width=641x720",
        "--input-mode dummy --rtp --rtp-endpoint h:1           | 2 | --codec=(missing)",
        "--input-mode dummy --codec vp9 --rtp --rtp-endpoint h:1 | 2 | --codec=vp9",
        "--input-mode dummy --codec h264 --rtp                 | 2 | --rtp-endpoint=(missing)",
        "--input-mode dummy --codec h264 --rtp --rtp-endpoint localhost | 2 | --rtp-endpoint=localhost: must be HOST:PORT",
        "--input-mode dummy --codec h264 --rtp --rtp-endpoint h:70000 | 2 | --rtp-endpoint=70000",
        "--input-mode dummy --codec h264                       | 2 | --rtp=(missing)",
        "--input-mode dummy --codec h264 --rtp-sdp x.sdp       | 2 | --rtp-sdp=x.sdp: needs --rtp",
        "--input-uri bad/name --codec h264 --rtp --rtp-endpoint h:1 | 2 | --input-uri=bad/name",
        "--codec h264 --rtp --rtp-endpoint h:1                 | 2 | --input-uri=(missing)",
        "--shm-name cvmmap_a --codec h264 --rtp --rtp-endpoint h:1 | 2 | --zmq-endpoint=(missing)",
        "--input-mode file --codec h264 --rtp --rtp-endpoint h:1 | 2 | --input-mode=file",
        "--input-mode dummy --input-uri x --codec h264 --rtp --rtp-endpoint h:1 | 2 | --input-mode=dummy: cannot be combined",
        OK + " --rtmp --rtmp-url rtmp://h/live/k --rtmp-mode domestic | 2 | --rtmp-mode=domestic: with --codec h264: H.264 has no domestic packaging",
        "--input-mode dummy --codec h265 --rtmp --rtmp-url rtmp://h/live/k | 2 | --rtmp-mode=(missing): with --codec h265: H.265 over RTMP needs --rtmp-mode",
        "--input-mode dummy --codec h265 --rtmp --rtmp-url rtmp://h/live/k --rtmp-mode hevc | 2 | --rtmp-mode=hevc: must be enhanced or domestic",
        OK + " --rtmp                                           | 2 | --rtmp-url=(missing)",
        OK + " --rtmp-url rtmp://h/live/k                       | 2 | --rtmp-url=rtmp://h/live/***: needs --rtmp",
        OK + " --rtmp-mode enhanced                             | 2 | --rtmp-mode=enhanced: needs --rtmp",
        OK + " --rtmp --rtmp-url http://u:pw@h/live/secret      | 2 | --rtmp-url=http://u:***@h/live/***: scheme must be rtmp or rtmps",
        OK + " --rtmp --rtmp-url rtmp://h/live                  | 2 | --rtmp-url=rtmp://h/live: has no stream key",
        OK + " --rtmp --rtmp-url rtmp://h/l/k --rtmp-reconnect-min-ms 5 | 2 | --rtmp-reconnect-min-ms=5",
        OK + " --rtmp --rtmp-url rtmp://h/l/k --rtmp-reconnect-max-ms 100 | 2 | --rtmp-reconnect-max-ms=100: must be in 500..600000",
        "rtp-receiver-tester                                   | 1 | Missing required option: '--port",
        "rtp-receiver-tester --port 0                          | 2 | --port=0",
        "rtp-receiver-tester --port 5000 --packet-threshold 0  | 2 | --packet-threshold=0",
        "dummy-producer --label abcdefghijklmnopqrstuvwxy      | 2 | --label=abcdefghijklmnopqrstuvwxy: is 25 bytes",
        "dummy-producer --prefix tmp                           | 2 | absolute path",
        OK + " --nats-url http://h:4222                         | 2 | --nats-url=http://h:4222: must be nats://HOST[:PORT]",
        OK + " --nats-url nats://u:pw@h:4222,bad                | 2 | --nats-url=bad",
        OK + " --nats-url nats://h:99999                        | 2 | --nats-url=nats://h:99999",
        OK + " --nats-token t --nats-user u --nats-password p   | 2 | --nats-token=***: give either a token",
        OK + " --nats-user u                                    | 2 | --nats-user=u: --nats-user and --nats-password go together",
        OK + " --nats-password p                                | 2 | --nats-password=***",
        OK + " --nats-creds /no/such.creds                      | 2 | --nats-creds=/no/such.creds: cannot be read",
        OK + " --nats-reconnect-wait-ms 5                       | 2 | --nats-reconnect-wait-ms=5",
        OK + " --record-mp4 /no/such/dir/a.mp4                  | 2 | --record-mp4=/no/such/dir/a.mp4: its folder does not exist",
        OK + " --record-mcap /etc/hostname                      | 2 | --record-mcap=/etc/hostname: already exists",
        OK + " --ingest-verify crc                              | 2 | --ingest-verify=crc: must be compare or metadata",
        OK + " --run-mode server                                | 2 | --run-mode=server: must be pipeline (the only mode)",
        OK + " --instance-id rig/a                              | 2 | --instance-id=rig/a: must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        "--input-mode dummy --shm-name test_stream             | 2 | --zmq-endpoint=(missing): the simulator needs --shm-name and --zmq-endpoint together",
        "--input-mode dummy --shm-name a/b --zmq-endpoint ipc:///tmp/x | 2 | --shm-name=a/b",
        "dummy-producer --pattern stripes                      | 1 | Invalid value for option '--pattern': 'stripes' must be moving or levels",
        "dummy-producer --next-frame-within-ms 5000            | 2 | --next-frame-within-ms=5000: must be within 0..1000",
        "ctl                                                   | 1 | Missing required parameter: 'COMMAND'",
        "ctl frobnicate --key k                                | 1 | unknown command frobnicate",
        "ctl status                                            | 1 | --key is required",
        "ctl --key k record avi start x                        | 1 | record needs FORMAT",
        "ctl --key k record mp4 start                          | 1 | start needs PATH",
        "ctl --key k --nats-url nats://127.0.0.1:1 status      | 6 | NATS unreachable at nats://127.0.0.1:1",
    })
    void rejects(String args, int code, String message) {
        StringWriter err = new StringWriter();
        int exit = Main.execute(args.trim().split("\\s+"), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isEqualTo(code);
        assertThat(err.toString()).contains(message).doesNotContain("secret").doesNotContain(":pw@");
    }

    @ParameterizedTest
    @CsvSource({"--help", "rtp-receiver-tester --help", "dummy-producer --help", "--version"})
    void helpExitsZero(String args) {
        StringWriter out = new StringWriter();
        assertThat(Main.execute(args.split(" "), new PrintWriter(out, true), new PrintWriter(new StringWriter()))).isZero();
        assertThat(out.toString()).contains("cvmmap-streamer");
    }
}
