"""FlowSpec NLRI: RFC 8955 (IPv4, SAFI 133 and 134) and RFC 8956 (IPv6).

A rule is a list of components ``(type, value)`` in ascending type order:

* types 1 and 2 (destination / source prefix): ``(address, plen, offset)``, the address packed in
  full (4 or 16 bytes) with the pattern bits in place; offset is always 0 for IPv4 and, for IPv6,
  below the length (or both 0);
* every other type: ``((operator, number), ...)`` where operator is the RFC 8955 operator byte
  without its end-of-list bit (0x80) and without its length bits (0x30). Numeric operators
  (types 3-8, 10, 11, 13) keep AND 0x40, LT 0x04, GT 0x02, EQ 0x01; bitmask operators (9 TCP flags,
  12 fragment) keep AND 0x40, NOT 0x02, MATCH 0x01. Reserved bits are ignored when decoding
  (RFC 8955 §4.2.1).

On the wire a rule is its length (1 octet, or 2 octets ``0xFnnn`` from 240 on) and its components,
preceded by an 8-byte route distinguisher in the flow-vpn families. The whole encoding, length
included, is the rule's key everywhere in aiobgp (as a prefix key is for unicast).

IPv6 prefixes are sent as RFC 8956 §3.1 writes them: length, offset, then only the bits from the
offset to the length. Before RFC 8956 some speakers (and ExaBGP's own test vectors) sent all the
address bytes up to the length instead; such a rule is accepted when, and only when, it cannot be
read as RFC 8956 (``decode_rule`` tries the RFC form first, then the legacy form).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

from aiobgp.wire.constants import AFI_IPV4, AFI_IPV6, SAFI_FLOW, SAFI_FLOW_VPN, Family
from aiobgp.wire.errors import EncodeError

DESTINATION = 1
SOURCE = 2
PROTOCOL = 3  # next header for IPv6
PORT = 4
DESTINATION_PORT = 5
SOURCE_PORT = 6
ICMP_TYPE = 7
ICMP_CODE = 8
TCP_FLAGS = 9
PACKET_LENGTH = 10
DSCP = 11  # traffic class for IPv6
FRAGMENT = 12
FLOW_LABEL = 13  # IPv6 only

END = 0x80
AND = 0x40
LT = 0x04
GT = 0x02
EQ = 0x01
NOT = 0x02
MATCH = 0x01

FLOW_FAMILIES: dict[Family, tuple[int, bool]] = {
    (AFI_IPV4, SAFI_FLOW): (AFI_IPV4, False),
    (AFI_IPV6, SAFI_FLOW): (AFI_IPV6, False),
    (AFI_IPV4, SAFI_FLOW_VPN): (AFI_IPV4, True),
    (AFI_IPV6, SAFI_FLOW_VPN): (AFI_IPV6, True),
}
"""The four FlowSpec families -> (afi of their prefixes, whether rules carry a route distinguisher)."""

Component = tuple[int, object]
Rule = tuple[bytes | None, tuple[Component, ...]]

BITMASK_TYPES = frozenset({TCP_FLAGS, FRAGMENT})
_LAST_TYPE = {AFI_IPV4: FRAGMENT, AFI_IPV6: FLOW_LABEL}
# largest number each operator type carries (the field it matches)
_MAXIMUM = {
    PROTOCOL: 0xFF,
    PORT: 0xFFFF,
    DESTINATION_PORT: 0xFFFF,
    SOURCE_PORT: 0xFFFF,
    ICMP_TYPE: 0xFF,
    ICMP_CODE: 0xFF,
    TCP_FLAGS: 0xFFFF,
    PACKET_LENGTH: 0xFFFF,
    DSCP: 0xFF,
    FRAGMENT: 0xFF,
    FLOW_LABEL: 0xFFFFF,
}
_NUMERIC_BITS = AND | LT | GT | EQ
_BITMASK_BITS = AND | NOT | MATCH
_ADDRESS_BYTES = {AFI_IPV4: 4, AFI_IPV6: 16}


# --- encoding -----------------------------------------------------------------------------------


def _value_bytes(number: int) -> tuple[int, bytes]:
    """(length bits of the operator, value) in the smallest of 1, 2, 4 or 8 octets."""
    if number <= 0xFF:
        return 0x00, bytes((number,))
    if number <= 0xFFFF:
        return 0x10, number.to_bytes(2, "big")
    if number <= 0xFFFFFFFF:
        return 0x20, number.to_bytes(4, "big")
    return 0x30, number.to_bytes(8, "big")


def _encode_prefix(afi: int, kind: int, value: object) -> bytes:
    if not isinstance(value, tuple) or len(value) != 3:
        raise EncodeError(f"flow component {kind} needs (address, length, offset)")
    address, plen, offset = value
    if not isinstance(address, bytes) or not isinstance(plen, int) or not isinstance(offset, int):
        raise EncodeError(f"flow component {kind} needs (address, length, offset)")
    size = _ADDRESS_BYTES[afi]
    if len(address) != size:
        family = "IPv6" if len(address) == 16 else "IPv4" if len(address) == 4 else "invalid"
        raise EncodeError(f"{family} prefix in an {'IPv4' if afi == AFI_IPV4 else 'IPv6'} flow rule")
    bits = size * 8
    if not 0 <= plen <= bits:
        raise EncodeError(f"flow prefix length {plen} is out of range")
    if afi == AFI_IPV4:
        if offset:
            raise EncodeError("an IPv4 flow prefix has no offset")
        count = (plen + 7) // 8
        pattern = int.from_bytes(address[:count], "big") if count else 0
        pattern &= ~((1 << (count * 8 - plen)) - 1)  # host bits cleared
        return bytes((kind, plen)) + pattern.to_bytes(count, "big")
    if offset < 0 or (offset >= plen and plen):
        raise EncodeError(f"flow prefix offset {offset} is not below its length {plen}")
    width = plen - offset
    count = (width + 7) // 8
    pattern = (int.from_bytes(address, "big") >> (bits - plen)) & ((1 << width) - 1)
    return bytes((kind, plen, offset)) + (pattern << (count * 8 - width)).to_bytes(count, "big")


def _encode_operations(kind: int, value: object) -> bytes:
    if not isinstance(value, (tuple, list)) or not value:
        raise EncodeError(f"flow component {kind} needs at least one (operator, value) pair")
    allowed = _BITMASK_BITS if kind in BITMASK_TYPES else _NUMERIC_BITS
    maximum = _MAXIMUM[kind]
    out = bytearray((kind,))
    last = len(value) - 1
    for index, pair in enumerate(value):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise EncodeError(f"flow component {kind}: {pair!r} is not an (operator, value) pair")
        operator, number = pair
        if not isinstance(operator, int) or operator & ~allowed or operator < 0:
            raise EncodeError(f"flow component {kind}: invalid operator {operator!r}")
        if not isinstance(number, int) or not 0 <= number <= maximum:
            raise EncodeError(f"flow component {kind}: value {number!r} is out of range")
        length, raw = _value_bytes(number)
        out.append(operator | length | (END if index == last else 0))
        out += raw
    return bytes(out)


def encode_flow(afi: int, components: Sequence[tuple[int, object]], rd: bytes | None = None) -> bytes:
    """One flow rule as on the wire: its length (1 or 2 octets), ``rd`` (flow-vpn), the components
    sorted by type. Raises EncodeError on invalid input."""
    if afi not in _ADDRESS_BYTES:
        raise EncodeError(f"no flow rules for afi {afi}")
    if not components:
        raise EncodeError("a flow rule needs at least one component")
    ordered = sorted(components, key=lambda component: component[0])
    parts = []
    if rd is not None:
        if len(rd) != 8:
            raise EncodeError("a route distinguisher is 8 bytes")
        parts.append(bytes(rd))
    previous = 0
    for kind, value in ordered:
        if not isinstance(kind, int) or not 1 <= kind <= _LAST_TYPE[afi]:
            raise EncodeError(f"flow component type {kind!r} is invalid for afi {afi}")
        if kind == previous:
            raise EncodeError(f"flow component {kind} is repeated")
        previous = kind
        if kind in (DESTINATION, SOURCE):
            parts.append(_encode_prefix(afi, kind, value))
        else:
            parts.append(_encode_operations(kind, value))
    body = b"".join(parts)
    size = len(body)
    if size < 0xF0:
        return bytes((size,)) + body
    if size <= 0xFFF:
        return (0xF000 | size).to_bytes(2, "big") + body
    raise EncodeError(f"flow rule of {size} bytes exceeds the 4095 bytes of its length field")


# --- decoding -----------------------------------------------------------------------------------


def split_flows(data: bytes | memoryview, vpn: bool) -> list[bytes]:
    """Cut an NLRI field into rule keys (length prefix included); ValueError when a length overruns
    the field. The rules' contents are not checked here (see ``decode_rule``)."""
    if type(data) is not bytes:
        data = bytes(data)
    keys: list[bytes] = []
    end = len(data)
    pos = 0
    while pos < end:
        first = data[pos]
        if first >= 0xF0:
            if pos + 2 > end:
                raise ValueError("flow rule length truncated")
            start = pos + 2
            stop = start + (((first & 0x0F) << 8) | data[pos + 1])
        else:
            start = pos + 1
            stop = start + first
        if stop > end:
            raise ValueError(f"flow rule of {stop - start} bytes overruns the NLRI field")
        if vpn and stop - start < 8:
            raise ValueError("flow-vpn rule shorter than its route distinguisher")
        keys.append(data[pos:stop])
        pos = stop
    return keys


