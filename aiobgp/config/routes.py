"""The route grammar shared by the configuration (`static`, `announce`) and the text API.

`parse_route` reads the words after `route` (`10.0.0.0/24 next-hop 1.2.3.4 med 10 ...`, the block form
already flattened); `parse_attributes` reads attribute keywords alone; `parse_attributes_nlri` reads the
`attributes ... nlri P1 P2 ...` form. The result is `Route` objects of aiobgp.rib.route with interned
`Attributes`; no defaults are added (ORIGIN, AS_PATH and LOCAL_PREF are the encoder's business).
Everything that is said but not sent (`name`, `watchdog`, `withdraw`) comes back as `RouteExtras`.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeAlias

from aiobgp.config.model import NO_EXTRAS, ConfigError, RouteExtras
from aiobgp.config.tokenizer import Token
from aiobgp.rib.route import Route
from aiobgp.wire.accelerators import pure_python
from aiobgp.wire.attributes import AsPath, Attributes
from aiobgp.wire.constants import (
    AFI_IPV4,
    AS_SEQUENCE,
    AS_SET,
    ATTR_AGGREGATOR,
    ATTR_AS4_AGGREGATOR,
    ATTR_AS4_PATH,
    ATTR_AS_PATH,
    ATTR_ATOMIC_AGGREGATE,
    ATTR_CLUSTER_LIST,
    ATTR_COMMUNITIES,
    ATTR_EXTENDED_COMMUNITIES,
    ATTR_LARGE_COMMUNITY,
    ATTR_LOCAL_PREF,
    ATTR_MED,
    ATTR_MP_REACH_NLRI,
    ATTR_MP_UNREACH_NLRI,
    ATTR_NEXT_HOP,
    ATTR_ORIGIN,
    ATTR_ORIGINATOR_ID,
    COMMUNITY_NAMES,
    FLAG_OPTIONAL,
    ORIGIN_NAMES,
    SAFI_MULTICAST,
    SAFI_UNICAST,
    Family,
    family_name,
)
from aiobgp.wire.context import NEXT_HOP_SELF
from aiobgp.wire.nlri import encode_prefix, parse_prefix


class RouteList(list[Route]):
    """The routes of one route line (several with `split`), plus the line's `RouteExtras`."""

    __slots__ = ("extras",)

    def __init__(self, routes: Sequence[Route] = (), extras: RouteExtras = NO_EXTRAS) -> None:
        super().__init__(routes)
        self.extras = extras


# --- value parsers ------------------------------------------------------------------------------

_UINT32 = 0xFFFFFFFF
_AIGP = 26  # RFC 7311 attribute type code
_COMMUNITY_BY_NAME = {name: value for value, name in COMMUNITY_NAMES.items()} | {"no-peer": 0xFFFFFF04}
_ORIGIN_BY_NAME = {name: value for value, name in ORIGIN_NAMES.items()}
_UNSUPPORTED = {
    "rd": "route distinguishers (mpls-vpn routes)",
    "route-distinguisher": "route distinguishers (mpls-vpn routes)",
    "label": "MPLS labels (nlri-mpls and mpls-vpn routes)",
    "bgp-prefix-sid": "the BGP Prefix-SID attribute",
    "bgp-prefix-sid-srv6": "the SRv6 Prefix-SID attribute",
}
# attributes that must not be given raw: the route's own keywords produce them
_RAW_REFUSED = {
    ATTR_AS_PATH: "as-path",
    ATTR_NEXT_HOP: "next-hop",
    ATTR_AGGREGATOR: "aggregator",
    ATTR_MP_REACH_NLRI: "the route prefix",
    ATTR_MP_UNREACH_NLRI: "withdraw",
    ATTR_AS4_PATH: "as-path",
    ATTR_AS4_AGGREGATOR: "aggregator",
}


def _integer(token: Token, maximum: int = _UINT32, what: str = "number") -> int:
    text = token.text
    try:
        value = int(text, 16) if text[:2].lower() == "0x" else int(text)
    except ValueError:
        raise token.error(f"invalid {what}") from None
    if not 0 <= value <= maximum:
        raise token.error(f"{what} out of range (0..{maximum})")
    return value


