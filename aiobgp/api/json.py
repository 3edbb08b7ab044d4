"""The JSON encoder of helper events, rendering exactly what ExaBGP 5.0.15 writes (format "5.0.0").

One ``JsonEncoder`` per helper process; every method returns the whole line, "\\n" included. The
field order, value types and (where scripts may match text) the ``"key": value`` spacing follow
ExaBGP; peer-controlled strings go through ``json.dumps`` so every line is valid JSON.

Speed: the ``attribute`` member of a received UPDATE is rendered once per raw attribute field
(``Update.raw_attributes``), by the C accelerator ``aiobgp.api._render`` when it is built and knows
every attribute of the field, else from the decoded ``Attributes``; next hops and the negotiated
object are cached; the NLRI objects of plain unicast prefixes are written in one call
(``prefixes_json``: the C twin, or one list comprehension per family). ``AIOBGP_PURE_PYTHON=1``
leaves the accelerator out.
"""

from __future__ import annotations

import json
import os
import signal as _signal
import socket
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from socket import AF_INET6, inet_ntoa, inet_ntop
from typing import cast

from aiobgp.api.events import EventMode, NeighborInfo, Rendered, hexstring
from aiobgp.wire.accelerators import pure_python
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.capabilities import Capabilities, encode_capabilities
from aiobgp.wire.constants import (
    AFI_IPV4,
    AFI_IPV6,
    AS_CONFED_SEQUENCE,
    AS_CONFED_SET,
    AS_SEQUENCE,
    AS_SET,
    MESSAGE_NAMES,
    ORIGIN_NAMES,
    SAFI_NAMES,
    Family,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.flow import AND, BITMASK_TYPES, FLOW_FAMILIES, decode_rule
from aiobgp.wire.notification import SHUTDOWN_SUBCODES, Notification
from aiobgp.wire.open import Open
from aiobgp.wire.refresh import SUBTYPE_NAMES, RouteRefresh
from aiobgp.wire.update import Update

VERSION = "5.0.0"
"""The ``exabgp`` field: ExaBGP's API format version, the same for every 5.x release."""

# --- names ---------------------------------------------------------------------------------------

_AFI_TEXT = {0: "undefined", 1: "ipv4", 2: "ipv6", 25: "l2vpn", 16388: "bgp-ls"}


def afi_text(afi: int) -> str:
    """ExaBGP's name of an AFI (``unknown-afi-0x3`` for an unknown one)."""
    return _AFI_TEXT.get(afi) or f"unknown-afi-{afi:#x}"


def safi_text(safi: int) -> str:
    """ExaBGP's name of a SAFI (``unknown safi 73`` for an unknown one)."""
    return SAFI_NAMES.get(safi) or f"unknown safi {safi}"


def family_text(family: Family, sep: str = " ") -> str:
    return f"{afi_text(family[0])}{sep}{safi_text(family[1])}"


# --- addresses and prefixes ------------------------------------------------------------------------

_PAD = (b"\x00\x00\x00\x00", b"\x00\x00\x00", b"\x00\x00", b"\x00", b"")
_SLASH = tuple(f"/{plen}" for plen in range(256))
_V6_PAD = tuple(b"\x00" * (16 - size) for size in range(17))


def prefix_texts(afi: int, keys: list[bytes], addpath: bool) -> list[str]:
    """``["10.0.0.0/24", …]`` for prefix keys (aiobgp.wire.nlri), path identifiers left out."""
    if afi == AFI_IPV4:
        if addpath:
            return [inet_ntoa(k[5:] + _PAD[len(k) - 5]) + _SLASH[k[4]] for k in keys]
        return [inet_ntoa(k[1:] + _PAD[len(k) - 1]) + _SLASH[k[0]] for k in keys]
    skip = 5 if addpath else 1
    return [inet_ntop(AF_INET6, k[skip:] + _V6_PAD[len(k) - skip]) + _SLASH[k[skip - 1]] for k in keys]


def prefixes_json_python(afi: int, keys: list[bytes]) -> str:
    """``{ "nlri": "10.0.0.0/24" }, { "nlri": "10.0.1.0/24" }`` for prefix keys without path
    identifiers (afi 1 is IPv4, any other IPv6); the pure-Python twin of ``_render.prefixes_json``."""
    return '{ "nlri": "' + '" }, { "nlri": "'.join(prefix_texts(afi, keys, False)) + '" }'


prefixes_json: Callable[[int, list[bytes]], str] = prefixes_json_python
"""The NLRI objects of prefix keys without path identifiers: the C accelerator when it is there."""
raw_attributes_json: Callable[[bytes, bool], str | None] | None = None
"""``_render.attributes_json(raw, ibgp)`` when the accelerator is there: the ``attribute`` members
of a raw field from a 4-octet-AS session, None for fields it leaves to ``attributes_json``."""
if not pure_python():
    try:
        from aiobgp.api import _render
    except ImportError:  # not built: the pure-Python twins stay in charge
        pass
    else:
        prefixes_json = _render.prefixes_json
        raw_attributes_json = _render.attributes_json


_NEXT_HOP_CACHE: dict[bytes | None, tuple[str, ...]] = {}


def next_hop_texts(packed: bytes | None) -> tuple[str, ...]:
    """The announce keys of a next hop: one address, or two for IPv6 global + link-local
    (ExaBGP lists every NLRI under both); ``no-nexthop`` when there is none."""
    found = _NEXT_HOP_CACHE.get(packed)
    if found is None:
        if packed is None:
            found = ("no-nexthop",)
        elif len(packed) == 4:
            found = (inet_ntoa(packed),)
        elif len(packed) == 16:
            found = (inet_ntop(AF_INET6, packed),)
        elif len(packed) == 32:
            found = (inet_ntop(AF_INET6, packed[:16]), inet_ntop(AF_INET6, packed[16:]))
        else:
            found = ("null",)
        if len(_NEXT_HOP_CACHE) >= 4096:
            _NEXT_HOP_CACHE.clear()
        _NEXT_HOP_CACHE[packed] = found
    return found


# --- extended communities (RFC 4360 and the registries ExaBGP 5.0.15 knows) --------------------

_ENCAPSULATIONS = {
    0: "Default",
    1: "L2TPv3",
    2: "GRE",
    7: "IP-in-IP",
    8: "VXLAN",
    9: "NVGRE",
    10: "MPLS",
    12: "VXLAN-GPE",
    13: "MPLS-in-UDP",
}
_INTERFACE_SET = {1: "input", 2: "output", 3: "input-output"}
_H = struct.Struct("!H")
_I = struct.Struct("!I")
_F = struct.Struct("!f")


def _rate(value: float) -> str:
    value = max(value, 0.0)
    return str(int(value)) if value != float("inf") and value == value else str(value)


def _as_number(label: str, c: bytes) -> str:
    """Two-octet AS (2 bytes) then a 4-byte number."""
    return f"{label}:{_H.unpack_from(c, 2)[0]}:{_I.unpack_from(c, 4)[0]}"


def _ip_number(label: str, c: bytes) -> str:
    return f"{label}:{inet_ntoa(c[2:6])}:{_H.unpack_from(c, 6)[0]}"


def _as4_number(label: str, c: bytes) -> str:
    return f"{label}:{_I.unpack_from(c, 2)[0]}:{_H.unpack_from(c, 6)[0]}"


def _action(c: bytes) -> str:
    words = [word for bit, word in ((2, "sample"), (1, "terminal")) if c[7] & bit]
    return "action " + "-".join(words)


def _nexthop_ietf(c: bytes) -> str:
    if _H.unpack_from(c, 6)[0] & 1:
        return f"copy-to-nexthop-ietf {inet_ntoa(c[2:6])} (with copy)"
    return f"redirect-to-nexthop-ietf {inet_ntoa(c[2:6])}"


def _interface_set(c: bytes) -> str:
    value = _H.unpack_from(c, 6)[0]
    direction = value >> 14
    name = _INTERFACE_SET.get(direction, str(direction))
    return f"interface-set:{name}:{_I.unpack_from(c, 2)[0]}:{value & 0x1FFF}"


def _encapsulation(c: bytes) -> str:
    tunnel = _H.unpack_from(c, 6)[0]
    return "encap:" + _ENCAPSULATIONS.get(tunnel, f"encap:UNKNOWN-{tunnel}")


def _mac_mobility(c: bytes) -> str:
    return f"mac-mobility:{_I.unpack_from(c, 4)[0]}" + (":sticky" if c[2] == 1 else "")


# keyed by (type & 0x0F, sub-type), as ExaBGP looks them up (the IANA and transitive bits ignored)
_EXTENDED: dict[tuple[int, int], Callable[[bytes], str]] = {
    (0, 2): lambda c: _as_number("target", c),
    (1, 2): lambda c: _ip_number("target", c),
    (2, 2): lambda c: _as4_number("target", c),
    (0, 0x13): lambda c: _as_number("rtrecord", c),
    (1, 0x13): lambda c: _ip_number("rtrecord", c),
    (2, 0x13): lambda c: _as4_number("rtrecord", c),
    # 5.0.15 reads the 2-octet-AS route origin's 4-byte local part as an IPv4 address
    (0, 3): lambda c: f"origin:{_H.unpack_from(c, 2)[0]}:{inet_ntoa(c[4:8])}",
    (1, 3): lambda c: f"origin:{_H.unpack_from(c, 6)[0]}:{inet_ntoa(c[2:6])}",  # 5.0.15: swapped
    (2, 3): lambda c: f"origin:{_I.unpack_from(c, 2)[0]}:{_H.unpack_from(c, 6)[0]}",
    (0, 4): lambda c: f"bandwith:{_H.unpack_from(c, 2)[0]}:{_F.unpack_from(c, 4)[0]:0.0f}",
    (0, 6): lambda c: f"rate-limit:{_rate(_F.unpack_from(c, 4)[0])}",
    (0, 0x0C): lambda c: f"rate-limit:{_rate(_F.unpack_from(c, 4)[0])}:packets",
    (0, 7): _action,
    (0, 8): lambda c: f"redirect:{_H.unpack_from(c, 2)[0]}:{_I.unpack_from(c, 4)[0]}",
    (2, 8): lambda c: "0x" + c.hex().upper(),  # 5.0.15 has no text for the 4-octet AS redirect
    (0, 9): lambda c: f"mark {c[7] & 0x3F}",
    (1, 0x0C): _nexthop_ietf,
    (8, 0): lambda c: "copy-to-nexthop" if c[7] & 1 else "redirect-to-nexthop",
    (3, 0x0C): _encapsulation,
    (0, 0x0A): lambda c: "l2info:{}:{}:{}:{}".format(*struct.unpack_from("!BBHH", c, 2)),
    (6, 0): _mac_mobility,
    (7, 2): _interface_set,
    (3, 0x14): lambda c: f"consistentHashSortOrder:{_I.unpack_from(c, 2)[0]}",
    (0x0C, 0): lambda c: f"mup:{_H.unpack_from(c, 2)[0]}:{_I.unpack_from(c, 4)[0]}",
}


def extended_communities(values: Iterable[bytes]) -> list[tuple[bytes, str | None]]:
    """Extended communities in ExaBGP's order (sorted by value) with their text (None when
    5.0.15 has no name for the type). A MAC mobility community is re-encoded as 5.0.15 does."""
    out: list[tuple[bytes, str | None]] = []
    for value in values:
        render = _EXTENDED.get((value[0] & 0x0F, value[1]))
        if render is None:
            out.append((value, None))
            continue
        if render is _mac_mobility:
            value = bytes((0x06, 0x00, 1 if value[2] == 1 else 0, 0)) + value[4:8]
        out.append((value, render(value)))
    out.sort(key=lambda item: item[0])
    return out


ATTR_IPV6_EXTENDED_COMMUNITIES = 25
"""IPv6 Address Specific Extended Community (RFC 5701): kept among ``Attributes.unknown``."""


def _ipv6_extended(c: bytes) -> str:
    subtype = c[1]
    if c[0] & 0x3F == 0 and subtype == 0x0C:  # redirect / copy to an IPv6 next hop
        address = inet_ntop(AF_INET6, c[2:18])
        if c[19] & 1:
            return f"copy-to-nexthop-ietf {address} (with copy)"
        return f"redirect-to-nexthop-ietf {address}"
    if c[0] & 0x3F == 0 and subtype in (0x02, 0x03, 0x0D):  # 5.0.15 has no text for these
        return ""
    return "0x" + c.hex().upper()


def ipv6_extended_communities(value: bytes) -> list[tuple[bytes, str]]:
    """The 20-byte entries of an attribute 25 value, sorted (as ExaBGP lists them), with their text."""
    entries = sorted(value[at : at + 20] for at in range(0, len(value), 20))
    return [(entry, _ipv6_extended(entry)) for entry in entries]


# --- path attributes -----------------------------------------------------------------------------

_ORIGINS = {code: f'"origin": "{name}"' for code, name in ORIGIN_NAMES.items()}
_SEGMENT_NAMES = {
    AS_SET: "as-set",
    AS_SEQUENCE: "as-sequence",
    AS_CONFED_SEQUENCE: "as-sequence",  # 5.0.15 names every confederation segment so
    AS_CONFED_SET: "as-sequence",
}


_AS_PATH_CACHE: dict[tuple[tuple[int, tuple[int, ...]], ...], str] = {}
_COMMUNITY_CACHE: dict[tuple[int, ...], str] = {}
_VALUE_CACHE_MAX = 1 << 14


def _as_path_json(path: tuple[tuple[int, tuple[int, ...]], ...]) -> str:
    text = _AS_PATH_CACHE.get(path)
    if text is None:
        if len(path) == 1 and path[0][0] == AS_SEQUENCE:
            asns = ", ".join(map(str, path[0][1]))
            text = f'"as-path": {{"0": {{"element": "as-sequence", "value": [{asns}]}}}}'
            if len(_AS_PATH_CACHE) >= _VALUE_CACHE_MAX:
                _AS_PATH_CACHE.clear()
            _AS_PATH_CACHE[path] = text
            return text
        segments = ", ".join(
            f'"{pos}": {{"element": "{_SEGMENT_NAMES.get(kind, "as-sequence")}", '
            f'"value": [{", ".join(map(str, asns))}]}}'
            for pos, (kind, asns) in enumerate(path)
        )
        text = f'"as-path": {{{segments}}}'
        if len(_AS_PATH_CACHE) >= _VALUE_CACHE_MAX:
            _AS_PATH_CACHE.clear()
        _AS_PATH_CACHE[path] = text
    return text


def _communities_json(communities: tuple[int, ...]) -> str:
    text = _COMMUNITY_CACHE.get(communities)
    if text is None:
        values = ", ".join(f"[ {c >> 16}, {c & 0xFFFF} ]" for c in sorted(communities))
        text = f'"community": [ {values} ]'
        if len(_COMMUNITY_CACHE) >= _VALUE_CACHE_MAX:
            _COMMUNITY_CACHE.clear()
        _COMMUNITY_CACHE[communities] = text
    return text


def attributes_json(attrs: Attributes) -> str:
    """The members of the ``attribute`` object, in type code order (NEXT_HOP and MP ones excluded)."""
    parts: list[str] = []
    add = parts.append
    if attrs.origin is not None:
        add(_ORIGINS.get(attrs.origin, _ORIGINS[2]))
    if attrs.as_path:
        add(_as_path_json(attrs.as_path))
    if attrs.med is not None:
        add(f'"med": {attrs.med}')
    if attrs.local_pref is not None:
        add(f'"local-preference": {attrs.local_pref}')
    if attrs.atomic_aggregate:
        add('"atomic-aggregate": true')
    if attrs.aggregator is not None:
        add(f'"aggregator": "{attrs.aggregator[0]}:{inet_ntoa(attrs.aggregator[1])}"')
    if attrs.communities:
        add(_communities_json(attrs.communities))
    if attrs.originator_id is not None:
        add(f'"originator-id": "{inet_ntoa(attrs.originator_id)}"')
    if attrs.cluster_list:
        clusters = ", ".join('"' + inet_ntoa(c) + '"' for c in attrs.cluster_list)
        add(f'"cluster-list": [ {clusters} ]')
    if attrs.ext_communities:
        values = ", ".join(
            f'{{ "value": {int.from_bytes(value, "big")}, "string": "{text or ""}" }}'
            for value, text in extended_communities(attrs.ext_communities)
        )
        add(f'"extended-community": [ {values} ]')
    if attrs.large_communities:
        values = ", ".join(f"[ {a}, {b} , {c} ]" for a, b, c in sorted(set(attrs.large_communities)))
        add(f'"large-community": [ {values} ]')
    if attrs.unknown:
        return _with_unknown(attrs, parts)
    return ", ".join(parts)


def _with_unknown(attrs: Attributes, known: list[str]) -> str:
    """Unknown attributes slotted among the known ones by type code."""
    codes = [1] * (attrs.origin is not None) + [2] * bool(attrs.as_path) + [4] * (attrs.med is not None)
    codes += [5] * (attrs.local_pref is not None) + [6] * attrs.atomic_aggregate
    codes += [7] * (attrs.aggregator is not None) + [8] * bool(attrs.communities)
    codes += [9] * (attrs.originator_id is not None) + [10] * bool(attrs.cluster_list)
    codes += [16] * bool(attrs.ext_communities) + [32] * bool(attrs.large_communities)
    parts = list(zip(codes, known, strict=True))
    for code, flags, value in attrs.unknown:
        if code == ATTR_IPV6_EXTENDED_COMMUNITIES and value and not len(value) % 20:
            values = ", ".join(
                f'{{ "value": {int.from_bytes(item, "big")}, "string": "{text}" }}'
                for item, text in ipv6_extended_communities(value)
            )
            parts.append((code, f'"extended-community-ipv6": [ {values} ]'))
            continue
        parts.append((code, f'"attribute-0x{code:02X}-0x{flags:02X}": "0x{value.hex()}"'))
    parts.sort(key=lambda part: part[0])
    return ", ".join(text for _, text in parts)


attribute_text = Rendered(attributes_json, 1 << 15)
"""``attributes_json``, rendered once per attribute set."""

_TEXTS_MAX = 1 << 12
# attribute members by raw attribute field, one cache per (asn4, ibgp): the same bytes decode
# differently with 2-octet ASNs, and LOCAL_PREF is dropped on eBGP
_TEXTS: tuple[dict[bytes, str], ...] = ({}, {}, {}, {})


def update_attributes_text(update: Update, negotiated: Negotiated | None) -> str | None:
    """The members of the ``attribute`` object of an UPDATE (None when it has no path attribute).

    An UPDATE decoded with ``negotiated`` is rendered once per raw attribute field, by the C
    accelerator when it can (4-octet-AS sessions), else from ``update.attributes``.
    """
    raw = update.raw_attributes
    if not raw or negotiated is None:
        attrs = update.attributes
        return None if attrs is None else attribute_text(attrs)
    ibgp = negotiated.local_as == negotiated.peer_as
    cache = _TEXTS[negotiated.asn4 * 2 + ibgp]
    text = cache.get(raw)
    if text is None:
        if negotiated.asn4 and raw_attributes_json is not None:
            text = raw_attributes_json(raw, ibgp)
        if text is None:
            attrs = update.attributes
            if attrs is None:
                return None
            text = attributes_json(attrs)
        if len(cache) >= _TEXTS_MAX:
            cache.clear()
        cache[raw] = text
    return text


# --- FlowSpec rules (RFC 8955, RFC 8956) -----------------------------------------------------------

_PROTOCOLS = {
    1: "icmp",
    2: "igmp",
    6: "tcp",
    8: "egp",
    17: "udp",
    46: "rsvp",
    47: "gre",
    50: "esp",
    51: "ah",
    89: "ospf",
    94: "ipip",
    103: "pim",
    132: "sctp",
}
_ICMP_TYPES = {
    0: "echo-reply",
    3: "unreachable",
    5: "redirect",
    8: "echo-request",
    9: "router-advertisement",
    10: "router-solicit",
    11: "time-exceeded",
    12: "parameter-problem",
    13: "timestamp",
    14: "timestamp-reply",
    40: "photuris",
    41: "experimental-mobility",
    42: "extended-echo-request",
    43: "extended-echo-reply",
    253: "experimental-one",
    254: "experimental-two",
}
_TCP_FLAGS = tuple(
    enumerate(("fin", "syn", "rst", "push", "ack", "urg", "ece", "cwr", "ns"))
)  # (bit number, name)
# IPv6 has no "don't fragment" bit (RFC 8956 §3.7); 5.0.15 shows nothing for unnamed fragment bits
_FRAGMENTS = {
    AFI_IPV4: ((1, "dont-fragment"), (2, "is-fragment"), (4, "first-fragment"), (8, "last-fragment")),
    AFI_IPV6: ((2, "is-fragment"), (4, "first-fragment"), (8, "last-fragment")),
}
_NUMERIC = ("false", "=", ">", ">=", "<", "<=", "!=", "true")  # by lt/gt/eq bits
_BITMASK = ("", "=", "!", "!=")  # by not/match bits
_COMPONENT_NAMES = {
    AFI_IPV4: {1: "destination-ipv4", 2: "source-ipv4", 3: "protocol", 11: "dscp"},
    AFI_IPV6: {1: "destination-ipv6", 2: "source-ipv6", 3: "next-header", 11: "traffic-class"},
}
_SHARED_NAMES = {
    4: "port",
    5: "destination-port",
    6: "source-port",
    7: "icmp-type",
    8: "icmp-code",
    9: "tcp-flags",
    10: "packet-length",
    12: "fragment",
    13: "flow-label",
}
for _names in _COMPONENT_NAMES.values():
    _names.update(_SHARED_NAMES)
del _names


def _tcp_flags(value: int) -> str:
    names = [name for bit, name in _TCP_FLAGS if value >> bit & 1]
    if value >> len(_TCP_FLAGS):
        names.append(f"unknown tcp flag type {value}")
    return "+".join(names)


def _flow_value(kind: int, afi: int, value: int) -> str:
    if kind == 3:
        return _PROTOCOLS.get(value) or str(value)
    if kind == 7:
        return _ICMP_TYPES.get(value) or str(value)
    if kind == 9:
        return _tcp_flags(value)
    if kind == 12:
        return "+".join(name for bit, name in _FRAGMENTS[afi] if value & bit)
    return str(value)


def _flow_items(kind: int, afi: int, pairs: tuple[tuple[int, int], ...]) -> list[str]:
    """The match items of one operator component: pairs joined by AND form one item."""
    items: list[str] = []
    bitmask = kind in BITMASK_TYPES
    for index, (operator, number) in enumerate(pairs):
        value = _flow_value(kind, afi, number)
        if bitmask:
            text = _BITMASK[operator & 3] + value
        else:
            text = _NUMERIC[operator & 7]
            if operator & 7 not in (0, 7) or (index and operator & AND):
                text += value  # 5.0.15 writes the value after an AND-ed "true"/"false" only
        if index and operator & AND:
            items[-1] += "&" + text
        else:
            items.append(text)
    return items


def rd_text(rd: bytes) -> str:
    """A route distinguisher as ExaBGP writes it (RFC 4364 §4.2 types 0, 1, 2)."""
    kind = _H.unpack_from(rd)[0]
    if kind == 0:
        return f"{_H.unpack_from(rd, 2)[0]}:{_I.unpack_from(rd, 4)[0]}"
    if kind == 1:
        return f"{inet_ntoa(rd[2:6])}:{_H.unpack_from(rd, 6)[0]}"
    if kind == 2:
        return f"{_I.unpack_from(rd, 2)[0]}:{_H.unpack_from(rd, 6)[0]}"
    return "0x" + rd.hex().upper()


_FLOW_CACHE: dict[tuple[Family, bytes, bytes | None], tuple[str, str] | None] = {}
_FLOW_CACHE_MAX = 1 << 14


def flow_rule(family: Family, key: bytes, next_hop: bytes | None) -> tuple[str, str] | None:
    """``(JSON object, string)`` of one flow rule key (aiobgp.wire.flow) as ExaBGP 5.0.15 renders
    it; the string is also the text encoder's. None when the rule is malformed (nothing shown)."""
    cache_key = (family, key, next_hop)
    if cache_key in _FLOW_CACHE:
        return _FLOW_CACHE[cache_key]
    afi, vpn = FLOW_FAMILIES[family]
    rendered: tuple[str, str] | None = None
    try:
        rd, components = decode_rule(key, afi, vpn)
    except ValueError:
        pass
    else:
        names = _COMPONENT_NAMES[afi]
        members = []
        words = ["flow"]
        for kind, value in components:
            if kind in (1, 2):
                address, plen, offset = cast(tuple[bytes, int, int], value)
                if afi == AFI_IPV4:
                    items = [f"{inet_ntoa(address)}/{plen}"]
                else:
                    items = [f"{inet_ntop(AF_INET6, address)}/{plen}/{offset}"]
                several = False
            else:
                pairs = cast(tuple[tuple[int, int], ...], value)
                items = _flow_items(kind, afi, pairs)
                several = len(pairs) > 1  # 5.0.15 brackets by pairs, "[ >1&<9 ]" included
            name = names[kind]
            members.append(f'"{name}": [ {", ".join(json.dumps(item) for item in items)} ]')
            words.append(f"{name} [ {' '.join(items)} ]" if several else f"{name} {items[0]}")
        if rd is not None:
            members.append(f'"rd": "{rd_text(rd)}"')
            words.append(f"rd {rd_text(rd)}")
        if next_hop:
            hop = next_hop_texts(next_hop)[0]
            members.append(f'"next-hop": "{hop}"')
            words.append(f"next-hop {hop}")
        string = " ".join(words)
        members.append(f'"string": {json.dumps(string)}')
        rendered = (f"{{ {', '.join(members)} }}", string)
    if len(_FLOW_CACHE) >= _FLOW_CACHE_MAX:
        _FLOW_CACHE.clear()
    _FLOW_CACHE[cache_key] = rendered
    return rendered


def _flow_list(family: Family, keys: list[bytes], next_hop: bytes | None) -> str:
    """The rule objects of flow keys, comma separated (malformed rules left out)."""
    rendered = (flow_rule(family, key, next_hop) for key in keys)
    return ", ".join(found[0] for found in rendered if found is not None)


# --- UPDATE --------------------------------------------------------------------------------------

_INET = frozenset((afi, safi) for afi in (AFI_IPV4, AFI_IPV6) for safi in (1, 2))  # prefix NLRI families
_FAMILY_KEYS: dict[Family, str] = {}
_INET_KEYS = {family: f'"{family_text(family)}"' for family in _INET}  # '"ipv4 unicast"', ...


def _family_key(family: Family) -> str:
    key = _FAMILY_KEYS.get(family)
    if key is None:
        key = _FAMILY_KEYS[family] = f'"{family_text(family)}"'
    return key


def _nlri_items(family: Family, keys: list[bytes], addpath: bool, compact: bool) -> list[str]:
    """One NLRI object per prefix key."""
    texts = prefix_texts(family[0], keys, addpath)
    if addpath:
        return [
            f'{{ "nlri": "{text}", "path-information": "{inet_ntoa(key[:4])}" }}'
            for text, key in zip(texts, keys, strict=True)
        ]
    if compact:
        return [f'"{text}"' for text in texts]
    return [f'{{ "nlri": "{text}" }}' for text in texts]


def _nlri_list(family: Family, keys: list[bytes], addpath: bool, compact: bool) -> str:
    """The NLRI objects of one family, comma separated."""
    if addpath or compact:
        return ", ".join(_nlri_items(family, keys, addpath, compact))
    return prefixes_json(family[0], keys)


def update_message(
    update: Update, addpath: frozenset[Family], compact: bool = False, negotiated: Negotiated | None = None
) -> str:
    """The ``message`` object of an UPDATE event; ``addpath`` lists the families whose prefix
    keys carry a path identifier; ``negotiated`` is the context the UPDATE was decoded with."""
    eor = update.eor
    if eor is not None:
        return f'{{ "eor": {{ "afi" : "{afi_text(eor[0])}", "safi" : "{safi_text(eor[1])}" }} }}'
    text = update_attributes_text(update, negotiated)
    announced = update.announced
    if len(announced) == 1 and not update.withdrawn and text is not None:
        # the usual UPDATE: one family, one next hop
        family, next_hop, keys = announced[0]
        key = _INET_KEYS.get(family)
        hops = _NEXT_HOP_CACHE.get(next_hop) or next_hop_texts(next_hop)
        if key is not None and len(hops) == 1:
            if compact or (addpath and family in addpath):
                nlri = _nlri_list(family, keys, family in addpath, compact)
            else:
                nlri = prefixes_json(family[0], keys)
            return (
                f'{{ "update": {{ "attribute": {{ {text} }}, '
                f'"announce": {{ {key}: {{ "{hops[0]}": [ {nlri} ] }} }} }} }}'
            )
    members = []
    if text is not None:
        members.append(f'"attribute": {{ {text} }}')
    if announced:
        by_family: dict[Family, dict[str, list[str]]] = {}
        for family, next_hop, keys in announced:
            if family in FLOW_FAMILIES:
                rules = _flow_list(family, keys, next_hop)
                if rules:
                    hop = next_hop_texts(next_hop or None)[0]
                    by_family.setdefault(family, {}).setdefault(hop, []).append(rules)
                continue
            if family not in _INET:
                continue
            by_hop = by_family.setdefault(family, {})
            hops = next_hop_texts(next_hop)
            if len(hops) == 1:
                by_hop.setdefault(hops[0], []).append(_nlri_list(family, keys, family in addpath, compact))
                continue
            # ExaBGP lists each NLRI under the global then the link-local next hop, in turn
            for item in _nlri_items(family, keys, family in addpath, compact):
                for hop in hops:
                    by_hop.setdefault(hop, []).append(item)
        if by_family:
            families = ", ".join(
                f"{_family_key(family)}: {{ "
                + ", ".join(f'"{hop}": [ {", ".join(texts)} ]' for hop, texts in by_hop.items())
                + " }"
                for family, by_hop in by_family.items()
            )
            members.append(f'"announce": {{ {families} }}')
    if update.withdrawn:
        withdrawn: dict[Family, list[str]] = {}
        for family, keys in update.withdrawn:
            if family in _INET and keys:
                withdrawn.setdefault(family, []).append(_nlri_list(family, keys, family in addpath, compact))
            elif family in FLOW_FAMILIES:
                rules = _flow_list(family, keys, None)
                if rules:
                    withdrawn.setdefault(family, []).append(rules)
        if withdrawn:
            families = ", ".join(
                f"{_family_key(family)}: [ {', '.join(texts)} ]" for family, texts in withdrawn.items()
            )
            members.append(f'"withdraw": {{ {families} }}')
    return f'{{ "update": {{ {", ".join(members)} }} }}'


# --- negotiated ----------------------------------------------------------------------------------


def negotiated_json(negotiated: Negotiated) -> str:
    """The ``negotiated`` object (§3.6 of the interface reference)."""
    families = sorted(negotiated.families)
    hops = [
        f"{family_text((afi, safi))} {afi_text(hop)}"
        for afi, safi, hop in sorted(negotiated.extended_nexthop)
    ]
    add_path = {
        "send": [family_text(f) for f in families if f in negotiated.addpath_send],
        "receive": [family_text(f) for f in families if f in negotiated.addpath_receive],
    }
    multisession = bool(getattr(negotiated, "multisession", False))
    operational = bool(getattr(negotiated, "operational", False))
    return (
        f'{{ "message_size": {negotiated.max_message}, "hold_time": {negotiated.hold_time}, '
        f'"asn4": {"true" if negotiated.asn4 else "false"}, '
        f'"multisession": {"true" if multisession else "false"}, '
        f'"operational": {"true" if operational else "false"}, '
        f'"refresh": {json.dumps(negotiated.refresh)}, '
        f'"families": {json.dumps([family_text(f) for f in families])}, '
        f'"nexthop": {json.dumps(hops)}, "add_path": {json.dumps(add_path)} }}'
    )


# --- OPEN ----------------------------------------------------------------------------------------

CAPABILITY_NAMES = {
    1: "multiprotocol",
    2: "route-refresh",
    3: "outbound-route-filtering",
    4: "multiple-routes",
    5: "nexthop",
    6: "extended-message",
    64: "graceful-restart",
    65: "asn4",
    67: "dynamic-capability",
    68: "multi-session",
    69: "add-path",
    70: "enhanced-route-refresh",
    73: "hostname",
    75: "software-version",
    128: "cisco-route-refresh",
    131: "cisco-multi-sesion",
    185: "operational",
}
ADD_PATH_NAMES = {0: "disabled", 1: "receive", 2: "send", 3: "send/receive"}


def capability_values(caps: Capabilities) -> dict[int, list[bytes]]:
    """Every capability value by code, codes in first-seen order (ExaBGP merges repeated codes)."""
    grouped: dict[int, list[bytes]] = {}
    for code, value in caps.raw or encode_capabilities(caps):
        grouped.setdefault(code, []).append(value)
    return grouped


def _entries(values: list[bytes], size: int) -> list[bytes]:
    return [value[at : at + size] for value in values for at in range(0, len(value) - size + 1, size)]


def graceful_restart(value: bytes) -> tuple[int, int, dict[Family, int]]:
    """(restart flags, restart time, {family: flags}) of a graceful restart capability value."""
    head = _H.unpack_from(value)[0] if len(value) >= 2 else 0
    families = {(_H.unpack_from(e)[0], e[2]): e[3] for e in _entries([value[2:]], 4)}
    return head >> 12, head & 0xFFF, families


def length_prefixed(value: bytes, pos: int) -> tuple[str | None, int]:
    """UTF-8 text behind a length octet at ``pos`` (None when absent) and the position after it."""
    if pos >= len(value):
        return None, pos
    end = pos + 1 + value[pos]
    return value[pos + 1 : end].decode("utf-8", "replace"), end


_RESTART = ' "restart"'


def _capability_json(code: int, values: list[bytes]) -> str:
    last = values[-1]
    if code == 1:
        listed = ",".join(
            f' "{family_text((_H.unpack_from(v)[0], v[3]), "/")}"' for v in values if len(v) >= 4
        )
        return f'{{ "name": "multiprotocol", "families": [{listed} ] }}'
    if code in (2, 128):
        return f'{{ "name": "route-refresh", "variant": "{"RFC" if code == 2 else "Cisco"}" }}'
    if code == 5:
        hops = ",".join(
            f' "{family_text((_H.unpack_from(e)[0], e[3]), "/")}/{afi_text(_H.unpack_from(e, 4)[0])}"'
            for e in _entries(values, 6)
        )
        return f'{{ "name": "nexthop", "conversion": [{hops} ] }}'
    if code == 6:
        return '{ "name": "extended-message", "size": 65535 }'
    if code == 64:
        flags, seconds, families = graceful_restart(last)
        by_family = ", ".join(
            f'"{family_text(f, "/")}": [{_RESTART if bits & 0x80 else ""} ] ' for f, bits in families.items()
        )
        restart = ' "forwarding" ' if flags & 0x8 else " "
        return (
            f'{{ "name": "graceful restart", "time": {seconds}, '
            f'"address-family-flags": {{ {by_family}}}, "restart-flags": [{restart}] }}'
        )
    if code == 65:
        return f'{{ "name": "asn4", "asn4": {int.from_bytes(last, "big")} }}'
    if code in (68, 131):
        listed = ",".join(
            f' "{CAPABILITY_NAMES.get(c, str(c))}"' for c in values[0][1:] if c not in (68, 131)
        )
        variant = "RFC" if code == 68 else "Cisco"
        return f'{{ "name": "multisession", "variant": "{variant}", "capabilities": [{listed} ] }}'
    if code == 69:
        directions: dict[Family, int] = {}
        for e in _entries(values, 4):
            directions[(_H.unpack_from(e)[0], e[2])] = e[3]
        listed = ",".join(
            f'"{family_text(f, "/")}": "{ADD_PATH_NAMES.get(d, f"invalid ({d})")}"'
            for f, d in directions.items()
        )
        return f'{{ "name": "addpath"{", " if listed else ""}{listed} }}'
    if code == 70:
        return '{ "name": "enhanced-route-refresh" }'
    if code == 73:
        host, end = length_prefixed(last, 0)
        domain, _ = length_prefixed(last, end)
        return f'{{ "host-name": {json.dumps(host)}, "domain-name": {json.dumps(domain)} }}'
    if code == 75:
        return f'{{ "software": {json.dumps(length_prefixed(last, 0)[0])} }}'
    if code == 185:
        return '{ "name": "operational" }'
    iana = "reserved" if code >= 128 else "unassigned" if code >= 70 else "unknown"
    return f'{{ "name": "unknown", "iana": "{iana}", "value": {code}, "raw": "{last.hex().upper()}" }}'


def open_json(message: Open, sent: bool) -> str:
    """The ``open`` object. ExaBGP keys the capabilities of a received OPEN by code and those of a
    sent OPEN by name, where a hostname entry is always present (null when not configured)."""
    grouped = capability_values(message.capabilities)
    members = [(code, _capability_json(code, values)) for code, values in grouped.items()]
    if sent:
        if 73 not in grouped:
            # ExaBGP's own OPEN always holds a hostname capability, put after extended message
            at = next((i for i, (code, _) in enumerate(members) if code in (75, 68, 131)), len(members))
            members.insert(at, (73, '{ "host-name": null, "domain-name": null }'))
        capabilities = ", ".join(
            f'"{CAPABILITY_NAMES.get(code, str(code))}": {text}' for code, text in members
        )
    else:
        capabilities = ", ".join(f'"{code}": {text}' for code, text in members)
    router_id = inet_ntoa(message.router_id.to_bytes(4, "big"))
    return (
        f'{{ "version": {message.version}, "asn": {message.my_as}, "hold_time": {message.hold_time}, '
        f'"router_id": "{router_id}", "capabilities": {{ {capabilities} }} }}'
    )


# --- NOTIFICATION --------------------------------------------------------------------------------


def _shutdown_text(data: bytes) -> bytes:
    """What ExaBGP shows in place of a Cease 6/2 or 6/4 data: the RFC 9003 shutdown communication.

    Up to 255 octets are accepted as RFC 9003 allows (ExaBGP 5.0.15 refuses more than 128, a defect).
    """
    if not data:
        return b""
    length = data[0]
    text = data[1:]
    if not length:
        return b"empty Shutdown Communication."
    if len(text) < length:
        return (
            f"invalid Shutdown Communication (buffer underrun) length : {length} [{hexstring(text)}]".encode()
        )
    try:
        message = text[:length].decode("utf-8").replace("\r", " ").replace("\n", " ")
    except UnicodeDecodeError:
        return (
            f"invalid Shutdown Communication (invalid UTF-8) length : {length} [{hexstring(text)}]".encode()
        )
    return f'Shutdown Communication: "{message}"'.encode()


def notification_fields(notification: Notification) -> tuple[str, str]:
    """``(data, message)`` of a notification event: the data in hex, and as text."""
    data = notification.data
    if (notification.code, notification.subcode) in SHUTDOWN_SUBCODES:
        data = _shutdown_text(data)
    return hexstring(data), data.decode("utf-8", "replace")


# --- the encoder ---------------------------------------------------------------------------------


def signal_name(signum: int) -> str:
    try:
        return _signal.Signals(signum).name
    except ValueError:
        return "unknown"


def addpath_families(negotiated: Negotiated | None, direction: str) -> frozenset[Family]:
    """The families whose prefix keys carry a path identifier, for messages sent or received."""
    if negotiated is None:
        return frozenset()
    return negotiated.addpath_send if direction == "send" else negotiated.addpath_receive


class JsonEncoder:
    """Renders every helper event as one line of JSON (ExaBGP's ``encoder json``)."""

    def __init__(self, *, compact: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.compact = compact  # exabgp.api.compact: bare prefix strings for plain unicast NLRI
        self._clock = clock
        self._head = f'{{ "exabgp": "{VERSION}", "time": '
        self._who = (
            f', "host" : {json.dumps(socket.gethostname())}, "pid" : {os.getpid()}, "ppid" : {os.getppid()}, '
        )
        self._negotiated: tuple[Negotiated | None, str] = (None, "")

    def _line(self, n: NeighborInfo, kind: str, content: str, header: bytes = b"", body: bytes = b"") -> str:
        raw = ""
        if header:
            raw = f'"header": "{hexstring(header)}", '
        if body:
            raw += f'"body": "{hexstring(body)}", '
        return (
            f'{self._head}{self._clock()!r}{self._who}"counter": {n.next_counter()}, "type": "{kind}", '
            f"{raw}{n.json_prefix()}{content} }} }}\n"
        )

    def _negotiated_json(self, negotiated: Negotiated) -> str:
        cached, text = self._negotiated
        if cached is not negotiated:
            text = negotiated_json(negotiated)
            self._negotiated = (negotiated, text)
        return text

    def state(self, n: NeighborInfo, state: str, reason: str = "") -> str:
        """``connected`` / ``up`` / ``down`` (down carries its reason)."""
        extra = f', "reason": {json.dumps(reason)}' if state == "down" else ""
        return self._line(n, "state", f', "state": {json.dumps(state)}{extra}')

    def fsm(self, n: NeighborInfo, state: str) -> str:
        return self._line(n, "fsm", f', "state": {json.dumps(state)}')

    def negotiated(self, n: NeighborInfo, negotiated: Negotiated) -> str:
        return self._line(n, "negotiated", f', "negotiated": {self._negotiated_json(negotiated)}')

    def signal(self, n: NeighborInfo, signum: int) -> str:
        return self._line(n, "signal", f', "code": "{signum}", "name": "{signal_name(signum)}"')

    def open(
        self, n: NeighborInfo, direction: str, message: Open, header: bytes, body: bytes, mode: EventMode
    ) -> str:
        content = f', "direction": "{direction}", "open": {open_json(message, direction == "send")}'
        return self._raw_line(n, "open", content, header, body, mode)

    def keepalive(self, n: NeighborInfo, direction: str, header: bytes, body: bytes, mode: EventMode) -> str:
        return self._raw_line(n, "keepalive", f', "direction": "{direction}"', header, body, mode)

    def notification(
        self,
        n: NeighborInfo,
        direction: str,
        notification: Notification,
        header: bytes,
        body: bytes,
        mode: EventMode,
    ) -> str:
        data, text = notification_fields(notification)
        content = (
            f', "direction": "{direction}", "notification": {{ "code": {notification.code}, '
            f'"subcode": {notification.subcode}, "data": "{data}", "message": {json.dumps(text)} }}'
        )
        return self._raw_line(n, "notification", content, header, body, mode)

    def refresh(
        self,
        n: NeighborInfo,
        direction: str,
        refresh: RouteRefresh,
        header: bytes,
        body: bytes,
        mode: EventMode,
    ) -> str:
        subtype = SUBTYPE_NAMES.get(refresh.subtype, str(refresh.subtype))
        content = (
            f', "direction": "{direction}", "route-refresh": {{ "afi": "{afi_text(refresh.afi)}", '
            f'"safi": "{safi_text(refresh.safi)}", "subtype": "{subtype}" }}'
        )
        return self._raw_line(n, "refresh", content, header, body, mode)

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
        if not mode.raw:
            return self.updates(n, direction, [update], mode, negotiated)[0]
        message = update_message(update, addpath_families(negotiated, direction), self.compact, negotiated)
        if mode.negotiated and negotiated is not None:
            message += f', "negotiated": {self._negotiated_json(negotiated)}'
        content = f', "direction": "{direction}", "message": {message}'
        return self._line(n, "update", content, header, body)

    def updates(
        self,
        n: NeighborInfo,
        direction: str,
        updates: Sequence[Update],
        mode: EventMode,
        negotiated: Negotiated | None,
    ) -> list[str]:
        """The lines of UPDATEs read together (``mode`` not raw), as ``update`` gives them one by one:
        the envelope, of _line's shape, is made once, and the events share the time of the read."""
        addpath = addpath_families(negotiated, direction)
        tail = " } }\n"
        if mode.negotiated and negotiated is not None:
            tail = f', "negotiated": {self._negotiated_json(negotiated)}{tail}'
        head = f'{self._head}{self._clock()!r}{self._who}"counter": '
        middle = f', "type": "update", {n.json_prefix()}, "direction": "{direction}", "message": '
        compact = self.compact
        counter = n.counter
        lines = []
        for update in updates:
            counter += 1
            lines.append(
                f"{head}{counter}{middle}{update_message(update, addpath, compact, negotiated)}{tail}"
            )
        n.counter = counter
        return lines

    def packet(
        self,
        n: NeighborInfo,
        direction: str,
        msg_type: int,
        header: bytes,
        body: bytes,
        negotiated: Negotiated | None,
    ) -> str:
        """The ``packets`` copy of a message: category and raw bytes (+ negotiated when enabled)."""
        content = (
            f', "direction": "{direction}", "message": {{ "category": {msg_type}, '
            f'"header": "{hexstring(header)}", "body": "{hexstring(body)}" }}'
        )
        if negotiated is not None:
            content += f', "negotiated": {self._negotiated_json(negotiated)}'
        kind = MESSAGE_NAMES.get(msg_type, "operational" if msg_type == 6 else "unknown")
        return self._line(n, kind, content)

    def shutdown(self) -> str:
        """The last event every helper gets; no neighbor, no counter."""
        return (
            f'{self._head}{self._clock()!r}{self._who}"type": "notification", "notification": "shutdown" }}\n'
        )

    def _raw_line(
        self, n: NeighborInfo, kind: str, content: str, header: bytes, body: bytes, mode: EventMode
    ) -> str:
        if mode.raw:
            return self._line(n, kind, content, header, body)
        return self._line(n, kind, content)
