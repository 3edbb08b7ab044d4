"""FlowSpec rules in the configuration language: statements in, components / Route out.

The component tables check what reaches aiobgp.wire.flow.encode_flow (the shared contract: operator bytes
without the end-of-list and length bits); the vector tests check, through the real encoder, that the
rules of ExaBGP's conf-flow, conf-flow-redirect, api-flow and api-broken-flow give exactly the NLRI,
next hop and action bytes of those vectors.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import aiobgp.config.flow as flow_module
from aiobgp.api.commands import FlowCommand, parse_command
from aiobgp.config.flow import flow_route, split_statements
from aiobgp.config.model import ConfigError
from aiobgp.config.parser import parse
from aiobgp.config.tokenizer import Token, tokenize_line
from aiobgp.rib.route import Route
from aiobgp.wire.flow import encode_flow

QA = Path("/work/shared/conformance/exabgp-qa")


def qa() -> Path:
    if not QA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{QA} is missing (CI=true)")
        pytest.skip(f"{QA} is not available")
    return QA


def rule(text: str, family: tuple[int, int] | None = None) -> Route:
    """The route of a keyword soup (`source 10.0.0.1/32 discard`)."""
    tokens = tokenize_line(text)
    sections = split_statements(tokens)
    return flow_route(
        family, sections["match"], sections["then"], sections["scope"], sections["other"], at=tokens[0]
    )


@pytest.fixture
def components(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Records what flow_route hands to the encoder: (afi, components, rd)."""
    seen: list[Any] = []

    def record(afi: int, parts: Sequence[tuple[int, object]], rd: bytes | None = None) -> bytes:
        seen.append((afi, sorted(parts, key=lambda part: part[0]), rd))
        return encode_flow(afi, parts, rd)

    monkeypatch.setattr(flow_module, "encode_flow", record)
    yield seen


def v4(text: str) -> bytes:
    return bytes(int(part) for part in text.split("."))


# --- match: the components ----------------------------------------------------------------------

