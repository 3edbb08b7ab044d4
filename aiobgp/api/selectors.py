"""Neighbor selectors of the text API (`neighbor 10.0.0.1 local-as 65000 , neighbor * ...`).

A command may start with comma-separated selector groups; a group's keys are AND'ed, the groups are
OR'ed, and no group at all means "every neighbor the helper may drive". ExaBGP matches each `key value`
as a whole word of the neighbor's identity string (`neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 65000
peer-as 65000 router-id 1.2.3.4 family-allowed in-open`); here the same comparison is made field by field
on a `NeighborIdentity`, which the runtime builds once per neighbor.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiobgp.wire.constants import AFI_NAMES, SAFI_NAMES, Family


def canonical_ip(text: str) -> str:
    """The usual text of an IP address (`::1` for `0::1`); text that is no address comes back unchanged."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def family_words(families: tuple[Family, ...]) -> str:
    """`ipv4-unicast/ipv6-unicast`: the `family-allowed` value of a multi-session neighbor."""
    return "/".join(f"{AFI_NAMES.get(afi, afi)}-{SAFI_NAMES.get(safi, safi)}" for afi, safi in families)


@dataclass(frozen=True, slots=True)
class NeighborIdentity:
    """What selectors compare against: one per configured neighbor (addresses as text, canonical form)."""

    peer_address: str
    local_address: str | None  # None while `auto` and not connected yet
    local_as: int
    peer_as: int | None  # None for `peer-as auto`
    router_id: str | None
    families: tuple[Family, ...] = ()
    multi_session: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "peer_address", canonical_ip(self.peer_address))
        if self.local_address is not None:
            object.__setattr__(self, "local_address", canonical_ip(self.local_address))
        if self.router_id is not None:
            object.__setattr__(self, "router_id", canonical_ip(self.router_id))

    def text(self) -> str:
        """ExaBGP's identity string of the neighbor (used in logs and `show adj-rib ... extensive`)."""
        allowed = family_words(self.families) if self.multi_session else "in-open"
        return (
            f"neighbor {self.peer_address} local-ip {self.local_address or 'auto'} local-as {self.local_as} "
            f"peer-as {'auto' if self.peer_as is None else self.peer_as} router-id {self.router_id} "
            f"family-allowed {allowed}"
        )


@dataclass(frozen=True, slots=True)
class Selector:
    """One selector group; a field left None is not checked.

    `peer` is the `neighbor` value (None for `*`), kept as text: `neighbor absentone` is legal and simply
    matches nothing. `family_allowed` is () for `in-open` (a neighbor without multi-session), otherwise the
    families listed (`ipv4-unicast/ipv6-unicast`).
    """

    peer: str | None = None
    local_ip: str | None = None
    local_as: int | None = None
    peer_as: int | None = None
    router_id: str | None = None
    family_allowed: tuple[Family, ...] | None = None

    def matches(self, n: NeighborIdentity) -> bool:
        """True when every key of the group agrees with the neighbor."""
        if self.peer is not None and self.peer != n.peer_address:
            return False
        if self.local_ip is not None and self.local_ip != n.local_address:
            return False
        if self.local_as is not None and self.local_as != n.local_as:
            return False
        if self.peer_as is not None and self.peer_as != n.peer_as:
            return False
        if self.router_id is not None and self.router_id != n.router_id:
            return False
        if self.family_allowed is not None:
            if not self.family_allowed:
                return not n.multi_session
            # ExaBGP splits a multi-session neighbor into one session per family; here the group matches
            # a multi-session neighbor carrying every family it lists
            return n.multi_session and all(family in n.families for family in self.family_allowed)
        return True


def select(selectors: tuple[Selector, ...], n: NeighborIdentity) -> bool:
    """True when a command with these selectors applies to the neighbor (no selector: every neighbor)."""
    return not selectors or any(selector.matches(n) for selector in selectors)
