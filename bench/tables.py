"""Deterministic routing tables for the benchmarks: realistic attribute variety, or one set for all.

    .venv/bin/python bench/tables.py OUT N [--seed 1] [--format bird|mrt] [--stats] [--next-hop IP]

The realistic table imitates a full Internet table, so that a peer packs UPDATEs as it would a
real one (about 2.6 prefixes per attribute set):

* non-overlapping IPv4 prefixes from 10.0.0.0 up (127/8 skipped), each /16 split recursively so that
  the prefix lengths come out as ~62 % /24, 10 % /23, 12.5 % /22, 5.5 % /21, 4.5 % /20, 2.8 % /19,
  1.1 % /18, 0.6 % /17 and 0.8 % /16, with no gaps;
* consecutive prefixes share an attribute set in runs whose length follows a power law
  P(k) ~ k^-a (k <= 2048, a chosen for a mean of 2.6); every run has a set of its own;
* AS paths of 1-10 ASNs: the origin drawn Zipf-like from 4,000 ASNs (45 % of them 4-byte), the
  transits Zipf-like from 300 (10 % 4-byte), 8 % of the paths with the origin prepended;
* ORIGIN 88 % IGP, 11 % INCOMPLETE, 1 % EGP; MED on 20 % of the sets; 1-6 COMMUNITIES on 30 %;
  1-3 LARGE_COMMUNITY on 5 %.

The IPv6 table (``realistic6``) has the same runs and attribute sets over consecutive /48s from
2a00::/48 (a full IPv6 table is mostly /48s).

Outputs: BIRD static routes carrying the attributes (``include`` them in a ``protocol static``; the
BGP export filter must say ``bgp_med = bgp_med`` or BIRD drops the MED on eBGP), or an MRT
TABLE_DUMP_V2 file (RFC 6396) for ``gobgp mrt inject global FILE``.
"""

from __future__ import annotations

import argparse
import bisect
import ipaddress
import itertools
import random
import struct
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ORIGIN_IGP, ORIGIN_EGP, ORIGIN_INCOMPLETE = 0, 1, 2

# Share of prefixes per length, and what BIRD calls the ORIGIN values.
LENGTH_MIX = {16: 0.8, 17: 0.6, 18: 1.1, 19: 2.8, 20: 4.5, 21: 5.5, 22: 12.5, 23: 10.0, 24: 62.0}
BIRD_ORIGIN = {ORIGIN_EGP: "ORIGIN_EGP", ORIGIN_INCOMPLETE: "ORIGIN_INCOMPLETE"}

PATH_LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
PATH_WEIGHTS = (4.0, 14.0, 30.0, 25.0, 14.0, 7.0, 3.0, 1.5, 1.0, 0.5)
MAX_RUN = 2048
MEAN_RUN = 2.6


@dataclass(frozen=True, slots=True)
class PathAttributes:
    """One attribute set of the table (the next hop is the originating peer's)."""

    origin: int
    as_path: tuple[int, ...]
    med: int | None = None
    communities: tuple[tuple[int, int], ...] = ()
    large_communities: tuple[tuple[int, int, int], ...] = ()


# A run: consecutive prefixes (network as an int, length) sharing one attribute set.
Run = tuple[list[tuple[int, int]], PathAttributes]


def _split_probabilities() -> dict[int, float]:
    """Probability that a node of length L is emitted rather than split, so the mix comes out right.

    Expected nodes reached at level L per /16: a(16) = 1, a(L+1) = 2 (a(L) - n(L)), where n(L) = T f(L)
    prefixes are emitted; T follows from a(24) = n(24), i.e. the /16 is covered exactly.
    """
    total = sum(LENGTH_MIX.values())
    share = {length: weight / total for length, weight in LENGTH_MIX.items()}
    per_block = 256 / sum(f * 2 ** (24 - length) for length, f in share.items())
    reached = 1.0
    emit: dict[int, float] = {}
    for length in range(16, 25):
        emitted = per_block * share[length]
        emit[length] = min(1.0, emitted / reached) if reached > 0 else 1.0
        reached = 2 * (reached - emitted)
    emit[24] = 1.0
    return emit


