"""FlowSpec rules (RFC 8955 IPv4, RFC 8956 IPv6) in ExaBGP's configuration language.

A rule is a list of statements, each a keyword token and its value tokens, sorted into four sections:
`match` (the traffic: prefixes, protocols, ports, ...), `then` (the actions: extended communities and
communities), `scope` (interface-set) and the route-level `rd` / `next-hop`. `flow_route` turns them
into one `Route` of family ipv4/ipv6 flow or flow-vpn whose NLRI is aiobgp.wire.flow's encoding.
The configuration (`flow { route NAME { match { ... } then { ... } } }`, the one-line forms) and the
API (`announce flow route ...`, cut into statements by aiobgp.api.commands) share this grammar.
`split_statements` sorts a keyword soup (`source 10.0.0.1/32 destination-port =80 discard`).
"""

from __future__ import annotations

import ipaddress
import math
import re
import struct
from collections.abc import Sequence

from aiobgp.config.model import ConfigError
from aiobgp.config.routes import _community, _ext_community, _large_community, intern
from aiobgp.config.tokenizer import Token
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import AFI_IPV4, AFI_IPV6, SAFI_FLOW, SAFI_FLOW_VPN, Family, family_name
from aiobgp.wire.errors import EncodeError
from aiobgp.wire.flow import FLOW_FAMILIES, encode_flow

FlowStatement = Sequence[Token]
"""One statement: its keyword token, then its value tokens (brackets included, `;` excluded)."""

# --- names ----------------------------------------------------------------------------------------

# IP protocol numbers (IANA "Assigned Internet Protocol Numbers"), lower-case keywords
PROTOCOLS = {
    "hopopt": 0,
    "icmp": 1,
    "igmp": 2,
    "ggp": 3,
    "ipip": 4,
    "st": 5,
    "tcp": 6,
    "cbt": 7,
    "egp": 8,
    "igp": 9,
    "pup": 12,
    "udp": 17,
    "hmp": 20,
    "xns-idp": 22,
    "rdp": 27,
    "dccp": 33,
    "ipv6": 41,
    "ipv6-route": 43,
    "ipv6-frag": 44,
    "rsvp": 46,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "ipv6-icmp": 58,
    "icmpv6": 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "eigrp": 88,
    "ospf": 89,
    "pim": 103,
    "vrrp": 112,
    "l2tp": 115,
    "isis": 124,
    "sctp": 132,
    "udplite": 136,
    "mpls-in-ip": 137,
}
# well-known service ports (IANA service names)
PORTS = {
    "ftp-data": 20,
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "dns": 53,
    "bootps": 67,
    "bootpc": 68,
    "tftp": 69,
    "http": 80,
    "www": 80,
    "kerberos": 88,
    "pop3": 110,
    "sunrpc": 111,
    "nntp": 119,
    "ntp": 123,
    "netbios-ns": 137,
    "netbios-dgm": 138,
    "netbios-ssn": 139,
    "imap": 143,
    "snmp": 161,
    "snmptrap": 162,
    "bgp": 179,
    "ldap": 389,
    "https": 443,
    "microsoft-ds": 445,
    "isakmp": 500,
    "syslog": 514,
    "rip": 520,
    "submission": 587,
    "ldaps": 636,
    "imaps": 993,
    "pop3s": 995,
    "openvpn": 1194,
    "ms-sql-s": 1433,
    "radius": 1812,
    "radius-acct": 1813,
    "nfs": 2049,
    "mysql": 3306,
    "ms-wbt-server": 3389,
    "sip": 5060,
    "postgresql": 5432,
    "memcache": 11211,
}
# ICMP types (RFC 792 and IANA "ICMP Type Numbers")
ICMP_TYPES = {
    "echo-reply": 0,
    "unreachable": 3,
    "source-quench": 4,
    "redirect": 5,
    "echo-request": 8,
    "router-advertisement": 9,
    "router-solicit": 10,
    "time-exceeded": 11,
    "parameter-problem": 12,
    "timestamp": 13,
    "timestamp-reply": 14,
    "info-request": 15,
    "info-reply": 16,
    "mask-request": 17,
    "mask-reply": 18,
    "traceroute": 30,
}
# ICMP codes (RFC 792, RFC 1812), for destination-unreachable, redirect, time-exceeded and parameter-problem
ICMP_CODES = {
    "network-unreachable": 0,
    "host-unreachable": 1,
    "protocol-unreachable": 2,
    "port-unreachable": 3,
    "fragmentation-needed": 4,
    "source-route-failed": 5,
    "destination-network-unknown": 6,
    "destination-host-unknown": 7,
    "source-host-isolated": 8,
    "destination-network-prohibited": 9,
    "destination-host-prohibited": 10,
    "network-unreachable-for-tos": 11,
    "host-unreachable-for-tos": 12,
    "communication-prohibited-by-filtering": 13,
    "host-precedence-violation": 14,
    "precedence-cutoff-in-effect": 15,
    "redirect-for-network": 0,
    "redirect-for-host": 1,
    "redirect-for-tos-and-net": 2,
    "redirect-for-tos-and-host": 3,
    "ttl-eq-zero-during-transit": 0,
    "ttl-eq-zero-during-reassembly": 1,
    "ip-header-bad": 0,
    "required-option-missing": 1,
}
# TCP header flags (RFC 9293, RFC 3168) and the fragment bits of RFC 8955 §4.2.2.12
TCP_FLAGS = {
    "fin": 0x01,
    "syn": 0x02,
    "rst": 0x04,
    "reset": 0x04,
    "push": 0x08,
    "psh": 0x08,
    "ack": 0x10,
    "urgent": 0x20,
    "urg": 0x20,
    "ece": 0x40,
    "cwr": 0x80,
}
FRAGMENTS = {
    "not-a-fragment": 0x00,
    "dont-fragment": 0x01,
    "is-fragment": 0x02,
    "first-fragment": 0x04,
    "last-fragment": 0x08,
}

