"""Adj-RIB-In: the routes a peer sent us, as the decoded UPDATEs left them.

Same compact layout as the Adj-RIB-Out: ``{family: {prefix key: (Attributes, next hop)}}`` with the
pairs interned, so a full table costs about one dictionary slot and one small bytes object per prefix.
"""

from __future__ import annotations

from collections.abc import Iterator

from aiobgp.rib.paths import Path, PathInterner
from aiobgp.wire.constants import Family
from aiobgp.wire.update import Update


class AdjRibIn:
    def __init__(self, *, keep: bool = True) -> None:
        """``keep=False`` only counts prefixes (``adj-rib-in false``)."""
        self.keep = keep
        self._routes: dict[Family, dict[bytes, Path]] = {}
        self._counts: dict[Family, int] = {}
        self._intern = PathInterner(self._routes)

    def apply(self, update: Update) -> tuple[int, int]:
        """Record an UPDATE; returns (prefixes announced, prefixes withdrawn) it carried."""
        announced = withdrawn = 0
        for family, prefixes in update.withdrawn:
            withdrawn += len(prefixes)
            if self.keep:
                table = self._routes.get(family)
                if table:
                    for key in prefixes:
                        table.pop(key, None)
            else:
                self._counts[family] = max(0, self._counts.get(family, 0) - len(prefixes))
        attributes = update.attributes
        for family, next_hop, prefixes in update.announced:
            announced += len(prefixes)
            if self.keep and attributes is not None:
                path = self._intern((attributes, next_hop))
                table = self._routes.setdefault(family, {})
                for key in prefixes:
                    table[key] = path
            else:
                self._counts[family] = self._counts.get(family, 0) + len(prefixes)
        return announced, withdrawn

    def clear(self) -> None:
        self._routes.clear()
        self._counts.clear()
        self._intern.clear()

    def count(self, family: Family | None = None) -> int:
        if family is None:
            return sum(len(t) for t in self._routes.values()) + sum(self._counts.values())
        return len(self._routes.get(family, ())) + self._counts.get(family, 0)

    def families(self) -> list[Family]:
        return sorted(set(self._routes) | set(self._counts))

    def routes(self, family: Family) -> Iterator[tuple[bytes, Path]]:
        yield from self._routes.get(family, {}).items()