def prefixes(rng: random.Random, base: int = 10 << 24) -> Iterator[tuple[int, int]]:
    """Non-overlapping prefixes (network, length) in address order, from the /16 holding ``base``."""
    emit = _split_probabilities()
    block = base >> 16
    while True:
        if block >> 8 == 127:
            block = 128 << 8
        if block >> 8 >= 224:
            raise ValueError("the table ran past 223.255.255.255: ask for fewer prefixes")
        stack = [(block << 16, 16)]
        while stack:
            network, length = stack.pop()
            if rng.random() < emit[length]:
                yield network, length
            else:
                half = 1 << (31 - length)
                stack.append((network + half, length + 1))
                stack.append((network, length + 1))
        block += 1


def _power_law_exponent() -> float:
    """Exponent a of P(k) ~ k^-a over 1..MAX_RUN with mean MEAN_RUN (bisection)."""
    low, high = 1.01, 5.0
    for _ in range(60):
        a = (low + high) / 2
        weights = [k**-a for k in range(1, MAX_RUN + 1)]
        mean = sum(k * w for k, w in zip(range(1, MAX_RUN + 1), weights, strict=True)) / sum(weights)
        low, high = (a, high) if mean > MEAN_RUN else (low, a)
    return (low + high) / 2


def _cumulative(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _asn(rng: random.Random, four_byte: bool) -> int:
    """A public-looking ASN: never 23456, 64496-131071 (documentation, private, AS_TRANS) or above."""
    if four_byte:
        return rng.randint(131_072, 401_000)
    while True:
        asn = rng.randint(1, 64_495)
        if asn != 23_456:
            return asn


class _Zipf:
    """Draws items Zipf-like (weight 1/rank)."""

    def __init__(self, items: list[int]) -> None:
        self.items = items
        self.cumulative = _cumulative(1 / rank for rank in range(1, len(items) + 1))

    def draw(self, rng: random.Random) -> int:
        index = bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


class _Sets:
    """Distinct attribute sets drawn from a fixed seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.origins = _Zipf([_asn(rng, rng.random() < 0.45) for _ in range(4000)])
        self.transits = _Zipf([_asn(rng, rng.random() < 0.10) for _ in range(300)])
        self.path_lengths = _cumulative(PATH_WEIGHTS)
        self.seen: set[PathAttributes] = set()

    def _path(self) -> tuple[int, ...]:
        rng = self.rng
        index = bisect.bisect_left(self.path_lengths, rng.random() * self.path_lengths[-1])
        length = PATH_LENGTHS[min(index, len(PATH_LENGTHS) - 1)]
        origin = self.origins.draw(rng)
        path: list[int] = []
        while len(path) < length - 1:
            asn = self.transits.draw(rng)
            if asn != origin and asn not in path:
                path.append(asn)
        path.append(origin)
        if rng.random() < 0.08:
            path.extend([origin] * rng.randint(1, 3))
        return tuple(path)

    def _one(self) -> PathAttributes:
        rng = self.rng
        roll = rng.random()
        origin = ORIGIN_IGP if roll < 0.88 else ORIGIN_INCOMPLETE if roll < 0.99 else ORIGIN_EGP
        path = self._path()
        med = (
            rng.choice((0, 0, 10, 20, 50, 100, 200, 1000, rng.randint(1, 65_535)))
            if rng.random() < 0.2
            else None
        )
        communities: tuple[tuple[int, int], ...] = ()
        if rng.random() < 0.30:
            owners = [asn for asn in path if asn < 65_536] or [rng.randint(1, 64_495)]
            values = {(rng.choice(owners), rng.choice((100, 200, 300, 666, 1000, rng.randint(1, 65_535))))
                      for _ in range(rng.randint(1, 6))}  # fmt: skip
            communities = tuple(sorted(values))
        large: tuple[tuple[int, int, int], ...] = ()
        if rng.random() < 0.05:
            owner = path[-1]
            large = tuple(
                sorted({(owner, rng.randint(1, 20), rng.randint(1, 1000)) for _ in range(rng.randint(1, 3))})
            )
        return PathAttributes(origin, path, med, communities, large)

    def draw(self) -> PathAttributes:
        """A set not drawn before (so that two runs never merge into one)."""
        while True:
            attributes = self._one()
            if attributes not in self.seen:
                self.seen.add(attributes)
                return attributes


def realistic(
    count: int, seed: int = 1, base: int = 10 << 24, source: Iterator[tuple[int, int]] | None = None
) -> list[Run]:
    """``count`` prefixes in runs sharing an attribute set, the same for the same arguments.

    The prefixes come from ``source`` when given, else from :func:`prefixes` at ``base``.
    """
    rng = random.Random(seed)
    exponent = _power_law_exponent()
    lengths = _cumulative(k**-exponent for k in range(1, MAX_RUN + 1))
    sets = _Sets(random.Random(seed + 1_000_003))
    if source is None:
        source = prefixes(random.Random(seed + 2_000_003), base)
    runs: list[Run] = []
    made = 0
    while made < count:
        size = min(count - made, bisect.bisect_left(lengths, rng.random() * lengths[-1]) + 1)
        runs.append(([next(source) for _ in range(size)], sets.draw()))
        made += size
    return runs


IPV6_BASE = 0x2A00 << 112


def prefixes6(base: int = IPV6_BASE) -> Iterator[tuple[int, int]]:
    """Consecutive IPv6 /48s from ``base``."""
    network = base
    while True:
        yield network, 48
        network += 1 << 80


def realistic6(count: int, seed: int = 1) -> list[Run]:
    """The realistic table's runs and attribute sets over ``count`` consecutive /48s from 2a00::/48."""
    return realistic(count, seed, source=prefixes6())


def uniform(count: int, base: int = 10 << 24) -> list[str]:
    """``count`` consecutive /24s from ``base``, skipping 127/8."""
    out: list[str] = []
    network = base
    while len(out) < count:
        if network >> 24 == 127:
            network = 128 << 24
        out.append(f"{network >> 24}.{(network >> 16) & 255}.{(network >> 8) & 255}.0/24")
        network += 256
    return out


def prefix_text(network: int, length: int) -> str:
    return f"{network >> 24}.{(network >> 16) & 255}.{(network >> 8) & 255}.{network & 255}/{length}"


def prefix6_text(network: int, length: int) -> str:
    """An IPv6 prefix in its compressed text form (``2a00:0:1::/48``)."""
    return f"{ipaddress.IPv6Address(network).compressed}/{length}"


# --------------------------------------------------------------------------- BIRD


def bird_block(attributes: PathAttributes) -> str:
    """The ``{ ... }`` of a BIRD static route carrying ``attributes``."""
    parts = []
    if attributes.origin in BIRD_ORIGIN:
        parts.append(f"bgp_origin = {BIRD_ORIGIN[attributes.origin]};")
    parts.extend(f"bgp_path.prepend({asn});" for asn in reversed(attributes.as_path))
    parts.extend(f"bgp_community.add(({a},{b}));" for a, b in attributes.communities)
    parts.extend(f"bgp_large_community.add(({a},{b},{c}));" for a, b, c in attributes.large_communities)
    if attributes.med is not None:
        parts.append(f"bgp_med = {attributes.med};")
    return "{ " + " ".join(parts) + " }"


def write_bird(path: Path, runs: Iterable[Run], ipv6: bool = False) -> None:
    """One ``route P blackhole { attributes };`` line per prefix, for a ``protocol static`` include."""
    text = prefix6_text if ipv6 else prefix_text
    with path.open("w") as out:
        for members, attributes in runs:
            block = bird_block(attributes)
            out.writelines(f"route {text(n, m)} blackhole {block};\n" for n, m in members)


def write_bird_uniform(path: Path, routes: Iterable[str]) -> None:
    """Plain ``route P blackhole;`` lines (one attribute set for all)."""
    with path.open("w") as out:
        out.writelines(f"route {route} blackhole;\n" for route in routes)


# --------------------------------------------------------------------------- MRT (RFC 6396)

MRT_TABLE_DUMP_V2 = 13
PEER_INDEX_TABLE = 1
RIB_IPV4_UNICAST = 2


def _attribute(flags: int, kind: int, value: bytes) -> bytes:
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, kind, len(value)) + value
    return struct.pack("!BBB", flags, kind, len(value)) + value


