"""Text events as ExaBGP 5.0.15 writes them (§3.8 of the interface reference)."""

from __future__ import annotations

from typing import Any

import pytest

from aiobgp.api.events import PARSED, EventMode, NeighborInfo
from aiobgp.api.text import TextEncoder, attributes_text, oneline
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.capabilities import local_capabilities
from aiobgp.wire.constants import AS_CONFED_SEQUENCE, AS_SEQUENCE, AS_SET, IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import Negotiated
from aiobgp.wire.nlri import parse_prefix
from aiobgp.wire.notification import Notification, shutdown_communication
from aiobgp.wire.open import decode_open, encode_open
from aiobgp.wire.refresh import RouteRefresh
from aiobgp.wire.update import Update

IP = bytes.fromhex
N = NeighborInfo("127.0.0.1", "127.0.0.2", 65000, 65000, "1.2.3.4")
TEXT = TextEncoder()


def key(text: str, path_id: int | None = None) -> bytes:
    return parse_prefix(text, path_id)[1]


@pytest.mark.parametrize(
    ("attrs", "text"),
    [
        (Attributes(origin=0, local_pref=100), " origin igp local-preference 100"),
        (
            Attributes(as_path=((AS_SEQUENCE, (1, 2)), (AS_SET, (3,)), (AS_CONFED_SEQUENCE, (4,)))),
            " as-path ( 1 2 ) [ 3 ] {( 4 )}",
        ),
        (Attributes(med=7, atomic_aggregate=True), " med 7 atomic-aggregate"),
        (Attributes(aggregator=(65000, IP("01010101"))), " aggregator ( 65000:1.1.1.1 )"),
        (Attributes(communities=(0x00010001,)), " community 1:1"),
        (
            Attributes(communities=(0xFFFFFF01, 0x00010002, 0xFFFFFF04)),
            " community [ 1:2 no-export no-peer ]",
        ),
        (
            Attributes(originator_id=IP("09090909"), cluster_list=(IP("01010101"),)),
            " originator-id 9.9.9.9 cluster-list 1.1.1.1",
        ),
        (Attributes(cluster_list=(IP("02020202"), IP("01010101"))), " cluster-list [ 2.2.2.2 1.1.1.1 ]"),
        (
            Attributes(ext_communities=(IP("0002FDE800000001"), IP("0F0F000000000001"))),
            " extended-community [ target:65000:1 0x0F0F000000000001 ]",
        ),
        (Attributes(large_communities=((1, 2, 3),)), " large-community 1:2:3"),
        (Attributes(large_communities=((4, 5, 6), (1, 2, 3))), " large-community [ 1:2:3 4:5:6 ]"),
        (
            Attributes(origin=2, unknown=((0x99, 0xE0, IP("0102")),)),
            " origin incomplete attribute [ 0x99 0xE0 0x0102 ]",
        ),
        (Attributes(as_path=()), ""),
    ],
)
def test_attributes(attrs: Attributes, text: str) -> None:
    assert attributes_text(attrs) == text


def test_oneline_escapes_control_characters() -> None:
    assert oneline("plain text") == "plain text"
    assert oneline('a\nb\r"\x7f\x00') == 'a\\x0ab\\x0d"\\x7f\\x00'


@pytest.mark.parametrize(
    ("call", "text"),
    [
        (lambda: TEXT.state(N, "connected"), "neighbor 127.0.0.1 connected\n\n"),
        (lambda: TEXT.state(N, "up"), "neighbor 127.0.0.1 up\n\n"),
        (
            lambda: TEXT.state(N, "down", "peer reset\nneighbor x up"),
            "neighbor 127.0.0.1 down - peer reset\\x0aneighbor x up\n\n",
        ),
        (lambda: TEXT.fsm(N, "IDLE"), ""),
        (lambda: TEXT.signal(N, 15), ""),
        (lambda: TEXT.negotiated(N, Negotiated(1, 1)), ""),
        (lambda: TEXT.keepalive(N, "receive", b"", b"", PARSED), "neighbor 127.0.0.1 receive keepalive\n\n"),
        (
            lambda: TEXT.keepalive(N, "send", IP("FF" * 16 + "001304"), b"", EventMode(raw=True)),
            "neighbor 127.0.0.1 send keepalive header 0x" + "FF" * 16 + "001304\n\n",
        ),
        (
            lambda: TEXT.notification(
                N, "receive", Notification(6, 2, shutdown_communication("bye\n")), b"", b"", PARSED
            ),
            "neighbor 127.0.0.1 receive notification code 6 subcode 2 data 0x"
            + b'Shutdown Communication: "bye "'.hex().upper()
            + "\n\n",
        ),
        (
            lambda: TEXT.refresh(N, "send", RouteRefresh(2, 1, 0), b"", b"", PARSED),
            "neighbor 127.0.0.1 send route-refresh afi ipv6 safi unicast query\n\n",
        ),
        (
            lambda: TEXT.packet(N, "receive", 2, IP("FF" * 16 + "001702"), IP("00000000"), None),
            "neighbor 127.0.0.1 receive 2 header 0x" + "FF" * 16 + "001702 body 0x00000000\n\n",
        ),
    ],
)
def test_events(call: Any, text: str) -> None:
    assert call() == text