# --- keywords -------------------------------------------------------------------------------------

# component type (RFC 8955 §4.2.2, RFC 8956 §3) per match keyword
_PREFIXES = {
    "destination": (1, 0),
    "destination-ipv4": (1, AFI_IPV4),
    "destination-ipv6": (1, AFI_IPV6),
    "source": (2, 0),
    "source-ipv4": (2, AFI_IPV4),
    "source-ipv6": (2, AFI_IPV6),
}
_NO_NAMES: dict[str, int] = {}
# numeric components: type, largest value, names
_NUMERIC: dict[str, tuple[int, int, dict[str, int]]] = {
    "protocol": (3, 0xFF, PROTOCOLS),
    "next-header": (3, 0xFF, PROTOCOLS),
    "port": (4, 0xFFFF, PORTS),
    "destination-port": (5, 0xFFFF, PORTS),
    "source-port": (6, 0xFFFF, PORTS),
    "icmp-type": (7, 0xFF, ICMP_TYPES),
    "icmp-code": (8, 0xFF, ICMP_CODES),
    "packet-length": (10, 0xFFFF, _NO_NAMES),
    "dscp": (11, 0x3F, _NO_NAMES),
    "traffic-class": (11, 0xFF, _NO_NAMES),
    "flow-label": (13, 0xFFFFF, _NO_NAMES),
}
# bitmask components: type, largest value, names
_BITMASK: dict[str, tuple[int, int, dict[str, int]]] = {
    "tcp-flags": (9, 0xFFFF, TCP_FLAGS),
    "fragment": (12, 0xFF, FRAGMENTS),
}
_IPV6_ONLY = frozenset({"source-ipv6", "destination-ipv6", "next-header", "traffic-class", "flow-label"})

MATCH_KEYWORDS = frozenset(_PREFIXES) | frozenset(_NUMERIC) | frozenset(_BITMASK)
THEN_KEYWORDS = frozenset(
    {"accept", "discard", "rate-limit", "redirect", "redirect-to-nexthop", "redirect-to-nexthop-ietf"}
) | frozenset({"copy", "mark", "action", "community", "large-community", "extended-community"})
SCOPE_KEYWORDS = frozenset({"interface-set"})
ROUTE_KEYWORDS = frozenset({"rd", "route-distinguisher", "next-hop"})
SECTION_OF = (
    dict.fromkeys(MATCH_KEYWORDS, "match")
    | dict.fromkeys(THEN_KEYWORDS, "then")
    | dict.fromkeys(SCOPE_KEYWORDS, "scope")
    | dict.fromkeys(ROUTE_KEYWORDS, "other")
)
"""The section ("match", "then", "scope" or "other") of every flow keyword."""
_NO_VALUE = frozenset({"accept", "discard", "redirect-to-nexthop"})