MATCH_VECTORS: list[tuple[str, int, list[tuple[int, object]]]] = [
    ("source 10.0.0.1/32", 1, [(2, (v4("10.0.0.1"), 32, 0))]),
    ("destination 10.0.0.0/24", 1, [(1, (v4("10.0.0.0"), 24, 0))]),
    ("destination-ipv4 10.1.2.3/8", 1, [(1, (v4("10.0.0.0"), 8, 0))]),  # host bits cleared
    ("source-ipv4 0.0.0.0/0", 1, [(2, (bytes(4), 0, 0))]),
    ("destination 192.0.2.1", 1, [(1, (v4("192.0.2.1"), 32, 0))]),
    ("source ::1/128/120", 2, [(2, (bytes(15) + b"\x01", 128, 120))]),
    ("destination-ipv6 2001:db8::/32", 2, [(1, (b"\x20\x01\x0d\xb8" + bytes(12), 32, 0))]),
    ("protocol tcp", 1, [(3, ((0x01, 6),))]),
    ("protocol [ udp tcp ]", 1, [(3, ((0x01, 17), (0x01, 6)))]),
    ("protocol =TCP", 1, [(3, ((0x01, 6),))]),
    ("protocol [ !=tcp ]", 1, [(3, ((0x06, 6),))]),
    ("protocol 47", 1, [(3, ((0x01, 47),))]),
    ("next-header udp", 2, [(3, ((0x01, 17),))]),
    ("port [ =80 =8080 ]", 1, [(4, ((0x01, 80), (0x01, 8080)))]),
    ("port =http", 1, [(4, ((0x01, 80),))]),
    ("destination-port [ >8080&<8088 =3128 ]", 1, [(5, ((0x02, 8080), (0x44, 8088), (0x01, 3128)))]),
    ("source-port >1024", 1, [(6, ((0x02, 1024),))]),
    ("source-port [ !=80 !=8080 ]", 1, [(6, ((0x06, 80), (0x06, 8080)))]),
    ("source-port !=80 !=8080", 1, [(6, ((0x06, 80), (0x06, 8080)))]),
    ("destination-port >=1024&<=2048", 1, [(5, ((0x03, 1024), (0x45, 2048)))]),
    ("destination-port ==53", 1, [(5, ((0x01, 53),))]),
    ("destination-port [ >1000 &<2000 ]", 1, [(5, ((0x02, 1000), (0x44, 2000)))]),
    ("port true", 1, [(4, ((0x07, 0),))]),
    ("port false", 1, [(4, ((0x00, 0),))]),
    ("port 0x50", 1, [(4, ((0x01, 80),))]),
    ("icmp-type [ unreachable echo-request echo-reply ]", 1, [(7, ((0x01, 3), (0x01, 8), (0x01, 0)))]),
    ("icmp-code [ host-unreachable network-unreachable ]", 1, [(8, ((0x01, 1), (0x01, 0)))]),
    ("icmp-type 8", 1, [(7, ((0x01, 8),))]),
    ("tcp-flags [ urgent rst ]", 1, [(9, ((0x00, 0x20), (0x00, 0x04)))]),
    ("tcp-flags [SYN RST&FIN&!=push]", 1, [(9, ((0x00, 0x02), (0x00, 0x04), (0x40, 0x01), (0x43, 0x08)))]),
    ("tcp-flags [ =rst =fin+push ]", 1, [(9, ((0x01, 0x04), (0x01, 0x09)))]),
    ("tcp-flags [ ack cwr&!fin&!ece ]", 1, [(9, ((0x00, 0x10), (0x00, 0x80), (0x42, 0x01), (0x42, 0x40)))]),
    ("tcp-flags 0x12", 1, [(9, ((0x00, 0x12),))]),
    (
        "packet-length [ >200&<300 >400&<500 ]",
        1,
        [(10, ((0x02, 200), (0x44, 300), (0x02, 400), (0x44, 500)))],
    ),
    ("dscp [ 10 20 ]", 1, [(11, ((0x01, 10), (0x01, 20)))]),
    ("traffic-class 101", 2, [(11, ((0x01, 101),))]),
    ("fragment [ last-fragment ]", 1, [(12, ((0x00, 0x08),))]),
    ("fragment [ first-fragment last-fragment ]", 1, [(12, ((0x00, 0x04), (0x00, 0x08)))]),
    ("fragment =is-fragment", 1, [(12, ((0x01, 0x02),))]),
    ("fragment !dont-fragment", 1, [(12, ((0x02, 0x01),))]),
    ("flow-label 2013", 2, [(13, ((0x01, 2013),))]),
    ("flow-label >1048575", 2, [(13, ((0x02, 0xFFFFF),))]),
    # several statements of one component are ORed into one list
    (
        "destination-port =80 protocol tcp destination-port =443",
        1,
        [(3, ((0x01, 6),)), (5, ((0x01, 80), (0x01, 443)))],
    ),
]


@pytest.mark.parametrize(("text", "afi", "expected"), MATCH_VECTORS)
def test_match_components(components: list[Any], text: str, afi: int, expected: list[Any]) -> None:
    route = rule(text + " discard")
    assert components == [(afi, expected, None)]
    assert route.family == (afi, 133)


def test_a_flow_vpn_rule_carries_its_rd_first(components: list[Any]) -> None:
    route = rule("source 10.0.0.1/32 rd 65535:65536 discard")
    assert route.family == (1, 134)
    assert components[0][2] == bytes.fromhex("0000FFFF00010000")


RD_VECTORS = [
    ("65535:65536", "0000FFFF00010000"),
    ("1:2", "0000000100000002"),
    ("1.2.3.4:5", "0001010203040005"),
    ("4200000000:7", "0002FA56EA000007"),
    ("7L:7", "0002000000070007"),
]


@pytest.mark.parametrize(("text", "packed"), RD_VECTORS)
def test_route_distinguishers(components: list[Any], text: str, packed: str) -> None:
    rule(f"source 10.0.0.1/32 rd {text}")
    assert components[0][2] == bytes.fromhex(packed)


# --- then: the actions ------------------------------------------------------------------------------

