"""``aiobgp decode``: print the JSON event of one BGP message given in hex, like ``exabgp decode``.

The message is decoded for ExaBGP's synthetic neighbor (127.0.0.1, AS 65533, router-id 10.0.0.2,
direction ``in``) or for the first neighbor of a configuration (``-c``): its addresses, ASNs,
router-id, families, 4-octet AS and add-path (``send/receive`` puts path identifiers in every
family) — the context a session with a peer mirroring its OPEN would negotiate. Unlike ExaBGP
5.0.15, the message length is read correctly for messages of 256 bytes or more.
"""

from __future__ import annotations

import argparse
import string
import sys
from dataclasses import dataclass, field

from aiobgp.api.events import PARSED, NeighborInfo
from aiobgp.api.json import JsonEncoder, family_text, flow_rule, prefix_texts
from aiobgp.config.model import ConfigError
from aiobgp.config.parser import load
from aiobgp.wire.constants import (
    AFI_BY_NAME,
    AFI_IPV4,
    AFI_IPV6,
    HEADER_LEN,
    MARKER,
    NOTIFICATION,
    OPEN,
    SAFI_BY_NAME,
    SAFI_MULTICAST,
    SAFI_UNICAST,
    UPDATE,
    Family,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import NotificationError
from aiobgp.wire.flow import FLOW_FAMILIES, decode_rule, split_flows
from aiobgp.wire.nlri import split_prefixes
from aiobgp.wire.notification import decode_notification
from aiobgp.wire.open import decode_open
from aiobgp.wire.update import decode_update

_PREFIX_FAMILIES = frozenset(
    (afi, safi) for afi in (AFI_IPV4, AFI_IPV6) for safi in (SAFI_UNICAST, SAFI_MULTICAST)
)


class InvalidPayload(Exception):
    """The hex given cannot be decoded as asked."""


@dataclass(slots=True)
class DecodeContext:
    """Who the message is decoded for: the neighbor shown and the negotiated session."""

    neighbor: NeighborInfo = field(
        default_factory=lambda: NeighborInfo("127.0.0.1", "127.0.0.1", 65533, 65533, "10.0.0.2")
    )
    families: list[Family] | None = None  # None: every family (ExaBGP's `family { all; }`)
    addpath: bool = False
    asn4: bool = True
    extended_nexthop: frozenset[tuple[int, int, int]] = frozenset()

    def negotiated(self) -> Negotiated:
        n = self.neighbor
        families = frozenset(self.families) if self.families is not None else _PREFIX_FAMILIES
        paths = (families | _PREFIX_FAMILIES) if self.addpath else frozenset()
        return Negotiated(
            local_as=n.local_as,
            peer_as=n.peer_as,
            asn4=self.asn4,
            families=families,
            addpath_send=paths,
            addpath_receive=paths,
            max_message=65535,
            extended_nexthop=self.extended_nexthop,
        )


def parse_families(text: str) -> list[Family]:
    """``"ipv4 unicast ipv6 unicast"`` -> ``[(1, 1), (2, 1)]``."""
    words = text.split()
    if not words or len(words) % 2:
        raise InvalidPayload("families provided are invalid")
    families = []
    for afi, safi in zip(words[0::2], words[1::2], strict=True):
        if afi.lower() not in AFI_BY_NAME or safi.lower() not in SAFI_BY_NAME:
            raise InvalidPayload(f"unknown family {afi} {safi}")
        families.append((AFI_BY_NAME[afi.lower()], SAFI_BY_NAME[safi.lower()]))
    return families


def context_from_config(path: str) -> DecodeContext:
    """The decode context of a configuration's first neighbor."""
    try:
        config = load(path)
    except (ConfigError, OSError) as exc:
        raise InvalidPayload(f"cannot use configuration {path}: {exc}") from None
    if not config.neighbors:
        raise InvalidPayload(f"configuration {path} has no neighbor")
    nc = config.neighbors[0]
    peer_as = nc.local_as if nc.peer_as is None else nc.peer_as
    neighbor = NeighborInfo(
        nc.peer_address, nc.local_address or "None", nc.local_as, peer_as, nc.router_id or nc.local_address
    )
    nexthop = nc.capabilities.nexthop is not False and bool(nc.nexthops)
    return DecodeContext(
        neighbor=neighbor,
        families=list(nc.families),
        addpath=nc.capabilities.add_path == 3,
        asn4=nc.capabilities.asn4,
        extended_nexthop=frozenset(e for e in nc.nexthops if (e[0], e[1]) in nc.families)
        if nexthop
        else frozenset(),
    )


def hex_payload(parts: list[str]) -> bytes:
    """The bytes of hex given in one or several arguments, spaces and colons ignored."""
    text = "".join(parts).replace(" ", "").replace(":", "").strip()
    if not text or any(c not in string.hexdigits for c in text) or len(text) % 2:
        raise InvalidPayload("the BGP message must be an hexadecimal string (spaces and colons are ignored)")
    return bytes.fromhex(text)


def decode_message(raw: bytes, ctx: DecodeContext, encoder: JsonEncoder | None = None) -> str:
    """The JSON line of one message; without the 16-byte marker the bytes are an UPDATE body."""
    encoder = encoder or JsonEncoder()
    if raw.startswith(MARKER):
        if len(raw) < HEADER_LEN:
            raise InvalidPayload("the message is shorter than a BGP header")
        length = int.from_bytes(raw[16:18], "big")
        if length < HEADER_LEN or length > len(raw):
            raise InvalidPayload(f"the header says {length} bytes, {len(raw)} were given")
        msg_type = raw[18]
        body = raw[HEADER_LEN:length]
    else:
        msg_type = UPDATE
        body = raw
    try:
        if msg_type == OPEN:
            return encoder.open(ctx.neighbor, "in", decode_open(body), b"", b"", PARSED)
        if msg_type == NOTIFICATION:
            notification = decode_notification(body)
            return encoder.notification(ctx.neighbor, "in", notification, b"", b"", PARSED)
        if msg_type != UPDATE:
            raise InvalidPayload(f"unknown type {msg_type}")
        negotiated = ctx.negotiated()
        update = decode_update(body, negotiated)
    except NotificationError as exc:
        raise InvalidPayload(f"{exc.reason} (notification {exc.code}/{exc.subcode})") from None
    if ctx.families is not None:
        listed = [family for family, _ in update.withdrawn] + [family for family, _, _ in update.announced]
        for family in listed:
            if family not in negotiated.families and family != (AFI_IPV4, SAFI_UNICAST):
                raise InvalidPayload(f"presented a non-negotiated family {family_text(family)}")
    return encoder.update(ctx.neighbor, "in", update, b"", b"", PARSED, negotiated)


def decode_nlri(raw: bytes, ctx: DecodeContext) -> list[str]:
    """``-n``: the NLRI objects of bytes holding only NLRI of the first family."""
    family = ctx.families[0] if ctx.families else (AFI_IPV4, SAFI_UNICAST)
    if family in FLOW_FAMILIES:
        afi, vpn = FLOW_FAMILIES[family]
        try:
            keys = split_flows(raw, vpn)
            for key in keys:
                decode_rule(key, afi, vpn)
        except ValueError as exc:
            raise InvalidPayload(str(exc)) from None
        return [rendered[0] for rendered in (flow_rule(family, key, None) for key in keys) if rendered]
    if family not in _PREFIX_FAMILIES:
        raise InvalidPayload(f"NLRI of family {family_text(family)} cannot be decoded yet")
    try:
        keys = split_prefixes(raw, family[0], ctx.addpath)
    except ValueError as exc:
        raise InvalidPayload(str(exc)) from None
    texts = prefix_texts(family[0], keys, ctx.addpath)
    if ctx.addpath:
        return [
            f'{{ "nlri": "{text}", "path-information": "{".".join(map(str, key[:4]))}" }}'
            for text, key in zip(texts, keys, strict=True)
        ]
    return [f'{{ "nlri": "{text}" }}' for text in texts]


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiobgp decode", description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--nlri", action="store_true", help="the data is only NLRI")
    parser.add_argument(
        "-u", "--update", action="store_true", help="the data is an UPDATE (accepted, no effect)"
    )
    parser.add_argument("-o", "--open", action="store_true", help="the data is an OPEN (accepted, no effect)")
    parser.add_argument("-c", "--configuration", help="decode for the first neighbor of this configuration")
    parser.add_argument("-f", "--family", help='families expected, e.g. "ipv4 unicast ipv6 unicast"')
    parser.add_argument("-i", "--path-information", action="store_true", help="NLRI carry path identifiers")
    parser.add_argument("payload", nargs="+", help="the message in hexadecimal (spaces and colons ignored)")
    return parser


def main(argv: list[str]) -> int:
    """Entry point of ``aiobgp decode``; 0 when the message was printed, 1 otherwise."""
    args = _arguments().parse_args(argv)
    try:
        raw = hex_payload(args.payload)
        if args.configuration:
            ctx = context_from_config(args.configuration)
        elif args.family:
            ctx = DecodeContext(families=parse_families(args.family))
        else:
            ctx = DecodeContext()
        if args.path_information:
            ctx.addpath = True
        if args.nlri:
            sys.stdout.write("".join(line + "\n" for line in decode_nlri(raw, ctx)))
        else:
            sys.stdout.write(decode_message(raw, ctx))
    except InvalidPayload as exc:
        sys.stdout.write(f"invalid payload: {exc}\n")
        return 1
    return 0