# numeric operators (RFC 8955 §4.2.1.1): lt 0x04, gt 0x02, eq 0x01; longest spelling first
_NUMERIC_OPERATORS = (
    ("!=", 0x06),
    (">=", 0x03),
    ("<=", 0x05),
    ("==", 0x01),
    ("=", 0x01),
    (">", 0x02),
    ("<", 0x04),
)
# bitmask operators (RFC 8955 §4.2.1.2): not 0x02, match 0x01
_BITMASK_OPERATORS = (("!=", 0x03), ("!", 0x02), ("=", 0x01))
_AND = 0x40

# --- extended communities of the actions (RFC 8955 §7, RFC 7674, draft-ietf-idr-flowspec-redirect-ip)
_RATE_BYTES = b"\x80\x06\x00\x00"  # traffic-rate-bytes, informative AS 0
_RATE_PACKETS = b"\x80\x0c\x00\x00"  # traffic-rate-packets
_DISCARD = _RATE_BYTES + bytes(4)  # a rate of 0.0
_RATE_MAX = 1e12  # per second: larger rates are clamped (ExaBGP clamps above 1 TB/s)
_TRAFFIC_ACTION = b"\x80\x07"
_ACTIONS = {"terminal": 0x01, "sample": 0x02, "sample-terminal": 0x03, "terminal-sample": 0x03}
_MARK = b"\x80\x09"
_REDIRECT_AS2 = b"\x80\x08"
_REDIRECT_IPV4 = b"\x81\x08"
_REDIRECT_AS4 = b"\x82\x08"
_REDIRECT_IPV6 = b"\x00\x0d"  # IPv6-address-specific, RFC 8956 §6.1 (in attribute 25)
_NEXTHOP = b"\x08\x00"  # draft-simpson-idr-flowspec-redirect: the next hop of MP_REACH_NLRI
_REDIRECT_TO_NEXTHOP = _NEXTHOP + bytes(6)
_COPY_TO_NEXTHOP = _NEXTHOP + bytes(5) + b"\x01"
_NEXTHOP_IETF = b"\x01\x0c"  # draft-ietf-idr-flowspec-redirect-ip, IPv4-address-specific
_NEXTHOP_IETF_IPV6 = b"\x00\x0c"  # its IPv6-address-specific form (attribute 25)
_INTERFACE_SET = {"transitive": b"\x07\x02", "non-transitive": b"\x47\x02"}  # flowspec-interfaceset
_DIRECTIONS = {"input": 1, "output": 2, "input-output": 3}
ATTR_IPV6_EXT_COMMUNITIES = 25  # RFC 5701
_IPV6_EXT_FLAGS = 0xC0  # optional transitive


# --- small readers --------------------------------------------------------------------------------


def _values(statement: FlowStatement) -> list[Token]:
    """The value tokens of a statement: one or more words, or one `[ ... ]` list (commas ignored)."""
    keyword = statement[0]
    values: list[Token] = []
    opened: Token | None = None
    for token in statement[1:]:
        if token.quoted:
            values.append(token)
        elif token.text == "[":
            if opened is not None:
                raise token.error("lists do not nest")
            opened = token
        elif token.text == "]":
            if opened is None:
                raise token.error("']' closes no list")
            opened = None
        elif token.text in ("(", ")", "{", "}", ";"):
            raise token.error(f"unexpected '{token.text}' in '{keyword.text}'")
        elif token.text != ",":
            values.append(token)
    if opened is not None:
        raise opened.error("missing ']' to close this list")
    if not values:
        raise keyword.error(f"'{keyword.text}' needs a value")
    return values


def _single(statement: FlowStatement) -> Token:
    values = _values(statement)
    if len(values) > 1:
        raise values[1].error(f"'{statement[0].text}' takes one value")
    return values[0]


def _number(token: Token, text: str, maximum: int, names: dict[str, int], what: str) -> int:
    """A number (decimal or 0x hexadecimal) or one of `names`, from 0 to `maximum`."""
    lower = text.lower()
    named = names.get(lower)
    if named is not None:
        return named
    try:
        value = int(lower, 16) if lower[:2] == "0x" else int(lower, 10)
    except ValueError:
        raise token.error(f"invalid {what} value '{text}'") from None
    if not 0 <= value <= maximum:
        raise token.error(f"{what} value out of range (0..{maximum})")
    return value


