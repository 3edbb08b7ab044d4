"""Routes and attributes written the way the configuration language writes them.

``route 100.40.0.0/24 next-hop 127.0.0.1 origin igp as-path [ 65001 ] med 100 community [ 65001:100 ]``
is what logs print and what an operator can paste back into a configuration.
"""

from __future__ import annotations

from aiobgp.wire.addresses import address_text, ipv6_text
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SEQUENCE, AS_SET, ORIGIN_NAMES

_SEGMENT_BRACKETS = {
    AS_SEQUENCE: ("[", "]"),
    AS_SET: ("(", ")"),
    AS_CONFED_SEQUENCE: ("[ {", "} ]"),
    AS_CONFED_SET: ("( {", "} )"),
}


def address_str(packed: bytes) -> str:
    """Packed 4 or 16 bytes as text (as inet_ntop writes it: ``::ffff:127.0.0.1``); a 32-byte IPv6
    global + link-local pair as ``global%link-local``."""
    if len(packed) == 32:
        return f"{ipv6_text(packed[:16])}%{ipv6_text(packed[16:])}"
    return address_text(packed)


def community_str(value: int) -> str:
    return f"{value >> 16}:{value & 0xFFFF}"


def as_path_str(segments: tuple[tuple[int, tuple[int, ...]], ...]) -> str:
    parts = []
    for kind, asns in segments:
        left, right = _SEGMENT_BRACKETS.get(kind, ("[", "]"))
        parts.append(f"{left} {' '.join(map(str, asns))} {right}")
    return " ".join(parts) if parts else "[ ]"


def attributes_str(attrs: Attributes) -> str:
    """The attribute keywords of a route, in the order the configuration documents them."""
    words: list[str] = []
    if attrs.origin is not None:
        words.append(f"origin {ORIGIN_NAMES.get(attrs.origin, str(attrs.origin))}")
    if attrs.as_path is not None:
        words.append(f"as-path {as_path_str(attrs.as_path)}")
    if attrs.med is not None:
        words.append(f"med {attrs.med}")
    if attrs.local_pref is not None:
        words.append(f"local-preference {attrs.local_pref}")
    if attrs.atomic_aggregate:
        words.append("atomic-aggregate")
    if attrs.aggregator is not None:
        asn, router = attrs.aggregator
        words.append(f"aggregator ( {asn}:{address_str(router)} )")
    if attrs.communities:
        words.append(f"community [ {' '.join(community_str(c) for c in attrs.communities)} ]")
    if attrs.large_communities:
        words.append(
            f"large-community [ {' '.join(':'.join(map(str, c)) for c in attrs.large_communities)} ]"
        )
    if attrs.ext_communities:
        words.append(f"extended-community [ {' '.join('0x' + c.hex() for c in attrs.ext_communities)} ]")
    if attrs.originator_id is not None:
        words.append(f"originator-id {address_str(attrs.originator_id)}")
    if attrs.cluster_list:
        words.append(f"cluster-list [ {' '.join(address_str(c) for c in attrs.cluster_list)} ]")
    for code, flags, value in attrs.unknown:
        words.append(f"attribute [ 0x{code:02x} 0x{flags:02x} 0x{value.hex()} ]")
    return " ".join(words)


def route_str(prefix: str, next_hop: bytes | None, attrs: Attributes | None) -> str:
    words = [prefix]
    if next_hop:
        words.append(f"next-hop {address_str(next_hop)}")
    if attrs is not None:
        text = attributes_str(attrs)
        if text:
            words.append(text)
    return " ".join(words)
