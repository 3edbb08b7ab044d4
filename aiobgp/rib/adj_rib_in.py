"""Adj-RIB-In: the routes a peer sent us, kept as compact as the wire allows.

Layout: ``{family: {prefix: path}}`` where

* ``prefix`` is the prefix key (aiobgp.wire.nlri) as an ``int`` (``int.from_bytes``, big endian),
  which costs 32 bytes where a bytes object costs 48; the first byte of a key is its prefix length,
  so the int maps back to exactly one key. Families received with ADD-PATH keep bytes keys (a path
  identifier of zero would make two keys one int).
* ``path`` is one bytes object per attribute set and next hop: the UPDATE's raw path attributes
  (MP_REACH/MP_UNREACH cut out), then the next hop, then the next hop's length (255: none). Every
  prefix of an UPDATE shares it, and recent equal paths are shared between UPDATEs. Nothing is
  decoded on the way in; ``routes`` decodes on demand (``show adj-rib in``).

A full table costs one dictionary slot and one int per prefix, plus the raw attributes once per
UPDATE: about 110 bytes per route for a realistic Internet table.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat

from aiobgp.wire.attributes import Attributes, parse_attributes
from aiobgp.wire.constants import Family
from aiobgp.wire.context import Negotiated
from aiobgp.wire.update import Update

Path = tuple[Attributes, bytes | None]
"""An attribute set and a next hop, as ``routes`` gives them."""

_RECENT_MAX = 1 << 12  # paths remembered for sharing between UPDATEs (cleared whole when full)
_NO_NEXT_HOP = b"\xff"
_SIZES = tuple(bytes((size,)) for size in range(255))
_EMPTY = Attributes()


def pack_path(raw_attributes: bytes, next_hop: bytes | None) -> bytes:
    """One bytes object for an attribute set and its next hop (see the module docstring)."""
    if next_hop is None:
        return raw_attributes + _NO_NEXT_HOP
    return raw_attributes + next_hop + _SIZES[len(next_hop)]


def unpack_path(path: bytes) -> tuple[bytes, bytes | None]:
    """``(raw attributes, next hop)`` of a ``pack_path`` value."""
    size = path[-1]
    if size == 255:
        return path[:-1], None
    return path[: -1 - size], path[-1 - size : -1]


def key_bytes(key: int | bytes) -> bytes:
    """The prefix key of an int key (bytes keys are returned as they are)."""
    if isinstance(key, bytes):
        return key
    return key.to_bytes(max(1, (key.bit_length() + 7) >> 3))


class AdjRibIn:
    def __init__(self, *, keep: bool = True) -> None:
        """``keep=False`` only counts prefixes (``adj-rib-in false``)."""
        self.keep = keep
        self._routes: dict[Family, dict[int | bytes, bytes]] = {}
        self._counts: dict[Family, int] = {}
        self._recent: dict[bytes, bytes] = {}
        self._addpath: frozenset[Family] = frozenset()
        self._asn4 = True
        self._ibgp = False

    def start(self, negotiated: Negotiated) -> None:
        """A session is up: how its UPDATEs are to be read (ADD-PATH families, ASN4, iBGP)."""
        self._addpath = negotiated.addpath_receive
        self._asn4 = negotiated.asn4
        self._ibgp = negotiated.local_as == negotiated.peer_as

    def apply(self, update: Update) -> tuple[int, int]:
        """Record an UPDATE; returns (prefixes announced, prefixes withdrawn) it carried."""
        withdrawn = self._withdraw(update.withdrawn) if update.withdrawn else 0
        announced = update.announced
        if not announced:
            return 0, withdrawn
        count = 0
        if not self.keep:
            for family, _, prefixes in announced:
                count += len(prefixes)
                self._counts[family] = self._counts.get(family, 0) + len(prefixes)
            return count, withdrawn
        raw = update.raw_attributes
        recent = self._recent
        routes = self._routes
        for family, next_hop, prefixes in announced:
            count += len(prefixes)
            path = pack_path(raw, next_hop)
            shared = recent.get(path)
            if shared is None:
                if len(recent) >= _RECENT_MAX:
                    recent.clear()
                recent[path] = path
            else:
                path = shared
            table = routes.get(family)
            if table is None:
                table = routes[family] = {}
            if family in self._addpath:
                table.update(zip(prefixes, repeat(path)))
            elif len(prefixes) == 1:
                table[int.from_bytes(prefixes[0])] = path
            else:
                table.update(zip(map(int.from_bytes, prefixes), repeat(path)))
        return count, withdrawn

    def _withdraw(self, withdrawn: list[tuple[Family, list[bytes]]]) -> int:
        count = 0
        for family, prefixes in withdrawn:
            count += len(prefixes)
            if self.keep:
                table = self._routes.get(family)
                if table:
                    pop = table.pop
                    if family in self._addpath:
                        for key in prefixes:
                            pop(key, None)
                    else:
                        for number in map(int.from_bytes, prefixes):
                            pop(number, None)
            else:
                self._counts[family] = max(0, self._counts.get(family, 0) - len(prefixes))
        return count

    def clear(self) -> None:
        self._routes.clear()
        self._counts.clear()
        self._recent.clear()

    def count(self, family: Family | None = None) -> int:
        if family is None:
            return sum(len(t) for t in self._routes.values()) + sum(self._counts.values())
        return len(self._routes.get(family, ())) + self._counts.get(family, 0)

    def families(self) -> list[Family]:
        return sorted(set(self._routes) | set(self._counts))

    def routes(self, family: Family) -> Iterator[tuple[bytes, Path]]:
        """``(prefix key, (attributes, next hop))`` of every route of ``family``, decoded now."""
        decoded: dict[bytes, Path] = {}
        for key, path in self._routes.get(family, {}).items():
            found = decoded.get(path)
            if found is None:
                found = decoded[path] = self._decode(path)
            yield key_bytes(key), found

    def _decode(self, path: bytes) -> Path:
        raw, next_hop = unpack_path(path)
        if not raw:
            return _EMPTY, next_hop
        block, _ = parse_attributes(raw, 0, len(raw), self._asn4, self._ibgp)
        return block.attributes or _EMPTY, next_hop