def _address(token: Token, text: str | None = None) -> bytes:
    try:
        return ipaddress.ip_address(token.text if text is None else text).packed
    except ValueError:
        raise token.error("invalid IP address") from None


# --- match ----------------------------------------------------------------------------------------


def _prefix(token: Token, afi: int) -> tuple[int, tuple[bytes, int, int]]:
    """`address[/length[/offset]]`: the address family and the (address, length, offset) component value."""
    parts = token.text.split("/")
    if len(parts) > 3:
        raise token.error("a flow prefix is ADDRESS/LENGTH (IPv6: ADDRESS/LENGTH/OFFSET)")
    packed = _address(token, parts[0])
    width = len(packed) * 8
    try:
        length = int(parts[1]) if len(parts) > 1 else width
        offset = int(parts[2]) if len(parts) > 2 else 0
    except ValueError:
        raise token.error("invalid prefix length or offset") from None
    found = AFI_IPV4 if width == 32 else AFI_IPV6
    if afi and afi != found:
        raise token.error(f"an IPv{4 if afi == AFI_IPV4 else 6} prefix is needed here")
    if not 0 <= length <= width:
        raise token.error(f"prefix length out of range (0..{width})")
    if offset and found == AFI_IPV4:
        raise token.error("an IPv4 flow prefix has no offset (RFC 8956 offsets are IPv6 only)")
    if not 0 <= offset <= length:
        raise token.error(f"prefix offset out of range (0..{length})")
    value = int.from_bytes(packed, "big") >> (width - length) << (width - length) if length else 0
    return found, (value.to_bytes(len(packed), "big"), length, offset)


def _terms(
    values: Sequence[Token], maximum: int, names: dict[str, int], what: str, bitmask: bool
) -> list[tuple[int, int]]:
    """The (operator, value) pairs of numeric or bitmask terms: `&` inside a token ANDs, tokens are ORed."""
    operators = _BITMASK_OPERATORS if bitmask else _NUMERIC_OPERATORS
    terms: list[tuple[int, int]] = []
    for token in values:
        parts = token.text.split("&")
        for index, part in enumerate(parts):
            if not part:
                if index == 0 and len(parts) > 1 and terms:
                    continue  # `&<8088`: ANDed with the term before
                raise token.error(f"invalid {what} expression")
            anded = _AND if index > 0 else 0
            lower = part.lower()
            if not bitmask and lower in ("true", "false"):
                terms.append((anded | (0x07 if lower == "true" else 0x00), 0))
                continue
            operator = 0
            for spelling, bits in operators:
                if part.startswith(spelling):
                    operator = bits
                    part = part[len(spelling) :]
                    break
            else:
                if not bitmask and part[:1] == "!":
                    raise token.error(f"invalid {what} operator (= > < >= <= != true false)")
                operator = 0 if bitmask else 0x01  # a bare number is an equality
            if not part:
                raise token.error(f"{what}: a value is missing after the operator")
            if bitmask:
                value = 0
                for bit in part.split("+"):
                    value |= _number(token, bit, maximum, names, what)
            else:
                value = _number(token, part, maximum, names, what)
            terms.append((anded | operator, value))
    return terms


def _components(
    match: Sequence[FlowStatement], afi_hint: int
) -> tuple[int, list[tuple[int, object]], Token | None]:
    """The components of the match statements, the address family they imply (0: none) and the token of
    the first IPv6-only keyword (flow-label must not reach an IPv4 rule)."""
    prefixes: dict[int, tuple[bytes, int, int]] = {}
    operators: dict[int, list[tuple[int, int]]] = {}
    afi = afi_hint
    ipv6_keyword: Token | None = None
    for statement in match:
        keyword = statement[0]
        name = keyword.text
        if name in _PREFIXES:
            kind, wanted = _PREFIXES[name]
            token = _single(statement)
            if kind in prefixes:
                raise keyword.error(f"the {'destination' if kind == 1 else 'source'} prefix is given twice")
            found, value = _prefix(token, wanted or afi)
            afi = found
            prefixes[kind] = value
        elif name in _NUMERIC or name in _BITMASK:
            bitmask = name in _BITMASK
            kind, maximum, names = _BITMASK[name] if bitmask else _NUMERIC[name]
            terms = _terms(_values(statement), maximum, names, name, bitmask)
            if terms[0][0] & _AND:
                raise keyword.error(f"the first term of '{name}' cannot be ANDed")
            operators.setdefault(kind, []).extend(terms)  # several statements: ORed, as one list
        else:
            raise keyword.error(f"'{name}' is not a flow match keyword")
        if name in _IPV6_ONLY and ipv6_keyword is None:
            ipv6_keyword = keyword
    components: list[tuple[int, object]] = [(kind, value) for kind, value in prefixes.items()]
    components.extend((kind, tuple(terms)) for kind, terms in operators.items())
    return afi, components, ipv6_keyword