ACTION_VECTORS: list[tuple[str, list[str], bytes | None]] = [
    ("accept", [], None),
    ("discard", ["8006000000000000"], None),
    ("rate-limit 9600", ["8006000046160000"], None),
    ("rate-limit 1", ["800600003F800000"], None),
    ("rate-limit 65535", ["80060000477FFF00"], None),
    ("rate-limit 1250000000", ["800600004E9502F9"], None),
    ("rate-limit 1e15", ["80060000" + struct.pack("!f", 1e12).hex().upper()], None),  # clamped to 1 TB/s
    ("rate-limit 1000 packets", ["800C0000447A0000"], None),
    ("redirect 65500:12345", ["8008FFDC00003039"], None),
    ("redirect 258:33756718", ["800801020203162E"], None),
    ("redirect 4200000000:5", ["8208FA56EA000005"], None),
    ("redirect 65000L:5", ["82080000FDE80005"], None),
    ("redirect 1.2.3.4:5678", ["810801020304162E"], None),
    ("redirect 1.2.3.4", ["0800000000000000"], v4("1.2.3.4")),
    ("redirect [ 2001:db8::1 ]", ["0800000000000000"], bytes.fromhex("20010DB8" + "00" * 11 + "01")),
    ("redirect-to-nexthop next-hop 5.6.7.8", ["0800000000000000"], v4("5.6.7.8")),
    ("redirect-to-nexthop-ietf 1.2.3.4", ["010C010203040000"], None),
    ("copy 1.2.3.4", ["0800000000000001"], v4("1.2.3.4")),
    ("mark 10", ["800900000000000A"], None),
    ("action sample", ["8007000000000002"], None),
    ("action terminal", ["8007000000000001"], None),
    ("action sample-terminal", ["8007000000000003"], None),
    ("interface-set transitive:input:1234:10", ["0702000004D2400A"], None),
    (
        "interface-set [ non-transitive:output:1:1 transitive:input-output:2:16383 ]",
        ["070200000002FFFF", "4702000000018001"],
        None,
    ),
    # ExaBGP sends the extended communities in byte order
    (
        "redirect 65500:12345 extended-community [ origin:2345:6.7.8.9 origin:2.3.4.5:6789 ]",
        ["0003092906070809", "0103020304051A85", "8008FFDC00003039"],
        None,
    ),
    (
        "extended-community [ redirect:65500:12345 target:1:2 ]",
        ["0002000100000002", "8008FFDC00003039"],
        None,
    ),
]


@pytest.mark.parametrize(("text", "extended", "next_hop"), ACTION_VECTORS)
def test_actions(text: str, extended: list[str], next_hop: bytes | None) -> None:
    route = rule("destination 192.0.2.0/24 " + text)
    assert [value.hex().upper() for value in route.attributes.ext_communities] == extended
    assert route.next_hop == next_hop


def test_communities_and_large_communities() -> None:
    route = rule(
        "source 10.0.0.1/32 discard community [ 30740:0 30740:30740 ] large-community [ 1:2:3 1:2:3 ]"
    )
    assert route.attributes.communities == (30740 << 16, (30740 << 16) | 30740)
    assert route.attributes.large_communities == ((1, 2, 3),)


IPV6_EXTENDED = [
    ("redirect-to-nexthop-ietf 2A02:B80:0:1::1", "000C2A020B800000000100000000000000010000"),
    ("redirect [ 2001:db8::1 ] :99", "000D20010DB8000000000000000000000001" + "0063"),
    ("redirect [2001:db8::1]:99", "000D20010DB8000000000000000000000001" + "0063"),
]


@pytest.mark.parametrize(("text", "value"), IPV6_EXTENDED)
def test_ipv6_address_specific_actions_go_in_attribute_25(text: str, value: str) -> None:
    route = rule("source 10.0.0.1/32 " + text)
    assert route.attributes.ext_communities == ()
    assert route.attributes.unknown == ((25, 0xC0, bytes.fromhex(value)),)


# --- families -------------------------------------------------------------------------------------

FAMILY_VECTORS = [
    ("source 10.0.0.1/32", None, (1, 133)),
    ("protocol tcp", None, (1, 133)),
    ("source 2001:db8::/32", None, (2, 133)),
    ("next-header tcp", None, (2, 133)),
    ("flow-label 1", None, (2, 133)),
    ("protocol tcp", (2, 133), (2, 133)),
    ("source 10.0.0.1/32 rd 1:1", (1, 133), (1, 134)),
    ("source 10.0.0.1/32 rd 1:1", (1, 134), (1, 134)),
    ("source 2001:db8::/32 rd 1:1", None, (2, 134)),
]


@pytest.mark.parametrize(("text", "family", "expected"), FAMILY_VECTORS)
def test_family_is_named_or_inferred(
    text: str, family: tuple[int, int] | None, expected: tuple[int, int]
) -> None:
    assert rule(text + " discard", family).family == expected


