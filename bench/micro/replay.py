"""The whole daemon's receive path without a real peer: CPU time per UPDATE, steadier than wall time.

A minimal peer in this process (plain sockets) sends aiobgp a pre-encoded realistic table (that of
bench/tables.py, as bench/micro/receive.py cuts it: one attribute set per UPDATE; ``--one`` sends one
prefix per UPDATE, as BIRD does to a receiver that keeps up) as fast as aiobgp reads it; aiobgp runs as
a process with the JSON helper of ``make bench`` (bench/helpers/counter.py). Reported: aiobgp's CPU
seconds (user + system, from /proc) from the first UPDATE sent to the helper's End-of-RIB, per UPDATE
and per prefix, and the wall time. The peer only writes bytes it prepared before the clock starts, so
what it costs the machine is small next to what aiobgp costs; CPU time moves far less than wall time
when other work shares the machine.

    .venv/bin/python bench/micro/replay.py [--prefixes 1000000] [--one] [--runs 3]
"""

from __future__ import annotations

import argparse
import pstats
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

import run as bench  # noqa: E402
import tables  # noqa: E402

from aiobgp.wire.capabilities import local_capabilities  # noqa: E402
from aiobgp.wire.constants import IPV4_UNICAST  # noqa: E402
from aiobgp.wire.header import KEEPALIVE_MESSAGE, message  # noqa: E402
from aiobgp.wire.open import encode_open  # noqa: E402

SPEAKER_IP, PEER_IP = "127.0.0.71", "127.0.0.72"
EOR = message(2, b"\x00\x00\x00\x00")


def stream(count: int, one: bool) -> tuple[bytes, int]:
    """The UPDATE messages of the realistic table (End-of-RIB included) and how many carry routes."""
    next_hop = bytes((127, 0, 0, 72))
    out = []
    for prefixes, attributes in tables.realistic(count):
        raw = tables.mrt_attributes(attributes, next_hop)
        head = b"\x00\x00" + struct.pack("!H", len(raw)) + raw
        nlris = [
            bytes((length,)) + network.to_bytes(4, "big")[: (length + 7) // 8] for network, length in prefixes
        ]
        room = 4096 - 19 - len(head)  # no extended messages: an UPDATE holds what fits in 4,096 bytes
        chunk = b""
        for nlri in nlris:
            if chunk and (one or len(chunk) + len(nlri) > room):
                out.append(message(2, head + chunk))
                chunk = b""
            chunk += nlri
        out.append(message(2, head + chunk))
    return b"".join(out) + EOR, len(out)


def _drain(conn: socket.socket) -> None:
    """Read and forget what aiobgp sends (its KEEPALIVEs) until the connection closes."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def replay(data: bytes, work: Path, profile: Path | None) -> tuple[float, float]:
    """(aiobgp CPU seconds, wall seconds) from the first UPDATE sent to the helper's End-of-RIB."""
    result = work / "counter.json"
    result.unlink(missing_ok=True)
    config = bench.process_block("counter", [sys.executable, str(bench.COUNTER), str(result)])
    body = "  api {\n    processes [ counter ];\n    receive { parsed; update; }\n  }\n"
    neighbor = bench.neighbor_block(SPEAKER_IP, PEER_IP, body)
    speaker = bench.Speaker("aiobgp", work, config + neighbor, profile=profile)
    caps = local_capabilities(
        families=[IPV4_UNICAST],
        asn=bench.PEER_AS,
        route_refresh=True,
        graceful_restart=None,
        add_path={},
        extended_message=False,
    )
    with socket.create_server((PEER_IP, 179)) as server:
        speaker.start()
        try:
            server.settimeout(30)
            conn, _ = server.accept()
            with conn:
                conn.sendall(encode_open(bench.PEER_AS, 90, 0x7F000048, caps) + KEEPALIVE_MESSAGE)
                time.sleep(0.5)  # OPEN and KEEPALIVE exchanged: the session is up
                threading.Thread(target=_drain, args=(conn,), daemon=True).start()
                cpu = bench.cpu_seconds(speaker.pid)
                start = time.monotonic()
                try:
                    conn.sendall(data)
                    bench.wait("End-of-RIB at the helper", result.exists, 600, speaker.check)
                except (OSError, bench.RunFailed) as error:
                    log = speaker.log.read_text(errors="replace")[-2000:]
                    raise bench.RunFailed(f"{error}; aiobgp's log ends with:\n{log}") from None
                wall = time.monotonic() - start
                return bench.cpu_seconds(speaker.pid) - cpu, wall
        finally:
            speaker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--one", action="store_true", help="one prefix per UPDATE")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="one more run under cProfile, its top functions"
    )
    args = parser.parse_args()
    data, updates = stream(args.prefixes, args.one)
    cpus = []
    with tempfile.TemporaryDirectory(prefix="aiobgp-replay-") as work:
        for run in range(args.runs):
            cpu, wall = replay(data, Path(work), None)
            cpus.append(cpu)
            print(f"  run {run + 1}: aiobgp CPU {cpu:.2f} s, wall {wall:.2f} s", flush=True)
        if args.profile:
            profile = Path(work) / "replay.prof"
            replay(data, Path(work), profile)
            pstats.Stats(str(profile)).sort_stats("tottime").print_stats(25)
    cpu = statistics.median(cpus)
    print(
        f"{args.prefixes:,} prefixes in {updates:,} UPDATEs: aiobgp CPU {cpu:.2f} s (median), "
        f"{cpu / updates * 1e6:.2f} µs per UPDATE, {args.prefixes / cpu:,.0f} prefixes per CPU second"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
