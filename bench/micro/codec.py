"""In-process micro-benchmark of the UPDATE codec: decode and encode rates in prefixes/s.

The synthetic table looks like a full Internet table: 1-10 ASN paths, 30% of the sets with 1-6
communities, 20% with a MED, 2.5 prefixes per attribute set on average (one UPDATE per set).
Rates are in CPU time of the process. Decoding is measured with the C scanner (aiobgp.wire._scan,
when built and AIOBGP_PURE_PYTHON is not set) and with the pure-Python decoder; the messages and the
table are frozen out of the cyclic GC first (they are the benchmark's, not the decoder's). Decoded
UPDATEs are kept (the cyclic GC then walks them again and again), or dropped one by one as a session
does; the C scanner's attributes are decoded only when read, timed separately.

    .venv/bin/python bench/micro/codec.py [--prefixes 1000000] [--family ipv4|ipv6] [--addpath]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable

from aiobgp.wire import attributes as attribute_module
from aiobgp.wire import update as update_module
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import AFI_IPV4, AS_SEQUENCE, IPV4_UNICAST, IPV6_UNICAST, Family
from aiobgp.wire.context import Negotiated
from aiobgp.wire.nlri import encode_prefix, prefix_str
from aiobgp.wire.update import Update, build_updates, decode_update


def table(count: int, family: Family, addpath: bool, seed: int) -> list[tuple[Attributes, list[bytes]]]:
    """``count`` prefixes spread over attribute sets of 1 to 4 prefixes (2.5 on average)."""
    rng = random.Random(seed)
    upstreams = [
        rng.randint(65_536, 4_200_000_000) if rng.random() < 0.3 else rng.randint(1, 64_511)
        for _ in range(2000)
    ]
    sets: list[tuple[Attributes, list[bytes]]] = []
    made = 0
    while made < count:
        path = tuple(rng.choice(upstreams) for _ in range(rng.randint(1, 10)))
        communities = (
            tuple(sorted(rng.getrandbits(32) for _ in range(rng.randint(1, 6)))) if rng.random() < 0.3 else ()
        )
        attrs = Attributes(
            origin=rng.choice((0, 0, 0, 2)),
            as_path=((AS_SEQUENCE, path),),
            med=rng.randint(0, 1000) if rng.random() < 0.2 else None,
            local_pref=100,
            communities=communities,
        )
        prefixes = []
        for _ in range(min(rng.randint(1, 4), count - made)):
            if family[0] == AFI_IPV4:
                plen = rng.choice((24,) * 6 + (16, 19, 20, 21, 22, 23))
                address = rng.getrandbits(32).to_bytes(4, "big")
            else:
                plen = rng.choice((48,) * 6 + (29, 32, 36, 40, 44))
                address = (0x2000 << 112 | rng.getrandbits(112)).to_bytes(16, "big")
            prefixes.append(encode_prefix(address, plen, made if addpath else None))
            made += 1
        sets.append((attrs, prefixes))
    return sets


def rate(label: str, prefixes: int, run: Callable[[], object]) -> None:
    start = time.process_time()
    run()
    elapsed = time.process_time() - start
    print(f"{label:<50} {prefixes / elapsed:>12,.0f} prefixes/s  ({elapsed:.2f} s)")


def clear_caches() -> None:
    """Forget every decoding cache, for a cold start."""
    for blocks in update_module._BLOCK_CACHES:
        blocks.clear()
    for paths in attribute_module._AS_PATH_CACHE:
        paths.clear()
    attribute_module._COMMUNITY_CACHE.clear()
    attribute_module._INTERN.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--family", choices=("ipv4", "ipv6"), default="ipv4")
    parser.add_argument("--addpath", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    family = IPV4_UNICAST if args.family == "ipv4" else IPV6_UNICAST
    paths = frozenset({family}) if args.addpath else frozenset()
    ctx = Negotiated(65000, 65000, addpath_send=paths, addpath_receive=paths)
    next_hop = (
        bytes([192, 0, 2, 1]) if family == IPV4_UNICAST else bytes.fromhex("20010db8" + "00" * 11 + "01")
    )
    sets = table(args.prefixes, family, args.addpath, args.seed)
    total = sum(len(prefixes) for _, prefixes in sets)
    name = args.family + (" add-path" if args.addpath else "")
    print(f"{name}: {total:,} prefixes, {len(sets):,} attribute sets")

    messages: list[bytes] = []

    def encode() -> None:
        for attrs, prefixes in sets:
            messages.extend(build_updates(family, attrs, next_hop, prefixes, ctx))

    rate("encode (build_updates, one per set)", total, encode)
    print(
        f"{'':<50} {len(messages):>12,} UPDATEs, {sum(map(len, messages)) / len(messages):.0f} bytes average"
    )

    bodies = [memoryview(message)[19:] for message in messages]
    kept: list[Update] = []

    def decode() -> None:
        kept.clear()  # results are kept, as a RIB would: that is what makes the cyclic GC work
        kept.extend(decode_update(message, ctx) for message in bodies)

    def decode_and_drop() -> None:
        for message in bodies:  # as a session does: each UPDATE is handled, then dropped
            decode_update(message, ctx)

    def attributes() -> None:
        for update in kept:
            _ = update.attributes

    gc.collect()
    gc.freeze()
    scanner = update_module.scan
    modes = [("C scanner", scanner), ("pure Python", None)] if scanner else [("pure Python", None)]
    if scanner is None:
        print("(the C scanner aiobgp.wire._scan is not built or AIOBGP_PURE_PYTHON is set)")
    for mode, scan in modes:
        update_module.scan = scan
        clear_caches()
        rate(f"decode {mode}, cold caches", total, decode)
        rate(f"decode {mode}, warm caches", total, decode)
        clear_caches()
        gc.disable()
        rate(f"decode {mode}, cold caches, no cyclic GC", total, decode)
        gc.enable()
        kept.clear()
        clear_caches()
        rate(f"decode {mode}, cold caches, results dropped", total, decode_and_drop)
        if scan is not None:
            clear_caches()
            decode()
            rate("  then .attributes of each (lazy decode)", total, attributes)
        kept.clear()
    update_module.scan = scanner

    keys = [key for _, prefixes in sets for key in prefixes]

    def render() -> None:
        for key in keys:
            prefix_str(family[0], key, args.addpath)

    rate("prefix_str", total, render)


if __name__ == "__main__":
    main()