def mrt_attributes(attributes: PathAttributes, next_hop: bytes) -> bytes:
    """Path attributes as TABLE_DUMP_V2 stores them (AS_PATH with 4-byte ASNs, RFC 6396 §4.3.4)."""
    path = attributes.as_path
    out = _attribute(0x40, 1, bytes((attributes.origin,)))
    out += _attribute(0x40, 2, struct.pack(f"!BB{len(path)}I", 2, len(path), *path))
    out += _attribute(0x40, 3, next_hop)
    if attributes.med is not None:
        out += _attribute(0x80, 4, struct.pack("!I", attributes.med))
    if attributes.communities:
        out += _attribute(0xC0, 8, b"".join(struct.pack("!HH", a, b) for a, b in attributes.communities))
    if attributes.large_communities:
        values = b"".join(struct.pack("!III", *c) for c in attributes.large_communities)
        out += _attribute(0xC0, 32, values)
    return out


def _mrt_record(subtype: int, body: bytes, stamp: int) -> bytes:
    return struct.pack("!IHHI", stamp, MRT_TABLE_DUMP_V2, subtype, len(body)) + body


def write_mrt(path: Path, runs: Iterable[Run], next_hop: str, peer_as: int = 65002, stamp: int = 0) -> None:
    """A TABLE_DUMP_V2 file: one peer (``next_hop``, ``peer_as``) and one RIB entry per prefix."""
    hop = bytes(int(part) for part in next_hop.split("."))
    # peer type 2: IPv4 address, 4-byte AS
    peers = struct.pack("!H", 1) + struct.pack("!B4s4sI", 2, hop, hop, peer_as)
    index = hop + struct.pack("!H", 0) + peers
    with path.open("wb") as out:
        out.write(_mrt_record(PEER_INDEX_TABLE, index, stamp))
        sequence = 0
        for members, attributes in runs:
            entry_tail = mrt_attributes(attributes, hop)
            entry = struct.pack("!HIH", 1, 0, stamp) + struct.pack("!H", len(entry_tail)) + entry_tail
            for network, length in members:
                raw = network.to_bytes(4, "big")[: (length + 7) // 8]
                body = struct.pack("!IB", sequence, length) + raw + entry
                out.write(_mrt_record(RIB_IPV4_UNICAST, body, stamp))
                sequence += 1


# --------------------------------------------------------------------------- statistics


def statistics(runs: list[Run]) -> dict[str, float]:
    """The figures the table is meant to match (shares are of prefixes, per set or per path)."""
    total = sum(len(members) for members, _ in runs)
    sizes = sorted(len(members) for members, _ in runs)
    lengths: dict[int, int] = {}
    for members, _ in runs:
        for _, length in members:
            lengths[length] = lengths.get(length, 0) + 1

    def share(predicate: Callable[[PathAttributes], bool]) -> float:
        return sum(len(m) for m, a in runs if predicate(a)) / total

    out: dict[str, float] = {
        "prefixes": total,
        "sets": len(runs),
        "prefixes_per_set": total / len(runs),
        "single_prefix_sets": sum(1 for s in sizes if s == 1) / len(runs),
        "largest_set": sizes[-1],
        "mean_path_length": sum(len(a.as_path) for _, a in runs) / len(runs),
        "four_byte_paths": sum(1 for _, a in runs if any(x > 65_535 for x in a.as_path)) / len(runs),
        "communities": share(lambda a: bool(a.communities)),
        "large_communities": share(lambda a: bool(a.large_communities)),
        "med": share(lambda a: a.med is not None),
        "origin_not_igp": share(lambda a: a.origin != ORIGIN_IGP),
    }
    for length in sorted(lengths):
        out[f"/{length}"] = lengths[length] / total
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("bird", "mrt"), default="bird")
    parser.add_argument("--next-hop", default="127.0.0.2", help="next hop of the MRT entries")
    parser.add_argument("--stats", action="store_true", help="print the table's statistics")
    args = parser.parse_args()
    runs = realistic(args.count, args.seed)
    if args.format == "bird":
        write_bird(args.out, runs)
    else:
        write_mrt(args.out, runs, args.next_hop)
    if args.stats:
        for key, value in statistics(runs).items():
            print(f"{key:>20}: {value:.4g}" if isinstance(value, float) else f"{key:>20}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