def _prefix(afi: int, body: bytes, pos: int, end: int, legacy: bool) -> tuple[object, int]:
    """A prefix component's value and the position after it."""
    if afi == AFI_IPV4:
        if pos >= end:
            raise ValueError("flow prefix truncated")
        plen = body[pos]
        if plen > 32:
            raise ValueError(f"flow prefix length {plen} is too long for IPv4")
        stop = pos + 1 + (plen + 7) // 8
        if stop > end:
            raise ValueError("flow prefix truncated")
        return (body[pos + 1 : stop].ljust(4, b"\x00"), plen, 0), stop
    if pos + 2 > end:
        raise ValueError("flow prefix truncated")
    plen = body[pos]
    offset = body[pos + 1]
    if plen > 128:
        raise ValueError(f"flow prefix length {plen} is too long for IPv6")
    if offset >= plen and plen:  # no pattern bit at all: refused, as ExaBGP 5.0.15 does
        raise ValueError(f"flow prefix offset {offset} is not below its length {plen}")
    first = 0 if legacy else offset  # legacy: every bit from the start of the address
    count = (plen - first + 7) // 8
    stop = pos + 2 + count
    if stop > end:
        raise ValueError("flow prefix truncated")
    pattern = int.from_bytes(body[pos + 2 : stop], "big")
    shift = 128 - first - count * 8
    address = pattern << shift if shift >= 0 else pattern >> -shift
    return (address.to_bytes(16, "big"), plen, offset), stop


