"""The route grammar: route lines in, Route/Attributes out (byte values checked against the RFCs and
against the wire bytes ExaBGP's own encoding vectors expect)."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from aiobgp.config.model import NO_EXTRAS, ConfigError, RouteExtras
from aiobgp.config.routes import intern, parse_attributes, parse_attributes_nlri, parse_route
from aiobgp.config.tokenizer import tokenize_line
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import AS_SEQUENCE, AS_SET, IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import NEXT_HOP_SELF
from aiobgp.wire.nlri import parse_prefix


def route(line: str) -> Any:
    return parse_route(tokenize_line(line))


def attrs(line: str) -> Attributes:
    (only,) = route("10.0.0.0/24 next-hop 1.2.3.4 " + line)
    return only.attributes


def ip(text: str) -> bytes:
    return bytes(int(part) for part in text.split("."))


ATTRIBUTE_VECTORS = [
    ("origin igp", Attributes(origin=0)),
    ("origin egp", Attributes(origin=1)),
    ("origin INCOMPLETE", Attributes(origin=2)),
    ("med 200", Attributes(med=200)),
    ("local-preference 4294967295", Attributes(local_pref=4294967295)),
    ("atomic-aggregate", Attributes(atomic_aggregate=True)),
    ("as-path 65000", Attributes(as_path=((AS_SEQUENCE, (65000,)),))),
    ("as-path [ 57821 6939 ]", Attributes(as_path=((AS_SEQUENCE, (57821, 6939)),))),
    ("as-path [100, 500]", Attributes(as_path=((AS_SEQUENCE, (100, 500)),))),
    (
        "as-path [ 1 2 ] ( 3 4 ) [ 5 ]",
        Attributes(as_path=((AS_SEQUENCE, (1, 2)), (AS_SET, (3, 4)), (AS_SEQUENCE, (5,)))),
    ),
    ("as-path [ ]", Attributes(as_path=())),
    ("as-path [ 1.10 4200000000 ]", Attributes(as_path=((AS_SEQUENCE, (65546, 4200000000)),))),
    ("aggregator ( 18144:219.118.225.189 )", Attributes(aggregator=(18144, ip("219.118.225.189")))),
    ("aggregator 18144:219.118.225.189", Attributes(aggregator=(18144, ip("219.118.225.189")))),
    ("community 65000:1", Attributes(communities=(0xFDE80001,))),
    ("community [174:666]", Attributes(communities=((174 << 16) | 666,))),
    (
        "community [ 1:1 4294967295 0x10 no-export no-advertise no-export-subconfed nopeer no-peer "
        "blackhole ]",
        Attributes(
            communities=(
                0x00010001,
                0xFFFFFFFF,
                0x10,
                0xFFFFFF01,
                0xFFFFFF02,
                0xFFFFFF03,
                0xFFFFFF04,
                0xFFFFFF04,
                0xFFFF029A,
            )
        ),
    ),
    (
        "large-community [ 2914:0:666 2914:3320:123 2914:3320:123 ]",
        Attributes(large_communities=((2914, 0, 666), (2914, 3320, 123))),
    ),
    ("large-community 1:2:3", Attributes(large_communities=((1, 2, 3),))),
    ("originator-id 57.35.2.240", Attributes(originator_id=ip("57.35.2.240"))),
    ("cluster-list [ 3.3.3.3 192.168.201.1 ]", Attributes(cluster_list=(ip("3.3.3.3"), ip("192.168.201.1")))),
    ("cluster-list 1.1.1.1", Attributes(cluster_list=(ip("1.1.1.1"),))),
    # generic attributes: known codes are decoded (conf-generic-attribute), others kept raw
    ("attribute [0x04 0x80 0x00000064]", Attributes(med=100)),
    ("attribute [0x99 0x60 0x00000064]", Attributes(unknown=((0x99, 0x60, b"\x00\x00\x00\x64"),))),
    ("attribute [ 0x99 0x70 0x00000064 ]", Attributes(unknown=((0x99, 0x70, b"\x00\x00\x00\x64"),))),
    ("attribute [0x08 0xC0 0x0001000200030004]", Attributes(communities=(0x00010002, 0x00030004))),
    ("aigp 100", Attributes(unknown=((26, 0x80, b"\x01\x00\x0b" + (100).to_bytes(8, "big")),))),
]


@pytest.mark.parametrize(("line", "expected"), ATTRIBUTE_VECTORS, ids=[v[0] for v in ATTRIBUTE_VECTORS])
def test_attributes(line: str, expected: Attributes) -> None:
    assert attrs(line) == expected


EXT_VECTORS = [
    # two-octet AS route target (RFC 4360 §4): the conf-ipv46routes4family vector C0100800020048 00000001
    ("72:0.0.0.1", "0002004800000001"),
    ("target:72:1", "0002004800000001"),
    ("0:0", "0002000000000000"),
    ("target:65000:99999", "0002fde80001869f"),
    ("origin:2345:6.7.8.9", "0003092906070809"),
    ("target:10283:4.249.92.120", "0002282b04f95c78"),
    # IPv4-address specific (RFC 4360 §4)
    ("target:192.168.94.12:5", "0102c0a85e0c0005"),
    ("origin:2.3.4.5:6789", "0103020304051a85"),
    # four-octet AS specific (RFC 5668), chosen by size or by a trailing L
    ("target:4200000000:10", "0202fa56ea00000a"),
    ("origin:70000:1", "0203000111700001"),
    # flowspec redirect (RFC 8955 §7.4 / RFC 7674)
    ("redirect:65500:12345", "8008ffdc00003039"),
    ("redirect:1.2.3.4:5678", "810801020304162e"),
    ("redirect:70000:1", "8208000111700001"),
    ("redirect-to-nexthop", "0800000000000000"),
    # layer-2 info (RFC 4761 §3.2.4)
    ("l2info:19:0:1500:111", "800a130005dc006f"),
    # link bandwidth
    ("bandwidth:65000:1000000", "4004fde8" + struct.pack("!f", 1000000.0).hex()),
    # raw
    ("0x0002fde800000001", "0002fde800000001"),
]


@pytest.mark.parametrize(("text", "hexa"), EXT_VECTORS, ids=[v[0] for v in EXT_VECTORS])
def test_extended_community(text: str, hexa: str) -> None:
    assert attrs(f"extended-community [ {text} ]").ext_communities == (bytes.fromhex(hexa),)


def test_extended_community_4_octet_by_suffix() -> None:
    (value,) = attrs("extended-community target:10L:10").ext_communities
    assert value == bytes.fromhex("0202") + struct.pack("!IH", 10, 10)


def test_several_extended_communities_keep_order() -> None:
    values = attrs("extended-community [ 0x0002fde800000001 0x0002271000000001 ]").ext_communities
    assert values == (bytes.fromhex("0002fde800000001"), bytes.fromhex("0002271000000001"))


@pytest.mark.parametrize(
    ("text", "next_hop"),
    [
        ("next-hop 192.168.1.254", ip("192.168.1.254")),
        ("next-hop self", NEXT_HOP_SELF),
        ("next-hop SELF", NEXT_HOP_SELF),
        ("next-hop ::1", bytes(15) + b"\x01"),
        ("next-hop ::FFFF:81.52.17.146", bytes(10) + b"\xff\xff" + ip("81.52.17.146")),
    ],
)
def test_next_hop(text: str, next_hop: bytes) -> None:
    (only,) = route(f"10.0.0.0/24 {text}")
    assert only.next_hop == next_hop


def test_ipv4_next_hop_on_ipv6_prefix_stays_4_bytes() -> None:
    (only,) = route("DEAD:BEEF:DEAD:BEEF:DEAD:BEEF:DEAD:BEEF next-hop 170.170.170.170")
    assert only.family == IPV6_UNICAST
    assert only.next_hop == ip("170.170.170.170")
    assert only.nlri == parse_prefix("dead:beef:dead:beef:dead:beef:dead:beef/128")[1]


def test_route_without_next_hop_is_parsed() -> None:
    (only,) = route("1.1.0.0/24")  # `withdraw route 1.1.0.0/24` over the API
    assert only.next_hop is None
    assert only.attributes == Attributes()


@pytest.mark.parametrize(
    ("prefix", "family", "nlri"),
    [
        ("10.0.0.0/24", IPV4_UNICAST, b"\x18\x0a\x00\x00"),
        ("10.0.0.2", IPV4_UNICAST, b"\x20\x0a\x00\x00\x02"),
        ("0.0.0.0/0", IPV4_UNICAST, b"\x00"),
        ("2001:db8:100::/48", IPV6_UNICAST, b"\x30\x20\x01\x0d\xb8\x01\x00"),
        ("224.0.0.0/24", (1, 2), b"\x18\xe0\x00\x00"),
    ],
)
def test_prefix_and_family(prefix: str, family: tuple[int, int], nlri: bytes) -> None:
    (only,) = route(f"{prefix} next-hop 1.2.3.4")
    assert only.family == family
    assert only.nlri == nlri


def test_explicit_family_must_match() -> None:
    (only,) = parse_route(tokenize_line("2a02:b80::/32 next-hop ::1"), IPV6_UNICAST)
    assert only.family == IPV6_UNICAST
    with pytest.raises(ConfigError, match="does not belong to ipv6 unicast"):
        parse_route(tokenize_line("10.0.0.0/8 next-hop 1.1.1.1"), IPV6_UNICAST)


@pytest.mark.parametrize(
    ("text", "path_id"),
    [("path-information 0.0.0.1", 1), ("path-information 10", 10), ("path-information 1.2.3.4", 0x01020304)],
)
def test_path_information_goes_into_the_key(text: str, path_id: int) -> None:
    (only,) = route(f"10.0.0.10 next-hop 10.10.1.1 {text}")
    assert only.nlri == path_id.to_bytes(4, "big") + b"\x20\x0a\x00\x00\x0a"


def test_split() -> None:
    routes = route("172.10.0.0/22 next-hop 192.0.2.1 med 200 community [174:666] split /24")
    assert [r.nlri for r in routes] == [bytes([24, 172, 10, n]) for n in range(4)]
    assert len({id(r.attributes) for r in routes}) == 1
    six = route("2001:db8::/32 next-hop ::1 split /34")
    assert [r.nlri[:6] for r in six] == [
        bytes([34, 0x20, 0x01, 0x0D, 0xB8, n]) for n in (0, 0x40, 0x80, 0xC0)
    ]


def test_split_with_path_information() -> None:
    routes = route("10.0.0.0/31 next-hop 1.1.1.1 path-information 7 split /32")
    assert [r.nlri for r in routes] == [
        b"\x00\x00\x00\x07\x20\x0a\x00\x00\x00",
        b"\x00\x00\x00\x07\x20\x0a\x00\x00\x01",
    ]


def test_extras() -> None:
    routes = route("77.77.77.77 next-hop 1.2.3.4 watchdog dnsr withdraw name svc")
    assert routes.extras == RouteExtras(name="svc", watchdog="dnsr", withdraw=True)
    assert route("1.0.0.0/8 next-hop 1.1.1.1").extras is NO_EXTRAS


def test_equal_attributes_are_interned() -> None:
    first = route("1.0.0.0/8 next-hop 1.1.1.1 med 7 community [1:1]")[0].attributes
    second = parse_route(tokenize_line("2.0.0.0/8 next-hop 2.2.2.2 community [1:1] med 7"))[0].attributes
    assert first is second
    assert intern(Attributes(med=7, communities=(0x10001,))) is first


def test_cached_tail_gives_correct_routes() -> None:
    for n in range(3):
        (only,) = route(f"10.{n}.0.0/16 next-hop 10.0.0.1 med 1")
        assert only.nlri == bytes([16, 10, n])


def test_parse_attributes() -> None:
    attributes, next_hop, extras = parse_attributes(tokenize_line("next-hop 1.2.3.4 med 10 watchdog w"))
    assert attributes == Attributes(med=10)
    assert next_hop == ip("1.2.3.4")
    assert extras == RouteExtras(watchdog="w")


def test_parse_attributes_nlri() -> None:
    line = (
        "next-hop 101.1.101.1 origin igp as-path [100, 500] local-preference 100 "
        "nlri 128.0.64.0/18 128.0.0.0/18"
    )
    routes = parse_attributes_nlri(tokenize_line(line))
    assert [r.nlri for r in routes] == [b"\x12\x80\x00\x40", b"\x12\x80\x00\x00"]
    assert routes[0].attributes is routes[1].attributes
    assert routes[0].attributes == Attributes(origin=0, as_path=((AS_SEQUENCE, (100, 500)),), local_pref=100)
    assert routes[0].next_hop == ip("101.1.101.1")


@pytest.mark.parametrize(
    ("line", "column", "token", "message"),
    [
        ("10.0.0.0/24 next-hop 1.2.3", 22, "1.2.3", "invalid IP address"),
        ("10.0.0.0/33 next-hop 1.2.3.4", 1, "10.0.0.0/33", "invalid prefix"),
        ("10.0.0.0/24 med", 13, "med", "'med' needs a value"),
        ("10.0.0.0/24 med -1", 17, "-1", "med out of range"),
        ("10.0.0.0/24 med 4294967296", 17, "4294967296", "med out of range"),
        ("10.0.0.0/24 colour blue", 13, "colour", "unknown route attribute 'colour'"),
        ("10.0.0.0/24 origin best", 20, "best", "origin is igp, egp or incomplete"),
        ("10.0.0.0/24 community [ 1:70000 ]", 25, "1:70000", "community half out of range"),
        ("10.0.0.0/24 community [ 1:1", 23, "[", "missing ']'"),
        ("10.0.0.0/24 community [ 1:1 ( ]", 29, "(", "unexpected '('"),
        ("10.0.0.0/24 large-community 1:2", 29, "1:2", "invalid large community"),
        ("10.0.0.0/24 extended-community target:1:2:3", 32, "target:1:2:3", "invalid extended community"),
        ("10.0.0.0/24 extended-community 0x0102", 32, "0x0102", "16 hexadecimal digits"),
        ("10.0.0.0/24 extended-community target:70000:70000", 32, "target:70000:70000", "invalid extended"),
        ("10.0.0.0/24 as-path [ 1 x ]", 25, "x", "invalid AS number"),
        ("10.0.0.0/24 aggregator 1.2.3.4", 24, "1.2.3.4", "aggregator is ASN:IPv4"),
        ("10.0.0.0/24 originator-id ::1", 27, "::1", "invalid IPv4 address"),
        ("10.0.0.0/24 split 24", 19, "24", "split is /LENGTH"),
        ("10.0.0.0/24 next-hop 1.1.1.1 split /16", 1, "10.0.0.0/24", "cannot split a /24 into /16"),
        ("10.0.0.0/24 attribute [ 0x02 0x40 0x00 ]", 25, "0x02", "cannot be given raw"),
        ("10.0.0.0/24 attribute [ 0x04 0x80 0x0001 ]", 35, "0x0001", "invalid value for attribute 4"),
        ("10.0.0.0/24 attribute 0x04", 23, "0x04", "attribute is [ 0xCODE 0xFLAGS 0xDATA ]"),
        ("10.0.0.0/24 rd 65000:1 next-hop 1.1.1.1", 13, "rd", "route distinguishers"),
        ("10.0.0.0/24 label 100 next-hop 1.1.1.1", 13, "label", "MPLS labels"),
        ("10.0.0.0/24 bgp-prefix-sid [ 777 ]", 13, "bgp-prefix-sid", "not supported yet"),
        ("[ 10.0.0.0/24 ]", 1, "[", "a route starts with its prefix"),
    ],
)
def test_errors(line: str, column: int, token: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        route(line)
    error = caught.value
    assert error.position is not None
    assert (error.position.line, error.position.column, error.token) == (1, column, token)
    assert message in error.message


def test_attributes_nlri_errors() -> None:
    with pytest.raises(ConfigError, match="needs `nlri`"):
        parse_attributes_nlri(tokenize_line("next-hop 1.1.1.1 med 1"))
    with pytest.raises(ConfigError, match="at least one prefix"):
        parse_attributes_nlri(tokenize_line("next-hop 1.1.1.1 nlri"))