# --- then -----------------------------------------------------------------------------------------


class _Actions:
    """What the `then` and `scope` statements say."""

    def __init__(self) -> None:
        self.communities: list[int] = []
        self.large_communities: list[tuple[int, int, int]] = []
        self.extended: list[bytes] = []
        self.ipv6_extended: list[bytes] = []
        self.next_hop: bytes | None = None
        self.needs_next_hop: Token | None = None

    def set_next_hop(self, token: Token, packed: bytes) -> None:
        if self.next_hop is not None and self.next_hop != packed:
            raise token.error("this flow route already has another next hop")
        self.next_hop = packed


def _rate(statement: FlowStatement) -> bytes:
    """`rate-limit N` (bytes per second) or `rate-limit N packets`."""
    values = _values(statement)
    head = _RATE_BYTES
    if len(values) == 2 and values[1].text.lower() in ("packets", "bytes"):
        head = _RATE_PACKETS if values[1].text.lower() == "packets" else _RATE_BYTES
    elif len(values) != 1:
        raise values[-1].error("rate-limit is N (bytes per second) or N packets")
    token = values[0]
    try:
        rate = float(token.text)
    except ValueError:
        raise token.error("invalid rate (a number per second)") from None
    if not math.isfinite(rate) or rate < 0:
        raise token.error("invalid rate (a number per second)")
    return head + struct.pack("!f", min(rate, _RATE_MAX))


def _redirect(statement: FlowStatement, actions: _Actions) -> None:
    """`redirect ASN:N`, `IPv4:N`, `[IPv6]:N`, or `IP` / `[IPv6]` (redirect to that next hop)."""
    keyword = statement[0]
    rest = statement[1:]
    if rest and rest[0].is_punct("["):
        # [IPv6] or [IPv6]:N (the tokenizer cut the brackets out)
        if len(rest) < 3 or not rest[2].is_punct("]") or len(rest) > 4:
            raise keyword.error("redirect takes [IPv6] or [IPv6]:N")
        target = rest[1]
        packed = _address(target)
        if len(rest) == 3:
            actions.extended.append(_REDIRECT_TO_NEXTHOP)
            actions.set_next_hop(target, packed)
            return
        tail = rest[3]
        if not tail.text.startswith(":") or len(packed) != 16:
            raise tail.error("redirect takes [IPv6]:N")
        number = _number(tail, tail.text[1:], 0xFFFF, _NO_NAMES, "redirect")
        actions.ipv6_extended.append(_REDIRECT_IPV6 + packed + struct.pack("!H", number))
        return
    token = _single(statement)
    text = token.text
    try:
        packed = ipaddress.ip_address(text).packed
    except ValueError:
        pass
    else:
        actions.extended.append(_REDIRECT_TO_NEXTHOP)
        actions.set_next_hop(token, packed)
        return
    admin, colon, local = text.rpartition(":")
    if not colon or not admin:
        raise token.error("redirect is ASN:N, IPv4:N, [IPv6]:N or an IP (redirect to that next hop)")
    if admin.count(".") == 3:
        address = _address(token, admin)
        if len(address) != 4:
            raise token.error("invalid IPv4 address")
        number = _number(token, local, 0xFFFF, _NO_NAMES, "redirect")
        actions.extended.append(_REDIRECT_IPV4 + address + struct.pack("!H", number))
        return
    four = admin[-1:] in ("L", "l")
    asn = _number(token, admin[:-1] if four else admin, 0xFFFFFFFF, _NO_NAMES, "redirect AS")
    if four or asn > 0xFFFF:
        number = _number(token, local, 0xFFFF, _NO_NAMES, "redirect (with a 4-byte AS)")
        actions.extended.append(_REDIRECT_AS4 + struct.pack("!IH", asn, number))
    else:
        number = _number(token, local, 0xFFFFFFFF, _NO_NAMES, "redirect")
        actions.extended.append(_REDIRECT_AS2 + struct.pack("!HI", asn, number))