# --- errors ---------------------------------------------------------------------------------------

ERROR_VECTORS = [
    ("discard", None, "<api>:1:1: a flow route needs at least one match component (RFC 8955) (at 'discard')"),
    (
        "source 10.0.0.1/32 destination 2001:db8::/32",
        None,
        "an IPv4 prefix is needed here (at '2001:db8::/32')",
    ),
    ("source-ipv6 10.0.0.1/32", None, "an IPv6 prefix is needed here (at '10.0.0.1/32')"),
    ("source 2001:db8::/32", (1, 133), "an IPv4 prefix is needed here (at '2001:db8::/32')"),
    ("source 10.0.0.1/32/8", None, "an IPv4 flow prefix has no offset"),
    ("source 2001:db8::/32/64", None, "prefix offset out of range (0..32)"),
    ("source 10.0.0.1/33", None, "prefix length out of range (0..32)"),
    ("source 10.0.0.1/32 source 10.0.0.2/32", None, "the source prefix is given twice (at 'source')"),
    ("source 10.0.0.0.1/32", None, "invalid IP address (at '10.0.0.0.1/32')"),
    ("protocol tcpx", None, "invalid protocol value 'tcpx' (at 'tcpx')"),
    ("protocol 256", None, "protocol value out of range (0..255) (at '256')"),
    ("port 65536", None, "port value out of range (0..65535)"),
    ("port !80", None, "invalid port operator"),
    ("port >", None, "port: a value is missing after the operator (at '>')"),
    ("port =80&&<90", None, "invalid port expression (at '=80&&<90')"),
    ("port &=80", None, "invalid port expression (at '&=80')"),
    ("port [ =80", None, "missing ']' to close this list (at '[')"),
    ("port [ ]", None, "'port' needs a value (at 'port')"),
    ("dscp 64", None, "dscp value out of range (0..63)"),
    ("tcp-flags [ syn bogus ]", None, "invalid tcp-flags value 'bogus' (at 'bogus')"),
    ("fragment [ is-fragment+maybe ]", None, "invalid fragment value 'maybe'"),
    ("source 10.0.0.1/32 flow-label 5", None, "flow-label only matches IPv6 traffic (at 'flow-label')"),
    ("source 10.0.0.1/32", (1, 134), "an ipv4 flow-vpn route needs an rd (at 'source')"),
    ("source 10.0.0.1/32 rd 1:1 rd 1:2", None, "the route distinguisher is given twice (at 'rd')"),
    ("source 10.0.0.1/32 rd 1", None, "a route distinguisher is ASN:N or IPv4:N (at '1')"),
    ("source 10.0.0.1/32 redirect-to-nexthop", None, "redirect-to-nexthop needs a next-hop"),
    ("source 10.0.0.1/32 discard 1", None, "'discard' takes no value (at '1')"),
    ("source 10.0.0.1/32 rate-limit fast", None, "invalid rate (a number per second) (at 'fast')"),
    ("source 10.0.0.1/32 rate-limit -1", None, "invalid rate (a number per second) (at '-1')"),
    ("source 10.0.0.1/32 rate-limit 5 frames", None, "rate-limit is N (bytes per second) or N packets"),
    ("source 10.0.0.1/32 redirect nowhere", None, "redirect is ASN:N, IPv4:N, [IPv6]:N or an IP"),
    ("source 10.0.0.1/32 redirect 1.2.3.4:65536", None, "redirect value out of range (0..65535)"),
    ("source 10.0.0.1/32 redirect 4200000000:65536", None, "redirect (with a 4-byte AS) value out of range"),
    ("source 10.0.0.1/32 redirect [ 2001:db8::1 ] 5", None, "redirect takes [IPv6]:N (at '5')"),
    ("source 10.0.0.1/32 mark 64", None, "mark (DSCP) value out of range (0..63)"),
    ("source 10.0.0.1/32 action drop", None, "action is sample, terminal or sample-terminal (at 'drop')"),
    ("source 10.0.0.1/32 copy 1.2.3.4 next-hop 5.6.7.8", None, "already has another next hop (at '1.2.3.4')"),
    ("source 10.0.0.1/32 interface-set input:1:1", None, "interface-set is transitive|non-transitive"),
    ("source 10.0.0.1/32 interface-set transitive:input:1:16384", None, "group up to 16383"),
    ("source 10.0.0.1/32 community [ 1:x ]", None, "invalid community"),
    ("source 10.0.0.1/32 extended-community [ bogus ]", None, "invalid extended community (at 'bogus')"),
]


