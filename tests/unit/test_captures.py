"""Messages captured (tshark) from the real peers of the interop tests, decoded by aiobgp.

BIRD 2.0.12, FRR 8.4.4 and GoBGP 3.10.0 talking to aiobgp: 127.79.65.2 (BIRD, AS 65000), 198.19.68.202
(FRR, AS 65000) and 198.19.68.206 (GoBGP, AS 65000), each peering with AS 65001.
"""

from __future__ import annotations

from aiobgp.wire.constants import AS_SEQUENCE, IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import Negotiated
from aiobgp.wire.nlri import prefix_str
from aiobgp.wire.open import decode_open
from aiobgp.wire.update import decode_update

BIRD_OPEN = "04fde800097f4f41021e021c01040001000101040002000102004002007841040000fde846004700"
FRR_OPEN = (
    "04fde8005ac61344ca6302060104000100010206010400020001020280000202020002024600020641040000fde8020206"
    "00020a4508000101010002010102154913116672722d3139382e31392e36382e3230320002044002c0780210470e000101"
    "8000000000020180000000"
)
GOBGP_OPEN = "04fde8005ac61344ce2402220200490402766d0001040001000101040002000141040000fde80506000100010002"
BIRD_UPDATE_V4 = "000000144001010040020602010000fde84003047f4f4102100a01080a"
BIRD_UPDATE_V6 = (
    "0000002d900e001c0002011020010db8000000000000000000000001003020010db8ffff4001010040020602010000fde8"
)
BIRD_EOR_V6 = "00000006800f03000201"
GOBGP_UPDATE = (
    "000000144001010040020602010000fde8400304c61344ce100a11100a1c100a23100a30100a00100a12100a14100a18"
    "100a1f100a20100a2c100a01100a02100a03100a0d100a17100a1b100a22100a26100a2e100a05100a06100a16100a19"
    "100a25100a2b100a31100a08100a2d100a2f100a0a100a0e100a10100a1d100a24100a04100a09100a15100a21100a2a"
    "100a07100a0b100a0c100a0f100a13100a1a100a1e100a27100a28100a29"
)

CTX = Negotiated(local_as=65001, peer_as=65000, families=frozenset({IPV4_UNICAST, IPV6_UNICAST}))


def test_bird_open() -> None:
    message = decode_open(bytes.fromhex(BIRD_OPEN))
    assert (message.version, message.asn, message.hold_time, message.router_id_str) == (
        4,
        65000,
        9,
        "127.79.65.2",
    )
    caps = message.capabilities
    assert [code for code, _ in caps.raw] == [1, 1, 2, 64, 65, 70, 71]  # 71: long-lived GR, kept as unknown
    assert caps.families == [IPV4_UNICAST, IPV6_UNICAST]
    assert caps.asn4 == 65000
    assert caps.route_refresh and caps.enhanced_route_refresh
    assert not caps.extended_message
    assert caps.graceful_restart is not None
    assert (caps.graceful_restart.time, caps.graceful_restart.families) == (120, {})


def test_frr_open() -> None:
    message = decode_open(bytes.fromhex(FRR_OPEN))
    assert (message.asn, message.hold_time, message.router_id_str) == (65000, 90, "198.19.68.202")
    caps = message.capabilities
    assert [code for code, _ in caps.raw] == [1, 1, 128, 2, 70, 65, 6, 69, 73, 64, 71]
    assert caps.families == [IPV4_UNICAST, IPV6_UNICAST]
    assert caps.hostname == ("frr-198.19.68.202", "")
    assert caps.route_refresh and caps.enhanced_route_refresh and caps.route_refresh_cisco
    assert caps.extended_message
    assert caps.add_path == {IPV4_UNICAST: 1, IPV6_UNICAST: 1}  # FRR offers to receive paths
    assert caps.graceful_restart is not None and caps.graceful_restart.time == 120


def test_gobgp_open() -> None:
    message = decode_open(bytes.fromhex(GOBGP_OPEN))
    assert (message.asn, message.hold_time, message.router_id_str) == (65000, 90, "198.19.68.206")
    caps = message.capabilities
    assert [code for code, _ in caps.raw] == [2, 73, 1, 1, 65, 5]
    assert caps.families == [IPV4_UNICAST, IPV6_UNICAST]
    assert caps.route_refresh and caps.asn4 == 65000
    assert caps.hostname == ("vm", "")
    assert caps.extended_nexthop == [(1, 1, 2)]  # RFC 8950: IPv4 routes with IPv6 next hops
    assert caps.graceful_restart is None and not caps.extended_message


def test_bird_ipv4_update() -> None:
    update = decode_update(bytes.fromhex(BIRD_UPDATE_V4), CTX)
    assert update.attributes is not None
    assert update.attributes.origin == 0
    assert update.attributes.as_path == ((AS_SEQUENCE, (65000,)),)
    ((family, next_hop, prefixes),) = update.announced
    assert family == IPV4_UNICAST and next_hop == bytes([127, 79, 65, 2])
    assert [prefix_str(1, p, False) for p in prefixes] == ["10.1.0.0/16", "10.0.0.0/8"]


def test_bird_ipv6_update_with_mp_reach_first() -> None:
    update = decode_update(bytes.fromhex(BIRD_UPDATE_V6), CTX)
    ((family, next_hop, prefixes),) = update.announced
    assert family == IPV6_UNICAST
    assert next_hop == bytes.fromhex("20010db8000000000000000000000001")
    assert [prefix_str(2, p, False) for p in prefixes] == ["2001:db8:ffff::/48"]
    assert update.attributes is not None and update.attributes.as_path == ((AS_SEQUENCE, (65000,)),)


def test_bird_end_of_rib_without_extended_length() -> None:
    assert decode_update(bytes.fromhex(BIRD_EOR_V6), CTX).eor == IPV6_UNICAST


def test_gobgp_packed_update() -> None:
    update = decode_update(bytes.fromhex(GOBGP_UPDATE), CTX)
    ((family, next_hop, prefixes),) = update.announced
    assert family == IPV4_UNICAST and next_hop == bytes([198, 19, 68, 206])
    assert sorted(prefix_str(1, p, False) for p in prefixes) == sorted(f"10.{i}.0.0/16" for i in range(50))
