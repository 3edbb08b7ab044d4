"""OPEN capabilities (RFC 5492): their decoded form, their encoding, and what aiobgp advertises.

Capabilities defined by an RFC that are malformed (wrong length) end the session with
NOTIFICATION 2/0; malformed draft capabilities (hostname, software version, multisession) are
kept as unknown, as RFC 5492 lets a speaker ignore capabilities it does not understand.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Final

from aiobgp.wire.constants import (
    CAP_ADD_PATH,
    CAP_ASN4,
    CAP_ENHANCED_ROUTE_REFRESH,
    CAP_EXTENDED_MESSAGE,
    CAP_EXTENDED_NEXTHOP,
    CAP_GRACEFUL_RESTART,
    CAP_HOSTNAME,
    CAP_MULTIPROTOCOL,
    CAP_MULTISESSION,
    CAP_MULTISESSION_CISCO,
    CAP_OPERATIONAL,
    CAP_ROUTE_REFRESH,
    CAP_ROUTE_REFRESH_CISCO,
    CAP_SOFTWARE_VERSION,
    Family,
)
from aiobgp.wire.errors import EncodeError, NotificationError

ADD_PATH_RECEIVE: Final = 1
ADD_PATH_SEND: Final = 2
ADD_PATH_BOTH: Final = 3

GR_RESTART_STATE: Final = 0x8
"""Restart State (R) bit of the 4-bit Restart Flags (RFC 4724 §3)."""
GR_FORWARDING_STATE: Final = 0x80
"""Forwarding State (F) bit of a family's flags (RFC 4724 §3)."""

_FAMILY: Final = struct.Struct("!HxB")
_ADD_PATH: Final = struct.Struct("!HBB")
_NEXTHOP: Final = struct.Struct("!HHH")
_GR_HEADER: Final = struct.Struct("!H")


@dataclass(slots=True)
class GracefulRestart:
    """RFC 4724 capability: 4-bit restart flags, 12-bit restart time, per-family flags."""

    flags: int
    time: int
    families: dict[Family, int] = field(default_factory=dict)


@dataclass(slots=True)
class Capabilities:
    """Every capability of one OPEN; ``raw`` is the capabilities as received, in wire order."""

    families: list[Family] = field(default_factory=list)
    route_refresh: bool = False
    route_refresh_cisco: bool = False
    enhanced_route_refresh: bool = False
    asn4: int | None = None
    extended_message: bool = False
    graceful_restart: GracefulRestart | None = None
    add_path: dict[Family, int] = field(default_factory=dict)
    extended_nexthop: list[tuple[int, int, int]] = field(default_factory=list)
    hostname: tuple[str, str] | None = None
    software_version: str | None = None
    multisession: tuple[int, ...] | None = None  # draft-ietf-idr-bgp-multisession (68): capability codes
    multisession_cisco: bool = False  # code 131
    operational: bool = False  # ExaBGP's operational messages (185)
    unknown: list[tuple[int, bytes]] = field(default_factory=list)
    raw: list[tuple[int, bytes]] = field(default_factory=list, compare=False)


def _malformed(code: int, value: bytes) -> NotificationError:
    return NotificationError(2, 0, reason=f"malformed capability {code} ({len(value)} bytes: {value.hex()})")


def _decode_multiprotocol(caps: Capabilities, value: bytes) -> None:
    if len(value) != 4:
        raise _malformed(CAP_MULTIPROTOCOL, value)
    family = _FAMILY.unpack(value)
    if family not in caps.families:
        caps.families.append(family)


def _decode_asn4(caps: Capabilities, value: bytes) -> None:
    if len(value) != 4:
        raise _malformed(CAP_ASN4, value)
    caps.asn4 = int.from_bytes(value, "big")


def _decode_add_path(caps: Capabilities, value: bytes) -> None:
    if len(value) % 4:
        raise _malformed(CAP_ADD_PATH, value)
    entries = list(_ADD_PATH.iter_unpack(value))
    # RFC 7911 §4: a Send/Receive value other than 1-3 makes the whole capability ignored.
    if any(not 1 <= direction <= 3 for _, _, direction in entries):
        caps.unknown.append((CAP_ADD_PATH, value))
        return
    for afi, safi, direction in entries:
        caps.add_path[(afi, safi)] = direction


