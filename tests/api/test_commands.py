"""The helper API's command parser: lines in, command objects out (aiobgp.api.commands and .selectors)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.api import commands
from aiobgp.api.commands import (
    Announce,
    ClearAdjRib,
    Command,
    Comment,
    Debug,
    DisableAck,
    EnableAck,
    EndOfRib,
    FlowCommand,
    FlushAdjRibOut,
    Help,
    Operational,
    ParseError,
    Reload,
    Reset,
    Restart,
    RouteRefresh,
    ShowAdjRib,
    ShowNeighbor,
    Shutdown,
    SilenceAck,
    Teardown,
    Version,
    Watchdog,
    Withdraw,
    help_text,
    parse_command,
)
from aiobgp.api.selectors import NeighborIdentity, Selector, select
from aiobgp.config.model import RouteExtras
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import AS_SEQUENCE, IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import NEXT_HOP_SELF

HELPERS = Path("/work/shared/conformance/exabgp-qa/api-helpers.json")

NH = bytes((1, 2, 3, 4))
ATTRS = Attributes()
ANY = (Selector(),)  # `neighbor *`
PEER = (Selector(peer="127.0.0.1"),)


def v4(prefix: str, next_hop: bytes | None = NH, attributes: Attributes = ATTRS) -> Route:
    """An ipv4 unicast route, its NLRI encoded by hand (length byte, then the significant octets)."""
    address, length = prefix.split("/")
    plen = int(length)
    octets = bytes(int(part) for part in address.split("."))[: (plen + 7) // 8]
    return Route(IPV4_UNICAST, bytes((plen,)) + octets, next_hop, attributes)


# --- every command form (§2.4) ------------------------------------------------------------------

COMMANDS: list[tuple[str, Command]] = [
    # routes
    ("announce route 10.0.0.0/24 next-hop 1.2.3.4", Announce((), [v4("10.0.0.0/24")])),
    ("announce route 10.0.0.0/24 next-hop self", Announce((), [v4("10.0.0.0/24", NEXT_HOP_SELF)])),
    (
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 med 10 community [65000:1]",
        Announce((), [v4("10.0.0.0/24", NH, Attributes(med=10, communities=(0xFDE80001,)))]),
    ),
    ("announce route 1.2.3.4 next-hop 1.2.3.4", Announce((), [v4("1.2.3.4/32")])),
    (
        "announce route 10.0.0.0/23 next-hop 1.2.3.4 split /24",
        Announce((), [v4("10.0.0.0/24"), v4("10.0.1.0/24")]),
    ),
    (
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 path-information 7",
        Announce((), [Route(IPV4_UNICAST, b"\x00\x00\x00\x07\x18\x0a\x00\x00", NH, ATTRS, addpath=True)]),
    ),
    (
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 watchdog dns name web withdraw",
        Announce((), [v4("10.0.0.0/24")], RouteExtras("web", "dns", True)),
    ),
    ("announce   route\t10.0.0.0/24    next-hop 1.2.3.4  ", Announce((), [v4("10.0.0.0/24")])),
    (
        "announce route 2001:db8::/32 next-hop 2001::1",
        Announce(
            (),
            [Route(IPV6_UNICAST, b"\x20\x20\x01\x0d\xb8", b"\x20\x01" + bytes(13) + b"\x01", ATTRS)],
        ),
    ),
    (
        "announce route 224.1.0.0/16 next-hop 1.2.3.4",
        Announce((), [Route((1, 2), b"\x10\xe0\x01", NH, ATTRS)]),
    ),
    ("withdraw route 10.0.0.0/24", Withdraw((), [v4("10.0.0.0/24", None)])),
    ("withdraw route 10.0.0.0/24 next-hop self", Withdraw((), [v4("10.0.0.0/24", NEXT_HOP_SELF)])),
    (
        "withdraw route 10.0.0.0/24 next-hop 1.2.3.4 med 5",
        Withdraw((), [v4("10.0.0.0/24", NH, Attributes(med=5))]),
    ),
    # family forms
    (
        "announce ipv4 unicast 10.0.1.0/24 next-hop 1.2.3.4 local-preference 200",
        Announce((), [v4("10.0.1.0/24", NH, Attributes(local_pref=200))]),
    ),
    (
        "announce ipv4 multicast 10.0.1.0/24 next-hop 1.2.3.4",
        Announce((), [Route((1, 2), b"\x18\x0a\x00\x01", NH, ATTRS)]),
    ),
    (
        "announce ipv6 unicast 2001:db8::/32 next-hop ::1",
        Announce((), [Route(IPV6_UNICAST, b"\x20\x20\x01\x0d\xb8", bytes(15) + b"\x01", ATTRS)]),
    ),
    ("withdraw ipv4 unicast 10.0.1.0/24", Withdraw((), [v4("10.0.1.0/24", None)])),
    # one attribute set, several prefixes
    (
        "announce attributes med 100 next-hop 1.2.3.4 nlri 1.0.0.1/32 1.0.0.2/32",
        Announce((), [v4("1.0.0.1/32", NH, Attributes(med=100)), v4("1.0.0.2/32", NH, Attributes(med=100))]),
    ),
    (
        "announce attribute next-hop 1.2.3.4 as-path [100, 500] nlri 1.0.0.1/32",
        Announce((), [v4("1.0.0.1/32", NH, Attributes(as_path=((AS_SEQUENCE, (100, 500)),)))]),
    ),
    ("withdraw attributes nlri 1.0.0.1/32", Withdraw((), [v4("1.0.0.1/32", None)])),
    # selectors in front of the route commands
    ("neighbor 127.0.0.1 announce route 10.0.0.0/24 next-hop 1.2.3.4", Announce(PEER, [v4("10.0.0.0/24")])),
    ("neighbor * withdraw route 10.0.0.0/24", Withdraw(ANY, [v4("10.0.0.0/24", None)])),
    # the other announce/withdraw forms
    ("announce eor", EndOfRib(())),
    ("announce eor ipv6 unicast", EndOfRib((), IPV6_UNICAST)),
    ("neighbor 127.0.0.1 announce eor ipv4 flow", EndOfRib(PEER, (1, 133))),
    ("announce route-refresh ipv4 unicast", RouteRefresh((), IPV4_UNICAST)),
    ("announce watchdog dnsr", Watchdog((), "announce", "dnsr")),
    ("withdraw watchdog dnsr", Watchdog((), "withdraw", "dnsr")),
    ("announce watchdog", Watchdog((), "announce", None)),
    (
        'announce operational adm afi ipv4 safi unicast advisory "Thank you"',
        Operational((), "adm", IPV4_UNICAST, advisory="Thank you"),
    ),
    (
        "announce operational rpcq afi ipv6 safi unicast sequence 1",
        Operational((), "rpcq", IPV6_UNICAST, sequence=1),
    ),
    (
        "neighbor 127.0.0.1 announce operational lpcp afi ipv4 safi unicast sequence 1 counter 200",
        Operational(PEER, "lpcp", IPV4_UNICAST, sequence=1, counter=200),
    ),
    # sessions and RIBs
    ("neighbor 127.0.0.1 teardown 4", Teardown(PEER, 4)),
    ("teardown 2", Teardown((), 2)),
    ("flush adj-rib out", FlushAdjRibOut(())),
    ("neighbor 127.0.0.1 flush adj-rib out", FlushAdjRibOut(PEER)),
    ("clear adj-rib out", ClearAdjRib((), "out")),
    ("neighbor * clear adj-rib in", ClearAdjRib(ANY, "in")),
    ("show neighbor", ShowNeighbor()),
    ("show neighbor summary", ShowNeighbor(None, "summary")),
    ("show neighbor extensive 127.0.0.1", ShowNeighbor("127.0.0.1", "extensive")),
    ("show neighbor configuration", ShowNeighbor(None, "configuration")),
    ("show neighbor json", ShowNeighbor(None, "", True)),
    ("show neighbor 0::1 summary json", ShowNeighbor("::1", "summary", True)),
    ("show adj-rib in", ShowAdjRib("in")),
    ("show adj-rib out extensive", ShowAdjRib("out", True)),
    ("show adj-rib out flow", ShowAdjRib("out", family="flow")),
    ("show adj-rib in inet 10.0.0.1 json", ShowAdjRib("in", family="inet", ip="10.0.0.1", json=True)),
    ("show adj-rib out extensive l2vpn json", ShowAdjRib("out", True, "l2vpn", json=True)),
    # the daemon and the helper's own session
    ("shutdown", Shutdown()),
    ("reload", Reload()),
    ("restart", Restart()),
    ("version", Version()),
    ("help", Help()),
    ("reset", Reset()),
    ("enable-ack", EnableAck()),
    ("disable-ack", DisableAck()),
    ("silence-ack", SilenceAck()),
    ("  shutdown  \n", Shutdown()),
    ("# a comment", Comment("a comment")),
    ("#", Comment("")),
    ("debug hello there", Debug("hello there")),
]


@pytest.mark.parametrize(("line", "expected"), COMMANDS, ids=[line for line, _ in COMMANDS])
def test_command(line: str, expected: Command) -> None:
    assert parse_command(line) == expected
    assert parse_command(line) == expected  # the second time through the fast path's caches


def test_routes_are_plain_lists() -> None:
    command = parse_command("announce route 10.0.0.0/23 next-hop 1.2.3.4 split /24")
    assert isinstance(command, Announce)
    assert type(command.routes) is list


# --- flow routes --------------------------------------------------------------------------------


def texts(statements: tuple[tuple[Any, ...], ...]) -> list[str]:
    return [" ".join(token.text for token in statement) for statement in statements]


FLOWS: list[tuple[str, str, tuple[int, int] | None, list[str], list[str], list[str], list[str]]] = [
    (
        "announce flow route { match { source 10.0.0.1/32; destination-port =80; protocol tcp; } "
        "then { discard; } }",
        "announce",
        None,
        ["source 10.0.0.1/32", "destination-port =80", "protocol tcp"],
        ["discard"],
        [],
        [],
    ),
    (
        "withdraw flow route { match { source 0.0.0.0/32; destination 0.0.0.0/32; } }",
        "withdraw",
        None,
        ["source 0.0.0.0/32", "destination 0.0.0.0/32"],
        [],
        [],
        [],
    ),
    (
        "announce ipv4 flow source 10.0.0.1/32 destination-port =80 protocol tcp rate-limit 9600",
        "announce",
        (1, 133),
        ["source 10.0.0.1/32", "destination-port =80", "protocol tcp"],
        ["rate-limit 9600"],
        [],
        [],
    ),
    (
        "announce ipv6 flow-vpn destination 2001:db8::/64/0 next-header udp rd 65535:1 "
        "redirect [2001:db8::1]",
        "announce",
        (2, 134),
        ["destination 2001:db8::/64/0", "next-header udp"],
        ["redirect [ 2001:db8::1 ]"],
        [],
        ["rd 65535:1"],
    ),
    (
        "announce flow route named { rd 1:1; next-hop 1.2.3.4; match { port [ =80 =8080 ]; "
        "tcp-flags [syn ack]; } scope { interface-set transitive:input:1234:10; } "
        "then { redirect-to-nexthop; community [ 30740:0 ]; rate-limit 1000 packets; } }",
        "announce",
        None,
        ["port [ =80 =8080 ]", "tcp-flags [ syn ack ]"],
        ["redirect-to-nexthop", "community [ 30740:0 ]", "rate-limit 1000 packets"],
        ["interface-set transitive:input:1234:10"],
        ["rd 1:1", "next-hop 1.2.3.4"],
    ),
    (
        "neighbor 127.0.0.1 announce flow route source 10.0.0.1/32 packet-length >200&<300 accept",
        "announce",
        None,
        ["source 10.0.0.1/32", "packet-length >200&<300"],
        ["accept"],
        [],
        [],
    ),
]


@pytest.mark.parametrize(("line", "action", "family", "match", "then", "scope", "other"), FLOWS)
def test_flow(
    line: str,
    action: str,
    family: tuple[int, int] | None,
    match: list[str],
    then: list[str],
    scope: list[str],
    other: list[str],
) -> None:
    command = parse_command(line)
    assert isinstance(command, FlowCommand)
    assert (command.action, command.family) == (action, family)
    assert texts(command.match) == match
    assert texts(command.then) == then
    assert texts(command.scope) == scope
    assert texts(command.other) == other
    assert command.selectors == (PEER if line.startswith("neighbor") else ())


def test_flow_keeps_every_token_after_route() -> None:
    command = parse_command("announce flow route { match { source 10.0.0.1/32; } then { discard; } }")
    assert isinstance(command, FlowCommand)
    assert " ".join(token.text for token in command.tokens) == (
        "{ match { source 10.0.0.1/32 ; } then { discard ; } }"
    )


# --- selectors ----------------------------------------------------------------------------------

SELECTORS: list[tuple[str, tuple[Selector, ...]]] = [
    ("neighbor 10.0.0.1", (Selector(peer="10.0.0.1"),)),
    ("neighbor *", (Selector(),)),
    ("neighbor absentone", (Selector(peer="absentone"),)),
    ("neighbor 2001:DB8:0::1", (Selector(peer="2001:db8::1"),)),
    (
        "neighbor 10.0.0.1 local-ip 10.0.0.2 local-as 65000 peer-as 1.10 router-id 1.2.3.4",
        (Selector("10.0.0.1", "10.0.0.2", 65000, 65546, "1.2.3.4"),),
    ),
    ("neighbor 10.0.0.1 family-allowed in-open", (Selector(peer="10.0.0.1", family_allowed=()),)),
    (
        "neighbor 10.0.0.1 family-allowed ipv4-unicast/ipv6-flow",
        (Selector(peer="10.0.0.1", family_allowed=((1, 1), (2, 133))),),
    ),
    ("neighbor 10.0.0.1 , neighbor 10.0.0.2", (Selector(peer="10.0.0.1"), Selector(peer="10.0.0.2"))),
    ("neighbor 10.0.0.1, local-as 65000", (Selector(peer="10.0.0.1"), Selector(local_as=65000))),
    ("neighbor 10.0.0.1 peer-as 1 ,neighbor *", (Selector(peer="10.0.0.1", peer_as=1), Selector())),
]


@pytest.mark.parametrize(("words", "selectors"), SELECTORS, ids=[words for words, _ in SELECTORS])
def test_selectors(words: str, selectors: tuple[Selector, ...]) -> None:
    command = parse_command(words + " announce eor")
    assert command == EndOfRib(selectors)


LOCAL = NeighborIdentity("127.0.0.1", "127.0.0.1", 1, 1, "1.2.3.4")
MULTI = NeighborIdentity("127.0.0.1", "127.0.0.1", 1, 1, "1.2.3.4", (IPV4_UNICAST,), multi_session=True)
SIX = NeighborIdentity("0::1", None, 65000, None, "1.2.3.4", (IPV4_UNICAST, IPV6_UNICAST), True)

MATCHES: list[tuple[str, NeighborIdentity, bool]] = [
    ("neighbor 127.0.0.1", LOCAL, True),
    ("neighbor 127.0.0.2", LOCAL, False),
    ("neighbor 127.0.0.10", LOCAL, False),  # whole words: 127.0.0.1 is not 127.0.0.10
    ("neighbor 127.0.0", LOCAL, False),
    ("neighbor absentone", LOCAL, False),
    ("neighbor *", LOCAL, True),
    ("neighbor * local-as 2", LOCAL, False),
    ("neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4", LOCAL, True),
    ("neighbor 127.0.0.1 local-as 2 peer-as 3 local-ip 127.0.0.1 router-id 1.2.3.4", LOCAL, False),
    ("neighbor 127.0.0.1 local-ip 127.0.0.2", LOCAL, False),
    ("neighbor 127.0.0.1 router-id 1.2.3.5", LOCAL, False),
    ("neighbor 127.0.0.1 peer-as 2", LOCAL, False),
    ("neighbor 127.0.0.2 , neighbor 127.0.0.1", LOCAL, True),
    ("neighbor 127.0.0.2 , local-as 1", LOCAL, True),
    ("neighbor 127.0.0.1 family-allowed in-open", LOCAL, True),
    ("neighbor 127.0.0.1 family-allowed ipv4-unicast", LOCAL, False),
    ("neighbor 127.0.0.1 family-allowed ipv4-unicast", MULTI, True),
    ("neighbor 127.0.0.1 family-allowed in-open", MULTI, False),
    ("neighbor 127.0.0.1 family-allowed ipv6-unicast", MULTI, False),
    ("neighbor ::1 family-allowed ipv6-unicast/ipv4-unicast", SIX, True),
    ("neighbor ::1 local-ip ::1", SIX, False),  # local address not known yet
    ("neighbor ::1 peer-as 65000", SIX, False),  # peer-as auto
    ("neighbor 0:0::1 local-as 65000", SIX, True),
]


@pytest.mark.parametrize(("words", "neighbor", "expected"), MATCHES, ids=[w for w, _, _ in MATCHES])
def test_selector_matching(words: str, neighbor: NeighborIdentity, expected: bool) -> None:
    command = parse_command(words + " announce eor")
    assert isinstance(command, EndOfRib)
    assert select(command.selectors, neighbor) is expected


def test_no_selector_selects_every_neighbor() -> None:
    assert select((), LOCAL) and select((), SIX)


def test_identity_text() -> None:
    assert LOCAL.text() == (
        "neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 1 peer-as 1 router-id 1.2.3.4 family-allowed in-open"
    )
    assert SIX.text() == (
        "neighbor ::1 local-ip auto local-as 65000 peer-as auto router-id 1.2.3.4 "
        "family-allowed ipv4-unicast/ipv6-unicast"
    )


# --- show adj-rib family filters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "family", "shown"),
    [
        (None, (25, 65), True),
        ("inet", IPV4_UNICAST, True),
        ("inet", (2, 128), True),
        ("inet", (1, 133), False),
        ("flow", (2, 133), True),
        ("flow", IPV6_UNICAST, False),
        ("l2vpn", (25, 65), True),
        ("l2vpn", IPV4_UNICAST, False),
    ],
)
def test_show_adj_rib_filter(word: str | None, family: tuple[int, int], shown: bool) -> None:
    assert ShowAdjRib("out", family=word).covers(family) is shown


# --- errors -------------------------------------------------------------------------------------

ERRORS: list[tuple[str, str]] = [
    ("", "empty command"),
    ("   ", "empty command"),
    ("bogus command", "unknown command (try 'help') (word 1: 'bogus')"),
    ("json", "unknown command (try 'help') (word 1: 'json')"),
    ("announce", "what to announce expected after 'announce' (word 1: 'announce')"),
    ("announce bogus 1", "unknown announce command (word 2: 'bogus')"),
    ("withdraw eor", "unknown withdraw command (word 2: 'eor')"),
    ("announce route", "a prefix expected after 'route' (word 2: 'route')"),
    ("announce route 10.0.0.0/33 next-hop 1.2.3.4", "invalid prefix: invalid prefix length in '10.0.0.0/33'"),
    ("announce route 10.0.0.0/24", "a route to announce needs a next-hop (an address or self)"),
    ("announce route 10.0.0.0/24 next-hop 1.2.3.4 med x", "invalid med (word 7: 'x')"),
    ("announce route 10.0.0.0/24 next-hop 1.2.3.4 colour 3", "unknown route attribute 'colour' (word 6"),
    ("announce route 10.0.0.0/24 next-hop", "'next-hop' needs a value (word 4: 'next-hop')"),
    ("announce route 10.0.0.0/24 next-hop 1.2.3.4 community [1:1", "missing ']' to close this list (word 7"),
    ("announce ipv4 unicast 2001::/64 next-hop 1.2.3.4", "this prefix does not belong to ipv4 unicast"),
    ("announce ipv4 bogus 1", "unknown SAFI for ipv4 (unicast, multicast, flow, flow-vpn) (word 3: 'bogus')"),
    ("announce ipv4", "a SAFI expected after 'ipv4' (word 2: 'ipv4')"),
    ("announce attributes med 1 next-hop 1.2.3.4", "`attributes` needs `nlri` followed by prefixes"),
    ("announce eor ipv4", "a SAFI expected after 'ipv4' (word 3: 'ipv4')"),
    ("announce eor ipv5 unicast", "unknown AFI (ipv4, ipv6, l2vpn, bgp-ls) (word 3: 'ipv5')"),
    ("announce eor ipv4 unicast now", "unexpected word at the end of the command (word 5: 'now')"),
    ("announce route-refresh", "an AFI and a SAFI expected after 'route-refresh' (word 2: 'route-refresh')"),
    ("announce watchdog a b", "watchdog takes one name (word 4: 'b')"),
    ("announce operational xyz afi ipv4 safi unicast", "unknown operational message type"),
    ("announce operational rpcq afi ipv4 safi unicast", "rpcq needs exactly: afi safi sequence"),
    (
        "announce flow route { match { } then { discard; } }",
        "a flow route needs at least one match component (RFC 8955) (word 4: '{')",
    ),
    ("announce flow route { match { source 1.0.0.0/8; }", "missing '}' to close this flow route (word 4"),
    (
        "announce flow route { match { source 1.0.0.0/8; } } }",
        "unexpected word at the end of the command (word 12",
    ),
    ("announce flow route match { source 1.0.0.0/8;", "missing '}' to close this 'match' block (word 5"),
    ("announce flow route { match { source 1.0.0.0/8; } ", "missing '}' to close this flow route (word 4"),
    ("announce flow route bogus 1", "unknown flow route keyword (word 4: 'bogus')"),
    ("announce flow route { match { discard; } }", "not a flow 'match' keyword (word 7: 'discard')"),
    ("announce flow route source 1.0.0.0/8 discard now", "'discard' takes no value (word 7: 'now')"),
    ("announce flow route source [ 1.0.0.0/8 discard", "missing ']' to close this list (word 5: '[')"),
    ("announce flow route source", "'source' needs a value (word 4: 'source')"),
    ("announce flow source 1.0.0.0/8", "'flow' is followed by 'route' (word 3: 'source')"),
    # json is only for show commands (ExaBGP 5.0.15 crashes on these)
    ("version json", "json output is only available for show commands (word 2: 'json')"),
    ("shutdown json", "json output is only available for show commands (word 2: 'json')"),
    ("announce route 10.0.0.0/24 next-hop 1.2.3.4 json", "json output is only available for show commands"),
    # selectors
    ("neighbor", "a value expected after 'neighbor' (word 1: 'neighbor')"),
    ("neighbor 10.0.0.1", "a command is expected after the neighbor selector (word 2: '10.0.0.1')"),
    ("neighbor 10.0.0.1 local-as x announce eor", "invalid AS number (word 4: 'x')"),
    ("neighbor 10.0.0.1 local-ip nowhere announce eor", "invalid IP address (word 4: 'nowhere')"),
    ("neighbor 10.0.0.1 family-allowed ipv4 announce eor", "family-allowed is in-open or AFI-SAFI names"),
    ("neighbor 10.0.0.1 , announce eor", "a neighbor selector is expected after ',' (word 4: 'announce')"),
    ("neighbor 10.0.0.1 local-as 1 local-as 2 announce eor", "'local-as' twice in one neighbor selector"),
    ("neighbor 10.0.0.1 shutdown", "'shutdown' does not take a neighbor selector (word 1: 'neighbor')"),
    ("neighbor 10.0.0.1 show neighbor", "'show' does not take a neighbor selector"),
    # the rest
    ("shutdown now", "unexpected word at the end of the command (word 2: 'now')"),
    ("teardown", "a Cease subcode expected after 'teardown' (word 1: 'teardown')"),
    ("teardown 256", "a Cease subcode is a number from 0 to 255 (word 2: '256')"),
    ("flush adj-rib in", "only the Adj-RIB-Out can be flushed (word 3: 'in')"),
    ("clear adj-rib", "'in' or 'out' expected after 'adj-rib' (word 2: 'adj-rib')"),
    ("clear rib out", "'clear' is followed by 'adj-rib' (word 2: 'rib')"),
    ("show", "'neighbor' or 'adj-rib' expected after 'show' (word 1: 'show')"),
    ("show routes", "show what? 'neighbor' or 'adj-rib' (word 2: 'routes')"),
    ("show neighbor summary extensive", "unexpected word (summary, extensive, configuration, an IP or json)"),
    ("show neighbor 10.0.0.300", "invalid IP address (word 3: '10.0.0.300')"),
    ("show adj-rib", "'adj-rib' is followed by 'in' or 'out' (word 2: 'adj-rib')"),
    ("show adj-rib out bogus", "unexpected word (extensive, inet, flow, l2vpn, an IP or json) (word 4"),
    (
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 name \u00e9t\u00e9",
        "commands are ASCII only (character 50)",
    ),
    ('announce route 10.0.0.0/24 next-hop 1.2.3.4 name "open', "unterminated quoted string"),
    # what aiobgp does not encode yet
    ("announce route 10.0.0.0/24 next-hop 1.2.3.4 rd 1:1", "route distinguishers (mpls-vpn routes) are not"),
    (
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 label 100",
        "MPLS labels (nlri-mpls and mpls-vpn routes) are",
    ),
    ("announce ipv4 mup mup-isd 10.0.1.0/24", "ipv4 mup routes are not supported yet (word 3: 'mup')"),
    (
        "announce ipv6 mcast-vpn source-ad",
        "ipv6 mcast-vpn routes are not supported yet (word 3: 'mcast-vpn')",
    ),
    ("announce ipv4 mpls-vpn 10.0.0.0/24", "ipv4 mpls-vpn routes are not supported yet"),
    ("announce ipv4 nlri-mpls 10.0.0.0/24", "ipv4 nlri-mpls routes are not supported yet"),
    ("withdraw vpls endpoint 5", "vpls routes are not supported yet (word 2: 'vpls')"),
    ("announce l2vpn vpls endpoint 5", "l2vpn routes are not supported yet (word 2: 'l2vpn')"),
]


@pytest.mark.parametrize(("line", "message"), ERRORS, ids=[line or "(empty)" for line, _ in ERRORS])
def test_error(line: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_command(line)
    assert str(caught.value).startswith(message)


def test_error_fields() -> None:
    with pytest.raises(ParseError) as caught:
        parse_command("neighbor 10.0.0.1 announce route 10.0.0.0/24 next-hop 1.2.3.4 med x")
    assert (caught.value.message, caught.value.word, caught.value.token) == ("invalid med", 9, "x")


# --- help ---------------------------------------------------------------------------------------


def test_help_lists_every_command_in_exabgp_order() -> None:
    lines = help_text().splitlines()
    firsts = [line.removeprefix("[neighbor <ip> [filters]] ").split(" ")[0] for line in lines]
    order = ["announce", "clear", "flush", "teardown", "withdraw", "disable-ack", "enable-ack", "help"]
    order += ["reload", "reset", "restart", "shutdown", "silence-ack", "version", "show"]
    assert list(dict.fromkeys(firsts))[: len(order)] == order
    assert all(line.strip() == line and line for line in lines)


# --- fast path ----------------------------------------------------------------------------------

octet = st.integers(0, 255)
v4_prefixes = st.builds(
    lambda a, b, c, d, n, bare: f"{a}.{b}.{c}.{d}" if bare else f"{a}.{b}.{c}.{d}/{n}",
    octet,
    octet,
    octet,
    octet,
    st.integers(0, 34),
    st.booleans(),
)
v6_prefixes = st.builds(
    lambda a, b, n: f"{a:x}:{b:x}::/{n}", st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 130)
)
TAILS = [
    "next-hop self",
    "next-hop 1.2.3.4",
    "next-hop 1.2.3.4 med 10 community [65000:1]",
    "next-hop 1.2.3.4 med 10 community [ 65000:1 ]",
    "next-hop 2001::1 as-path [ 1 2 ] ( 3 ) local-preference 5",
    "next-hop 1.2.3.4 watchdog w name n withdraw",
    "next-hop 1.2.3.4 split /30",
    "next-hop 1.2.3.4 path-information 9",
    "next-hop 1.2.3.4 json",
    "med 10",
    "",
    "next-hop 1.2.3.4 med x",
    "next-hop 1.2.3.4 rd 1:1",
]
HEADS = [
    "",
    "neighbor * ",
    "neighbor 127.0.0.1 local-as 1 ",
    "neighbor 127.0.0.1 , neighbor ::1 ",
    "neighbor ",
]


def outcome(line: str, parse: Any) -> Any:
    try:
        return parse(line)
    except ParseError as error:
        return ("error", str(error))


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(HEADS),
    st.sampled_from(["announce", "withdraw"]),
    st.one_of(v4_prefixes, v6_prefixes),
    st.sampled_from(TAILS),
)
def test_fast_path_gives_the_general_answer(head: str, action: str, prefix: str, tail: str) -> None:
    line = f"{head}{action} route {prefix} {tail}"
    general = outcome(line, commands._parse)
    assert outcome(line, parse_command) == general  # learns the tail
    assert outcome(line, parse_command) == general  # uses it


def test_fast_path_is_taken_for_known_tails() -> None:
    parse_command("announce route 10.9.0.0/24 next-hop 1.2.3.4 med 77")
    words = ["announce", "route", "10.9.1.0/24", "next-hop", "1.2.3.4", "med", "77"]
    assert commands._fast(words) == Announce((), [v4("10.9.1.0/24", NH, Attributes(med=77))])


# --- ExaBGP's conformance helpers ---------------------------------------------------------------

NOT_SUPPORTED_YET = ("mpls-vpn", "mcast-vpn", "mup", "vpls")


def _helper_lines() -> list[str]:
    if not HELPERS.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{HELPERS} is missing (CI=true)")
        pytest.skip(f"{HELPERS} is not available")
    tests = json.loads(HELPERS.read_text(encoding="utf-8"))
    lines: list[str] = []
    for test in tests.values():
        lines += test["commands"]
        for process in test["processes"]:
            lines += process["commands"] + process["failure_commands"]
            lines += [step["send"] for step in process["script"] if "send" in step]
    return list(dict.fromkeys(lines))


def test_every_helper_command_parses() -> None:
    parsed = refused = 0
    for line in _helper_lines():
        words = line.split()
        unsupported = any(word in words for word in NOT_SUPPORTED_YET) or "route-distinguisher" in words
        if unsupported:
            with pytest.raises(ParseError, match="not supported yet"):
                parse_command(line)
            refused += 1
        else:
            command = parse_command(line)
            if words[0] == "neighbor" or " flow route " in line:
                assert getattr(command, "selectors", None) is not None
            parsed += 1
    assert parsed >= 70 and refused >= 10