def _operations(kind: int, body: bytes, pos: int, end: int) -> tuple[object, int]:
    """An operator component's (operator, value) pairs and the position after them."""
    mask = _BITMASK_BITS if kind in BITMASK_TYPES else _NUMERIC_BITS
    pairs = []
    while True:
        if pos >= end:
            raise ValueError(f"flow component {kind}: operator list not terminated")
        operator = body[pos]
        stop = pos + 1 + (1 << ((operator >> 4) & 3))
        if stop > end:
            raise ValueError(f"flow component {kind}: value truncated")
        pairs.append((operator & mask, int.from_bytes(body[pos + 1 : stop], "big")))
        pos = stop
        if operator & END:
            return tuple(pairs), pos


def _components(afi: int, body: bytes, start: int, legacy: bool) -> tuple[Component, ...]:
    components: list[Component] = []
    last_type = _LAST_TYPE[afi]
    previous = 0
    pos = start
    end = len(body)
    while pos < end:
        kind = body[pos]
        if not 1 <= kind <= last_type:
            raise ValueError(f"flow component type {kind} is unknown for afi {afi}")
        if kind <= previous:
            raise ValueError(f"flow component {kind} out of order or repeated")
        previous = kind
        if kind in (DESTINATION, SOURCE):
            value, pos = _prefix(afi, body, pos + 1, end, legacy)
        else:
            value, pos = _operations(kind, body, pos + 1, end)
        components.append((kind, value))
    if not components:
        raise ValueError("flow rule without component")
    return tuple(components)


_RULE_CACHE: dict[tuple[bytes, int, bool], Rule | str] = {}
_RULE_CACHE_MAX = 1 << 14


def decode_rule(key: bytes, afi: int, vpn: bool) -> Rule:
    """``(rd or None, components)`` of one rule key (as ``split_flows`` cuts them); ValueError when
    malformed. Results are cached by key."""
    found = _RULE_CACHE.get((key, afi, vpn))
    if found is None:
        try:
            found = _decode_rule(key, afi, vpn)
        except ValueError as exc:
            found = str(exc)
        if len(_RULE_CACHE) >= _RULE_CACHE_MAX:
            for old in list(islice(_RULE_CACHE, _RULE_CACHE_MAX // 2)):
                del _RULE_CACHE[old]
        _RULE_CACHE[(key, afi, vpn)] = found
    if isinstance(found, str):
        raise ValueError(found)
    return found


def _decode_rule(key: bytes, afi: int, vpn: bool) -> Rule:
    if afi not in _LAST_TYPE:
        raise ValueError(f"no flow rules for afi {afi}")
    if not key:
        raise ValueError("empty flow rule")
    start = 2 if key[0] >= 0xF0 else 1
    size = ((key[0] & 0x0F) << 8 | key[1]) if start == 2 and len(key) > 1 else key[0]
    if len(key) != start + size:
        raise ValueError("flow rule length does not match its data")
    rd = None
    if vpn:
        if size < 8:
            raise ValueError("flow-vpn rule shorter than its route distinguisher")
        rd = key[start : start + 8]
        start += 8
    try:
        return rd, _components(afi, key, start, False)
    except ValueError as exc:
        if afi != AFI_IPV6:
            raise
        error = exc
    try:  # the pre-RFC 8956 IPv6 prefix form, accepted only when the RFC form does not parse
        return rd, _components(afi, key, start, True)
    except ValueError:
        raise error from None


def decode_flow(data: bytes | memoryview, afi: int, vpn: bool) -> list[tuple[bytes | None, list[Component]]]:
    """Every rule of an MP_REACH/MP_UNREACH NLRI field as ``(rd or None, components)``; ValueError
    when any of them is malformed."""
    rules = (decode_rule(key, afi, vpn) for key in split_flows(data, vpn))
    return [(rd, list(components)) for rd, components in rules]