def _decode_extended_nexthop(caps: Capabilities, value: bytes) -> None:
    if len(value) % 6:
        raise _malformed(CAP_EXTENDED_NEXTHOP, value)
    for entry in _NEXTHOP.iter_unpack(value):
        if entry not in caps.extended_nexthop:
            caps.extended_nexthop.append(entry)


def _decode_graceful_restart(caps: Capabilities, value: bytes) -> None:
    if len(value) < 2 or (len(value) - 2) % 4:
        raise _malformed(CAP_GRACEFUL_RESTART, value)
    (head,) = _GR_HEADER.unpack_from(value)
    families = {(afi, safi): flags for afi, safi, flags in _ADD_PATH.iter_unpack(value[2:])}
    caps.graceful_restart = GracefulRestart(head >> 12, head & 0xFFF, families)


def _length_prefixed(value: bytes, pos: int) -> tuple[str, int] | None:
    """A 1-byte length then UTF-8 text at ``pos``: (text, next position), or None when truncated."""
    if pos >= len(value):
        return None
    end = pos + 1 + value[pos]
    if end > len(value):
        return None
    return value[pos + 1 : end].decode("utf-8", "replace"), end


def _decode_hostname(caps: Capabilities, value: bytes) -> None:
    host = _length_prefixed(value, 0)
    domain = _length_prefixed(value, host[1]) if host is not None else None
    if host is None or domain is None or domain[1] != len(value):
        caps.unknown.append((CAP_HOSTNAME, value))
        return
    caps.hostname = (host[0], domain[0])


def _decode_software_version(caps: Capabilities, value: bytes) -> None:
    version = _length_prefixed(value, 0)
    if version is None or version[1] != len(value):
        caps.unknown.append((CAP_SOFTWARE_VERSION, value))
        return
    caps.software_version = version[0]


def _decode_route_refresh(caps: Capabilities, value: bytes) -> None:
    caps.route_refresh = True


def _decode_route_refresh_cisco(caps: Capabilities, value: bytes) -> None:
    caps.route_refresh_cisco = True


def _decode_enhanced_route_refresh(caps: Capabilities, value: bytes) -> None:
    caps.enhanced_route_refresh = True


def _decode_extended_message(caps: Capabilities, value: bytes) -> None:
    caps.extended_message = True


def _decode_operational(caps: Capabilities, value: bytes) -> None:
    caps.operational = True


def _decode_multisession(caps: Capabilities, value: bytes) -> None:
    caps.multisession = tuple(value)


def _decode_multisession_cisco(caps: Capabilities, value: bytes) -> None:
    caps.multisession_cisco = True


_DECODERS: Final = {
    CAP_MULTIPROTOCOL: _decode_multiprotocol,
    CAP_ROUTE_REFRESH: _decode_route_refresh,
    CAP_EXTENDED_NEXTHOP: _decode_extended_nexthop,
    CAP_EXTENDED_MESSAGE: _decode_extended_message,
    CAP_GRACEFUL_RESTART: _decode_graceful_restart,
    CAP_ASN4: _decode_asn4,
    CAP_MULTISESSION: _decode_multisession,
    CAP_ADD_PATH: _decode_add_path,
    CAP_ENHANCED_ROUTE_REFRESH: _decode_enhanced_route_refresh,
    CAP_HOSTNAME: _decode_hostname,
    CAP_SOFTWARE_VERSION: _decode_software_version,
    CAP_ROUTE_REFRESH_CISCO: _decode_route_refresh_cisco,
    CAP_MULTISESSION_CISCO: _decode_multisession_cisco,
    CAP_OPERATIONAL: _decode_operational,
}


