"""Adj-RIB-In: the routes a peer sent us, kept as compact as the wire allows.

Layout: ``{family: table}``, a table mapping each prefix key (aiobgp.wire.nlri) to a path:

* IPv4 and IPv6 unicast and multicast without ADD-PATH use a ``PrefixTable`` (aiobgp.rib.table):
  in C, 16 bytes a slot and no Python object per key (18-23 bytes a prefix). Families received with
  ADD-PATH (keys with a path identifier) and FlowSpec (rule keys of any length) use a dict of bytes.
* a path is one bytes object per attribute set and next hop: the UPDATE's raw path attributes
  (MP_REACH/MP_UNREACH cut out), then the next hop, then the next hop's length (255: none). Every
  prefix of an UPDATE shares it, and recent equal paths are shared between UPDATEs. Nothing is
  decoded on the way in; ``routes`` decodes on demand (``show adj-rib in``), in no set order.

A full table costs about 20 bytes per prefix plus the raw attributes once per UPDATE.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat

from aiobgp.rib.table import PrefixTable
from aiobgp.wire.attributes import Attributes, parse_attributes
from aiobgp.wire.constants import AFI_IPV4, AFI_IPV6, SAFI_MULTICAST, SAFI_UNICAST, Family
from aiobgp.wire.context import Negotiated
from aiobgp.wire.update import Update

Path = tuple[Attributes, bytes | None]
"""An attribute set and a next hop, as ``routes`` gives them."""

_RECENT_MAX = 1 << 12  # paths remembered for sharing between UPDATEs (cleared whole when full)
_NO_NEXT_HOP = b"\xff"
_SIZES = tuple(bytes((size,)) for size in range(255))
_EMPTY = Attributes()
# families whose keys are plain prefixes (a PrefixTable holds them unless ADD-PATH is on)
_PREFIX_FAMILIES = frozenset(
    (afi, safi) for afi in (AFI_IPV4, AFI_IPV6) for safi in (SAFI_UNICAST, SAFI_MULTICAST)
)


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


class AdjRibIn:
    def __init__(self, *, keep: bool = True) -> None:
        """``keep=False`` only counts prefixes (``adj-rib-in false``)."""
        self.keep = keep
        self._prefixes: dict[Family, PrefixTable[bytes]] = {}  # the families in _compact
        self._keyed: dict[Family, dict[bytes, bytes]] = {}  # the others: ADD-PATH, FlowSpec
        self._counts: dict[Family, int] = {}
        self._recent: dict[bytes, bytes] = {}
        self._compact = _PREFIX_FAMILIES
        self._asn4 = True
        self._ibgp = False

    def start(self, negotiated: Negotiated) -> None:
        """A session is up: how its UPDATEs are to be read (ADD-PATH families, ASN4, iBGP)."""
        self._compact = _PREFIX_FAMILIES - negotiated.addpath_receive
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
        compact = self._compact
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
            if family in compact:
                table = self._prefixes.get(family)
                if table is None:
                    table = self._prefixes[family] = PrefixTable()
                table.set_many(prefixes, path)
            else:
                self._keyed.setdefault(family, {}).update(zip(prefixes, repeat(path)))
        return count, withdrawn

    def _withdraw(self, withdrawn: list[tuple[Family, list[bytes]]]) -> int:
        count = 0
        for family, prefixes in withdrawn:
            count += len(prefixes)
            if not self.keep:
                self._counts[family] = max(0, self._counts.get(family, 0) - len(prefixes))
            elif family in self._compact:
                table = self._prefixes.get(family)
                if table is not None:
                    table.pop_many(prefixes)
            else:
                keyed = self._keyed.get(family)
                if keyed:
                    for key in prefixes:
                        keyed.pop(key, None)
        return count

    def clear(self) -> None:
        self._prefixes.clear()
        self._keyed.clear()
        self._counts.clear()
        self._recent.clear()

    def count(self, family: Family | None = None) -> int:
        if family is None:
            return (
                sum(map(len, self._prefixes.values()))
                + sum(map(len, self._keyed.values()))
                + sum(self._counts.values())
            )
        table = self._prefixes.get(family)
        return (
            (len(table) if table is not None else 0)
            + len(self._keyed.get(family, ()))
            + self._counts.get(family, 0)
        )

    def families(self) -> list[Family]:
        return sorted(set(self._prefixes) | set(self._keyed) | set(self._counts))

    def routes(self, family: Family) -> Iterator[tuple[bytes, Path]]:
        """``(prefix key, (attributes, next hop))`` of every route of ``family``, decoded now, in
        address order (then shorter prefixes first; ADD-PATH keys by path identifier first)."""
        decoded: dict[bytes, Path] = {}
        table = self._prefixes.get(family)
        keyed = self._keyed.get(family)
        items = sorted(table.items(), key=_address_order) if table is not None else []
        if keyed:
            items += sorted(keyed.items())
        for key, path in items:
            found = decoded.get(path)
            if found is None:
                found = decoded[path] = self._decode(path)
            yield key, found

    def _decode(self, path: bytes) -> Path:
        raw, next_hop = unpack_path(path)
        if not raw:
            return _EMPTY, next_hop
        block, _ = parse_attributes(raw, 0, len(raw), self._asn4, self._ibgp)
        return block.attributes or _EMPTY, next_hop


def _address_order(item: tuple[bytes, bytes]) -> tuple[bytes, int]:
    key = item[0]
    return key[1:], key[0]
