"""The text encoder of helper events (ExaBGP 5.0.15's ``encoder text``).

Every event is one or more ``neighbor <peer> …`` lines followed by an empty line, as ExaBGP writes
them; ``fsm``, ``negotiated`` and ``signal`` events produce nothing. Text a peer controls (hostname,
software version, down reasons) has its unprintable characters written ``\\xNN`` so that it cannot
forge a line.
"""

from __future__ import annotations

import os
from socket import inet_ntoa

from aiobgp.api.events import EventMode, NeighborInfo, Rendered, hexstring
from aiobgp.api.json import (
    ADD_PATH_NAMES,
    ATTR_IPV6_EXTENDED_COMMUNITIES,
    addpath_families,
    afi_text,
    capability_values,
    extended_communities,
    family_text,
    flow_rule,
    graceful_restart,
    ipv6_extended_communities,
    length_prefixed,
    next_hop_texts,
    notification_fields,
    prefix_texts,
    safi_text,
)
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import (
    AFI_IPV4,
    AFI_IPV6,
    AS_CONFED_SEQUENCE,
    AS_CONFED_SET,
    AS_SEQUENCE,
    AS_SET,
    IPV4_UNICAST,
    ORIGIN_NAMES,
    Family,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.flow import FLOW_FAMILIES
from aiobgp.wire.notification import Notification
from aiobgp.wire.open import Open
from aiobgp.wire.refresh import SUBTYPE_NAMES, RouteRefresh
from aiobgp.wire.update import Update

_PREFIX_FAMILIES = frozenset((afi, safi) for afi in (AFI_IPV4, AFI_IPV6) for safi in (1, 2))


def oneline(text: str) -> str:
    """Unprintable characters (DEL included) as ``\\xNN``: peer text stays on its line."""
    if text.isprintable() and "\x7f" not in text:
        return text
    return "".join(c if c.isprintable() and c != "\x7f" else f"\\x{ord(c):02x}" for c in text)


# --- attributes ----------------------------------------------------------------------------------

_BRACKETS = {
    AS_SET: ("[", "]"),
    AS_SEQUENCE: ("(", ")"),
    AS_CONFED_SEQUENCE: ("{(", ")}"),
    AS_CONFED_SET: ("{[", "]}"),
}
_COMMUNITY_NAMES = {
    0xFFFFFF01: "no-export",
    0xFFFFFF02: "no-advertise",
    0xFFFFFF03: "no-export-subconfed",
    0xFFFFFF04: "no-peer",
    0xFFFF029A: "blackhole",
}


def _listing(words: list[str]) -> str:
    """One value alone, several as ``[ a b ]`` (ExaBGP's list attributes)."""
    return words[0] if len(words) == 1 else f"[ {' '.join(words)} ]"


def attributes_text(attrs: Attributes) -> str:
    """`` origin igp as-path ( 1 2 ) …``: each attribute with a leading space, type code order."""
    parts: list[tuple[int, str]] = []
    add = parts.append
    if attrs.origin is not None:
        add((1, f" origin {ORIGIN_NAMES.get(attrs.origin, 'incomplete')}"))
    if attrs.as_path:
        segments = []
        for kind, asns in attrs.as_path:
            left, right = _BRACKETS.get(kind, ("(", ")"))
            segments.append(f"{left} {' '.join(map(str, asns))} {right}")
        add((2, " as-path " + " ".join(segments)))
    if attrs.med is not None:
        add((4, f" med {attrs.med}"))
    if attrs.local_pref is not None:
        add((5, f" local-preference {attrs.local_pref}"))
    if attrs.atomic_aggregate:
        add((6, " atomic-aggregate"))
    if attrs.aggregator is not None:
        add((7, f" aggregator ( {attrs.aggregator[0]}:{inet_ntoa(attrs.aggregator[1])} )"))
    if attrs.communities:
        words = [_COMMUNITY_NAMES.get(c) or f"{c >> 16}:{c & 0xFFFF}" for c in sorted(attrs.communities)]
        add((8, " community " + _listing(words)))
    if attrs.originator_id is not None:
        add((9, f" originator-id {inet_ntoa(attrs.originator_id)}"))
    if attrs.cluster_list:
        add((10, " cluster-list " + _listing([inet_ntoa(c) for c in attrs.cluster_list])))
    if attrs.ext_communities:
        words = [
            text or "0x" + value.hex().upper() for value, text in extended_communities(attrs.ext_communities)
        ]
        add((16, " extended-community " + _listing(words)))
    if attrs.large_communities:
        words = [f"{a}:{b}:{c}" for a, b, c in sorted(set(attrs.large_communities))]
        add((32, " large-community " + _listing(words)))
    if attrs.unknown:
        for code, flags, value in attrs.unknown:
            if code == ATTR_IPV6_EXTENDED_COMMUNITIES and value and not len(value) % 20:
                words = [text or "0x" + item.hex().upper() for item, text in ipv6_extended_communities(value)]
                add((code, " extended-community-ipv6 " + _listing(words)))
                continue
            add((code, f" attribute [ 0x{code:02X} 0x{flags:02X} 0x{value.hex()} ]"))
        parts.sort(key=lambda part: part[0])
    return "".join(text for _, text in parts)


_cached_attributes = Rendered(attributes_text, 1 << 14)


# --- OPEN capabilities ---------------------------------------------------------------------------

_H = int.from_bytes


def _capability_text(code: int, values: list[bytes]) -> str:
    last = values[-1]
    if code == 1:
        return (
            f"Multiprotocol({','.join(family_text((_H(v[:2], 'big'), v[3])) for v in values if len(v) >= 4)})"
        )
    if code == 2:
        return "Route Refresh"
    if code == 128:
        return "Cisco Route Refresh"
    if code == 5:
        hops = [
            f"{family_text((_H(v[at : at + 2], 'big'), v[at + 3]))} {afi_text(_H(v[at + 4 : at + 6], 'big'))}"
            for v in values
            for at in range(0, len(v) - 5, 6)
        ]
        return f"NextHop({','.join(hops)})"
    if code == 6:
        return "Extended Message(65535)"
    if code == 64:
        flags, seconds, families = graceful_restart(last)
        listed = " ".join(f"{family_text(f, '/')}={bits:#x}" for f, bits in families.items())
        return f"Graceful Restart Flags {flags:#x} Time {seconds} {listed}"
    if code == 65:
        return f"ASN4({_H(last, 'big')})"
    if code in (68, 131):
        listed = " ".join(str(c) for c in values[0][1:] if c not in (68, 131))
        return f"Multisession{' (RFC)' if code == 68 else ''} {listed}"
    if code == 69:
        directions: dict[Family, int] = {}
        for v in values:
            for at in range(0, len(v) - 3, 4):
                directions[(_H(v[at : at + 2], "big"), v[at + 2])] = v[at + 3]
        listed = ",".join(
            f"{ADD_PATH_NAMES.get(d, f'invalid ({d})')} {family_text(f)}" for f, d in directions.items()
        )
        return f"AddPath({listed})"
    if code == 70:
        return "Enhanced Route Refresh"
    if code == 73:
        host, end = length_prefixed(last, 0)
        return f"Hostname({host} {length_prefixed(last, end)[0]})"
    if code == 75:
        return f"Software({length_prefixed(last, 0)[0]})"
    if code == 185:
        return "Operational"
    return f"{'Reserved' if code >= 128 else 'Unassigned' if code >= 70 else 'Unknown'} {code}"


def capabilities_text(message: Open, sent: bool) -> str:
    """What follows ``capabilities [`` : every capability by code order, lower-cased."""
    grouped = capability_values(message.capabilities)
    texts = {code: _capability_text(code, values) for code, values in grouped.items()}
    if sent and 73 not in texts:
        texts[73] = "Hostname(None None)"  # ExaBGP's own OPEN always holds one
    return oneline(", ".join(texts[code] for code in sorted(texts)).lower())


# --- the encoder ---------------------------------------------------------------------------------


def _header_body(header: bytes, body: bytes) -> str:
    text = f" header {hexstring(header)}" if header else ""
    return text + f" body {hexstring(body)}" if body else text


class TextEncoder:
    """Renders every helper event as text lines (ExaBGP's ``encoder text``)."""

    def state(self, n: NeighborInfo, state: str, reason: str = "") -> str:
        if state == "down":
            return f"neighbor {n.peer_address} down - {oneline(reason)}\n\n"
        return f"neighbor {n.peer_address} {state}\n\n"

    def fsm(self, n: NeighborInfo, state: str) -> str:
        return ""

    def negotiated(self, n: NeighborInfo, negotiated: Negotiated) -> str:
        return ""

    def signal(self, n: NeighborInfo, signum: int) -> str:
        return ""

    def open(
        self, n: NeighborInfo, direction: str, message: Open, header: bytes, body: bytes, mode: EventMode
    ) -> str:
        raw = _header_body(header, body) if mode.raw else ""
        return (
            f"neighbor {n.peer_address} {direction} open version {message.version} asn {message.my_as} "
            f"hold_time {message.hold_time} router_id {inet_ntoa(message.router_id.to_bytes(4, 'big'))} "
            f"capabilities [{capabilities_text(message, direction == 'send')}]{raw}\n\n"
        )

    def keepalive(self, n: NeighborInfo, direction: str, header: bytes, body: bytes, mode: EventMode) -> str:
        raw = _header_body(header, body) if mode.raw else ""
        return f"neighbor {n.peer_address} {direction} keepalive{raw}\n\n"

    def notification(
        self,
        n: NeighborInfo,
        direction: str,
        notification: Notification,
        header: bytes,
        body: bytes,
        mode: EventMode,
    ) -> str:
        raw = _header_body(header, body) if mode.raw else ""
        data = notification_fields(notification)[0]
        return (
            f"neighbor {n.peer_address} {direction} notification code {notification.code} "
            f"subcode {notification.subcode} data {data}{raw}\n\n"
        )

    def refresh(
        self,
        n: NeighborInfo,
        direction: str,
        refresh: RouteRefresh,
        header: bytes,
        body: bytes,
        mode: EventMode,
    ) -> str:
        raw = _header_body(header, body) if mode.raw else ""
        subtype = SUBTYPE_NAMES.get(refresh.subtype, str(refresh.subtype))
        return (
            f"neighbor {n.peer_address} {direction} route-refresh afi {afi_text(refresh.afi)} "
            f"safi {safi_text(refresh.safi)} {subtype}{raw}\n\n"
        )

    def update(
        self,
        n: NeighborInfo,
        direction: str,
        update: Update,
        header: bytes,
        body: bytes,
        mode: EventMode,
        negotiated: Negotiated | None,
    ) -> str:
        """``… update start``, one line per NLRI (withdrawals first, as on the wire), ``… update end``."""
        prefix = f"neighbor {n.peer_address} {direction} update"
        lines = [f"{prefix} start\n"]
        addpath = addpath_families(negotiated, direction)
        if update.eor is not None:
            afi, safi = update.eor
            lines.append(f"{prefix} route eor {afi}/{safi} ({afi_text(afi)} {safi_text(safi)})\n")
        attributes = "" if update.attributes is None else _cached_attributes(update.attributes)
        classic_withdrawn = [entry for entry in update.withdrawn if entry[0] == IPV4_UNICAST]
        classic_announced = [entry for entry in update.announced if entry[0] == IPV4_UNICAST]
        for family, keys in classic_withdrawn:
            lines.extend(f"{prefix} withdrawn {text}\n" for text in self._prefixes(family, keys, addpath))
        for family, hop, keys in classic_announced:
            lines.extend(self._announced(prefix, family, hop, keys, addpath, attributes))
        for family, keys in update.withdrawn:
            if family != IPV4_UNICAST:
                lines.extend(f"{prefix} withdrawn {text}\n" for text in self._prefixes(family, keys, addpath))
        for family, hop, keys in update.announced:
            if family != IPV4_UNICAST:
                lines.extend(self._announced(prefix, family, hop, keys, addpath, attributes))
        if mode.raw and (header or body):
            lines.append(_header_body(header, body) + "\n")
        lines.append(f"{prefix} end\n\n")
        return "".join(lines)

    @staticmethod
    def _prefixes(
        family: Family, keys: list[bytes], addpath: frozenset[Family], hop: bytes | None = None
    ) -> list[str]:
        if family in FLOW_FAMILIES:  # "flow destination-ipv4 … [next-hop …]"; malformed rules left out
            rendered = (flow_rule(family, key, hop) for key in keys)
            return [found[1] for found in rendered if found is not None]
        if family not in _PREFIX_FAMILIES:
            return []
        texts = prefix_texts(family[0], keys, family in addpath)
        if family not in addpath:
            return texts
        return [
            f"{text} path-information {inet_ntoa(key[:4])}" for text, key in zip(texts, keys, strict=True)
        ]

    def _announced(
        self,
        prefix: str,
        family: Family,
        hop: bytes | None,
        keys: list[bytes],
        addpath: frozenset[Family],
        attributes: str,
    ) -> list[str]:
        if family in FLOW_FAMILIES:  # the rule's text already names its next hop
            return [
                f"{prefix} announced {text}{attributes}\n"
                for text in self._prefixes(family, keys, addpath, hop)
            ]
        texts = self._prefixes(family, keys, addpath)
        if hop is None:
            return [f"{prefix} {text} {attributes}\n" for text in texts]
        hops = next_hop_texts(hop)
        return [f"{prefix} announced {text} next-hop {h}{attributes}\n" for text in texts for h in hops]

    def packet(
        self,
        n: NeighborInfo,
        direction: str,
        msg_type: int,
        header: bytes,
        body: bytes,
        negotiated: Negotiated | None,
    ) -> str:
        return f"neighbor {n.peer_address} {direction} {msg_type}{_header_body(header, body)}\n\n"

    def shutdown(self) -> str:
        return f"shutdown {os.getpid()} {os.getppid()}\n\n"
