#!/usr/bin/env python3
"""Benchmark helper: time from starting a command to the first UDP packet on a port.

usage: first_packet.py PORT TIMEOUT_S -- COMMAND [ARGS...]
Binds 127.0.0.1:PORT, starts COMMAND, prints `first_packet_ms=<ms>` when the first datagram
arrives (or `first_packet_ms=timeout`), then stops COMMAND with SIGTERM (SIGKILL after 5 s).
"""
import os
import signal
import socket
import subprocess
import sys
import time


def start(cmd):
    """Starts a command in its own process group, its output discarded."""
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(p, wait_s):
    """SIGTERM to the command's process group; SIGKILL when it has not ended after wait_s."""
    os.killpg(p.pid, signal.SIGTERM)
    try:
        p.wait(wait_s)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def main():
    port, timeout = int(sys.argv[1]), float(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(timeout)
    t0 = time.monotonic()
    p = start(cmd)
    try:
        s.recv(65536)
        print("first_packet_ms=%.0f" % ((time.monotonic() - t0) * 1000))
    except socket.timeout:
        print("first_packet_ms=timeout")
    finally:
        stop(p, 5)


if __name__ == "__main__":
    main()
