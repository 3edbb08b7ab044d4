"""Adj-RIB-Out: the routes we announce to one peer, and the changes not sent yet.

Rules:

* Routes are kept as ``{family: {key: path}}`` where a path is the interned ``(Attributes, next
  hop)`` pair, so a million routes sharing a few thousand attribute sets cost one dictionary entry
  and one small bytes object each.
* A key is the prefix's wire encoding preceded by its 4-byte ADD-PATH identifier (zero when the
  route has none): two paths of one prefix are two routes. ``drain`` strips the identifier for a
  session that did not negotiate ADD-PATH send for the family.
* Changes are remembered as "what the peer holds for this key" (the path last sent, or None) in a
  pending map. ``drain`` compares that with the table: a route announced then withdrawn before the
  next drain never reaches the wire, an unchanged one is not sent twice, and a withdrawal is only
  sent for what the peer was sent. A new session (``resend_all``) starts from "the peer holds
  nothing".
* ``drain`` groups the changed prefixes by path, so each UPDATE carries as many as fit. Outside
  ipv4 unicast a withdrawal (MP_UNREACH_NLRI) repeats the attributes the route was announced with,
  grouped likewise, as ExaBGP 5 does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from aiobgp.rib.paths import Path, PathInterner
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import IPV4_UNICAST, Family
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.update import build_updates, build_withdrawals

NO_PATH_ID = b"\x00\x00\x00\x00"
Plan = tuple[Family, dict[Attributes | None, list[bytes]], dict[Path, list[bytes]]]
"""What one family sends: withdrawals by the attributes they repeat, announcements by path."""
_UNSENT: Path | None = None  # what the peer holds for a key it was never sent


def key_of(route: Route) -> bytes:
    """The Adj-RIB-Out key of a route: its NLRI with a path identifier in front."""
    return route.nlri if route.addpath else NO_PATH_ID + route.nlri


class AdjRibOut:
    def __init__(self, *, group_updates: bool = True) -> None:
        self.group_updates = group_updates
        self._routes: dict[Family, dict[bytes, Path]] = {}
        self._pending: dict[Family, dict[bytes, Path | None]] = {}  # key -> what the peer holds
        self._intern = PathInterner(self._routes)
        self._resend = False

    # -- changes -------------------------------------------------------------------------------
    def announce(self, route: Route) -> bool:
        """Add or replace a route; False when the same route with the same path is already held."""
        path = self._intern((route.attributes, route.next_hop))
        key = key_of(route)
        table = self._routes.setdefault(route.family, {})
        held = table.get(key)
        if held is path:
            return False
        pending = self._pending.setdefault(route.family, {})
        if key not in pending:
            pending[key] = held
        table[key] = path
        return True

    def withdraw(self, route: Route) -> bool:
        """Remove a route (its attributes are not compared); False when it was not there."""
        key = key_of(route)
        table = self._routes.get(route.family)
        if table is None:
            return False
        held = table.pop(key, None)
        if held is None:
            return False
        pending = self._pending.setdefault(route.family, {})
        if key not in pending:
            pending[key] = held
        return True

    def announce_nlris(
        self, family: Family, nlris: Iterable[bytes], attributes: Attributes, next_hop: bytes | None
    ) -> int:
        """``announce`` for routes of one family and one path without a path identifier, in one pass;
        returns how many were added or replaced."""
        path = self._intern((attributes, next_hop))
        table = self._routes.setdefault(family, {})
        pending = self._pending.setdefault(family, {})
        held_now = table.get
        changed = 0
        for nlri in nlris:
            key = NO_PATH_ID + nlri
            held = held_now(key)
            if held is not path:
                if key not in pending:
                    pending[key] = held
                table[key] = path
                changed += 1
        return changed

    def withdraw_nlris(self, family: Family, nlris: Iterable[bytes]) -> int:
        """``withdraw`` for routes of one family without a path identifier; returns how many were absent."""
        table = self._routes.get(family)
        if table is None:
            return sum(1 for _ in nlris)
        pending = self._pending.setdefault(family, {})
        missing = 0
        for nlri in nlris:
            key = NO_PATH_ID + nlri
            held = table.pop(key, None)
            if held is None:
                missing += 1
            elif key not in pending:
                pending[key] = held
        return missing

    def withdraw_all(self) -> int:
        """Withdraw every route (``clear adj-rib out``); returns how many."""
        count = 0
        for family, table in self._routes.items():
            pending = self._pending.setdefault(family, {})
            for key, held in table.items():
                pending.setdefault(key, held)
            count += len(table)
            table.clear()
        self._intern.clear()
        return count

    def resend_all(self) -> None:
        """The peer holds nothing (a new session) or asked for everything (route refresh)."""
        self._resend = True

    # -- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(len(t) for t in self._routes.values())

    def count(self, family: Family) -> int:
        return len(self._routes.get(family, ()))

    def families(self) -> list[Family]:
        return [f for f, t in self._routes.items() if t]

    def routes(self, family: Family) -> Iterator[tuple[bytes, Path]]:
        """``(key, path)`` of every route of a family; keys carry their path identifier."""
        yield from self._routes.get(family, {}).items()

    def has_pending(self) -> bool:
        return self._resend or any(self._pending.values())

    def pending_preview(self, limit: int) -> list[tuple[Family, bytes, Path | None]] | None:
        """The changes the next drain may send (key, new path or None), or None when more than ``limit``."""
        if self._resend:
            if len(self) > limit:
                return None
            return [(f, k, p) for f, table in self._routes.items() for k, p in table.items()]
        if sum(len(t) for t in self._pending.values()) > limit:
            return None
        changes: list[tuple[Family, bytes, Path | None]] = []
        for family, pending in self._pending.items():
            table = self._routes.get(family, {})
            for key, sent in pending.items():
                now = table.get(key)
                if now != sent:
                    changes.append((family, key, now))
        return changes

    # -- turning changes into messages ---------------------------------------------------------
    def drain(
        self, ctx: Negotiated, local_address: Callable[[Family], bytes]
    ) -> Iterator[tuple[Family, int, int, bytes]]:
        """Yield ``(family, announced, withdrawn, message)`` for everything pending.

        What to send is decided when this is called (every family at once), so changes made while
        the messages are being consumed are kept, exactly, for the next drain. ``local_address``
        gives the next hop that ``self`` stands for. Families the session did not negotiate stay
        pending.
        """
        plan: list[Plan] = []
        if self._resend:
            self._resend = False
            self._pending = {}
            for family, table in self._routes.items():
                if family in ctx.families:
                    plan.append(self._plan(family, table, None, ctx))
                elif table:
                    self._pending[family] = dict.fromkeys(table, _UNSENT)
        else:
            batches, self._pending = self._pending, {}
            for family, batch in batches.items():
                if family in ctx.families:
                    plan.append(self._plan(family, self._routes.get(family, {}), batch, ctx))
                elif batch:
                    self._pending[family] = batch
        return self._messages(plan, ctx, local_address)

    @staticmethod
    def _plan(
        family: Family, table: dict[bytes, Path], pending: dict[bytes, Path | None] | None, ctx: Negotiated
    ) -> Plan:
        """Withdrawn prefixes grouped by the attributes they were sent with (None for ipv4 unicast,
        whose withdrawals carry none), and announced prefixes grouped by path, in wire form: for the
        keys of ``pending`` (key -> what the peer holds) whose route changed, or for the whole table
        when ``pending`` is None (the peer holds nothing)."""
        strip = family not in ctx.addpath_send
        classic = family == IPV4_UNICAST
        withdrawn: dict[Attributes | None, list[bytes]] = {}
        groups: dict[Path, list[bytes]] = {}
        # the usual bulk case: the peer holds none of the routes and they share one path
        if pending is None or not any(pending.values()):
            nows = list(table.values()) if pending is None else list(map(table.get, pending))
            if nows and nows[0] is not None and nows.count(nows[0]) == len(nows):
                keys = table if pending is None else pending
                groups[nows[0]] = [key[4:] for key in keys] if strip else list(keys)
                return family, withdrawn, groups
        last: Path | None = None  # consecutive keys mostly share a path: its list, without a look-up
        members: list[bytes] = []
        held = table.get
        for key, value in table.items() if pending is None else pending.items():
            if pending is None:
                sent, now = _UNSENT, value
            else:
                sent, now = value, held(key)
                if now == sent:
                    continue
            wire = key[4:] if strip else key
            if now is None:
                attributes = None if classic or sent is None else sent[0]
                withdrawn.setdefault(attributes, []).append(wire)
            elif now is last:
                members.append(wire)
            else:
                found = groups.get(now)
                if found is None:
                    found = groups[now] = []
                found.append(wire)
                last, members = now, found
        return family, withdrawn, groups

    def _messages(
        self, plan: list[Plan], ctx: Negotiated, local_address: Callable[[Family], bytes]
    ) -> Iterator[tuple[Family, int, int, bytes]]:
        for family, withdrawn, groups in plan:
            for attributes, prefixes in withdrawn.items():
                size = max(1, len(prefixes)) if self.group_updates else 1
                for start in range(0, len(prefixes), size):
                    chunk = prefixes[start : start + size]
                    messages = build_withdrawals(family, chunk, ctx, attributes)
                    yield from _counted(family, 0, len(chunk), messages)
            for (attributes, next_hop), prefixes in groups.items():
                if next_hop == NEXT_HOP_SELF:
                    next_hop = local_address(family)
                if self.group_updates:
                    messages = build_updates(family, attributes, next_hop, prefixes, ctx)
                    yield from _counted(family, len(prefixes), 0, messages)
                else:
                    for wire in prefixes:
                        messages = build_updates(family, attributes, next_hop, [wire], ctx)
                        yield from _counted(family, 1, 0, messages)


def _counted(
    family: Family, announced: int, withdrawn: int, messages: list[bytes]
) -> Iterator[tuple[Family, int, int, bytes]]:
    """Attach the counts of a group to its first message, zero to the others."""
    for message in messages:
        yield family, announced, withdrawn, message
        announced = withdrawn = 0