def _asn(token: Token, text: str | None = None) -> int:
    """An AS number: plain (`65000`) or asdot (`1.10`)."""
    text = token.text if text is None else text
    high, dot, low = text.partition(".")
    try:
        value = (int(high) << 16) + int(low) if dot else int(text)
        if dot and not (0 <= int(high) <= 0xFFFF and 0 <= int(low) <= 0xFFFF):
            raise ValueError
    except ValueError:
        raise token.error("invalid AS number") from None
    if not 0 <= value <= _UINT32:
        raise token.error("AS number out of range (0..4294967295)")
    return value


@lru_cache(maxsize=4096)
def _packed_ip(text: str) -> bytes | None:
    try:
        return ipaddress.ip_address(text).packed
    except ValueError:
        return None


def _ip(token: Token, text: str | None = None) -> bytes:
    packed = _packed_ip(token.text if text is None else text)
    if packed is None:
        raise token.error("invalid IP address")
    return packed


def _ipv4(token: Token, text: str | None = None) -> bytes:
    packed = _packed_ip(token.text if text is None else text)
    if packed is None or len(packed) != 4:
        raise token.error("invalid IPv4 address")
    return packed


def _community(token: Token) -> int:
    text = token.text.lower()
    named = _COMMUNITY_BY_NAME.get(text)
    if named is not None:
        return named
    high, colon, low = text.partition(":")
    if colon:
        try:
            a, b = int(high), int(low)
        except ValueError:
            raise token.error("invalid community (A:B, a number or a well-known name)") from None
        if not (0 <= a <= 0xFFFF and 0 <= b <= 0xFFFF):
            raise token.error("community half out of range (0..65535)")
        return (a << 16) | b
    return _integer(token, _UINT32, "community")


def _large_community(token: Token) -> tuple[int, int, int]:
    parts = token.text.split(":")
    try:
        if len(parts) == 3:
            a, b, c = (int(part) for part in parts)
        elif len(parts) == 1:
            value = int(parts[0], 16) if parts[0][:2].lower() == "0x" else int(parts[0])
            if not 0 <= value < 1 << 96:
                raise ValueError
            a, b, c = value >> 64, (value >> 32) & _UINT32, value & _UINT32
        else:
            raise ValueError
    except ValueError:
        raise token.error("invalid large community (A:B:C)") from None
    if not all(0 <= part <= _UINT32 for part in (a, b, c)):
        raise token.error("large community part out of range (0..4294967295)")
    return (a, b, c)


# extended community (RFC 4360, RFC 5668, RFC 7153) type/sub-type octets per keyword and layout:
# 2-octet AS global admin, IPv4 global admin, 4-octet AS global admin
_EXT_TYPES = {
    "target": (b"\x00\x02", b"\x01\x02", b"\x02\x02"),
    "origin": (b"\x00\x03", b"\x01\x03", b"\x02\x03"),
    "redirect": (b"\x80\x08", b"\x81\x08", b"\x82\x08"),  # RFC 8955 §7.4, RFC 7674
}


def _ext_community(token: Token) -> bytes:
    """One extended community, encoded to its 8 octets."""
    text = token.text
    lower = text.lower()
    if lower[:2] == "0x":
        try:
            raw = bytes.fromhex(text[2:])
        except ValueError:
            raw = b""
        if len(raw) != 8:
            raise token.error("a raw extended community is 0x and 16 hexadecimal digits")
        return raw
    if lower == "redirect-to-nexthop":
        return b"\x08\x00" + bytes(6)  # draft-simpson-idr-flowspec-redirect, copy bit clear
    parts = text.split(":")
    kind = parts[0].lower() if len(parts) > 2 else "target"
    values = parts[1:] if len(parts) > 2 else parts
    try:
        if kind == "l2info" and len(values) == 4:  # RFC 4761 §3.2.4: encaps, control, mtu, (site) pref
            encaps, control, mtu, site = (int(value) for value in values)
            return b"\x80\x0a" + struct.pack("!BBHH", encaps, control, mtu, site)
        if kind == "bandwidth" and len(values) == 2:  # draft-ietf-idr-link-bandwidth
            return b"\x40\x04" + struct.pack("!Hf", _asn(token, values[0]), float(values[1]))
        if kind in _EXT_TYPES and len(values) == 2:
            as2, ip, as4 = _EXT_TYPES[kind]
            admin, local = values
            if "." in admin and admin.count(".") == 3:
                return ip + _ipv4(token, admin) + struct.pack("!H", int(local))
            four = admin[-1:] in ("L", "l")
            asn = _asn(token, admin[:-1] if four else admin)
            if "." in local:
                if four or asn > 0xFFFF:
                    raise ValueError
                return as2 + struct.pack("!H", asn) + _ipv4(token, local)
            if four or asn > 0xFFFF:
                return as4 + struct.pack("!IH", asn, int(local))
            return as2 + struct.pack("!HI", asn, int(local))
    except (ValueError, struct.error, OverflowError):
        pass
    raise token.error("invalid extended community")