def split_capabilities(param: bytes) -> list[tuple[int, bytes]]:
    """The (code, value) pairs of one Capabilities optional parameter (RFC 5492 §4)."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    end = len(param)
    while pos < end:
        if pos + 2 > end:
            raise NotificationError(2, 0, reason="truncated capability header")
        code = param[pos]
        stop = pos + 2 + param[pos + 1]
        if stop > end:
            raise NotificationError(2, 0, reason=f"capability {code} longer than its optional parameter")
        out.append((code, param[pos + 2 : stop]))
        pos = stop
    return out


def decode_capabilities(raw: list[tuple[int, bytes]]) -> Capabilities:
    """Interpret capabilities in wire order; a repeated capability adds to (or replaces) the first."""
    caps = Capabilities(raw=raw)
    for code, value in raw:
        decoder = _DECODERS.get(code)
        if decoder is None:
            caps.unknown.append((code, value))
        else:
            decoder(caps, value)
    return caps


def _text(value: str, what: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > 255:
        raise EncodeError(f"{what} is longer than 255 bytes")
    return bytes((len(raw),)) + raw


def encode_capabilities(caps: Capabilities) -> list[tuple[int, bytes]]:
    """(code, value) pairs in the order ExaBGP 5.0.15 sends them in its OPEN."""
    out: list[tuple[int, bytes]] = [
        (CAP_MULTIPROTOCOL, _FAMILY.pack(afi, safi)) for afi, safi in sorted(set(caps.families))
    ]
    if caps.asn4 is not None:
        out.append((CAP_ASN4, caps.asn4.to_bytes(4, "big")))
    if caps.extended_nexthop:
        out.append((CAP_EXTENDED_NEXTHOP, b"".join(_NEXTHOP.pack(*e) for e in caps.extended_nexthop)))
    if caps.add_path:
        value = b"".join(_ADD_PATH.pack(afi, safi, d) for (afi, safi), d in sorted(caps.add_path.items()))
        out.append((CAP_ADD_PATH, value))
    gr = caps.graceful_restart
    if gr is not None:
        value = _GR_HEADER.pack((gr.flags & 0xF) << 12 | (gr.time & 0xFFF)) + b"".join(
            _ADD_PATH.pack(afi, safi, flags) for (afi, safi), flags in sorted(gr.families.items())
        )
        out.append((CAP_GRACEFUL_RESTART, value))
    if caps.route_refresh:
        out.append((CAP_ROUTE_REFRESH, b""))
    if caps.route_refresh_cisco:
        out.append((CAP_ROUTE_REFRESH_CISCO, b""))
    if caps.enhanced_route_refresh:
        out.append((CAP_ENHANCED_ROUTE_REFRESH, b""))
    if caps.operational:
        out.append((CAP_OPERATIONAL, b""))
    if caps.extended_message:
        out.append((CAP_EXTENDED_MESSAGE, b""))
    if caps.hostname is not None:
        host, domain = caps.hostname
        out.append((CAP_HOSTNAME, _text(host, "host name") + _text(domain, "domain name")))
    if caps.software_version is not None:
        out.append((CAP_SOFTWARE_VERSION, _text(caps.software_version, "software version")))
    if caps.multisession is not None:
        out.append((CAP_MULTISESSION, bytes(caps.multisession)))
    if caps.multisession_cisco:
        out.append((CAP_MULTISESSION_CISCO, b""))
    out.extend(caps.unknown)
    for code, value in out:
        if len(value) > 255:
            raise EncodeError(f"capability {code} is longer than 255 bytes")
    return out


def local_capabilities(
    *,
    families: list[Family],
    asn: int,
    route_refresh: bool,
    graceful_restart: int | None,
    add_path: dict[Family, int],
    extended_message: bool,
    asn4: bool = True,
    hostname: tuple[str, str] | None = None,
    software_version: str | None = None,
    extended_nexthop: list[tuple[int, int, int]] | None = None,
    operational: bool = False,
    multisession: bool = False,
) -> Capabilities:
    """What aiobgp advertises, as ExaBGP 5.0.15 does.

    ``route_refresh`` advertises both route refresh (2) and enhanced route refresh (70);
    ``graceful_restart`` is the restart time in seconds (None = not advertised) and, like ExaBGP,
    sets the Restart State bit and every family's Forwarding State bit; ``add_path`` maps a family
    to 1 (receive), 2 (send) or 3 (both); ``multisession`` advertises code 68 listing multiprotocol.
    """
    ordered = sorted(set(families))
    return Capabilities(
        families=ordered,
        route_refresh=route_refresh,
        enhanced_route_refresh=route_refresh,
        asn4=asn if asn4 else None,
        extended_message=extended_message,
        graceful_restart=(
            None
            if graceful_restart is None
            else GracefulRestart(
                GR_RESTART_STATE, graceful_restart & 0xFFF, dict.fromkeys(ordered, GR_FORWARDING_STATE)
            )
        ),
        add_path={family: d for family, d in sorted(add_path.items()) if d},
        extended_nexthop=list(extended_nexthop or []),
        hostname=hostname,
        software_version=software_version,
        multisession=(CAP_MULTIPROTOCOL,) if multisession else None,
        operational=operational,
    )