def test_shutdown() -> None:
    words = TEXT.shutdown().split(" ")
    assert words[0] == "shutdown" and TEXT.shutdown().endswith("\n\n") and len(words) == 3


def test_update() -> None:
    update = Update(
        [(IPV4_UNICAST, [key("10.0.0.0/24")]), (IPV6_UNICAST, [key("2001:db8::/32")])],
        [
            (IPV4_UNICAST, IP("01020304"), [key("10.9.0.0/25")]),
            (
                IPV6_UNICAST,
                IP("20010db8" + "00" * 11 + "01" + "fe80" + "00" * 13 + "02"),
                [key("2001:db8:1::/48")],
            ),
        ],
        Attributes(origin=0, local_pref=100),
    )
    head = "neighbor 127.0.0.1 receive update"
    attributes = "origin igp local-preference 100"
    assert TEXT.update(N, "receive", update, b"", b"", PARSED, None) == (
        f"{head} start\n"
        f"{head} withdrawn 10.0.0.0/24\n"
        f"{head} announced 10.9.0.0/25 next-hop 1.2.3.4 {attributes}\n"
        f"{head} withdrawn 2001:db8::/32\n"
        f"{head} announced 2001:db8:1::/48 next-hop 2001:db8::1 {attributes}\n"
        f"{head} announced 2001:db8:1::/48 next-hop fe80::2 {attributes}\n"
        f"{head} end\n\n"
    )


def test_update_eor_path_information_and_raw() -> None:
    assert TEXT.update(N, "receive", Update([], [], None, (1, 133)), b"", b"", PARSED, None) == (
        "neighbor 127.0.0.1 receive update start\n"
        "neighbor 127.0.0.1 receive update route eor 1/133 (ipv4 flow)\n"
        "neighbor 127.0.0.1 receive update end\n\n"
    )
    negotiated = Negotiated(1, 1, addpath_send=frozenset({IPV4_UNICAST}))
    update = Update([(IPV4_UNICAST, [key("10.0.0.0/24", 5)])], [], None)
    assert TEXT.update(
        N, "send", update, IP("FF" * 16 + "001c02"), IP("0009"), EventMode(raw=True), negotiated
    ) == (
        "neighbor 127.0.0.1 send update start\n"
        "neighbor 127.0.0.1 send update withdrawn 10.0.0.0/24 path-information 0.0.0.5\n"
        " header 0x" + "FF" * 16 + "001C02 body 0x0009\n"
        "neighbor 127.0.0.1 send update end\n\n"
    )


def test_open_capabilities_with_hostile_hostname() -> None:
    caps = local_capabilities(
        families=[IPV4_UNICAST, IPV6_UNICAST],
        asn=65000,
        route_refresh=True,
        graceful_restart=None,
        add_path={IPV4_UNICAST: 3},
        extended_message=True,
        hostname=("Evil\nneighbor 1.1.1.1 up", "x"),
        operational=True,
    )
    message = decode_open(encode_open(65000, 30, 0x01020305, caps)[19:])
    assert TEXT.open(N, "receive", message, b"", b"", PARSED) == (
        "neighbor 127.0.0.1 receive open version 4 asn 65000 hold_time 30 router_id 1.2.3.5 capabilities "
        "[multiprotocol(ipv4 unicast,ipv6 unicast), route refresh, extended message(65535), asn4(65000), "
        "addpath(send/receive ipv4 unicast), enhanced route refresh, "
        "hostname(evil\\x0aneighbor 1.1.1.1 up x), operational]\n\n"
    )
    message.capabilities.raw = []
    message.capabilities.hostname = None
    assert "hostname(none none)" in TEXT.open(N, "send", message, b"", b"", PARSED)


def test_flow_update() -> None:
    """Flow rules are written with the rule's text (its next hop included), as 5.0.15 does."""
    redirect = "000c" + "2a020b80000000010000000000000001" + "0000"
    update = Update(
        [((1, 134), [IP("0e" + "0000fde800000064" + "02200a000001")]), ((1, 133), [IP("020e01")])],
        [
            ((1, 133), None, [IP("0b" + "0118c00002" + "038106" + "048119")]),
            ((1, 133), IP("01020304"), [IP("06" + "02200a000002")]),
        ],
        Attributes(
            origin=0,
            local_pref=100,
            ext_communities=(IP("8006000000000000"),),
            unknown=((25, 0xE0, IP(redirect)),),
        ),
    )
    head = "neighbor 127.0.0.1 receive update"
    attributes = (
        " origin igp local-preference 100 extended-community rate-limit:0"
        " extended-community-ipv6 redirect-to-nexthop-ietf 2a02:b80:0:1::1"
    )
    assert TEXT.update(N, "receive", update, b"", b"", PARSED, None) == (
        f"{head} start\n"
        f"{head} withdrawn flow source-ipv4 10.0.0.1/32 rd 65000:100\n"
        f"{head} announced flow destination-ipv4 192.0.2.0/24 protocol =tcp port =25{attributes}\n"
        f"{head} announced flow source-ipv4 10.0.0.2/32 next-hop 1.2.3.4{attributes}\n"
        f"{head} end\n\n"
    )
