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
        "rtp-receiver-tester                                   | 1 | Missing required option: '--port",
        "rtp-receiver-tester --port 0                          | 2 | --port=0",
        "rtp-receiver-tester --port 5000 --packet-threshold 0  | 2 | --packet-threshold=0",
        "dummy-producer --label abcdefghijklmnopqrstuvwxy      | 2 | --label=abcdefghijklmnopqrstuvwxy: is 25 bytes",
        "dummy-producer --prefix tmp                           | 2 | absolute path",
    })
    void rejects(String args, int code, String message) {
        StringWriter err = new StringWriter();
        int exit = Main.execute(args.trim().split("\\s+"), new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isEqualTo(code);
        assertThat(err.toString()).contains(message);
    }

    @ParameterizedTest
    @CsvSource({"--help", "rtp-receiver-tester --help", "dummy-producer --help", "--version"})
    void helpExitsZero(String args) {
        StringWriter out = new StringWriter();
        assertThat(Main.execute(args.split(" "), new PrintWriter(out, true), new PrintWriter(new StringWriter()))).isZero();
        assertThat(out.toString()).contains("cvmmap-streamer");
    }
}
