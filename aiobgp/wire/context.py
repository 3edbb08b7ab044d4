"""What two speakers agreed on in their OPEN messages: the context every UPDATE is coded in."""

from __future__ import annotations

from dataclasses import dataclass

from aiobgp.wire.constants import IPV4_UNICAST, MAX_MESSAGE, Family

NEXT_HOP_SELF = b""
"""A route's next hop written as ``self``: replaced by the session's local address when sent."""


@dataclass(frozen=True, slots=True)
class Negotiated:
    local_as: int
    peer_as: int
    asn4: bool = True
    families: frozenset[Family] = frozenset({IPV4_UNICAST})
    addpath_send: frozenset[Family] = frozenset()  # we put path identifiers in what we send
    addpath_receive: frozenset[Family] = frozenset()  # the peer puts them in what it sends
    max_message: int = MAX_MESSAGE
    hold_time: int = 180
    refresh: str = "absent"  # "absent" | "normal" | "enhanced"
    extended_nexthop: frozenset[tuple[int, int, int]] = frozenset()  # (afi, safi, next-hop afi)
    local_address: bytes = b""  # packed IPv4 (4) or IPv6 (16) address of our end of the session
    peer_address: bytes = b""

    @property
    def ibgp(self) -> bool:
        return self.local_as == self.peer_as