def _then(statement: FlowStatement, actions: _Actions) -> None:
    keyword = statement[0]
    name = keyword.text
    if name in _NO_VALUE and len(statement) > 1:
        raise statement[1].error(f"'{name}' takes no value")
    if name == "accept":
        return
    if name == "discard":
        actions.extended.append(_DISCARD)
    elif name == "rate-limit":
        actions.extended.append(_rate(statement))
    elif name == "redirect":
        _redirect(statement, actions)
    elif name == "redirect-to-nexthop":
        actions.extended.append(_REDIRECT_TO_NEXTHOP)
        actions.needs_next_hop = keyword
    elif name == "redirect-to-nexthop-ietf":
        token = _single(statement)
        packed = _address(token)
        if len(packed) == 4:
            actions.extended.append(_NEXTHOP_IETF + packed + bytes(2))
        else:
            actions.ipv6_extended.append(_NEXTHOP_IETF_IPV6 + packed + bytes(2))
    elif name == "copy":
        token = _single(statement)
        actions.extended.append(_COPY_TO_NEXTHOP)
        actions.set_next_hop(token, _address(token))
    elif name == "mark":
        token = _single(statement)
        dscp = _number(token, token.text, 0x3F, _NO_NAMES, "mark (DSCP)")
        actions.extended.append(_MARK + bytes(5) + bytes((dscp,)))
    elif name == "action":
        token = _single(statement)
        bits = _ACTIONS.get(token.text.lower())
        if bits is None:
            raise token.error("action is sample, terminal or sample-terminal")
        actions.extended.append(_TRAFFIC_ACTION + bytes(5) + bytes((bits,)))
    elif name == "community":
        actions.communities.extend(_community(token) for token in _values(statement))
    elif name == "large-community":
        actions.large_communities.extend(_large_community(token) for token in _values(statement))
    elif name == "extended-community":
        actions.extended.extend(_ext_community(token) for token in _values(statement))
    else:
        raise keyword.error(f"'{name}' is not a flow action")


_INTERFACE_SET_RE = re.compile(r"(transitive|non-transitive):(input|output|input-output):(\d+):(\d+)")


def _scope(statement: FlowStatement, actions: _Actions) -> None:
    """`interface-set transitive|non-transitive:input|output|input-output:ASN:GROUP` (one or a list)."""
    keyword = statement[0]
    if keyword.text != "interface-set":
        raise keyword.error(f"'{keyword.text}' is not a flow scope keyword (interface-set)")
    for token in _values(statement):
        found = _INTERFACE_SET_RE.fullmatch(token.text.lower())
        if found is None:
            raise token.error(
                "interface-set is transitive|non-transitive:input|output|input-output:ASN:GROUP"
            )
        kind, direction, asn, group = found.groups()
        if int(asn) > 0xFFFFFFFF or int(group) > 0x3FFF:
            raise token.error("interface-set: ASN up to 4294967295, group up to 16383")
        local = _DIRECTIONS[direction] << 14 | int(group)
        actions.extended.append(_INTERFACE_SET[kind] + struct.pack("!IH", int(asn), local))


# --- the route ------------------------------------------------------------------------------------


def route_distinguisher(token: Token) -> bytes:
    """`ASN:N` (type 0, or type 2 for a 4-byte or `L` ASN) or `IPv4:N` (type 1), RFC 4364 §4.2."""
    admin, colon, local = token.text.rpartition(":")
    if not colon or not admin:
        raise token.error("a route distinguisher is ASN:N or IPv4:N")
    if admin.count(".") == 3:
        address = _address(token, admin)
        if len(address) != 4:
            raise token.error("invalid IPv4 address")
        return b"\x00\x01" + address + struct.pack("!H", _number(token, local, 0xFFFF, _NO_NAMES, "rd"))
    four = admin[-1:] in ("L", "l")
    asn = _number(token, admin[:-1] if four else admin, 0xFFFFFFFF, _NO_NAMES, "rd AS")
    if four or asn > 0xFFFF:
        return b"\x00\x02" + struct.pack("!IH", asn, _number(token, local, 0xFFFF, _NO_NAMES, "rd"))
    return b"\x00\x00" + struct.pack("!HI", asn, _number(token, local, 0xFFFFFFFF, _NO_NAMES, "rd"))


