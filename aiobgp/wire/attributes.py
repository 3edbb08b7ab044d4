"""Path attributes (RFC 4271 §4.3 and §5, RFC 6793, RFC 1997, RFC 4360, RFC 8092, RFC 7606).

``Attributes`` is the decoded, immutable, hashable form of one attribute set, minus NEXT_HOP and
the MP_REACH/MP_UNREACH attributes (those belong to the routes, not to the set). Equal sets compare
and hash equal, so they are interned and used as dictionary keys for UPDATE packing.

This module also holds the codec of such a set: ``parse_attributes`` decodes a path attribute
field, every attribute but MP_REACH/MP_UNREACH, with the error handling of RFC 7606 (the result is
an ``AttributeBlock``), and ``encode_attributes`` writes a set the way ExaBGP 5.0.15 does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import NamedTuple

from aiobgp.wire.constants import (
    AS_CONFED_SET,
    AS_SEQUENCE,
    AS_SET,
    AS_TRANS,
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
    ERR_UPDATE,
    FLAG_EXTENDED_LENGTH,
    FLAG_OPTIONAL,
    FLAG_PARTIAL,
    FLAG_TRANSITIVE,
    UPD_OPTIONAL_ATTRIBUTE,
    UPD_UNRECOGNIZED_WELLKNOWN,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import EncodeError, NotificationError

AsPath = tuple[tuple[int, tuple[int, ...]], ...]
"""AS_PATH segments as ``((segment_type, (asn, ...)), ...)``; segment types from constants."""


@dataclass(frozen=True, slots=True)
class Attributes:
    origin: int | None = None  # ORIGIN_IGP / ORIGIN_EGP / ORIGIN_INCOMPLETE; None = absent
    as_path: AsPath | None = None  # None = absent; () = present and empty
    med: int | None = None
    local_pref: int | None = None
    atomic_aggregate: bool = False
    aggregator: tuple[int, bytes] | None = None  # (asn, 4-byte router address)
    communities: tuple[int, ...] = ()  # 32-bit values, wire order
    originator_id: bytes | None = None  # 4 bytes
    cluster_list: tuple[bytes, ...] = ()  # 4 bytes each, wire order
    ext_communities: tuple[bytes, ...] = ()  # 8 bytes each, wire order
    large_communities: tuple[tuple[int, int, int], ...] = ()
    unknown: tuple[tuple[int, int, bytes], ...] = ()  # (type code, flags, value), wire order
    # computed once: attribute sets are dictionary keys on every hot path (RIB interning, packing)
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        fields = (
            self.origin,
            self.as_path,
            self.med,
            self.local_pref,
            self.atomic_aggregate,
            self.aggregator,
            self.communities,
            self.originator_id,
            self.cluster_list,
            self.ext_communities,
            self.large_communities,
            self.unknown,
        )
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash


EMPTY = Attributes()


class AttributeBlock(NamedTuple):
    """The decoded path attributes of one UPDATE, MP_REACH/MP_UNREACH excepted.

    ``attributes`` is None when the block held no attribute at all. ``withdraw_reason`` is not
    empty when RFC 7606 asks for treat-as-withdraw; ``discarded`` lists the attribute-discard notes.
    """

    attributes: Attributes | None
    next_hop: bytes | None
    withdraw_reason: str
    discarded: tuple[str, ...]
    has_origin: bool
    has_as_path: bool


Span = tuple[int, int, int, int]
"""One attribute inside a buffer: (flags, type code, value start, value end)."""

MP_CODES = (ATTR_MP_REACH_NLRI, ATTR_MP_UNREACH_NLRI)

# --- bounded caches ---------------------------------------------------------------------------------
# A full cache is emptied at once: about three times cheaper than forgetting its older half, which
# costs a lookup per key (a Python-level hash for Attributes) on dictionaries too big for the CPU
# caches. Each refills from the next messages.

_INTERN_MAX = 1 << 17
_VALUE_CACHE_MAX = 1 << 16
_INTERN: dict[Attributes, Attributes] = {}
_AS_PATH_CACHE: tuple[dict[bytes, AsPath | None], dict[bytes, AsPath | None]] = ({}, {})  # [asn4]
_COMMUNITY_CACHE: dict[bytes, tuple[int, ...]] = {}


def intern(attributes: Attributes) -> Attributes:
    """The shared instance equal to ``attributes``."""
    shared = _INTERN.setdefault(attributes, attributes)
    if len(_INTERN) > _INTERN_MAX:
        _INTERN.clear()
    return shared


def raw_attribute(data: bytes, span: Span) -> bytes:
    """The whole attribute (flags, type, length, value) of a span: the data of a NOTIFICATION."""
    flags, _, start, stop = span
    header = 4 if flags & FLAG_EXTENDED_LENGTH else 3
    return data[start - header : stop]


# --- decoding -----------------------------------------------------------------------------------

_AS_WORDS = (
    [struct.Struct(f">{count}H") for count in range(256)],
    [struct.Struct(f">{count}I") for count in range(256)],
)
_FLAGS_MASK = FLAG_OPTIONAL | FLAG_TRANSITIVE
_WELL_KNOWN = FLAG_TRANSITIVE
_OPTIONAL_TRANSITIVE = FLAG_OPTIONAL | FLAG_TRANSITIVE
_NAMES = {
    ATTR_ORIGIN: "ORIGIN",
    ATTR_AS_PATH: "AS_PATH",
    ATTR_NEXT_HOP: "NEXT_HOP",
    ATTR_MED: "MULTI_EXIT_DISC",
    ATTR_LOCAL_PREF: "LOCAL_PREF",
    ATTR_ATOMIC_AGGREGATE: "ATOMIC_AGGREGATE",
    ATTR_AGGREGATOR: "AGGREGATOR",
    ATTR_COMMUNITIES: "COMMUNITIES",
    ATTR_ORIGINATOR_ID: "ORIGINATOR_ID",
    ATTR_CLUSTER_LIST: "CLUSTER_LIST",
    ATTR_EXTENDED_COMMUNITIES: "EXTENDED_COMMUNITIES",
    ATTR_AS4_PATH: "AS4_PATH",
    ATTR_AS4_AGGREGATOR: "AS4_AGGREGATOR",
    ATTR_LARGE_COMMUNITY: "LARGE_COMMUNITY",
}
# the Optional and Transitive bits each known attribute must carry (RFC 7606 §3 c), by type code;
# -1: not an attribute this module decodes
_EXPECTED = [-1] * 256
for _code in _NAMES:
    _EXPECTED[_code] = _OPTIONAL_TRANSITIVE
for _code in (ATTR_ORIGIN, ATTR_AS_PATH, ATTR_NEXT_HOP, ATTR_LOCAL_PREF, ATTR_ATOMIC_AGGREGATE):
    _EXPECTED[_code] = _WELL_KNOWN
for _code in (ATTR_MED, ATTR_ORIGINATOR_ID, ATTR_CLUSTER_LIST):
    _EXPECTED[_code] = FLAG_OPTIONAL
_EXPECTED_FLAGS = tuple(_EXPECTED)
del _EXPECTED, _code
# attributes whose faults are handled by "attribute discard" rather than treat-as-withdraw
_DISCARDABLE = frozenset({ATTR_ATOMIC_AGGREGATE, ATTR_AGGREGATOR, ATTR_AS4_PATH, ATTR_AS4_AGGREGATOR})


def decode_as_path(value: bytes, asn4: bool) -> AsPath | None:
    """AS_PATH / AS4_PATH segments of 2- or 4-octet ASNs; None when malformed (RFC 7606 §7.2)."""
    cache = _AS_PATH_CACHE[asn4]
    found = cache.get(value, cache)
    if found is not cache:
        return found  # type: ignore[return-value]
    words = _AS_WORDS[asn4]
    width = 4 if asn4 else 2
    end = len(value)
    result: AsPath | None = None
    if end > 1 and value[0] == AS_SEQUENCE and end == 2 + value[1] * width and value[1]:
        result = ((AS_SEQUENCE, words[value[1]].unpack_from(value, 2)),)  # the usual single sequence
    else:
        segments: list[tuple[int, tuple[int, ...]]] = []
        pos = 0
        while pos < end:
            if pos + 2 > end:
                break
            kind = value[pos]
            count = value[pos + 1]
            stop = pos + 2 + count * width
            if not AS_SET <= kind <= AS_CONFED_SET or not count or stop > end:
                break
            segments.append((kind, words[count].unpack_from(value, pos + 2)))
            pos = stop
        else:
            result = tuple(segments)
    if len(cache) >= _VALUE_CACHE_MAX:
        cache.clear()
    cache[value] = result
    return result


def _path_length(path: AsPath) -> int:
    """How many ASNs a path counts for RFC 6793 §4.2.3 (a set counts 1, confederation parts 0)."""
    total = 0
    for kind, asns in path:
        if kind == AS_SEQUENCE:
            total += len(asns)
        elif kind == AS_SET:
            total += 1
    return total


def merge_as4_path(as_path: AsPath, as4_path: AsPath) -> AsPath:
    """RFC 6793 §4.2.3: the path an OLD speaker saw, rebuilt from AS_PATH and AS4_PATH."""
    keep = _path_length(as_path) - _path_length(as4_path)
    if keep < 0:
        return as_path
    merged: list[tuple[int, tuple[int, ...]]] = []
    for kind, asns in as_path:
        if kind in (AS_SEQUENCE, AS_SET):
            if not keep:
                break
            merged.append((kind, asns[:keep] if kind == AS_SEQUENCE else asns))
            keep -= min(keep, len(asns)) if kind == AS_SEQUENCE else 1
        else:  # confederation segments count for nothing and stay in front (RFC 5065)
            merged.append((kind, asns))
    tail = list(as4_path)
    if merged and tail and merged[-1][0] == AS_SEQUENCE and tail[0][0] == AS_SEQUENCE:
        merged[-1] = (AS_SEQUENCE, merged[-1][1] + tail.pop(0)[1])  # one sequence across the seam
    return (*merged, *tail)


def _communities(value: bytes) -> tuple[int, ...]:
    found = _COMMUNITY_CACHE.get(value)
    if found is None:
        found = struct.unpack(f">{len(value) // 4}I", value)
        if len(_COMMUNITY_CACHE) >= _VALUE_CACHE_MAX:
            _COMMUNITY_CACHE.clear()
        _COMMUNITY_CACHE[value] = found
    return found


def parse_attributes(
    data: bytes, start: int, end: int, asn4: bool, ibgp: bool
) -> tuple[AttributeBlock, list[Span]]:
    """Decode the path attribute field ``data[start:end]`` with the error handling of RFC 7606.

    MP_REACH_NLRI / MP_UNREACH_NLRI are not decoded: their spans are returned next to the block.
    Raises NotificationError 3/2 for an unrecognized well-known attribute (RFC 4271 §6.3).
    """
    origin: int | None = None
    as_path: AsPath | None = None
    med: int | None = None
    local_pref: int | None = None
    atomic = False
    aggregator: tuple[int, bytes] | None = None
    communities: tuple[int, ...] = ()
    originator: bytes | None = None
    clusters: tuple[bytes, ...] = ()
    extended: tuple[bytes, ...] = ()
    large: tuple[tuple[int, int, int], ...] = ()
    unknown: list[tuple[int, int, bytes]] = []
    next_hop: bytes | None = None
    as4_path: AsPath | None = None
    as4_aggregator: tuple[int, bytes] | None = None
    notes: list[str] = []
    mp: list[Span] = []
    reason = ""
    seen = 0
    pos = start
    while pos < end:
        flags = data[pos]
        if flags & FLAG_EXTENDED_LENGTH:
            if pos + 4 > end:
                reason = reason or "attribute header truncated"  # RFC 7606 §4
                break
            first = pos + 4
            stop = first + ((data[pos + 2] << 8) | data[pos + 3])
        else:
            if pos + 3 > end:
                reason = reason or "attribute header truncated"
                break
            first = pos + 3
            stop = first + data[pos + 2]
        code = data[pos + 1]
        if stop > end:
            if code in MP_CODES:  # its routes cannot even be withdrawn (RFC 7606 §5.3)
                raise NotificationError(
                    ERR_UPDATE,
                    UPD_OPTIONAL_ATTRIBUTE,
                    data[pos:end],
                    f"attribute {code} overruns the path attributes",
                )
            reason = reason or f"attribute {code} overruns the path attributes"
            break
        pos = stop
        if code in MP_CODES:
            mp.append((flags, code, first, stop))
            continue
        bit = 1 << code
        if seen & bit:
            notes.append(f"repeated attribute {code} discarded")
            continue
        seen |= bit
        length = stop - first
        expected = _EXPECTED_FLAGS[code]
        if expected < 0:
            if not flags & FLAG_OPTIONAL:
                raise NotificationError(
                    ERR_UPDATE,
                    UPD_UNRECOGNIZED_WELLKNOWN,
                    raw_attribute(data, (flags, code, first, stop)),
                    f"unrecognized well-known attribute {code}",
                )
            if flags & FLAG_TRANSITIVE:
                unknown.append((code, (flags | FLAG_PARTIAL) & 0xF0, data[first:stop]))
            continue
        fault = ""
        if flags & _FLAGS_MASK != expected:
            fault = f"{_NAMES[code]} has wrong flags 0x{flags:02x}"
        elif code == ATTR_ORIGIN:
            if length == 1 and data[first] <= 2:
                origin = data[first]
            else:
                fault = "ORIGIN is malformed"
        elif code == ATTR_AS_PATH:
            as_path = decode_as_path(data[first:stop], asn4)
            if as_path is None:
                fault = "AS_PATH is malformed"
        elif code == ATTR_NEXT_HOP:
            if length == 4:
                next_hop = data[first:stop]
            else:
                fault = f"NEXT_HOP has length {length}"
        elif code == ATTR_MED:
            if length == 4:
                med = int.from_bytes(data[first:stop], "big")
            else:
                fault = f"MULTI_EXIT_DISC has length {length}"
        elif code == ATTR_LOCAL_PREF:
            if length != 4:
                fault = f"LOCAL_PREF has length {length}"
            elif ibgp:
                local_pref = int.from_bytes(data[first:stop], "big")
            else:
                notes.append("LOCAL_PREF from an external peer discarded")
        elif code == ATTR_COMMUNITIES:
            if length and not length & 3:
                communities = _communities(data[first:stop])
            else:
                fault = f"COMMUNITIES has length {length}"
        elif code == ATTR_ATOMIC_AGGREGATE:
            if length:
                fault = f"ATOMIC_AGGREGATE has length {length}"
            else:
                atomic = True
        elif code == ATTR_AGGREGATOR:
            if length == (8 if asn4 else 6):
                aggregator = (int.from_bytes(data[first : stop - 4], "big"), data[stop - 4 : stop])
            else:
                fault = f"AGGREGATOR has length {length}"
        elif code == ATTR_ORIGINATOR_ID:
            if length == 4:
                originator = data[first:stop]
            else:
                fault = f"ORIGINATOR_ID has length {length}"
        elif code == ATTR_CLUSTER_LIST:
            if length and not length & 3:
                clusters = tuple(data[at : at + 4] for at in range(first, stop, 4))
            else:
                fault = f"CLUSTER_LIST has length {length}"
        elif code == ATTR_EXTENDED_COMMUNITIES:
            if length and not length & 7:
                extended = tuple(data[at : at + 8] for at in range(first, stop, 8))
            else:
                fault = f"EXTENDED_COMMUNITIES has length {length}"
        elif code == ATTR_LARGE_COMMUNITY:
            if length and not length % 12:
                values = struct.unpack(f">{length // 4}I", data[first:stop])
                triples = zip(values[0::3], values[1::3], values[2::3], strict=True)
                large = tuple(dict.fromkeys(triples))  # RFC 8092 §5: duplicates removed
            else:
                fault = f"LARGE_COMMUNITY has length {length}"
        elif asn4:  # AS4_PATH / AS4_AGGREGATOR from a NEW speaker (RFC 6793 §4.1)
            notes.append(f"{_NAMES[code]} from a 4-octet AS speaker discarded")
        elif code == ATTR_AS4_PATH:
            as4_path = decode_as_path(data[first:stop], True)
            if as4_path is None:
                fault = "AS4_PATH is malformed"
            else:  # RFC 6793 §6: confederation segments are not expected in AS4_PATH
                as4_path = tuple(seg for seg in as4_path if seg[0] in (AS_SEQUENCE, AS_SET))
        elif length == 8:
            as4_aggregator = (int.from_bytes(data[first : first + 4], "big"), data[first + 4 : stop])
        else:
            fault = f"AS4_AGGREGATOR has length {length}"
        if fault:
            if code in _DISCARDABLE:
                notes.append(fault + ", attribute discarded")
            elif not reason:
                reason = fault
    if as4_path is not None or as4_aggregator is not None:
        # RFC 6793 §4.2.3: an AGGREGATOR not carrying AS_TRANS voids both AS4 attributes
        if aggregator is not None and aggregator[0] != AS_TRANS:
            notes.append("AS4_PATH/AS4_AGGREGATOR ignored: AGGREGATOR does not carry AS_TRANS")
        else:
            if as4_aggregator is not None and aggregator is not None:
                aggregator = as4_aggregator
            if as4_path is not None and as_path is not None:
                as_path = merge_as4_path(as_path, as4_path)
    attributes: Attributes | None = None
    if seen:
        attributes = Attributes(
            origin,
            as_path,
            med,
            local_pref,
            atomic,
            aggregator,
            communities,
            originator,
            clusters,
            extended,
            large,
            tuple(unknown) if unknown else (),
        )
        attributes = intern(attributes)
    block = AttributeBlock(
        attributes, next_hop, reason, tuple(notes) if notes else (), origin is not None, as_path is not None
    )
    return block, mp


def decode_attributes(block: bytes, asn4: bool = True, ibgp: bool = True) -> AttributeBlock:
    """Decode a whole path attribute field that holds no MP_REACH/MP_UNREACH attribute."""
    decoded, mp = parse_attributes(block, 0, len(block), asn4, ibgp)
    if mp:
        raise ValueError("MP_REACH_NLRI / MP_UNREACH_NLRI belong to an UPDATE, not to a set")
    return decoded


# --- encoding -----------------------------------------------------------------------------------

_ORIGINS = tuple(b"\x40\x01\x01" + bytes((value,)) for value in range(256))
_ATOMIC = b"\x40\x06\x00"


def attribute(flags: int, code: int, value: bytes) -> bytes:
    """One attribute; the Extended Length bit is set when (and only when) the value needs it."""
    length = len(value)
    if length > 255 or flags & FLAG_EXTENDED_LENGTH:
        if length > 0xFFFF:
            raise EncodeError(f"attribute {code} is too long ({length} bytes)")
        return struct.pack(">BBH", flags | FLAG_EXTENDED_LENGTH, code, length) + value
    return struct.pack(">BBB", flags, code, length) + value


def encode_as_path(path: AsPath, asn4: bool) -> bytes:
    """AS_PATH segments (segments over 255 ASNs are cut); ASNs above 65535 become AS_TRANS in 2 octets."""
    out = []
    for kind, asns in path:
        if not asns:
            continue
        if not asn4:
            asns = tuple(asn if asn <= 0xFFFF else AS_TRANS for asn in asns)
        words = _AS_WORDS[asn4]
        for first in range(0, len(asns), 255):
            chunk = asns[first : first + 255]
            out.append(bytes((kind, len(chunk))) + words[len(chunk)].pack(*chunk))
    return b"".join(out)


def encode_attributes(attrs: Attributes, ctx: Negotiated, *, next_hop: bytes | None = None) -> bytes:
    """The path attribute field of ``attrs`` without MP attributes, as ExaBGP 5.0.15 writes it.

    Ascending type codes; ORIGIN IGP when absent; AS_PATH empty (iBGP) or [local AS] (eBGP) when
    absent; LOCAL_PREF 100 by default on iBGP and never sent on eBGP; NEXT_HOP when ``next_hop``
    (4 bytes) is given; AS4_PATH / AS4_AGGREGATOR when the peer lacks 4-octet ASNs and needs them.
    """
    try:
        return _encode(attrs, ctx, next_hop)
    except (struct.error, OverflowError, TypeError) as exc:
        raise EncodeError(f"cannot encode path attributes: {exc}") from None


def _encode(attrs: Attributes, ctx: Negotiated, next_hop: bytes | None) -> bytes:
    asn4 = ctx.asn4
    ibgp = ctx.ibgp
    origin = attrs.origin or 0
    if not 0 <= origin <= 255:
        raise EncodeError(f"ORIGIN {origin} is out of range")
    parts: list[tuple[int, bytes]] = [(ATTR_ORIGIN, _ORIGINS[origin])]
    path = attrs.as_path
    if path is None:
        path = () if ibgp else ((AS_SEQUENCE, (ctx.local_as,)),)
    parts.append((ATTR_AS_PATH, attribute(FLAG_TRANSITIVE, ATTR_AS_PATH, encode_as_path(path, asn4))))
    if next_hop is not None:
        if len(next_hop) != 4:
            raise EncodeError(f"a NEXT_HOP attribute is 4 bytes, not {len(next_hop)}")
        parts.append((ATTR_NEXT_HOP, b"\x40\x03\x04" + next_hop))
    if attrs.med is not None:
        parts.append((ATTR_MED, b"\x80\x04\x04" + struct.pack(">I", attrs.med)))
    if ibgp:
        preference = 100 if attrs.local_pref is None else attrs.local_pref
        parts.append((ATTR_LOCAL_PREF, b"\x40\x05\x04" + struct.pack(">I", preference)))
    if attrs.atomic_aggregate:
        parts.append((ATTR_ATOMIC_AGGREGATE, _ATOMIC))
    aggregator4 = b""
    if attrs.aggregator is not None:
        asn, address = attrs.aggregator
        if len(address) != 4:
            raise EncodeError("an AGGREGATOR address is 4 bytes")
        if asn4:
            parts.append((ATTR_AGGREGATOR, b"\xc0\x07\x08" + struct.pack(">I", asn) + address))
        else:
            parts.append(
                (
                    ATTR_AGGREGATOR,
                    b"\xc0\x07\x06" + struct.pack(">H", AS_TRANS if asn > 0xFFFF else asn) + address,
                )
            )
            if asn > 0xFFFF:
                aggregator4 = b"\xc0\x12\x08" + struct.pack(">I", asn) + address
    if attrs.communities:
        value = struct.pack(f">{len(attrs.communities)}I", *attrs.communities)
        parts.append((ATTR_COMMUNITIES, attribute(_OPTIONAL_TRANSITIVE, ATTR_COMMUNITIES, value)))
    if attrs.originator_id is not None:
        if len(attrs.originator_id) != 4:
            raise EncodeError("an ORIGINATOR_ID is 4 bytes")
        parts.append((ATTR_ORIGINATOR_ID, b"\x80\x09\x04" + attrs.originator_id))
    if attrs.cluster_list:
        value = _fixed(attrs.cluster_list, 4, "CLUSTER_LIST")
        parts.append((ATTR_CLUSTER_LIST, attribute(FLAG_OPTIONAL, ATTR_CLUSTER_LIST, value)))
    if attrs.ext_communities:
        value = _fixed(attrs.ext_communities, 8, "EXTENDED_COMMUNITIES")
        parts.append(
            (ATTR_EXTENDED_COMMUNITIES, attribute(_OPTIONAL_TRANSITIVE, ATTR_EXTENDED_COMMUNITIES, value))
        )
    if not asn4 and any(asn > 0xFFFF for _, asns in path for asn in asns):
        as4 = tuple(seg for seg in path if seg[0] in (AS_SEQUENCE, AS_SET))
        parts.append(
            (ATTR_AS4_PATH, attribute(_OPTIONAL_TRANSITIVE, ATTR_AS4_PATH, encode_as_path(as4, True)))
        )
    if aggregator4:
        parts.append((ATTR_AS4_AGGREGATOR, aggregator4))
    if attrs.large_communities:
        value = b"".join(struct.pack(">III", *triple) for triple in attrs.large_communities)
        parts.append((ATTR_LARGE_COMMUNITY, attribute(_OPTIONAL_TRANSITIVE, ATTR_LARGE_COMMUNITY, value)))
    if attrs.unknown:
        parts.extend((code, attribute(flags, code, value)) for code, flags, value in attrs.unknown)
        parts.sort(key=lambda part: part[0])
    return b"".join(part for _, part in parts)


def _fixed(values: tuple[bytes, ...], size: int, name: str) -> bytes:
    if any(len(value) != size for value in values):
        raise EncodeError(f"every {name} entry is {size} bytes")
    return b"".join(values)
