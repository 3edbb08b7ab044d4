"""`parse_lines`, the batch parser of a read's lines: the same commands as `parse_command` line by line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.api import commands
from aiobgp.api.commands import (
    Announce,
    Command,
    EndOfRib,
    Parsed,
    ParseError,
    RouteRun,
    Version,
    Withdraw,
    parse_command,
    parse_lines,
)
from aiobgp.api.selectors import Selector
from aiobgp.config.routes import ipv6_nlri
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import NEXT_HOP_SELF
from aiobgp.wire.nlri import parse_prefix

Outcome = Command | tuple[str, str]  # a command, or ("error", message)


@pytest.fixture(autouse=True)
def empty_caches() -> Iterator[None]:
    """Every test starts with the fast path knowing no tail and no selector."""
    commands._TAILS.clear()
    commands._HEADS.clear()
    yield
    commands._TAILS.clear()
    commands._HEADS.clear()


def one_by_one(lines: list[str]) -> list[Outcome]:
    out: list[Outcome] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            out.append(parse_command(line.strip()))
        except ParseError as error:
            out.append(("error", str(error)))
    return out


def expanded(parsed: list[Parsed]) -> list[Outcome]:
    """One outcome per line: a run stands for one command per prefix."""
    out: list[Outcome] = []
    for item in parsed:
        if isinstance(item, RouteRun):
            out.extend(item.commands())
        elif isinstance(item[1], ParseError):
            out.append(("error", str(item[1])))
        else:
            out.append(item[1])
    return out


def v4(prefix: str) -> Route:
    _, nlri = parse_prefix(prefix)
    return Route(IPV4_UNICAST, nlri, NEXT_HOP_SELF, Attributes())


def test_a_stream_of_route_lines_is_one_run() -> None:
    lines = [f"announce route 10.0.{i}.0/24 next-hop self" for i in range(100)]
    parsed = parse_lines(lines)
    # the first line teaches the fast path its tail, the 99 others are one run
    assert len(parsed) == 2
    first, run = parsed
    assert first == (lines[0], Announce((), [v4("10.0.0.0/24")]))
    assert isinstance(run, RouteRun)
    assert (run.action, run.family, run.next_hop) == ("announce", IPV4_UNICAST, NEXT_HOP_SELF)
    assert run.nlris == [v4(f"10.0.{i}.0/24").nlri for i in range(1, 100)]


def test_runs_keep_the_order_of_the_lines() -> None:
    parse_command("announce route 10.9.9.0/24 next-hop self")
    parse_command("withdraw route 10.9.9.0/24")
    parse_command("neighbor 127.0.0.1 announce route 10.9.9.0/24 next-hop self")
    lines = [
        "announce route 10.0.0.0/24 next-hop self",
        "announce route 10.0.1.0/24 next-hop self",
        "withdraw route 10.0.0.0/24",
        "version",
        "neighbor 127.0.0.1 announce route 10.0.2.0/24 next-hop self",
        "neighbor 127.0.0.1 announce route 10.0.3.0/24 next-hop self",
        "announce route 10.0.0.0/24 next-hop self",
        "",
        "announce route 10.0.4.0/24 next-hop self",
    ]
    parsed = parse_lines(lines)
    kinds = [(item.action, len(item.nlris)) if isinstance(item, RouteRun) else item[1] for item in parsed]
    assert kinds == [("announce", 2), ("withdraw", 1), Version(), ("announce", 2), ("announce", 2)]
    peer = parsed[3]
    assert isinstance(peer, RouteRun) and peer.selectors == (Selector(peer="127.0.0.1"),)
    assert expanded(parsed) == one_by_one(lines)


def test_host_bits_are_cleared_as_by_the_general_path() -> None:
    parse_command("announce route 10.0.0.0/24 next-hop 1.2.3.4")
    lines = [
        f"announce route 10.0.0.{i}/{length} next-hop 1.2.3.4" for i in (0, 1, 255) for length in range(33)
    ]
    parsed = parse_lines(lines)
    assert all(isinstance(item, RouteRun) for item in parsed)
    assert expanded(parsed) == one_by_one(lines)


def test_lines_the_fast_path_leaves_to_the_general_one() -> None:
    parse_command("announce route 10.0.0.0/24 next-hop self")
    lines = [
        "announce route 10.0.0.0/24 next-hop self",
        "announce route 230.0.0.0/24 next-hop self",  # ipv4 multicast, inferred by the general path
        "announce route 10.0.0.01/24 next-hop self",  # a leading zero: refused
        "announce route 10.0.0.256/24 next-hop self",
        "announce route 10.0.0.0/33 next-hop self",
        "announce route 10.0.0.1 next-hop self",  # a bare address is a host route
        "announce route 2001:db8::/32 next-hop self",
        "announce route 10.0.1.0/24  next-hop\tself",  # other blanks, same words
        "announce route 10.0.2.0/24 next-hop self\r",
        "announce route 10.0.3.0/24 next-hop self ",
        "announce route 10.0.4.0/24 next-hop self med 5",
        'announce route 10.0.5.0/24 next-hop self community "1:1"',
        "announce route 10.0.6.0/24 next-hop self split /25",
        "announce route 10.0.7.0/24 next-hop s\u00e9lf",
        "announce route 10.0.8.0/24 next-hop self",
    ]
    assert expanded(parse_lines(lines)) == one_by_one(lines)


def test_ipv6_prefixes_make_runs_of_their_family() -> None:
    parse_command("announce route 2001:db8::/48 next-hop 2001:db8::1")
    lines = [f"announce route 2001:db8:{i:x}::/48 next-hop 2001:db8::1" for i in range(10)]
    parsed = parse_lines(lines)
    assert len(parsed) == 1
    run = parsed[0]
    assert isinstance(run, RouteRun) and run.family == IPV6_UNICAST and len(run.nlris) == 10
    assert expanded(parsed) == one_by_one(lines)


def test_errors_and_other_commands_come_back_line_by_line() -> None:
    lines = ["announce eor", "bogus command", "withdraw route 10.0.0.0/24 med x", "version"]
    parsed = parse_lines(lines)
    assert [item[0] for item in parsed if not isinstance(item, RouteRun)] == lines
    assert isinstance(parsed[0], tuple) and isinstance(parsed[0][1], EndOfRib)
    assert isinstance(parsed[1], tuple) and isinstance(parsed[1][1], ParseError)
    assert expanded(parsed) == one_by_one(lines)


def test_withdraw_runs_stand_for_withdraw_commands() -> None:
    parse_command("withdraw route 10.0.0.0/24")
    run = parse_lines(["withdraw route 10.0.1.0/24", "withdraw route 10.0.2.0/24"])[0]
    assert isinstance(run, RouteRun)
    assert run.commands() == [
        Withdraw((), [Route(IPV4_UNICAST, v4("10.0.1.0/24").nlri, None, Attributes())]),
        Withdraw((), [Route(IPV4_UNICAST, v4("10.0.2.0/24").nlri, None, Attributes())]),
    ]


BAD_OCTETS = ("00", "01", "256", "-1", "+1", "1_0", "")
OCTET = st.integers(0, 255 + len(BAD_OCTETS)).map(lambda n: str(n) if n < 256 else BAD_OCTETS[n - 256])
IPV4 = st.builds(lambda *parts: ".".join(parts), OCTET, OCTET, OCTET, OCTET)
LENGTH = st.integers(0, 34).map(lambda n: "x" if n == 34 else str(n))
USUAL_IPV6 = st.builds(
    lambda groups, width: (
        ":".join(f"{g:04x}" if width else f"{g:x}" for g in groups) + ("" if len(groups) == 8 else "::")
    ),
    st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=8),
    st.booleans(),
)
IPV6_TEXT = st.text(alphabet="0123456789abcdefA:.%", max_size=42)  # mostly invalid, some not usual
LENGTH6 = st.integers(0, 130).map(lambda n: "x" if n == 130 else str(n))
PREFIX = st.one_of(
    st.builds(lambda a, n: f"{a}/{n}", IPV4, LENGTH),
    st.builds(lambda a, n: f"{a}/{n}", IPV4, LENGTH),
    st.builds(lambda a, n: f"{a}/{n}", IPV4, LENGTH),
    IPV4,
    st.builds(lambda a, n: f"{a}/{n}", USUAL_IPV6, LENGTH6),
    st.builds(lambda a, n: f"{a}/{n}", USUAL_IPV6, LENGTH6),
    st.builds(lambda a, n: f"{a}/{n}", IPV6_TEXT, LENGTH6),
    st.sampled_from(["2001:db8::/32", "::/0", "2001:db8::1", "fe80::1%eth0/64", "::ffff:1.2.3.4/128"]),
)
TAIL = st.sampled_from(
    [
        "next-hop self",
        "next-hop 1.2.3.4",
        "next-hop 1.2.3.4 med 10 community [65000:1 65000:2]",
        "next-hop 2001:db8::1 local-preference 200",
        "next-hop self as-path [ 1 2 3 ]",
        "next-hop self split /26",
        "next-hop self path-information 1.2.3.4",
        "next-hop self watchdog dog",
        "next-hop self med",
        "",
    ]
)
HEAD = st.sampled_from(["", "neighbor 127.0.0.1 ", "neighbor 127.0.0.1 local-as 65001 ", "neighbor * "])
ROUTE_LINES = st.builds(
    lambda head, action, space, tail, end, prefixes: [
        f"{head}{action}{space}route {prefix} {tail}".rstrip(" ") + end for prefix in prefixes
    ],
    HEAD,
    st.sampled_from(["announce", "withdraw"]),
    st.sampled_from([" ", " ", " ", "  ", "\t"]),
    TAIL,
    st.sampled_from(["", "", "", " ", "\r"]),
    st.lists(PREFIX, min_size=1, max_size=8),
)
OTHER_LINES = st.lists(
    st.sampled_from(["", "   ", "version", "announce eor", "# note", "nonsense", 'announce route "x"']),
    max_size=2,
)
LINES = st.lists(st.one_of(ROUTE_LINES, ROUTE_LINES, OTHER_LINES), max_size=10).map(
    lambda groups: [line for group in groups for line in group]
)


@settings(max_examples=300, deadline=None)
@given(LINES, st.booleans())
def test_same_commands_as_line_by_line(lines: list[str], warm: bool) -> None:
    """Differential: any mix of lines, with the caches cold or warmed by the same lines."""
    commands._TAILS.clear()
    commands._HEADS.clear()
    if warm:
        one_by_one(lines)
    assert expanded(parse_lines(lines)) == one_by_one(lines)


@given(USUAL_IPV6, st.integers(0, 128))
def test_usual_ipv6_prefixes_read_inline_as_the_general_parser_reads_them(address: str, plen: int) -> None:
    text = f"{address}/{plen}"
    assert commands._prefix(text) == (IPV6_UNICAST, parse_prefix(text)[1])


@given(st.one_of(USUAL_IPV6, IPV6_TEXT), LENGTH6)
def test_the_inline_ipv6_reader_reads_what_the_general_parser_reads_or_leaves_it(
    address: str, plen: str
) -> None:
    text = f"{address}/{plen}"
    found = ipv6_nlri(text)
    if found is not None:
        assert found == parse_prefix(text)[1]


def test_ipv6_lines_that_differ_only_by_their_prefix_stay_one_run() -> None:
    parse_command("announce route 2a01::/48 next-hop ::ffff:127.0.0.1")
    lines = [f"announce route 2a01:{i:x}:{i:x}::/{40 + i % 9} next-hop ::ffff:127.0.0.1" for i in range(300)]
    lines[100] = "announce route 2A01::/48 next-hop ::ffff:127.0.0.1"  # upper case: the general parser's
    lines[200] = "announce route 10.0.0.0/24 next-hop ::ffff:127.0.0.1"  # another family: a new run
    parsed = parse_lines(lines)
    assert [(item.family, len(item.nlris)) for item in parsed if isinstance(item, RouteRun)] == [
        (IPV6_UNICAST, 200),
        (IPV4_UNICAST, 1),
        (IPV6_UNICAST, 99),
    ]
    assert expanded(parsed) == one_by_one(lines)