@pytest.mark.parametrize(("text", "family", "message"), ERROR_VECTORS)
def test_errors_name_the_token(text: str, family: tuple[int, int] | None, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        rule(text, family)
    assert message in str(caught.value)


def test_a_rule_without_match_is_refused() -> None:
    at = Token("route", 3, 7, "x.conf")
    with pytest.raises(ConfigError) as caught:
        flow_route(None, [], [], at=at)
    assert str(caught.value) == (
        "x.conf:3:7: a flow route needs at least one match component (RFC 8955) (at 'route')"
    )
    with pytest.raises(ConfigError, match="not a flow family"):
        flow_route((1, 1), [tokenize_line("source 10.0.0.1/32")])


# --- the configuration ----------------------------------------------------------------------------

HEAD = """neighbor 127.0.0.1 {
    local-as 1; peer-as 1;
    family { ipv4 flow; ipv4 flow-vpn; ipv6 flow; }
"""


def neighbor_routes(body: str) -> list[Route]:
    (n,) = parse(HEAD + body + "\n}\n", "f.conf").neighbors
    return n.routes


def test_block_one_line_and_announce_forms_agree() -> None:
    block = neighbor_routes(
        "flow { route web { match { source 10.0.0.1/32; destination-port =80; } then { discard; } } }"
    )
    unnamed = neighbor_routes(
        "flow { route { match { source 10.0.0.1/32; destination-port =80; } then { discard; } } }"
    )
    one_line = neighbor_routes("flow { route source 10.0.0.1/32 destination-port =80 discard; }")
    announce = neighbor_routes("announce { ipv4 { flow source 10.0.0.1/32 destination-port =80 discard; } }")
    announce_route = neighbor_routes(
        "announce { ipv4 { flow route x { match { source 10.0.0.1/32; destination-port =80; } "
        "then { discard; } } flow route source 10.0.0.1/32 destination-port =80 discard; } }"
    )
    assert block == unnamed == one_line == announce == announce_route[:1] == announce_route[1:]
    (only,) = block
    assert only.nlri == encode_flow(1, [(2, (v4("10.0.0.1"), 32, 0)), (5, ((0x01, 80),))])


def test_route_level_statements_in_the_block() -> None:
    (route,) = neighbor_routes(
        "flow { route r { rd 65535:65536; next-hop 5.6.7.8; match { source 10.0.0.3/32; } "
        "then { redirect-to-nexthop; } scope { interface-set transitive:input:1:1; } } }"
    )
    assert route.family == (1, 134)
    assert route.next_hop == v4("5.6.7.8")
    assert [value.hex() for value in route.attributes.ext_communities] == [
        "0702000000014001",
        "0800000000000000",
    ]


def test_announce_ipv6_flow_and_flow_vpn() -> None:
    routes = neighbor_routes(
        "announce { ipv6 { flow next-header udp discard; } "
        "ipv4 { flow-vpn source 10.0.0.1/32 rd 1:1 discard; } }"
    )
    assert [route.family for route in routes] == [(2, 133), (1, 134)]


CONFIG_ERRORS = [
    ("flow;", "f.conf:4:1: 'flow' needs a block { ... } (at 'flow')"),
    ("flow { rule x { } }", "f.conf:4:8: a flow block holds `route` entries (at 'rule')"),
    (
        "flow { route x { match { } then { discard; } } }",
        "f.conf:4:8: a flow route needs at least one match component (RFC 8955) (at 'route')",
    ),
    (
        "flow { route x { match { discard; } } }",
        "f.conf:4:26: not a flow 'match' keyword (at 'discard')",
    ),
    (
        "flow { route x { then { source 10.0.0.1/32; } } }",
        "f.conf:4:25: not a flow 'then' keyword (at 'source')",
    ),
    (
        "flow { route x { match { source 10.0.0.1/32; } bananas; } }",
        "f.conf:4:48: unknown flow route keyword (match, then, scope, rd, next-hop) (at 'bananas')",
    ),
    (
        "flow { route x { match { source 10.0.0.1/32; } actions { discard; } } }",
        "f.conf:4:48: a flow route holds `match { }`, `then { }` and `scope { }` blocks (at 'actions')",
    ),
    ("flow { route a b { } }", "f.conf:4:16: a flow route has at most one name before '{' (at 'b')"),
    (
        "flow { route source 10.0.0.1/32 { } }",
        "f.conf:4:14: write the block form `route NAME { match { ... } then { ... } }` (at 'source')",
    ),
    (
        "flow { route x { match { port =99999; } } }",
        "f.conf:4:31: port value out of range (0..65535) (at '=99999')",
    ),
    ("flow { route source 10.0.0.1/32 bogus; }", "f.conf:4:33: 'source' takes one value (at 'bogus')"),
    ("flow x { }", "f.conf:4:6: `flow` takes no argument (at 'x')"),
    ("flow { route bogus; }", "f.conf:4:14: unknown flow route keyword (at 'bogus')"),
    (
        "announce { ipv6 { flow source 10.0.0.0/8; } }",
        "f.conf:4:31: an IPv6 prefix is needed here (at '10.0.0.0/8')",
    ),
    (
        "static { route flow x; }",
        "f.conf:4:16: flow routes go in a `flow { route NAME { ... } }` block (at 'flow')",
    ),
]


@pytest.mark.parametrize(("body", "message"), CONFIG_ERRORS)
def test_configuration_errors(body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        neighbor_routes(body)
    assert str(caught.value) == message


def test_flow_family_must_be_listed_in_an_explicit_family_block() -> None:
    text = (
        "neighbor 127.0.0.1 { local-as 1; peer-as 1; family { ipv4 flow; }\n"
        " flow { route source 2001:db8::/32 discard; } }"
    )
    with pytest.raises(ConfigError, match=r"family ipv6 flow is not in this neighbor's `family \{\}`"):
        parse(text, "f.conf")


def test_flow_families_are_offered_without_a_family_block() -> None:
    text = "neighbor 127.0.0.1 { local-as 1; peer-as 1; flow { route source 2001:db8::/32 discard; } }"
    (neighbor,) = parse(text, "f.conf").neighbors
    assert (2, 133) in neighbor.families and len(neighbor.routes) == 1


# --- ExaBGP's vectors -----------------------------------------------------------------------------


def _updates(raw_lines: Sequence[str]) -> list[dict[str, Any]]:
    """The announced / withdrawn flow NLRI, next hop and action attributes of each raw UPDATE."""
    found = []
    for hexed in raw_lines:
        data = bytes.fromhex(hexed)
        if data[18] != 2:
            continue
        withdrawn_length = int.from_bytes(data[19:21], "big")
        at = 21 + withdrawn_length
        attr_length = int.from_bytes(data[at : at + 2], "big")
        at += 2
        end = at + attr_length
        update: dict[str, Any] = {
            "reach": None,
            "unreach": None,
            "next_hop": None,
            "ext": b"",
            "ext6": b"",
            "comm": b"",
        }
        while at < end:
            flags, code = data[at], data[at + 1]
            if flags & 0x10:
                length, at = int.from_bytes(data[at + 2 : at + 4], "big"), at + 4
            else:
                length, at = data[at + 2], at + 3
            value = data[at : at + length]
            at += length
            if code == 14:
                afi, safi, hop_length = struct.unpack("!HBB", value[:4])
                hop = value[4 : 4 + hop_length]
                update["reach"] = ((afi, safi), value[5 + hop_length :])
                update["next_hop"] = hop or None
            elif code == 15:
                afi, safi = struct.unpack("!HB", value[:3])
                update["unreach"] = ((afi, safi), value[3:])
            elif code == 16:
                update["ext"] = value
            elif code == 25:
                update["ext6"] = value
            elif code == 8:
                update["comm"] = value
        if update["reach"] or (update["unreach"] and update["unreach"][1]):  # End-of-RIB markers left out
            found.append(update)
    return found


def _raw_lines(name: str) -> list[str]:
    """The raw UPDATE lines of a .ci file, with ExaBGP 5.0.15's accepted alternatives (alternates-5x)."""
    folder = qa()
    path = next(folder.glob(f"*/{name}.ci"))
    alternates = json.loads((folder / "alternates-5x.json").read_text()).get(name, [])
    accepted = {row["expected"]: row["accept"] for row in alternates if "accept" in row}
    lines = []
    for line in path.read_text().splitlines():
        if ":raw:" in line and not line.startswith("#"):
            hexed = line.split(":raw:", 1)[1].replace(":", "")
            lines.append(accepted.get(hexed, hexed))
    return lines


def _announced(route: Route) -> tuple[Any, ...]:
    attributes = route.attributes
    six = b"".join(value for code, _, value in attributes.unknown if code == 25)
    communities = struct.pack(f"!{len(attributes.communities)}I", *attributes.communities)
    return (route.family, route.nlri, route.next_hop, b"".join(attributes.ext_communities), six, communities)


def _expected(update: dict[str, Any]) -> tuple[Any, ...]:
    family, nlri = update["reach"]
    return (family, nlri, update["next_hop"], update["ext"], update["ext6"], update["comm"])


@pytest.mark.parametrize("name", ["conf-flow", "conf-flow-redirect"])
def test_configuration_vectors(name: str) -> None:
    path = qa() / "etc" / f"{name}.conf"
    (n,) = parse(path.read_text(), str(path)).neighbors
    announced = sorted(_announced(route) for route in n.routes)
    expected = sorted(_expected(update) for update in _updates(_raw_lines(name)))
    assert len(announced) == len(n.routes) == len(expected)
    assert announced == expected


def _helper_commands(name: str) -> list[FlowCommand]:
    helpers = json.loads((qa() / "api-helpers.json").read_text())
    commands = []
    for process in helpers[name]["processes"]:
        for line in process["commands"]:
            command = parse_command(line)
            assert isinstance(command, FlowCommand)
            commands.append(command)
    return commands


def _api_route(command: FlowCommand) -> Route:
    return flow_route(
        command.family, command.match, command.then, command.scope, command.other, at=command.tokens[0]
    )


@pytest.mark.parametrize("name", ["api-flow", "api-broken-flow"])
def test_api_vectors(name: str) -> None:
    updates = _updates(_raw_lines(name))
    reached = {_expected(update) for update in updates if update["reach"]}
    withdrawn = {update["unreach"] for update in updates if update["unreach"]}
    commands = _helper_commands(name)
    for command in commands:
        route = _api_route(command)
        if command.action == "announce":
            assert _announced(route) in reached, command.tokens
        else:
            assert (route.family, route.nlri) in withdrawn, command.tokens
    assert {_announced(_api_route(c)) for c in commands if c.action == "announce"} == reached


# --- the API --------------------------------------------------------------------------------------


def api_route(line: str) -> Route:
    command = parse_command(line)
    assert isinstance(command, FlowCommand)
    return _api_route(command)


def test_the_seed_command() -> None:
    route = api_route("announce flow route { match { destination 100.10.0.0/24; } then { discard; } }")
    assert route.family == (1, 133)
    assert route.nlri == bytes.fromhex("05011864" + "0A00")
    assert route.next_hop is None
    assert route.attributes.ext_communities == (bytes.fromhex("8006000000000000"),)


API_FORMS = [
    "announce flow route { match { source 10.0.0.1/32; destination-port =80; protocol tcp; } "
    "then { discard; } }",
    "neighbor 127.0.0.1 announce flow route { match { source 10.0.0.1/32; destination-port =80; "
    "protocol tcp; } then { discard; } }",
    "announce flow route name { match { source 10.0.0.1/32; destination-port =80; protocol tcp; } "
    "then { discard; } }",
    "announce flow route source 10.0.0.1/32 destination-port =80 protocol tcp discard",
    "announce ipv4 flow source 10.0.0.1/32 destination-port =80 protocol tcp discard",
    "announce ipv4 flow discard protocol tcp destination-port =80 source 10.0.0.1/32",
]


def test_api_forms_agree() -> None:
    routes = {api_route(line) for line in API_FORMS}
    assert len(routes) == 1


def test_api_errors_name_the_word() -> None:
    command = parse_command("announce flow route { match { source 10.0.0.1/32; port =70000; } }")
    assert isinstance(command, FlowCommand)
    with pytest.raises(ConfigError) as caught:
        _api_route(command)
    assert str(caught.value) == "<api>:1:56: port value out of range (0..65535) (at '=70000')"
