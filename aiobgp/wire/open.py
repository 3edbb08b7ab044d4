"""OPEN messages (RFC 4271 §4.2, RFC 5492, RFC 9072), their checks (§6.2) and the negotiation."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Final

from aiobgp.wire.capabilities import (
    Capabilities,
    GracefulRestart,
    decode_capabilities,
    encode_capabilities,
    local_capabilities,
    split_capabilities,
)
from aiobgp.wire.constants import AS_TRANS, HEADER_LEN, IPV4_UNICAST, MAX_EXTENDED_MESSAGE, MAX_MESSAGE, OPEN
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import EncodeError, NotificationError
from aiobgp.wire.header import message

__all__ = [
    "BGP_VERSION",
    "Capabilities",
    "GracefulRestart",
    "Open",
    "check_open",
    "decode_open",
    "encode_open",
    "local_capabilities",
    "negotiate",
]

BGP_VERSION: Final = 4
PARAM_CAPABILITIES: Final = 2  # RFC 5492
PARAM_EXTENDED: Final = 255  # RFC 9072 marker in the Non-Ext OP Type position

_FIXED: Final = struct.Struct("!BHHIB")  # version, my AS, hold time, BGP identifier, opt param length
_EXT_LENGTH: Final = struct.Struct("!BH")  # RFC 9072: Non-Ext OP Type 255, Extended Opt. Parm. Length
_EXT_PARAM: Final = struct.Struct("!BH")  # RFC 9072: parameter type, 2-byte parameter length


@dataclass(slots=True)
class Open:
    """A decoded OPEN; ``my_as`` is the 2-octet field as on the wire."""

    version: int
    my_as: int
    hold_time: int
    router_id: int
    capabilities: Capabilities = field(default_factory=Capabilities)

    @property
    def asn(self) -> int:
        """The speaker's AS: the 4-octet AS capability when present, else the 2-octet field."""
        asn4 = self.capabilities.asn4
        return self.my_as if asn4 is None else asn4

    @property
    def router_id_str(self) -> str:
        return ".".join(map(str, self.router_id.to_bytes(4, "big")))


def encode_open(asn: int, hold_time: int, router_id: int, caps: Capabilities) -> bytes:
    """The whole OPEN message, one capability per optional parameter (as ExaBGP 5.0.15 does)."""
    if not 0 <= asn <= 0xFFFFFFFF or not 0 <= hold_time <= 0xFFFF or not 0 <= router_id <= 0xFFFFFFFF:
        raise EncodeError(f"OPEN field out of range: asn {asn}, hold time {hold_time}, router id {router_id}")
    params = [
        (PARAM_CAPABILITIES, bytes((code, len(value))) + value) for code, value in encode_capabilities(caps)
    ]
    size = sum(2 + len(value) for _, value in params)
    my_as = AS_TRANS if asn > 0xFFFF else asn
    if size <= 255:
        body = _FIXED.pack(BGP_VERSION, my_as, hold_time, router_id, size) + b"".join(
            bytes((kind, len(value))) + value for kind, value in params
        )
    else:
        size = sum(3 + len(value) for _, value in params)
        body = (
            _FIXED.pack(BGP_VERSION, my_as, hold_time, router_id, 255)
            + _EXT_LENGTH.pack(PARAM_EXTENDED, size)
            + b"".join(_EXT_PARAM.pack(kind, len(value)) + value for kind, value in params)
        )
    if HEADER_LEN + len(body) > MAX_MESSAGE:
        raise EncodeError(f"OPEN of {HEADER_LEN + len(body)} bytes is larger than {MAX_MESSAGE}")
    return message(OPEN, body)