def flow_route(
    family: Family | None,
    match: Sequence[FlowStatement],
    then: Sequence[FlowStatement] = (),
    scope: Sequence[FlowStatement] = (),
    other: Sequence[FlowStatement] = (),
    at: Token | None = None,
) -> Route:
    """The flow route of these statements; raises ConfigError located on the faulty token.

    `family` is the one the text named (`announce ipv6 flow ...`, `announce { ipv4 { flow ... } }`), None
    to infer it: IPv6 when a prefix is IPv6 or an IPv6-only keyword is used, flow-vpn when there is an
    `rd`. `at` locates errors about the rule as a whole (no match component).
    """
    if family is not None and family not in FLOW_FAMILIES:
        raise ConfigError(f"{family_name(family)} is not a flow family")
    rd: bytes | None = None
    actions = _Actions()
    for statement in other:
        keyword = statement[0]
        if keyword.text in ("rd", "route-distinguisher"):
            if rd is not None:
                raise keyword.error("the route distinguisher is given twice")
            rd = route_distinguisher(_single(statement))
        elif keyword.text == "next-hop":
            token = _single(statement)
            actions.set_next_hop(token, _address(token))
        else:
            raise keyword.error(f"'{keyword.text}' is not a flow route keyword")
    if not match:
        message = "a flow route needs at least one match component (RFC 8955)"
        raise at.error(message) if at is not None else ConfigError(message)
    afi, components, ipv6_keyword = _components(match, family[0] if family is not None else 0)
    if not afi:
        afi = AFI_IPV6 if ipv6_keyword is not None else AFI_IPV4
    if afi == AFI_IPV4 and ipv6_keyword is not None and ipv6_keyword.text == "flow-label":
        raise ipv6_keyword.error("flow-label only matches IPv6 traffic")
    safi = (
        SAFI_FLOW_VPN if rd is not None or (family is not None and family[1] == SAFI_FLOW_VPN) else SAFI_FLOW
    )
    route_family = (afi, safi)
    if safi == SAFI_FLOW_VPN and rd is None:
        raise match[0][0].error(f"an {family_name(route_family)} route needs an rd")
    for statement in then:
        _then(statement, actions)
    for statement in scope:
        _scope(statement, actions)
    if actions.needs_next_hop is not None and actions.next_hop is None:
        raise actions.needs_next_hop.error("redirect-to-nexthop needs a next-hop (`next-hop IP;`)")
    try:
        nlri = encode_flow(afi, components, rd)
    except EncodeError as error:
        raise match[0][0].error(f"invalid flow rule: {error}") from None
    unknown: tuple[tuple[int, int, bytes], ...] = ()
    if actions.ipv6_extended:
        value = b"".join(sorted(actions.ipv6_extended))
        unknown = ((ATTR_IPV6_EXT_COMMUNITIES, _IPV6_EXT_FLAGS, value),)
    attributes = intern(
        Attributes(
            communities=tuple(actions.communities),
            ext_communities=tuple(sorted(actions.extended)),  # ExaBGP sends them in byte order
            large_communities=tuple(dict.fromkeys(actions.large_communities)),
            unknown=unknown,
        )
    )
    return Route(route_family, nlri, actions.next_hop, attributes)


def split_statements(tokens: Sequence[Token]) -> dict[str, list[list[Token]]]:
    """A keyword soup (`source 10.0.0.1/32 destination-port =80 discard`) cut into statements, by section.

    A statement runs from its keyword to the next keyword outside a `[ ... ]` list.
    """
    sections: dict[str, list[list[Token]]] = {"match": [], "then": [], "scope": [], "other": []}
    current: list[Token] | None = None
    depth = 0
    for token in tokens:
        section = None if token.quoted or depth else SECTION_OF.get(token.text)
        if section is not None:
            current = [token]
            sections[section].append(current)
            continue
        if current is None:
            raise token.error("unknown flow route keyword")
        if token.is_punct("["):
            depth += 1
        elif token.is_punct("]"):
            depth -= 1
        current.append(token)
    return sections