def _as_path(tokens: Sequence[Token], i: int) -> tuple[AsPath, int]:
    """`N`, or segments `[ N N ]` (AS_SEQUENCE) and `( N N )` (AS_SET) following each other."""
    token = tokens[i]
    if not token.quoted and token.text not in ("[", "("):
        return ((AS_SEQUENCE, (_asn(token),)),), i + 1
    segments: list[tuple[int, tuple[int, ...]]] = []
    while i < len(tokens) and not tokens[i].quoted and tokens[i].text in ("[", "("):
        opening = tokens[i]
        values, i = _group(tokens, i)
        if values:
            kind = AS_SEQUENCE if opening.text == "[" else AS_SET
            segments.append((kind, tuple(_asn(value) for value in values)))
    return tuple(segments), i


def _group(tokens: Sequence[Token], i: int) -> tuple[list[Token], int]:
    """The words of the `[ ... ]` or `( ... )` group starting at `i` (commas skipped), and the next index."""
    opening = tokens[i]
    closing = "]" if opening.text == "[" else ")"
    values: list[Token] = []
    i += 1
    while i < len(tokens):
        token = tokens[i]
        if not token.quoted:
            if token.text == closing:
                return values, i + 1
            if token.text in ("[", "(", "]", ")", "{", "}", ";"):
                raise token.error(f"unexpected '{token.text}' in a list opened with '{opening.text}'")
            if token.text == ",":
                i += 1
                continue
        values.append(token)
        i += 1
    raise opening.error(f"missing '{closing}' to close this list")


def _values(tokens: Sequence[Token], i: int) -> tuple[list[Token], int]:
    """One value, or the values of a `[ ... ]` list."""
    if tokens[i].is_punct("["):
        return _group(tokens, i)
    _word(tokens[i])
    return [tokens[i]], i + 1


def _word(token: Token) -> Token:
    if not token.quoted and token.text in ("[", "]", "(", ")", "{", "}", ";", ","):
        raise token.error("a value was expected")
    return token


def _hex_bytes(token: Token) -> bytes:
    text = token.text
    if text[:2].lower() != "0x":
        raise token.error("hexadecimal data must start with 0x")
    try:
        return bytes.fromhex(text[2:] if len(text) % 2 == 0 else "0" + text[2:])
    except ValueError:
        raise token.error("invalid hexadecimal data") from None


# --- the attribute builder ----------------------------------------------------------------------


@dataclass(slots=True)
class _Builder:
    """Collects what the keywords of one route line say."""

    origin: int | None = None
    as_path: AsPath | None = None
    med: int | None = None
    local_pref: int | None = None
    atomic_aggregate: bool = False
    aggregator: tuple[int, bytes] | None = None
    communities: list[int] = field(default_factory=list)
    originator_id: bytes | None = None
    cluster_list: list[bytes] = field(default_factory=list)
    ext_communities: list[bytes] = field(default_factory=list)
    large_communities: list[tuple[int, int, int]] = field(default_factory=list)
    unknown: list[tuple[int, int, bytes]] = field(default_factory=list)
    next_hop: bytes | None = None
    path_id: int | None = None
    split: int | None = None
    name: str | None = None
    watchdog: str | None = None
    withdraw: bool = False

    def attributes(self) -> Attributes:
        return intern(
            Attributes(
                origin=self.origin,
                as_path=self.as_path,
                med=self.med,
                local_pref=self.local_pref,
                atomic_aggregate=self.atomic_aggregate,
                aggregator=self.aggregator,
                communities=tuple(self.communities),
                originator_id=self.originator_id,
                cluster_list=tuple(self.cluster_list),
                ext_communities=tuple(self.ext_communities),
                large_communities=tuple(dict.fromkeys(self.large_communities)),  # duplicates removed
                unknown=tuple(self.unknown),
            )
        )

    def extras(self) -> RouteExtras:
        if self.name is None and self.watchdog is None and not self.withdraw:
            return NO_EXTRAS
        return RouteExtras(self.name, self.watchdog, self.withdraw)


