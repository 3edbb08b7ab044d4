"""UPDATE messages: decoding with RFC 7606 error handling, and building packed UPDATEs.

Covers IPv4/IPv6 unicast and multicast NLRI (classic fields and RFC 4760 MP_REACH_NLRI /
MP_UNREACH_NLRI), the four FlowSpec families (aiobgp.wire.flow), End-of-RIB markers (RFC 4724 §2)
and the attribute rules of ExaBGP 5.0.15.

FlowSpec errors. RFC 7606 §7.3 answers a malformed MP_REACH_NLRI with a session reset (or disabling
the AFI/SAFI), and RFC 8955 §4.2 / §10 asks for treat-as-withdraw of malformed flow rules. aiobgp
splits the two cases: when the rules cannot even be delimited (a rule length overruns the attribute)
the attribute itself is malformed and the session is reset (NOTIFICATION 3/9); when every rule is
delimited but one has malformed content (unknown component type, components out of order or
repeated, truncated operator list, prefix longer than the address...) the UPDATE is handled as
treat-as-withdraw, ``Update.treat_as_withdraw`` naming the fault: the rule keys are known, so the
routes they replace can be removed. A malformed rule inside MP_UNREACH_NLRI is dropped with a note in
``Update.discarded``; the other rules are withdrawn. Flow rule keys are their wire encoding, length
prefix included; a flow MP_REACH_NLRI next hop of length 0 is ``None``.

Speed. The common UPDATE (4-octet ASNs, no ADD-PATH, IPv4/IPv6 unicast, usual attributes, nothing
for RFC 7606 to act on) is cut up by the C scanner ``aiobgp.wire._scan`` when it is built and
``AIOBGP_PURE_PYTHON`` is not set; it hands everything else back to the Python decoder below, which
gives identical Updates. Such an Update decodes its ``attributes`` from ``raw_attributes`` only when
they are read: consumers that key their work by ``raw_attributes`` never pay for the decoding.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

from aiobgp.wire.accelerators import pure_python
from aiobgp.wire.attributes import (
    MP_CODES,
    AttributeBlock,
    Attributes,
    Span,
    attribute,
    encode_attributes,
    parse_attributes,
    raw_attribute,
)
from aiobgp.wire.constants import (
    AFI_IPV4,
    AFI_IPV6,
    ATTR_MP_REACH_NLRI,
    ATTR_MP_UNREACH_NLRI,
    ERR_UPDATE,
    FLAG_EXTENDED_LENGTH,
    FLAG_OPTIONAL,
    FLAG_TRANSITIVE,
    HEADER_LEN,
    IPV4_UNICAST,
    IPV6_UNICAST,
    MARKER,
    SAFI_MULTICAST,
    SAFI_UNICAST,
    UPD_INVALID_NETWORK,
    UPD_MALFORMED_ATTRIBUTE_LIST,
    UPD_OPTIONAL_ATTRIBUTE,
    UPDATE,
    Family,
    family_name,
)
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.errors import EncodeError, NotificationError
from aiobgp.wire.flow import FLOW_FAMILIES, decode_rule, split_flows
from aiobgp.wire.nlri import split_prefixes

__all__ = [
    "Update",
    "build_updates",
    "build_withdrawals",
    "decode_update",
    "encode_attributes",
    "end_of_rib",
]


class Update:
    """One decoded UPDATE. Prefixes are keys (see aiobgp.wire.nlri).

    ``raw_attributes`` is the path attribute field with MP_REACH_NLRI / MP_UNREACH_NLRI cut out (b""
    when there is none, or for an Update built by hand): the key to cache anything derived from the
    attribute set. An Update from the C scanner decodes ``attributes`` from it on first access.
    """

    __slots__ = (
        "_attributes",
        "_mode",
        "announced",
        "discarded",
        "eor",
        "raw_attributes",
        "treat_as_withdraw",
        "withdrawn",
    )

    withdrawn: list[tuple[Family, list[bytes]]]  # classic IPv4 withdrawals first, then MP_UNREACH
    announced: list[tuple[Family, bytes | None, list[bytes]]]  # (family, packed next hop, prefixes)
    eor: Family | None  # End-of-RIB marker of that family
    treat_as_withdraw: str  # RFC 7606 reason: every announced prefix was moved to `withdrawn`
    discarded: tuple[str, ...]  # RFC 7606 attribute-discard notes
    raw_attributes: bytes
    _attributes: Attributes | None
    _mode: int  # block cache index (asn4 * 2 + ibgp) while ``attributes`` is not decoded yet, else -1

    def __init__(
        self,
        withdrawn: list[tuple[Family, list[bytes]]],
        announced: list[tuple[Family, bytes | None, list[bytes]]],
        attributes: Attributes | None,
        eor: Family | None = None,
        treat_as_withdraw: str = "",
        discarded: tuple[str, ...] = (),
        raw_attributes: bytes = b"",
    ) -> None:
        self.withdrawn = withdrawn
        self.announced = announced
        self._attributes = attributes
        self.eor = eor
        self.treat_as_withdraw = treat_as_withdraw
        self.discarded = discarded
        self.raw_attributes = raw_attributes
        self._mode = -1

    @property
    def attributes(self) -> Attributes | None:
        """The attribute set (None: no path attribute besides MP_REACH/MP_UNREACH)."""
        if self._mode >= 0:
            self._attributes = _cached_block(self.raw_attributes, self._mode).attributes
            self._mode = -1
        return self._attributes

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Update):
            return NotImplemented
        return (
            self.withdrawn == other.withdrawn
            and self.announced == other.announced
            and self.attributes == other.attributes
            and self.eor == other.eor
            and self.treat_as_withdraw == other.treat_as_withdraw
            and self.discarded == other.discarded
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return (
            f"Update(withdrawn={self.withdrawn!r}, announced={self.announced!r}, "
            f"attributes={self.attributes!r}, eor={self.eor!r}, "
            f"treat_as_withdraw={self.treat_as_withdraw!r}, discarded={self.discarded!r}, "
            f"raw_attributes={self.raw_attributes!r})"
        )


# families whose NLRI are plain prefixes -> their AFI
_PREFIX_FAMILIES: dict[Family, int] = {
    (AFI_IPV4, SAFI_UNICAST): AFI_IPV4,
    (AFI_IPV4, SAFI_MULTICAST): AFI_IPV4,
    (AFI_IPV6, SAFI_UNICAST): AFI_IPV6,
    (AFI_IPV6, SAFI_MULTICAST): AFI_IPV6,
}
_NEXT_HOP_LENGTHS = frozenset({4, 16, 32})  # IPv4, IPv6 global, IPv6 global + link-local
_FLOW_NEXT_HOP_LENGTHS = frozenset({0, 4, 16, 32})  # none, or the redirect / copy target
_MP_FLAGS = FLAG_OPTIONAL
_FLAGS_MASK = FLAG_OPTIONAL | FLAG_TRANSITIVE

_BLOCK_CACHE_MAX = 1 << 15
# decoded attribute blocks keyed by their raw bytes (MP attributes cut out), one per (asn4, ibgp)
_BLOCK_CACHES: tuple[dict[bytes, AttributeBlock], ...] = ({}, {}, {}, {})
_NO_BLOCK = AttributeBlock(None, None, "", (), False, False)

ScanResult = tuple[bytes, list[tuple[Family, list[bytes]]], list[tuple[Family, bytes | None, list[bytes]]]]


def _load_scan() -> Callable[[bytes, bool, bool], ScanResult | None] | None:
    """``aiobgp.wire._scan.scan`` when it is built and allowed, else None."""
    if pure_python():
        return None
    try:
        from aiobgp.wire import _scan
    except ImportError:  # not built: the Python decoder does everything
        return None
    return _scan.scan


scan = _load_scan()
"""The C scanner of the common UPDATEs (None: pure Python). ``scan(body, asn4, ibgp)`` returns
``(raw_attributes, withdrawn, announced)`` as ``decode_update`` builds them, or None when it leaves
the body to the Python decoder."""


def _cached_block(raw: bytes, mode: int) -> AttributeBlock:
    """The decoded attribute field ``raw`` (no MP attribute in it) through the block cache ``mode``."""
    cache = _BLOCK_CACHES[mode]
    found = cache.get(raw)
    if found is None:
        found, _ = parse_attributes(raw, 0, len(raw), mode >= 2, mode & 1 == 1)
        if len(cache) >= _BLOCK_CACHE_MAX:
            cache.clear()
        cache[raw] = found
    return found


def _mp_error(data: bytes, span: Span, why: str) -> NotificationError:
    """RFC 7606 §7.11 / §5.3: a malformed MP attribute resets the session (3/9, the attribute as data)."""
    name = "MP_REACH_NLRI" if span[1] == ATTR_MP_REACH_NLRI else "MP_UNREACH_NLRI"
    return NotificationError(ERR_UPDATE, UPD_OPTIONAL_ATTRIBUTE, raw_attribute(data, span), f"{name}: {why}")


def decode_update(body: bytes | memoryview, ctx: Negotiated) -> Update:
    """Decode an UPDATE body (the bytes after the 19-byte header).

    Raises NotificationError only where RFC 4271 / RFC 7606 require a session reset; every other
    fault is reported on the returned Update (``treat_as_withdraw``, ``discarded``).
    """
    data = body if type(body) is bytes else bytes(body)
    if scan is not None:
        paths = ctx.addpath_receive
        if not paths or (IPV4_UNICAST not in paths and IPV6_UNICAST not in paths):
            ibgp = ctx.local_as == ctx.peer_as
            scanned = scan(data, ctx.asn4, ibgp)
            if scanned is not None:
                update = Update.__new__(Update)
                update.raw_attributes = raw = scanned[0]
                update.withdrawn = scanned[1]
                update.announced = scanned[2]
                update.eor = None
                update.treat_as_withdraw = ""
                update.discarded = ()
                if raw:
                    update._mode = ctx.asn4 * 2 + ibgp
                else:
                    update._attributes = None
                    update._mode = -1
                return update
    size = len(data)
    if size < 4:
        raise NotificationError(ERR_UPDATE, UPD_MALFORMED_ATTRIBUTE_LIST, reason="UPDATE body under 4 bytes")
    attr_start = ((data[0] << 8) | data[1]) + 4
    if attr_start > size:
        raise NotificationError(
            ERR_UPDATE, UPD_MALFORMED_ATTRIBUTE_LIST, reason="withdrawn routes length exceeds the UPDATE"
        )
    attr_end = attr_start + ((data[attr_start - 2] << 8) | data[attr_start - 1])
    if attr_end > size:
        raise NotificationError(
            ERR_UPDATE, UPD_MALFORMED_ATTRIBUTE_LIST, reason="total path attribute length exceeds the UPDATE"
        )
    if size == 4:
        return Update([], [], None, IPV4_UNICAST)

    withdrawn: list[tuple[Family, list[bytes]]] = []
    nlri: list[bytes] = []
    if attr_start > 4 or attr_end < size:
        addpath = IPV4_UNICAST in ctx.addpath_receive
        try:
            if attr_start > 4:
                withdrawn.append((IPV4_UNICAST, split_prefixes(data[2 : attr_start - 2], AFI_IPV4, addpath)))
            if attr_end < size:
                nlri = split_prefixes(data[attr_end:], AFI_IPV4, addpath)
        except ValueError as exc:
            raise NotificationError(ERR_UPDATE, UPD_INVALID_NETWORK, reason=str(exc)) from None

    block = _NO_BLOCK
    mp: list[Span] = []
    key = b""
    if attr_end > attr_start:
        asn4 = ctx.asn4
        ibgp = ctx.local_as == ctx.peer_as
        cache = _BLOCK_CACHES[asn4 * 2 + ibgp]
        key = data[attr_start:attr_end]
        found = cache.get(key)  # keys never hold MP attributes: a hit means there are none
        if found is None:
            # MP attributes written first (RFC 7606 §5.1) are set aside before looking up the rest
            rest = attr_start
            while rest + 3 <= attr_end and data[rest + 1] in MP_CODES:
                flags = data[rest]
                if flags & FLAG_EXTENDED_LENGTH:
                    if rest + 4 > attr_end:
                        break
                    first = rest + 4
                    stop = first + ((data[rest + 2] << 8) | data[rest + 3])
                else:
                    first = rest + 3
                    stop = first + data[rest + 2]
                if stop > attr_end:
                    break
                mp.append((flags, data[rest + 1], first, stop))
                rest = stop
            if mp:
                key = data[rest:attr_end]
                found = cache.get(key)
            if found is None:
                found, later = parse_attributes(data, rest, attr_end, asn4, ibgp)
                if later:
                    key = _without(data, rest, attr_end, later)
                    mp.extend(later)
                if len(cache) >= _BLOCK_CACHE_MAX:
                    cache.clear()
                cache[key] = found
            if len(mp) > 1 and len({span[1] for span in mp}) < len(mp):
                raise NotificationError(
                    ERR_UPDATE,
                    UPD_MALFORMED_ATTRIBUTE_LIST,
                    reason="MP_REACH_NLRI or MP_UNREACH_NLRI repeated",
                )
        block = found

    reason = block.withdraw_reason
    notes = block.discarded
    announced: list[tuple[Family, bytes | None, list[bytes]]] = []
    if nlri:
        announced.append((IPV4_UNICAST, block.next_hop, nlri))
    for span in mp:
        flags, code, start, stop = span
        if stop - start < (5 if code == ATTR_MP_REACH_NLRI else 3):
            raise _mp_error(data, span, "too short")
        family = ((data[start] << 8) | data[start + 1], data[start + 2])
        if flags & _FLAGS_MASK != _MP_FLAGS and not reason:
            reason = f"attribute {code} has wrong flags 0x{flags:02x}"
        afi = _PREFIX_FAMILIES.get(family)
        if code == ATTR_MP_UNREACH_NLRI:
            if stop - start == 3:
                if size == attr_end and attr_start == 4 and len(mp) == 1 and block.attributes is None:
                    return Update([], [], None, family)
                continue
            if afi is None:
                flow = FLOW_FAMILIES.get(family)
                if flow is None:
                    notes += (f"MP_UNREACH_NLRI of unsupported family {family_name(family)} ignored",)
                    continue
                keys, fault = _flow_keys(data, span, start + 3, flow)
                if fault:
                    notes += (f"MP_UNREACH_NLRI: {fault}, rule ignored",)
                withdrawn.append((family, keys))
                continue
            try:
                prefixes = split_prefixes(data[start + 3 : stop], afi, family in ctx.addpath_receive)
            except ValueError as exc:
                raise _mp_error(data, span, str(exc)) from None
            withdrawn.append((family, prefixes))
            continue
        hop_end = start + 4 + data[start + 3]
        if hop_end >= stop:
            raise _mp_error(data, span, "next hop overruns the attribute")
        if afi is None:
            flow = FLOW_FAMILIES.get(family)
            if flow is None:
                notes += (f"MP_REACH_NLRI of unsupported family {family_name(family)} ignored",)
                continue
            if hop_end - start - 4 not in _FLOW_NEXT_HOP_LENGTHS:
                raise _mp_error(data, span, f"next hop length {hop_end - start - 4} is invalid")
            keys, fault = _flow_keys(data, span, hop_end + 1, flow, keep=True)
            if fault and not reason:
                reason = f"MP_REACH_NLRI: {fault}"
            if keys:
                announced.append((family, data[start + 4 : hop_end] if hop_end > start + 4 else None, keys))
            continue
        if hop_end - start - 4 not in _NEXT_HOP_LENGTHS:
            raise _mp_error(data, span, f"next hop length {hop_end - start - 4} is invalid")
        try:
            prefixes = split_prefixes(data[hop_end + 1 : stop], afi, family in ctx.addpath_receive)
        except ValueError as exc:
            raise _mp_error(data, span, str(exc)) from None
        if prefixes:
            announced.append((family, data[start + 4 : hop_end], prefixes))

    if announced and not reason:
        if not block.has_origin:
            reason = "ORIGIN is missing"
        elif not block.has_as_path:
            reason = "AS_PATH is missing"
        elif nlri and block.next_hop is None:
            reason = "NEXT_HOP is missing"
    if reason and announced:
        for family, _, prefixes in announced:
            for known, listed in withdrawn:
                if known == family:
                    listed.extend(prefixes)
                    break
            else:
                # classic IPv4 withdrawals stay first
                withdrawn.insert(0 if family == IPV4_UNICAST else len(withdrawn), (family, prefixes))
        announced = []
    return Update(withdrawn, announced, block.attributes, None, reason, notes, key)


def _flow_keys(
    data: bytes, span: Span, first: int, flow: tuple[int, bool], keep: bool = False
) -> tuple[list[bytes], str]:
    """The rule keys of a flow NLRI field starting at ``first`` and the first content fault found
    (empty when none); malformed rules are left out unless ``keep``. Raises the session-reset
    NotificationError when the rules cannot be delimited."""
    afi, vpn = flow
    try:
        keys = split_flows(data[first : span[3]], vpn)
    except ValueError as exc:
        raise _mp_error(data, span, str(exc)) from None
    fault = ""
    valid = []
    for key in keys:
        try:
            decode_rule(key, afi, vpn)
        except ValueError as exc:
            fault = fault or f"malformed flow rule 0x{key.hex()}: {exc}"
            if not keep:
                continue
        valid.append(key)
    return valid, fault


def _without(data: bytes, start: int, end: int, cut: list[Span]) -> bytes:
    """The attribute field ``data[start:end]`` with the ``cut`` attributes removed."""
    pieces = []
    for flags, _, value, stop in cut:
        pieces.append(data[start : value - (4 if flags & FLAG_EXTENDED_LENGTH else 3)])
        start = stop
    pieces.append(data[start:end])
    return b"".join(pieces)


# --- building -----------------------------------------------------------------------------------

_UPDATE_OVERHEAD = HEADER_LEN + 4  # header, withdrawn routes length, total path attribute length
_LENGTHS = struct.Struct(">HBH")  # message length, type, withdrawn routes length
_SHORT = struct.Struct(">H")
_MAPPED_V4 = b"\x00" * 10 + b"\xff\xff"  # ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)


def _runs(prefixes: Sequence[bytes], room: int, short: int) -> list[bytes]:
    """Join prefixes into as few runs as possible, keeping their order.

    A run of ``n`` bytes fits when ``n <= room``, or when ``n <= short`` and ``n <= room + 1`` (an
    MP attribute whose value stays under 256 bytes has a 1-byte-shorter header).
    """
    bonus = min(short, room + 1)
    runs: list[bytes] = []
    run: list[bytes] = []
    used = 0
    for prefix in prefixes:
        total = used + len(prefix)
        if total <= room or total <= bonus:
            run.append(prefix)
            used = total
            continue
        if not run or (len(prefix) > room and len(prefix) > bonus):
            raise EncodeError("the path attributes leave no room for a prefix in the message")
        runs.append(b"".join(run))
        run = [prefix]
        used = len(prefix)
    if run:
        runs.append(b"".join(run))
    return runs


def _message(withdrawn: bytes, attributes: bytes, nlri: bytes) -> bytes:
    length = _UPDATE_OVERHEAD + len(withdrawn) + len(attributes) + len(nlri)
    return b"".join(
        (
            MARKER,
            _LENGTHS.pack(length, UPDATE, len(withdrawn)),
            withdrawn,
            _SHORT.pack(len(attributes)),
            attributes,
            nlri,
        )
    )


def build_updates(
    family: Family, attrs: Attributes, next_hop: bytes | None, prefixes: Sequence[bytes], ctx: Negotiated
) -> list[bytes]:
    """Whole UPDATE messages announcing ``prefixes`` (keys in the on-wire form for ``ctx``: with a
    path identifier exactly when ADD-PATH send is negotiated for ``family``) with one attribute set.

    IPv4 unicast with an IPv4 (or no) next hop uses the classic NLRI field and NEXT_HOP; everything
    else an MP_REACH_NLRI written last. As many prefixes as fit ``ctx.max_message`` go in each message,
    except flow rules (keys from aiobgp.wire.flow.encode_flow): one per message.
    """
    if not prefixes:
        return []
    afi = _PREFIX_FAMILIES.get(family)
    if afi is None:
        if family in FLOW_FAMILIES:
            return _flow_updates(family, attrs, next_hop, prefixes, ctx)
        raise EncodeError(f"cannot build UPDATEs for family {family_name(family)}")
    if next_hop == NEXT_HOP_SELF:
        raise EncodeError("next-hop self must be resolved to the local address before encoding")
    limit = ctx.max_message
    if family == IPV4_UNICAST and (next_hop is None or len(next_hop) == 4):
        block = encode_attributes(attrs, ctx, next_hop=next_hop)
        runs = _runs(prefixes, limit - _UPDATE_OVERHEAD - len(block), -1)
        return [_message(b"", block, run) for run in runs]
    if next_hop is None or len(next_hop) not in _NEXT_HOP_LENGTHS:
        raise EncodeError(f"{family_name(family)} needs a next hop of 4, 16 or 32 bytes")
    classic_hop = None
    if len(next_hop) == 4 and afi == AFI_IPV6:
        if (family[0], family[1], AFI_IPV4) in ctx.extended_nexthop:
            classic_hop = next_hop  # what ExaBGP sends: NEXT_HOP and a 4-byte MP next hop
        else:
            next_hop = _MAPPED_V4 + next_hop
    block = encode_attributes(attrs, ctx, next_hop=classic_hop)
    head = struct.pack(">HBB", family[0], family[1], len(next_hop)) + next_hop + b"\x00"
    room = limit - _UPDATE_OVERHEAD - len(block) - len(head) - 4
    runs = _runs(prefixes, room, 255 - len(head))
    return [
        _message(b"", block + attribute(FLAG_OPTIONAL, ATTR_MP_REACH_NLRI, head + run), b"") for run in runs
    ]


def _one_rule(block: bytes, limit: int) -> bytes:
    if _UPDATE_OVERHEAD + len(block) > limit:
        raise EncodeError("the flow rule and its attributes do not fit in one message")
    return _message(b"", block, b"")


def _flow_updates(
    family: Family, attrs: Attributes, next_hop: bytes | None, rules: Sequence[bytes], ctx: Negotiated
) -> list[bytes]:
    """One UPDATE per flow rule (as ExaBGP sends them): the attributes, then MP_REACH_NLRI with the
    redirect / copy next hop, or a next hop of length 0 when there is none."""
    if next_hop == NEXT_HOP_SELF:
        raise EncodeError("next-hop self must be resolved to the local address before encoding")
    hop = b"" if next_hop is None else next_hop
    if len(hop) not in _FLOW_NEXT_HOP_LENGTHS:
        raise EncodeError(f"{family_name(family)} takes a next hop of 4, 16 or 32 bytes")
    block = encode_attributes(attrs, ctx)
    head = struct.pack(">HBB", family[0], family[1], len(hop)) + hop + b"\x00"
    return [
        _one_rule(block + attribute(FLAG_OPTIONAL, ATTR_MP_REACH_NLRI, head + rule), ctx.max_message)
        for rule in rules
    ]


def build_withdrawals(
    family: Family,
    prefixes: Sequence[bytes],
    ctx: Negotiated,
    attrs: Attributes | None = None,
    *,
    next_hop: bytes | None = None,
) -> list[bytes]:
    """Whole UPDATE messages withdrawing ``prefixes``: classic withdrawn routes for IPv4 unicast,
    MP_UNREACH_NLRI otherwise, written after ``attrs`` (and ``next_hop``) encoded as
    ``encode_attributes`` does when they are given (as ExaBGP 5.0.15 does for some families).
    """
    if not prefixes:
        return []
    limit = ctx.max_message
    if family == IPV4_UNICAST:
        runs = _runs(prefixes, limit - _UPDATE_OVERHEAD, -1)
        return [_message(run, b"", b"") for run in runs]
    flow = family in FLOW_FAMILIES
    if family not in _PREFIX_FAMILIES and not flow:
        raise EncodeError(f"cannot build withdrawals for family {family_name(family)}")
    block = b"" if attrs is None else encode_attributes(attrs, ctx, next_hop=next_hop)
    head = struct.pack(">HB", family[0], family[1])
    if flow:  # one rule per message, as ExaBGP sends them
        return [
            _one_rule(block + attribute(FLAG_OPTIONAL, ATTR_MP_UNREACH_NLRI, head + rule), limit)
            for rule in prefixes
        ]
    room = limit - _UPDATE_OVERHEAD - len(block) - len(head) - 4
    runs = _runs(prefixes, room, 255 - len(head))
    return [
        _message(b"", block + attribute(FLAG_OPTIONAL, ATTR_MP_UNREACH_NLRI, head + run), b"") for run in runs
    ]


def end_of_rib(family: Family) -> bytes:
    """The End-of-RIB marker of a family (RFC 4724 §2), as a whole message."""
    if family == IPV4_UNICAST:
        return _message(b"", b"", b"")
    value = struct.pack(">HB", family[0], family[1])
    # ExaBGP writes this one attribute with the Extended Length bit set
    return _message(
        b"", struct.pack(">BBH", FLAG_OPTIONAL | FLAG_EXTENDED_LENGTH, ATTR_MP_UNREACH_NLRI, 3) + value, b""
    )
