"""In-process micro-benchmark of the helper event encoders: received UPDATEs rendered per second.

The synthetic table looks like a full Internet table: 1-10 ASN paths, 30% of the sets with 1-6
communities, 20% with a MED, 2.5 prefixes per UPDATE on average. Every UPDATE is decoded once
beforehand (interned attributes, as a session produces them); the timed loop only renders events,
JSON ones in reads of 100 UPDATEs as the daemon renders them. Each of ``--repeat`` passes renders a
new table (seeds 1, 2, ...: the caches see new attribute sets, as on a real session); the rate is
the median, in CPU time of the process; the line says whether the C accelerator
(aiobgp.api._render) was used (``AIOBGP_PURE_PYTHON=1`` leaves it out).

    .venv/bin/python bench/micro/json_events.py [--prefixes 1000000] [--family ipv4|ipv6] [--text]
                                                [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from codec import table  # the same synthetic table as the codec benchmark (bench/micro on the path)

from aiobgp.api import json as json_encoder
from aiobgp.api.events import EventMode, NeighborInfo
from aiobgp.api.json import JsonEncoder
from aiobgp.api.text import TextEncoder
from aiobgp.wire.constants import IPV4_UNICAST, IPV6_UNICAST, Family
from aiobgp.wire.context import Negotiated
from aiobgp.wire.update import Update, build_updates, decode_update

READ = 100  # UPDATEs of one 64 KiB read of a realistic table (~650 bytes each)


def events(count: int, family: Family, seed: int, ctx: Negotiated) -> list[tuple[Update, bytes]]:
    """The table of ``seed`` as decoded UPDATEs next to their messages."""
    hop = bytes((10, 0, 0, 1)) if family == IPV4_UNICAST else bytes.fromhex("20010db8" + "00" * 11 + "01")
    updates: list[tuple[Update, bytes]] = []
    for attrs, prefixes in table(count, family, False, seed):
        for message in build_updates(family, attrs, hop, prefixes, ctx):
            updates.append((decode_update(message[19:], ctx), message))
    return updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--family", choices=("ipv4", "ipv6"), default="ipv4")
    parser.add_argument("--text", action="store_true", help="the text encoder instead of JSON")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes, each over a new table")
    args = parser.parse_args()
    family = IPV4_UNICAST if args.family == "ipv4" else IPV6_UNICAST
    ctx = Negotiated(local_as=65000, peer_as=65000, families=frozenset({family}), max_message=4096)
    neighbor = NeighborInfo("192.0.2.1", "192.0.2.2", 65000, 65000, "192.0.2.2")
    encoder = TextEncoder() if args.text else JsonEncoder()
    mode = EventMode()
    times: list[float] = []
    count = size = 0
    for seed in range(1, max(args.repeat, 1) + 1):
        updates = events(args.prefixes, family, seed, ctx)
        gc.collect()
        gc.disable()
        start = time.process_time()
        size = 0
        if isinstance(encoder, JsonEncoder):  # as the daemon renders the UPDATEs of one read
            for first in range(0, len(updates), READ):
                read = [update for update, _ in updates[first : first + READ]]
                size += sum(map(len, encoder.updates(neighbor, "receive", read, mode, ctx)))
        else:
            for update, message in updates:
                size += len(
                    encoder.update(neighbor, "receive", update, message[:19], message[19:], mode, ctx)
                )
        times.append(time.process_time() - start)
        gc.enable()
        count = len(updates)
    elapsed = statistics.median(times)
    name = "text" if args.text else "json"
    accelerated = not args.text and json_encoder.raw_attributes_json is not None
    print(
        f"{name} {args.family} ({'C accelerator' if accelerated else 'pure Python'}): {args.prefixes} "
        f"prefixes in {count} UPDATE events, median of {len(times)} tables: {elapsed:.3f} s CPU, "
        f"{args.prefixes / elapsed:,.0f} prefixes/s, {count / elapsed:,.0f} events/s, "
        f"{size / count:.0f} bytes/event"
    )


if __name__ == "__main__":
    main()
