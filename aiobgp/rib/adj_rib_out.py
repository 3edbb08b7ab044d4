"""Adj-RIB-Out: the routes we announce to one peer, and the changes not sent yet.

Routes are kept as ``{family: {prefix key: path}}`` where a path is the interned
``(Attributes, next hop)`` pair, so a million routes sharing a few thousand attribute sets cost one
dictionary entry and one small bytes object each. Changes accumulate in a pending map (the latest
change of a prefix wins) and are turned into UPDATE messages by ``drain``, which groups prefixes by
path so each UPDATE carries as many prefixes as fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from aiobgp.rib.paths import Path, PathInterner
from aiobgp.rib.route import Route
from aiobgp.wire.constants import Family
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.update import build_updates, build_withdrawals


class AdjRibOut:
    def __init__(self, *, group_updates: bool = True) -> None:
        self.group_updates = group_updates
        self._routes: dict[Family, dict[bytes, Path]] = {}
        self._pending: dict[Family, dict[bytes, Path | None]] = {}
        self._intern = PathInterner(self._routes)
        self._resend = False

    # -- changes -------------------------------------------------------------------------------
    def announce(self, route: Route) -> bool:
        """Add or replace a route; False when the same route with the same path is already held."""
        path = self._intern((route.attributes, route.next_hop))
        table = self._routes.setdefault(route.family, {})
        if table.get(route.nlri) is path:
            return False
        table[route.nlri] = path
        self._pending.setdefault(route.family, {})[route.nlri] = path
        return True

    def announce_many(self, family: Family, prefixes: list[bytes], path: Path) -> int:
        """Announce many prefixes sharing one path; returns how many changed."""
        path = self._intern(path)
        table = self._routes.setdefault(family, {})
        pending = self._pending.setdefault(family, {})
        changed = 0
        for key in prefixes:
            if table.get(key) is not path:
                table[key] = path
                pending[key] = path
                changed += 1
        return changed

    def withdraw(self, family: Family, nlri: bytes) -> bool:
        """Remove a route; False when it was not there (harmless, as in ExaBGP)."""
        table = self._routes.get(family)
        if table is None or table.pop(nlri, None) is None:
            return False
        self._pending.setdefault(family, {})[nlri] = None
        return True

    def withdraw_all(self) -> int:
        """Withdraw every route (``clear adj-rib out``); returns how many."""
        count = 0
        for family, table in self._routes.items():
            pending = self._pending.setdefault(family, {})
            for key in table:
                pending[key] = None
            count += len(table)
            table.clear()
        self._intern.clear()
        return count

    def resend_all(self) -> None:
        """Send the whole table again on the next drain (a new session, or a route refresh)."""
        self._resend = True

    # -- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(len(t) for t in self._routes.values())

    def count(self, family: Family) -> int:
        return len(self._routes.get(family, ()))

    def families(self) -> list[Family]:
        return [f for f, t in self._routes.items() if t]

    def routes(self, family: Family) -> Iterator[tuple[bytes, Path]]:
        yield from self._routes.get(family, {}).items()

    def has_pending(self) -> bool:
        return self._resend or any(self._pending.values())

    def pending_preview(self, limit: int) -> list[tuple[Family, bytes, Path | None]] | None:
        """The changes the next drain will send, or None when there are more than ``limit``."""
        tables = self._routes if self._resend else self._pending
        if sum(len(t) for t in tables.values()) > limit:
            return None
        changes: list[tuple[Family, bytes, Path | None]] = []
        for family, table in tables.items():
            changes.extend((family, key, path) for key, path in table.items())
        if self._resend:
            for family, table in self._pending.items():
                changes.extend((family, key, None) for key, path in table.items() if path is None)
        return changes

    # -- turning changes into messages ---------------------------------------------------------
    def drain(
        self, ctx: Negotiated, local_address: Callable[[Family], bytes]
    ) -> Iterator[tuple[Family, int, int, bytes]]:
        """Yield ``(family, announced, withdrawn, message)`` for everything pending.

        The pending changes are taken when the generator starts; changes made while it runs are
        kept for the next drain. ``local_address(family)`` gives the next hop that ``self`` stands
        for. Families the session did not negotiate are kept pending, not sent.
        """
        if self._resend:
            self._resend = False
            batches: dict[Family, dict[bytes, Path | None]] = {}
            for family, table in self._routes.items():
                batch: dict[bytes, Path | None] = dict(table)
                withdrawn = self._pending.pop(family, {})
                for key, path in withdrawn.items():
                    if path is None:
                        batch[key] = None
                batches[family] = batch
            for family, leftover in self._pending.items():
                batches.setdefault(family, {}).update(leftover)
            self._pending = {}
        else:
            batches, self._pending = self._pending, {}

        for family, batch in batches.items():
            if family not in ctx.families:
                if batch:
                    self._pending.setdefault(family, {}).update(batch)
                continue
            yield from self._messages(family, batch, ctx, local_address(family))

    def _messages(
        self, family: Family, batch: dict[bytes, Path | None], ctx: Negotiated, self_address: bytes
    ) -> Iterator[tuple[Family, int, int, bytes]]:
        withdrawn = [key for key, path in batch.items() if path is None]
        size = max(1, len(withdrawn)) if self.group_updates else 1
        for start in range(0, len(withdrawn), size):
            chunk = withdrawn[start : start + size]
            yield from _counted(family, 0, len(chunk), build_withdrawals(family, chunk, ctx))
        groups: dict[Path, list[bytes]] = {}
        for key, path in batch.items():
            if path is not None:
                groups.setdefault(path, []).append(key)
        for (attributes, next_hop), prefixes in groups.items():
            if next_hop == NEXT_HOP_SELF:
                next_hop = self_address
            if self.group_updates:
                messages = build_updates(family, attributes, next_hop, prefixes, ctx)
                yield from _counted(family, len(prefixes), 0, messages)
            else:
                for key in prefixes:
                    yield from _counted(family, 1, 0, build_updates(family, attributes, next_hop, [key], ctx))


def _counted(
    family: Family, announced: int, withdrawn: int, messages: list[bytes]
) -> Iterator[tuple[Family, int, int, bytes]]:
    """Attach the counts of a group to its first message, zero to the others."""
    for message in messages:
        yield family, announced, withdrawn, message
        announced = withdrawn = 0
