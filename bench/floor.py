"""How fast the peer itself sends a table: the floor under every receive figure of ``make bench``.

A minimal receiver (plain blocking socket, no decoding: it only walks the message headers) opens a
session to BIRD loaded as in bench/run.py and times "session enabled -> IPv4 End-of-RIB". No speaker
can receive the table faster than the peer sends it, so a receive target shorter than this floor is
out of reach for any speaker on this machine.

    .venv/bin/python bench/floor.py [--table realistic|uniform] [--n 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import run as bench

from aiobgp.wire.capabilities import local_capabilities
from aiobgp.wire.constants import IPV4_UNICAST
from aiobgp.wire.header import KEEPALIVE_MESSAGE
from aiobgp.wire.open import encode_open

SPEAKER_IP, PEER_IP = "127.0.0.61", "127.0.0.62"
EOR = b"\xff" * 16 + b"\x00\x17\x02\x00\x00\x00\x00"


def receive_table(peer: bench.Peer, timeout: float) -> tuple[float, float, float, int, int]:
    """Seconds from enabling the session to the first UPDATE, to the last one carrying routes and
    to the End-of-RIB; UPDATEs and bytes received."""
    caps = local_capabilities(
        families=[IPV4_UNICAST],
        asn=bench.SPEAKER_AS,
        route_refresh=True,
        graceful_restart=None,
        add_path={},
        extended_message=False,
    )
    start = time.monotonic()
    peer.enable()  # BIRD is passive: the receiver connects, as the speakers of bench/run.py do
    conn = socket.socket()
    conn.bind((SPEAKER_IP, 0))
    conn.settimeout(60)
    for _ in range(100):
        try:
            conn.connect((PEER_IP, 179))
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    with conn:
        conn.settimeout(timeout)
        conn.sendall(encode_open(bench.SPEAKER_AS, 90, 0x7F00003D, caps) + KEEPALIVE_MESSAGE)
        buf = b""
        updates = total = 0
        first = last = 0.0
        last_keepalive = time.monotonic()
        while True:
            data = conn.recv(1 << 20)
            if not data:
                raise RuntimeError("the peer closed the session")
            total += len(data)
            buf += data
            pos = 0
            while len(buf) - pos >= 19:
                length, kind = struct.unpack_from("!HB", buf, pos + 16)
                if len(buf) - pos < length:
                    break
                if kind == 2:
                    updates += 1
                    now = time.monotonic() - start
                    if buf[pos : pos + length] == EOR:
                        return first, last, now, updates, total
                    first = first or now
                    last = now
                pos += length
            buf = buf[pos:]
            if time.monotonic() - last_keepalive > 20:
                conn.sendall(KEEPALIVE_MESSAGE)
                last_keepalive = time.monotonic()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", choices=("realistic", "uniform"), default="realistic")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="aiobgp-floor-") as work,
        bench.start_peer(args.table, args.n, Path(work), SPEAKER_IP, PEER_IP) as peer,
    ):
        times = []
        for run in range(args.runs):
            first, last, seconds, updates, size = receive_table(peer, 600)
            times.append(seconds)
            print(
                f"  run {run + 1}: {args.n:,} prefixes in {updates:,} UPDATEs ({size / 1e6:.0f} MB): "
                f"first UPDATE after {first:.2f} s, last route after {last:.2f} s, End-of-RIB after "
                f"{seconds:.2f} s",
                flush=True,
            )
            peer.disable()
    median = statistics.median(times)
    print(
        f"{args.table} {args.n:,}: BIRD sends the table in {median:.2f} s ({args.n / median:,.0f} prefixes/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
