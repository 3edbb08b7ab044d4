"""Long runs of one-line `route ...;` statements in `static` blocks (parser.RouteLines): the same
configuration, and the same errors at the same file:line:column, as through the tokens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.config import parser
from aiobgp.config.model import Config, ConfigError
from aiobgp.config.parser import ROUTE_RUN, RouteLines, parse, statements
from aiobgp.config.tokenizer import tokenize
from aiobgp.wire.constants import IPV4_UNICAST

HEAD = "neighbor 127.0.0.1 {\n  local-as 65000;\n  peer-as 65001;\n  local-address 127.0.0.2;\n"


def config(lines: list[str], before: str = "", after: str = "") -> str:
    body = "".join(line + "\n" for line in lines)
    return f"{HEAD}{before}  static {{\n{body}  }}\n{after}}}\n"


def routes(count: int, tail: str = "next-hop self", indent: str = "    ") -> list[str]:
    return [f"{indent}route 10.{i >> 8}.{i & 255}.0/24 {tail};" for i in range(count)]


def slow_parse(text: str, monkeypatch: pytest.MonkeyPatch) -> Config | str:
    """The configuration (or the error) through the tokens alone."""
    with monkeypatch.context() as patch:
        patch.setattr(parser, "ROUTE_RUN", 1 << 62)
        return outcome(text)


def outcome(text: str) -> Config | str:
    try:
        return parse(text, "t.conf")
    except ConfigError as error:
        return str(error)


def test_a_long_static_block_is_kept_as_text() -> None:
    text = config(routes(100))
    tokens = tokenize(text)
    blanked, runs = parser._route_runs(text, "t.conf")
    assert len(runs) == 1 and len(runs[0].lines) == 100
    assert blanked.count("\n") == text.count("\n")
    (neighbor,) = statements(tokenize(blanked, "t.conf"), runs)
    (static,) = [child for child in neighbor.block or [] if child.keyword.text == "static"]
    assert static.block is not None and isinstance(static.block[0], RouteLines)
    assert (static.block[0].keyword.line, static.block[0].keyword.column) == (6, 5)
    assert len(tokens) > 100 * 5  # what the block would have cost as tokens
    (parsed,) = parse(text).neighbors
    assert len(parsed.routes) == 100
    assert {route.family for route in parsed.routes} == {IPV4_UNICAST}


def test_short_runs_go_through_the_tokens() -> None:
    _, runs = parser._route_runs(config(routes(ROUTE_RUN - 1)), "t.conf")
    assert runs == []


@pytest.mark.parametrize(
    "odd",
    [
        "    route 230.0.0.0/24 next-hop 1.2.3.4;",  # ipv4 multicast
        "    route 2001:db8::/32 next-hop 2001:db8::1;",
        "    route 10.9.0.0/23 next-hop 1.2.3.4 split /24;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 path-information 1.1.1.1;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 watchdog dog;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 name one;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 withdraw;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 med 5 community [65000:1,65000:2] as-path [1 2 3];",
        "    route 10.9.0.1/24 next-hop 1.2.3.4;",  # host bits
        "    route 10.9.0.0 next-hop 1.2.3.4;",
        "\troute 10.9.0.0/24   next-hop\t1.2.3.4 ;  ",
        "    route 10.9.0.0/24 next-hop 1.2.3.4; # a comment",
        "    route 10.9.0.0/24 next-hop 1.2.3.4;\r",
    ],
)
def test_lines_of_other_shapes_inside_a_run(odd: str, monkeypatch: pytest.MonkeyPatch) -> None:
    families = "  family {\n    ipv4 unicast;\n    ipv4 multicast;\n    ipv6 unicast;\n  }\n"
    text = config([*routes(20), odd, *routes(20, "next-hop 1.2.3.4")], before=families)
    fast = outcome(text)
    assert isinstance(fast, Config)
    assert fast == slow_parse(text, monkeypatch)


@pytest.mark.parametrize(
    "bad",
    [
        "    route 10.9.0.256/24 next-hop 1.2.3.4;",
        "    route 10.9.0.0/24 next-hop 1.2.3.300;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 med x;",
        "    route 10.9.0.0/24 next-hop 1.2.3.4 bogus;",
        "    route 10.9.0.0/24;",  # no next-hop
        "    route 2001:db8::/32 next-hop self;",  # no ipv6 local address for self
        "    route 10.9.0.0/24 next-hop 1.2.3.4 community [65000:1;",
    ],
)
def test_errors_name_the_same_place(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = config([*routes(40), bad, *routes(40, "next-hop 1.2.3.4")])
    assert outcome(text) == slow_parse(text, monkeypatch)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("  static {\n    med 5\n", "  }\n"),  # a statement missing its ';' swallows the first route
        ("", "  route 10.99.0.0/24 next-hop self;\n"),
    ],
)
def test_runs_that_do_not_start_a_static_statement(
    before: str, after: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = routes(30)
    text = f"{HEAD}{before}" + "".join(line + "\n" for line in lines) + f"{after}}}\n"
    assert outcome(text) == slow_parse(text, monkeypatch)
    outside = f"{HEAD}" + "".join(line + "\n" for line in lines) + "}\n"  # at neighbor level
    assert outcome(outside) == slow_parse(outside, monkeypatch)


TAILS = st.sampled_from(  # tails that load: errors are compared in test_errors_name_the_same_place
    [
        "next-hop self",
        "next-hop 1.2.3.4",
        "next-hop 1.2.3.4 med 10 community [65000:1 65000:2]",
        "next-hop 1.2.3.4 local-preference 200 origin egp",
        "next-hop self watchdog dog",
        "next-hop self path-information 1.1.1.1",
    ]
)
OCTET = st.integers(0, 255).map(str)
PREFIX = st.builds(lambda a, b, n: f"{a}.{b}.0.0/{n}", OCTET, OCTET, st.integers(0, 32).map(str))
GROUP = st.builds(
    lambda indent, tail, prefixes: [f"{indent}route {prefix} {tail}".rstrip() + ";" for prefix in prefixes],
    st.sampled_from(["    ", "\t", ""]),
    TAILS,
    st.lists(PREFIX, min_size=1, max_size=25),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(GROUP, min_size=1, max_size=6).map(lambda groups: [line for group in groups for line in group])
)
def test_same_configuration_as_through_the_tokens(lines: list[str]) -> None:
    text = config(lines, before="  family {\n    ipv4 unicast;\n    ipv4 multicast;\n  }\n")
    fast = outcome(text)
    assert isinstance(fast, Config)
    original = parser.ROUTE_RUN
    parser.ROUTE_RUN = 1 << 62
    try:
        slow = outcome(text)
    finally:
        parser.ROUTE_RUN = original
    assert fast == slow