def decode_open(body: bytes) -> Open:
    """Decode an OPEN body (everything after the header); raises NotificationError when malformed."""
    if len(body) < _FIXED.size:
        raise NotificationError(
            1, 2, data=(HEADER_LEN + len(body)).to_bytes(2, "big"), reason="OPEN shorter than 29 bytes"
        )
    version, my_as, hold_time, router_id, opt_len = _FIXED.unpack_from(body)
    if version != BGP_VERSION:
        raise NotificationError(2, 1, data=b"\x00\x04", reason=f"unsupported BGP version {version}")
    pos = _FIXED.size
    # RFC 9072 §2: a first parameter type of 255 announces the extended format, whatever the
    # (then meaningless) Non-Ext OP Len says
    extended = opt_len > 0 and len(body) > pos and body[pos] == PARAM_EXTENDED
    if extended:
        if len(body) < pos + _EXT_LENGTH.size:
            raise NotificationError(2, 0, reason="truncated extended optional parameters length")
        _, opt_len = _EXT_LENGTH.unpack_from(body, pos)
        pos += _EXT_LENGTH.size
    if pos + opt_len != len(body):
        raise NotificationError(
            2,
            0,
            reason=f"optional parameters length {opt_len} does not match the {len(body) - pos} bytes left",
        )
    raw: list[tuple[int, bytes]] = []
    header = 3 if extended else 2
    end = len(body)
    while pos < end:
        if pos + header > end:
            raise NotificationError(2, 0, reason="truncated optional parameter header")
        kind = body[pos]
        length = _EXT_PARAM.unpack_from(body, pos)[1] if extended else body[pos + 1]
        start = pos + header
        pos = start + length
        if pos > end:
            raise NotificationError(2, 0, reason=f"optional parameter {kind} overruns the OPEN")
        if kind != PARAM_CAPABILITIES:
            raise NotificationError(2, 4, reason=f"unsupported optional parameter type {kind}")
        raw.extend(split_capabilities(body[start:pos]))
    return Open(version, my_as, hold_time, router_id, decode_capabilities(raw))


def check_open(remote: Open, *, peer_as: int | None, local_as: int, local_router_id: int) -> None:
    """Reject an unacceptable peer OPEN (RFC 4271 §6.2, RFC 6286, RFC 6793, RFC 7607)."""
    asn = remote.asn
    if asn == 0 or (peer_as is not None and asn != peer_as):
        expected = "any" if peer_as is None else str(peer_as)
        raise NotificationError(2, 2, reason=f"peer AS {asn}, expected {expected}")
    if remote.router_id == 0:
        raise NotificationError(2, 3, reason="BGP identifier 0.0.0.0")
    if asn == local_as and remote.router_id == local_router_id:
        raise NotificationError(2, 3, reason=f"iBGP peer uses our BGP identifier {remote.router_id_str}")
    if remote.hold_time in (1, 2):
        raise NotificationError(2, 6, reason=f"hold time {remote.hold_time}")


def _families(caps: Capabilities) -> set[tuple[int, int]]:
    # RFC 4760 §8: without any multiprotocol capability, only IPv4 unicast is used.
    return set(caps.families) if caps.families else {IPV4_UNICAST}


def negotiate(
    local: Open,
    remote: Open,
    *,
    local_as: int,
    peer_as: int,
    local_address: bytes,
    peer_address: bytes,
) -> Negotiated:
    """What both OPENs agree on: the context every later UPDATE is coded in."""
    ours = local.capabilities
    theirs = remote.capabilities
    families = frozenset(_families(ours) & _families(theirs))
    send = frozenset(f for f in families if ours.add_path.get(f, 0) & 2 and theirs.add_path.get(f, 0) & 1)
    receive = frozenset(f for f in families if ours.add_path.get(f, 0) & 1 and theirs.add_path.get(f, 0) & 2)
    normal = (ours.route_refresh or ours.route_refresh_cisco) and (
        theirs.route_refresh or theirs.route_refresh_cisco
    )
    if normal and ours.enhanced_route_refresh and theirs.enhanced_route_refresh:
        refresh = "enhanced"
    elif normal:
        refresh = "normal"
    else:
        refresh = "absent"
    nexthop = frozenset(
        e for e in set(ours.extended_nexthop) & set(theirs.extended_nexthop) if (e[0], e[1]) in families
    )
    both_extended = ours.extended_message and theirs.extended_message
    return Negotiated(
        local_as=local_as,
        peer_as=peer_as,
        asn4=ours.asn4 is not None and theirs.asn4 is not None,
        families=families,
        addpath_send=send,
        addpath_receive=receive,
        max_message=MAX_EXTENDED_MESSAGE if both_extended else MAX_MESSAGE,
        hold_time=min(local.hold_time, remote.hold_time),
        refresh=refresh,
        extended_nexthop=nexthop,
        local_address=local_address,
        peer_address=peer_address,
    )
