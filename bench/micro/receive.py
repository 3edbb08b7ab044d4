"""In-process benchmark of the whole receive path, without sockets: bytes -> FSM -> Adj-RIB-In -> JSON.

The realistic table of bench/tables.py (the one BIRD sends in scenario 1) is cut into UPDATEs of one
attribute set each, the way BIRD packs it, and fed to an ESTABLISHED session in 64 KiB reads. Each
UPDATE is stored in the Adj-RIB-In and rendered as the JSON event a helper would get; the lines of a
read are joined and encoded once, as the runtime writes them to the helper's pipe. Prints the CPU
time and the rate, and the memory the Adj-RIB-In holds at the end (tracemalloc-free: RSS delta).

    .venv/bin/python bench/micro/receive.py [--prefixes 1000000] [--no-json] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tables

from aiobgp.api.events import EventMode, NeighborInfo
from aiobgp.api.json import JsonEncoder
from aiobgp.rib.adj_rib_in import AdjRibIn
from aiobgp.session.events import UpdateReceived
from aiobgp.session.fsm import Session
from aiobgp.session.settings import PeerConfig
from aiobgp.wire.capabilities import local_capabilities
from aiobgp.wire.constants import IPV4_UNICAST
from aiobgp.wire.header import KEEPALIVE_MESSAGE, message
from aiobgp.wire.open import encode_open

LOCAL_AS, PEER_AS = 65001, 65002
READ = 1 << 16


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stream(count: int) -> tuple[bytes, int]:
    """The UPDATE messages of the realistic table and how many there are."""
    next_hop = bytes((127, 0, 0, 2))
    out = []
    for prefixes, attributes in tables.realistic(count):
        raw = tables.mrt_attributes(attributes, next_hop)
        nlri = b"".join(
            bytes((length,)) + network.to_bytes(4, "big")[: (length + 7) // 8] for network, length in prefixes
        )
        out.append(message(2, b"\x00\x00" + struct.pack("!H", len(raw)) + raw + nlri))
    return b"".join(out), len(out)


def established() -> Session:
    capabilities = local_capabilities(
        families=[IPV4_UNICAST],
        asn=LOCAL_AS,
        route_refresh=True,
        graceful_restart=None,
        add_path={},
        extended_message=True,
    )
    peer_caps = local_capabilities(
        families=[IPV4_UNICAST],
        asn=PEER_AS,
        route_refresh=True,
        graceful_restart=None,
        add_path={},
        extended_message=True,
    )
    session = Session(PeerConfig(local_as=LOCAL_AS, peer_as=PEER_AS, router_id=1, capabilities=capabilities))
    session.start(0.0)
    session.connection_made(0.0, b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x02")
    session.data_received(encode_open(PEER_AS, 90, 2, peer_caps), 0.0)
    session.data_received(KEEPALIVE_MESSAGE, 0.0)
    return session


def run(data: bytes, json: bool) -> tuple[int, int, int]:
    """(prefixes stored, bytes of JSON written, RSS in KiB with the Adj-RIB-In still held)."""
    session = established()
    rib = AdjRibIn()
    assert session.negotiated is not None
    rib.start(session.negotiated)
    encoder = JsonEncoder()
    info = NeighborInfo("127.0.0.2", "127.0.0.1", LOCAL_AS, PEER_AS, "127.0.0.1")
    mode = EventMode()
    negotiated = session.negotiated
    written = prefixes = 0
    for start in range(0, len(data), READ):
        updates = []
        for event in session.data_received(data[start : start + READ], 1.0):
            if type(event) is UpdateReceived:
                update = event.update
                prefixes += rib.apply(update)[0]
                updates.append(update)
        if json and updates:  # the events of one read rendered together, as the daemon does
            written += len("".join(encoder.updates(info, "receive", updates, mode, negotiated)).encode())
    return prefixes, written, _rss_kib()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--no-json", action="store_true", help="Adj-RIB-In only, no JSON events")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    data, updates = stream(args.prefixes)
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)  # as the daemon does
    before = _rss_kib()
    profiler = cProfile.Profile() if args.profile else None
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    prefixes, written, held = run(data, not args.no_json)
    if profiler is not None:
        profiler.disable()
    cpu = time.process_time() - cpu
    grown = held - before
    print(
        f"{prefixes:,} prefixes in {updates:,} UPDATEs: {cpu:.2f} s CPU, {prefixes / cpu:,.0f} prefixes/s, "
        f"{updates / cpu:,.0f} UPDATEs/s; {written / 1e6:.0f} MB of JSON; "
        f"RSS +{grown / 1024:.0f} MiB ({grown * 1024 / max(prefixes, 1):.0f} B/prefix: "
        "the Adj-RIB-In and allocator slack)"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
