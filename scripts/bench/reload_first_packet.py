#!/usr/bin/env python3
"""Benchmark helper: time from a reload (SIGHUP) to the added stream's first RTP packet.

usage: reload_first_packet.py LAUNCHER WORKDIR
Writes WORKDIR/streams.yaml with stream a, starts `LAUNCHER run --config` on it, waits for a's first
packet, adds stream b (another built-in producer, another port), sends SIGHUP and prints
`reload_first_packet_ms=<ms>` when b's first packet arrives; also `start_first_packet_ms` for a.
Stops the process with SIGTERM.
"""
import os
import signal
import socket
from first_packet import start, stop  # same folder
import sys
import time

TEMPLATE = """defaults: {codec: h264, input-mode: dummy, dummy-width: 1280, dummy-height: 720, rtp: true, status-interval-ms: 0}
no-nats: true
streams:
"""


def udp(port_hint=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port_hint))
    s.settimeout(30)
    return s


def main():
    launcher, work = sys.argv[1], sys.argv[2]
    ra, rb = udp(), udp()
    pid = os.getpid()
    a = "  a: {dummy-label: rlb-a-%d, rtp-endpoint: '127.0.0.1:%d'}\n" % (pid, ra.getsockname()[1])
    b = "  b: {dummy-label: rlb-b-%d, rtp-endpoint: '127.0.0.1:%d'}\n" % (pid, rb.getsockname()[1])
    cfg = os.path.join(work, "streams.yaml")
    with open(cfg, "w") as f:
        f.write(TEMPLATE + a)
    t0 = time.monotonic()
    p = start([launcher, "run", "--config", cfg])
    try:
        ra.recv(65536)
        print("start_first_packet_ms=%.0f" % ((time.monotonic() - t0) * 1000))
        time.sleep(2)  # a in steady state
        with open(cfg, "w") as f:
            f.write(TEMPLATE + a + b)
        t1 = time.monotonic()
        os.kill(p.pid, signal.SIGHUP)
        rb.recv(65536)
        print("reload_first_packet_ms=%.0f" % ((time.monotonic() - t1) * 1000))
    except socket.timeout:
        print("reload_first_packet_ms=timeout")
    finally:
        stop(p, 10)


if __name__ == "__main__":
    main()