_Handler = Callable[[_Builder, Sequence[Token], int], int]


def _next_hop(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    token = _word(tokens[i])
    b.next_hop = NEXT_HOP_SELF if token.text.lower() == "self" else _ip(token)
    return i + 1


def _origin(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    token = tokens[i]
    origin = _ORIGIN_BY_NAME.get(token.text.lower())
    if origin is None:
        raise token.error("origin is igp, egp or incomplete")
    b.origin = origin
    return i + 1


def _as_path_kw(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.as_path, i = _as_path(tokens, i)
    return i


def _med(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.med = _integer(tokens[i], _UINT32, "med")
    return i + 1


def _local_pref(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.local_pref = _integer(tokens[i], _UINT32, "local-preference")
    return i + 1


def _atomic_aggregate(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.atomic_aggregate = True
    return i


def _aggregator(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    if tokens[i].is_punct("("):
        values, i = _group(tokens, i)
        if len(values) != 1:
            raise tokens[i - 1].error("aggregator is ( ASN:IPv4 )")
        token = values[0]
    else:
        token = _word(tokens[i])
        i += 1
    asn, colon, address = token.text.partition(":")
    if not colon:
        raise token.error("aggregator is ASN:IPv4")
    b.aggregator = (_asn(token, asn), _ipv4(token, address))
    return i


def _communities(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    values, i = _values(tokens, i)
    b.communities.extend(_community(token) for token in values)
    return i


def _large_communities(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    values, i = _values(tokens, i)
    b.large_communities.extend(_large_community(token) for token in values)
    return i


def _ext_communities(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    values, i = _values(tokens, i)
    b.ext_communities.extend(_ext_community(token) for token in values)
    return i


def _originator_id(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.originator_id = _ipv4(_word(tokens[i]))
    return i + 1


def _cluster_list(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    values, i = _values(tokens, i)
    b.cluster_list.extend(_ipv4(token) for token in values)
    return i


def _path_information(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    token = _word(tokens[i])
    if "." in token.text:
        b.path_id = int.from_bytes(_ipv4(token), "big")
    else:
        b.path_id = _integer(token, _UINT32, "path-information")
    return i + 1


def _split(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    token = tokens[i]
    if not token.text.startswith("/"):
        raise token.error("split is /LENGTH")
    b.split = _integer(Token(token.text[1:], token.line, token.column, token.file), 128, "split length")
    return i + 1


def _name(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.name = _word(tokens[i]).text
    return i + 1


def _watchdog(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.watchdog = _word(tokens[i]).text
    return i + 1


def _withdraw(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    b.withdraw = True
    return i


def _aigp(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    metric = _integer(tokens[i], (1 << 64) - 1, "aigp")
    # RFC 7311: optional non-transitive attribute holding one AIGP TLV (type 1, length 11)
    b.unknown.append((_AIGP, FLAG_OPTIONAL, b"\x01\x00\x0b" + metric.to_bytes(8, "big")))
    return i + 1


def _generic(b: _Builder, tokens: Sequence[Token], i: int) -> int:
    if not tokens[i].is_punct("["):
        raise tokens[i].error("attribute is [ 0xCODE 0xFLAGS 0xDATA ]")
    values, i = _group(tokens, i)
    if len(values) != 3:
        raise tokens[i - 1].error("attribute is [ 0xCODE 0xFLAGS 0xDATA ]")
    code = _integer(values[0], 255, "attribute code")
    flags = _integer(values[1], 255, "attribute flags")
    data = _hex_bytes(values[2])
    if code in _RAW_REFUSED:
        raise values[0].error(f"attribute {code} cannot be given raw: use `{_RAW_REFUSED[code]}`")
    _known_raw(b, values[2], code, flags, data)
    return i


def _known_raw(b: _Builder, token: Token, code: int, flags: int, data: bytes) -> None:
    """A raw attribute of a known code is stored decoded, as ExaBGP does (`[0x04 0x80 ...]` is a MED)."""
    size = len(data)
    if code == ATTR_ORIGIN and size == 1 and data[0] <= 2:
        b.origin = data[0]
    elif code in (ATTR_MED, ATTR_LOCAL_PREF) and size == 4:
        if code == ATTR_MED:
            b.med = int.from_bytes(data, "big")
        else:
            b.local_pref = int.from_bytes(data, "big")
    elif code == ATTR_ATOMIC_AGGREGATE and size == 0:
        b.atomic_aggregate = True
    elif code == ATTR_ORIGINATOR_ID and size == 4:
        b.originator_id = data
    elif code in (ATTR_COMMUNITIES, ATTR_CLUSTER_LIST) and size % 4 == 0:
        chunks = [data[n : n + 4] for n in range(0, size, 4)]
        if code == ATTR_COMMUNITIES:
            b.communities.extend(int.from_bytes(chunk, "big") for chunk in chunks)
        else:
            b.cluster_list.extend(chunks)
    elif code == ATTR_EXTENDED_COMMUNITIES and size % 8 == 0:
        b.ext_communities.extend(data[n : n + 8] for n in range(0, size, 8))
    elif code == ATTR_LARGE_COMMUNITY and size % 12 == 0:
        b.large_communities.extend(struct.unpack_from("!III", data, n) for n in range(0, size, 12))
    elif code in (
        ATTR_ORIGIN,
        ATTR_MED,
        ATTR_LOCAL_PREF,
        ATTR_ATOMIC_AGGREGATE,
        ATTR_ORIGINATOR_ID,
    ) or code in (
        ATTR_COMMUNITIES,
        ATTR_CLUSTER_LIST,
        ATTR_EXTENDED_COMMUNITIES,
        ATTR_LARGE_COMMUNITY,
    ):
        raise token.error(f"invalid value for attribute {code}")
    else:
        b.unknown.append((code, flags, data))


_KEYWORDS: dict[str, _Handler] = {
    "next-hop": _next_hop,
    "origin": _origin,
    "as-path": _as_path_kw,
    "med": _med,
    "local-preference": _local_pref,
    "atomic-aggregate": _atomic_aggregate,
    "aggregator": _aggregator,
    "community": _communities,
    "large-community": _large_communities,
    "extended-community": _ext_communities,
    "originator-id": _originator_id,
    "cluster-list": _cluster_list,
    "path-information": _path_information,
    "split": _split,
    "name": _name,
    "watchdog": _watchdog,
    "withdraw": _withdraw,
    "aigp": _aigp,
    "attribute": _generic,
}
_NO_VALUE = frozenset({"atomic-aggregate", "withdraw"})
KEYWORDS = frozenset(_KEYWORDS)
"""Every attribute keyword a route line understands."""


def _build(tokens: Sequence[Token], start: int, stop_at_nlri: bool = False) -> tuple[_Builder, int]:
    """Reads attribute keywords from `start`; returns the builder and where it stopped (end or `nlri`)."""
    b = _Builder()
    i = start
    end = len(tokens)
    while i < end:
        token = tokens[i]
        keyword = token.text
        handler = _KEYWORDS.get(keyword) if not token.quoted else None
        if handler is None:
            if stop_at_nlri and keyword == "nlri":
                return b, i
            if keyword in _UNSUPPORTED:
                raise token.error(f"{_UNSUPPORTED[keyword]} are not supported yet")
            raise token.error(f"unknown route attribute '{keyword}'")
        i += 1
        if i >= end and keyword not in _NO_VALUE:
            raise token.error(f"'{keyword}' needs a value")
        i = handler(b, tokens, i)
    return b, i


# --- interning and caching ----------------------------------------------------------------------

_INTERNED: dict[Attributes, Attributes] = {}
_INTERN_LIMIT = 65536


def intern(attributes: Attributes) -> Attributes:
    """One shared object per distinct attribute set (the table is emptied when it grows too big)."""
    held = _INTERNED.get(attributes)
    if held is not None:
        return held
    if len(_INTERNED) >= _INTERN_LIMIT:
        _INTERNED.clear()
    _INTERNED[attributes] = attributes
    return attributes


_Parsed = tuple[Attributes, bytes | None, RouteExtras, int | None, int | None]
_CACHE: dict[tuple[str, ...], _Parsed] = {}
_CACHE_LIMIT = 4096


def _attribute_part(tokens: Sequence[Token], start: int) -> _Parsed:
    """The attributes after a prefix, cached by their text (helpers repeat the same tails)."""
    key = tuple([token.text for token in tokens[start:]])
    parsed = _CACHE.get(key)
    if parsed is not None:
        return parsed
    b, _ = _build(tokens, start)
    parsed = (b.attributes(), b.next_hop, b.extras(), b.path_id, b.split)
    if not any(token.quoted for token in tokens[start:]):  # a quoted "[" is not a bracket: no cache
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = parsed
    return parsed


# --- prefixes -----------------------------------------------------------------------------------


def _family_of(afi: int, token: Token, family: Family | None) -> Family:
    if family is None:
        if afi == AFI_IPV4 and 0xE0 <= _first_octet(token.text) <= 0xEF:
            return (AFI_IPV4, SAFI_MULTICAST)  # 224.0.0.0/4, as ExaBGP's static routes
        return (afi, SAFI_UNICAST)
    if family[0] != afi:
        raise token.error(f"this prefix does not belong to {family_name(family)}")
    return family


def _first_octet(text: str) -> int:
    head = text.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def _prefixes(token: Token, path_id: int | None, split: int | None) -> tuple[int, list[bytes]]:
    """The NLRI encodings of a prefix token, expanded to `split` length more-specifics."""
    try:
        afi, nlri = parse_prefix(token.text, path_id)
    except ValueError as exc:
        raise token.error(f"invalid prefix: {exc}") from None
    if split is None:
        return afi, [nlri]
    network = ipaddress.ip_network(token.text, strict=False)
    if not network.prefixlen <= split <= network.max_prefixlen:
        raise token.error(f"cannot split a /{network.prefixlen} into /{split}")
    if split - network.prefixlen > 16:
        raise token.error(f"splitting a /{network.prefixlen} into /{split} gives too many routes")
    return afi, [
        encode_prefix(sub.network_address.packed, split, path_id) for sub in network.subnets(new_prefix=split)
    ]


# --- the fast ipv4 prefix reader ----------------------------------------------------------------

IPV4_OCTETS = {str(value): value for value in range(256)}
"""The text of a decimal octet as inet_pton reads it (no sign, no leading zero) -> its value."""
_HOST_BITS = (0x00, 0x7F, 0x3F, 0x1F, 0x0F, 0x07, 0x03, 0x01)  # host bits of a prefix's last byte
IPV4_ENDS = {
    f"{d}/{plen}": (d, plen, 1 + (plen + 7) // 8, _HOST_BITS[plen & 7])
    for d in range(256)
    for plen in range(33)
}
"""`d/len`, the end of an ipv4 prefix -> (d, len, length of the NLRI key, host bits of its last byte)."""


def ipv4_nlri(text: str) -> bytes | None:
    """The NLRI key of a unicast `a.b.c.d/len` (host bits cleared, as `parse_prefix` does), or None for
    anything else: another form, an invalid text, or a multicast address (224/4, its own family)."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    a = IPV4_OCTETS.get(parts[0])
    b = IPV4_OCTETS.get(parts[1])
    c = IPV4_OCTETS.get(parts[2])
    end = IPV4_ENDS.get(parts[3])
    if a is None or b is None or c is None or end is None or 224 <= a <= 239:
        return None
    d, plen, stop, host = end
    nlri = bytes((plen, a, b, c, d))[:stop]
    if host and nlri[-1] & host:
        nlri = nlri[:-1] + bytes((nlri[-1] & ~host & 0xFF,))
    return nlri


_IPV6_TEXT = frozenset("0123456789abcdef:")
"""The characters of the usual ipv6 address texts (lower-case groups and colons only): on them
inet_pton and the general parser (`ipaddress`) agree."""
_IPV6_LENGTHS = {
    str(plen): (bytes((plen,)), 1 + (plen + 7) // 8, 0xFF00 >> (plen & 7) & 0xFF if plen & 7 else 0)
    for plen in range(129)
}
"""`len`, the end of an ipv6 prefix -> (first byte of the key, its length, bits kept of its last byte)."""


def ipv6_nlri(text: str) -> bytes | None:
    """The NLRI key of an ipv6 prefix written with lower-case groups and colons (`2001:db8:1::/48`;
    host bits cleared, as `parse_prefix` does), or None for any other text, left to `parse_prefix`."""
    address, _, length = text.partition("/")
    found = _IPV6_LENGTHS.get(length)
    if found is None or not _IPV6_TEXT.issuperset(address):
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET6, address)
    except OSError:
        return None
    head, stop, kept = found
    key = (head + packed)[:stop]
    if kept and key[-1] & ~kept:
        key = key[:-1] + bytes((key[-1] & kept,))
    return key


def read_prefix_run_python(
    lines: list[str], start: int, lead: str, trail: str, ipv6: bool, keys: list[bytes]
) -> int:
    """Reads the run of `lead PREFIX trail` lines from `lines[start]`: appends to `keys` the NLRI key of
    each line's PREFIX, as `ipv4_nlri` (`ipv6_nlri` when `ipv6`) reads it, up to the first line that
    is not that (another text around the prefix, a prefix they refuse, too short a line, a blank line)
    and returns that line's index (`len(lines)` when the run goes to the end). `lead` and `trail` are
    ASCII (with any other character nothing is taken). The pure-Python twin of `_prefixes.read_prefix_run`."""
    if start < 0:
        raise ValueError("start must not be negative")
    if not (lead.isascii() and trail.isascii()):
        return start
    read = ipv6_nlri if ipv6 else ipv4_nlri
    skip, cut = len(lead), len(trail)
    i, stop = start, len(lines)
    while i < stop:
        line = lines[i]
        if not (line.startswith(lead) and line.endswith(trail)):
            break
        key = read(line[skip : len(line) - cut])  # overlapping lead and trail: "", refused
        if key is None:
            break
        keys.append(key)
        i += 1
    return i


PrefixRunReader: TypeAlias = Callable[[list[str], int, str, str, bool, list[bytes]], int]
read_prefix_run: PrefixRunReader = read_prefix_run_python
"""`read_prefix_run(lines, start, lead, trail, ipv6, keys) -> index`: the C accelerator
aiobgp.config._prefixes when it is built and allowed, else `read_prefix_run_python`."""
if not pure_python():
    try:
        from aiobgp.config._prefixes import read_prefix_run as c_read_prefix_run
    except ImportError:  # not built: the pure-Python twin stays in charge
        pass
    else:
        read_prefix_run = c_read_prefix_run


# --- entry points -------------------------------------------------------------------------------


def parse_route(tokens: Sequence[Token], family: Family | None = None) -> RouteList:
    """Routes of one route line: a prefix then attribute keywords (the words after `route`).

    `family` is set by the `announce { ipv4 { unicast ... } }` form (and `announce ipv6 unicast`): the
    prefix must belong to it. Otherwise the family is inferred from the prefix, as ExaBGP does.
    """
    if not tokens:
        raise ConfigError("a route needs a prefix")
    head = tokens[0]
    if head.quoted or head.text in ("[", "]", "(", ")", "{", "}", ";", ","):
        raise head.error("a route starts with its prefix")
    attributes, next_hop, extras, path_id, split = _attribute_part(tokens, 1)
    afi, nlris = _prefixes(head, path_id, split)
    route_family = _family_of(afi, head, family)
    addpath = path_id is not None
    return RouteList([Route(route_family, nlri, next_hop, attributes, addpath) for nlri in nlris], extras)


def parse_attributes(tokens: Sequence[Token]) -> tuple[Attributes, bytes | None, RouteExtras]:
    """Attribute keywords alone (a route line without its prefix); stops at `nlri` if there is one."""
    b, _ = _build(tokens, 0, stop_at_nlri=True)
    return b.attributes(), b.next_hop, b.extras()


def parse_attributes_nlri(tokens: Sequence[Token], family: Family | None = None) -> RouteList:
    """The `attributes KEYWORDS... nlri P1 P2 ...` form: one attribute set shared by several prefixes."""
    b, i = _build(tokens, 0, stop_at_nlri=True)
    if i >= len(tokens):
        at = tokens[-1] if tokens else None
        if at is None:
            raise ConfigError("`attributes` needs `nlri` and prefixes")
        raise at.error("`attributes` needs `nlri` followed by prefixes")
    if i + 1 >= len(tokens):
        raise tokens[i].error("`nlri` needs at least one prefix")
    attributes, extras = b.attributes(), b.extras()
    routes = RouteList(extras=extras)
    for token in tokens[i + 1 :]:
        _word(token)
        afi, nlris = _prefixes(token, b.path_id, b.split)
        route_family = _family_of(afi, token, family)
        routes.extend(
            Route(route_family, nlri, b.next_hop, attributes, b.path_id is not None) for nlri in nlris
        )
    return routes
