"""`read_prefix_run`: the C reader of aiobgp.config._prefixes and its pure-Python twin behave the same.

Both must take exactly the lines `ipv4_nlri` / `ipv6_nlri` read once `lead` and `trail` are cut off,
and give the same keys: every behaviour test runs on both, and hypothesis drives the two (and a
line-by-line model built on those functions) with the same random runs. The C tests are skipped when
the module is not built, except under CI=true where that is a failure.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable

import pytest
from accelerators import probe, require_built
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.api import commands
from aiobgp.api.commands import RouteRun, parse_lines
from aiobgp.config.routes import ipv4_nlri, ipv6_nlri, read_prefix_run_python
from aiobgp.wire.constants import IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.nlri import parse_prefix

Reader = Callable[[list[str], int, str, str, bool, list[bytes]], int]
LEAD = "announce route "
TRAIL = " next-hop self"


def _c_reader() -> Reader | None:
    try:
        from aiobgp.config._prefixes import read_prefix_run
    except ImportError:
        return None
    return read_prefix_run


C_READER = _c_reader()


def require_c() -> Reader:
    """The built C reader (whatever AIOBGP_PURE_PYTHON says); skip, or fail under CI=true, without it."""
    return require_built(C_READER, "aiobgp.config._prefixes")


@pytest.fixture(params=["python", "c"])
def reader(request: pytest.FixtureRequest) -> Reader:
    """Each reader in turn."""
    return read_prefix_run_python if request.param == "python" else require_c()


def model(lines: list[str], start: int, lead: str, trail: str, ipv6: bool) -> tuple[list[bytes], int]:
    """What the readers must give: the keys of the lines the prefix functions read one by one."""
    if not (lead.isascii() and trail.isascii()):
        return [], start
    read = ipv6_nlri if ipv6 else ipv4_nlri
    keys: list[bytes] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if len(line) < len(lead) + len(trail) or not (line.startswith(lead) and line.endswith(trail)):
            break
        key = read(line[len(lead) : len(line) - len(trail)])
        if key is None:
            break
        keys.append(key)
        i += 1
    return keys, i


def run(
    reader: Reader, lines: list[str], start: int = 0, lead: str = LEAD, trail: str = TRAIL, ipv6: bool = False
) -> tuple[list[bytes], int]:
    keys: list[bytes] = []
    stop = reader(lines, start, lead, trail, ipv6, keys)
    return keys, stop


def route_lines(*prefixes: str) -> list[str]:
    return [f"{LEAD}{prefix}{TRAIL}" for prefix in prefixes]


def key(prefix: str) -> bytes:
    return parse_prefix(prefix)[1]


# --- behaviour, on both readers --------------------------------------------------------------------


def test_a_run_of_ipv4_lines_gives_their_keys_in_order(reader: Reader) -> None:
    prefixes = ["10.0.0.0/24", "0.0.0.0/0", "255.255.255.255/32", "192.168.1.0/23", "1.2.3.4/1"]
    assert run(reader, route_lines(*prefixes)) == ([key(p) for p in prefixes], 5)


def test_host_bits_are_cleared_at_every_length(reader: Reader) -> None:
    for plen in range(33):
        assert run(reader, route_lines(f"255.255.255.255/{plen}")) == ([key(f"255.255.255.255/{plen}")], 1)
    for plen in range(129):
        text = f"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/{plen}"
        assert run(reader, [f"x {text} y"], lead="x ", trail=" y", ipv6=True) == ([key(text)], 1)


@pytest.mark.parametrize(
    "prefix",
    [
        "010.0.0.0/24",  # leading zero
        "10.0.0.00/24",
        "10.0.0.0/024",
        "256.0.0.0/8",
        "10.0.0.0/33",
        "224.0.0.0/24",  # multicast: its own family
        "239.255.0.0/16",
        "10.0.0/24",
        "10.0.0.0.0/24",
        "10.0.0.0",
        "10.0.0.0/",
        "10.0.0.0/24/1",
        "10..0.0/24",
        "+1.0.0.0/8",
        " 10.0.0.0/24",
        "10.0.0.0 /24",
        "2001:db8::/32",
        "",
    ],
)
def test_an_ipv4_prefix_the_fast_reader_refuses_ends_the_run(reader: Reader, prefix: str) -> None:
    assert ipv4_nlri(prefix) is None
    lines = route_lines("10.0.0.0/24", prefix, "10.0.1.0/24")
    assert run(reader, lines) == ([key("10.0.0.0/24")], 1)


def test_the_neighbours_of_multicast_are_unicast(reader: Reader) -> None:
    assert run(reader, route_lines("223.0.0.0/8", "240.0.0.0/4")) == (
        [key("223.0.0.0/8"), key("240.0.0.0/4")],
        2,
    )


@pytest.mark.parametrize(
    "prefix",
    [
        "2A01::/48",  # upper case: the general parser's
        "::ffff:1.2.3.4/128",  # dotted
        "fe80::1%eth0/64",
        "2001:db8::/129",
        "2001:db8::/048",
        "2001:db8::",
        "2001:db8::/",
        "2001:db8::/32/1",
        "1::2::3/64",
        ":::/0",
        "00000::/16",  # five digits in a group
        "1:2:3:4:5:6:7:8:9/128",
        "0:" * 40 + ":/0",  # longer than any address
        "/0",
        "10.0.0.0/24",
        "",
    ],
)
def test_an_ipv6_prefix_the_fast_reader_refuses_ends_the_run(reader: Reader, prefix: str) -> None:
    assert ipv6_nlri(prefix) is None
    lines = [f"x {p} y" for p in ("2001:db8::/32", prefix, "2001:db8::/32")]
    assert run(reader, lines, lead="x ", trail=" y", ipv6=True) == ([key("2001:db8::/32")], 1)


def test_ipv6_forms_read(reader: Reader) -> None:
    prefixes = [
        "::/0",
        "::1/128",
        "2001:db8::/32",
        "2a01:0:1::/48",
        "0000:0000:0000:0000:0000:0000:0000:0001/127",
    ]
    lines = [f"x {p} y" for p in prefixes]
    assert run(reader, lines, lead="x ", trail=" y", ipv6=True) == ([key(p) for p in prefixes], 5)


def test_the_run_starts_at_start_and_stops_at_the_first_other_line(reader: Reader) -> None:
    lines = [
        "version",
        *route_lines("10.0.0.0/24", "10.0.1.0/24"),
        "announce route 10.0.2.0/24 next-hop 1.2.3.4",
    ]
    assert run(reader, lines, start=1) == ([key("10.0.0.0/24"), key("10.0.1.0/24")], 3)
    assert run(reader, lines, start=0) == ([], 0)
    assert run(reader, lines, start=3) == ([], 3)
    assert run(reader, lines, start=4) == ([], 4)
    assert run(reader, lines, start=9) == ([], 9)
    with pytest.raises(ValueError):
        run(reader, lines, start=-1)


def test_keys_are_appended_to_what_the_list_holds(reader: Reader) -> None:
    keys = [b"old"]
    assert reader(route_lines("10.0.0.0/24"), 0, LEAD, TRAIL, False, keys) == 1
    assert keys == [b"old", key("10.0.0.0/24")]


def test_blank_and_other_texts_end_the_run(reader: Reader) -> None:
    for other in [
        "",
        "   ",
        LEAD + "10.0.0.0/24",
        "10.0.0.0/24" + TRAIL,
        LEAD + "10.0.0.0/24" + TRAIL + " ",
        LEAD.upper() + "10.0.0.0/24" + TRAIL,
    ]:
        lines = [*route_lines("10.0.0.0/24"), other, *route_lines("10.0.1.0/24")]
        assert run(reader, lines) == ([key("10.0.0.0/24")], 1)


def test_an_empty_trail_and_an_empty_lead(reader: Reader) -> None:
    assert run(
        reader, ["withdraw route 10.0.0.0/24", "withdraw route 10.1.0.0/16"], lead="withdraw route ", trail=""
    ) == (
        [key("10.0.0.0/24"), key("10.1.0.0/16")],
        2,
    )
    assert run(reader, ["10.0.0.0/24;", "10.1.0.0/16;"], lead="", trail=";") == (
        [key("10.0.0.0/24"), key("10.1.0.0/16")],
        2,
    )


def test_a_lead_and_trail_that_overlap_in_a_short_line_take_nothing(reader: Reader) -> None:
    # "1.2.3.4/8" starts with the lead and ends with the trail, but is shorter than both together
    assert run(reader, ["1.2.3.4/8"], lead="1.2.3.4/", trail="4/8") == ([], 0)
    assert run(reader, ["ab"], lead="ab", trail="b") == ([], 0)


def test_non_ascii_lines_end_the_run_and_a_non_ascii_lead_or_trail_takes_nothing(reader: Reader) -> None:
    lines = [*route_lines("10.0.0.0/24"), f"{LEAD}10.0.0.0/2é{TRAIL}", *route_lines("10.0.1.0/24")]
    assert run(reader, lines) == ([key("10.0.0.0/24")], 1)
    assert run(reader, route_lines("1.0.0.0/8", "1.1.0.0/16"), trail=" é") == ([], 0)
    lines = [f"é {p} é" for p in ("1.0.0.0/8", "1.1.0.0/16")]
    assert run(reader, lines, lead="é ", trail=" é") == ([], 0)
    assert run(reader, [f"{LEAD}١.0.0.0/8{TRAIL}"]) == ([], 0)  # an Arabic-Indic digit


# --- differential: C against Python, and both against the line-by-line model ------------------------

OCTET = st.one_of(
    st.integers(0, 255).map(str),
    st.sampled_from(["00", "01", "256", "224", "239", "240", "", "-1", "x", "٣"]),
)
IPV4 = st.builds(
    lambda a, b, c, d, plen: f"{a}.{b}.{c}.{d}/{plen}",
    OCTET,
    OCTET,
    OCTET,
    OCTET,
    st.one_of(st.integers(0, 34).map(str), st.sampled_from(["", "08", "x", "24/1"])),
)
IPV6_ADDRESS = st.one_of(
    st.integers(0, 2**128 - 1).map(lambda n: ipaddress.IPv6Address(n).compressed),
    st.integers(0, 2**128 - 1).map(lambda n: ipaddress.IPv6Address(n).exploded),
    st.integers(0, 2**128 - 1).map(lambda n: ipaddress.IPv6Address(n).compressed.upper()),
    st.integers(0, 2**32 - 1).map(lambda n: f"::ffff:{ipaddress.IPv4Address(n)}"),
    st.text(alphabet="0123456789abcdefA:.", max_size=70),
)
IPV6 = st.builds(
    lambda address, plen: f"{address}/{plen}",
    IPV6_ADDRESS,
    st.one_of(st.integers(0, 130).map(str), st.sampled_from(["", "048", "x"])),
)
PREFIX_TEXT = st.one_of(
    IPV4, IPV4, IPV6, IPV6, st.text(max_size=12), st.text(alphabet="0123456789./:af ", max_size=20)
)
VALID = (  # prefixes the readers take (but for 224/4), IPv4 then IPv6
    st.builds(
        lambda a, b, c, d, plen: f"{a}.{b}.{c}.{d}/{plen}",
        *[st.integers(0, 255)] * 4,
        st.integers(0, 32),
    ),
    st.builds(
        lambda n, short, plen: (
            f"{ipaddress.IPv6Address(n).compressed if short else ipaddress.IPv6Address(n).exploded}/{plen}"
        ),
        st.integers(0, 2**128 - 1),
        st.booleans(),
        st.integers(0, 128),
    ),
)
AROUND = st.one_of(
    st.sampled_from(["", " ", LEAD, TRAIL, "route ", " next-hop ::ffff:127.0.0.1", "1", "/", ".", ":", "é"]),
    st.text(alphabet="0123456789./:ab \t", max_size=6),
)


@st.composite
def runs(draw: st.DrawFn) -> tuple[list[str], int, str, str, bool]:
    """A run of lines around one lead and trail, mostly of prefixes of the family read, with other
    prefixes, lines and texts mixed in."""
    lead, trail, ipv6 = draw(AROUND), draw(AROUND), draw(st.booleans())
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.integers(0, 9))
        if kind <= 4:
            lines.append(lead + draw(VALID[ipv6]) + trail)
        elif kind <= 6:
            lines.append(lead + draw(PREFIX_TEXT) + trail)
        elif kind == 7:
            lines.append(draw(AROUND) + draw(PREFIX_TEXT) + draw(AROUND))
        elif kind == 8:
            lines.append(draw(st.sampled_from(["", " ", "version", lead, trail, lead + trail])))
        else:
            lines.append(draw(st.text(max_size=20)))
    start = draw(st.one_of(st.just(0), st.integers(0, len(lines) + 1)))
    return lines, start, lead, trail, ipv6


@settings(max_examples=2000, deadline=None)
@given(runs())
def test_the_python_reader_gives_what_the_prefix_functions_give_line_by_line(
    case: tuple[list[str], int, str, str, bool],
) -> None:
    lines, start, lead, trail, ipv6 = case
    assert run(read_prefix_run_python, lines, start, lead, trail, ipv6) == model(
        lines, start, lead, trail, ipv6
    )


@settings(max_examples=3000, deadline=None)
@given(runs())
def test_the_c_reader_gives_what_the_python_reader_gives(case: tuple[list[str], int, str, str, bool]) -> None:
    c_reader = require_c()
    lines, start, lead, trail, ipv6 = case
    expected = run(read_prefix_run_python, lines, start, lead, trail, ipv6)
    assert run(c_reader, lines, start, lead, trail, ipv6) == expected


@settings(max_examples=1000, deadline=None)
@given(st.one_of(IPV4, IPV6, st.text(max_size=50)), st.booleans())
def test_the_c_reader_reads_one_prefix_as_the_prefix_functions_do(prefix: str, ipv6: bool) -> None:
    c_reader = require_c()
    expected = (ipv6_nlri if ipv6 else ipv4_nlri)(prefix)
    assert run(c_reader, [f"<{prefix}>"], lead="<", trail=">", ipv6=ipv6) == (
        ([], 0) if expected is None else ([expected], 1)
    )


# --- the C reader's own checks ---------------------------------------------------------------------


def test_the_c_reader_refuses_wrong_types() -> None:
    c_reader = require_c()
    with pytest.raises(TypeError):
        c_reader(tuple(route_lines("10.0.0.0/24")), 0, LEAD, TRAIL, False, [])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c_reader(route_lines("10.0.0.0/24"), 0, LEAD, TRAIL, False, ())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c_reader(route_lines("10.0.0.0/24"), 0, LEAD.encode(), TRAIL, False, [])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c_reader(route_lines("10.0.0.0/24"), "0", LEAD, TRAIL, False, [])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c_reader(route_lines("10.0.0.0/24"), 0, LEAD, TRAIL, False)  # type: ignore[call-arg]
    keys: list[bytes] = []
    lines: list[object] = [*route_lines("10.0.0.0/24"), b"announce route 10.0.1.0/24 next-hop self"]
    with pytest.raises(TypeError):
        c_reader(lines, 0, LEAD, TRAIL, False, keys)  # type: ignore[arg-type]
    assert keys == [key("10.0.0.0/24")]  # what was read before the error stays


def test_the_c_reader_keeps_reference_counts() -> None:
    c_reader = require_c()
    lines = route_lines(*(f"10.{i}.0.0/16" for i in range(100)))
    before = [sys.getrefcount(obj) for obj in (lines, LEAD, TRAIL, *lines)]
    for _ in range(1000):
        keys: list[bytes] = []
        assert c_reader(lines, 0, LEAD, TRAIL, False, keys) == 100
        held = sys.getrefcount(keys[0])  # the list's reference and the argument's
        assert held == 2
        assert c_reader(lines, 3, LEAD, "no", False, keys) == 3
        with pytest.raises(ValueError):
            c_reader(lines, -1, LEAD, TRAIL, False, keys)
        with pytest.raises(TypeError):
            c_reader([*lines[:5], None], 0, LEAD, TRAIL, False, keys)  # type: ignore[list-item]
    assert [sys.getrefcount(obj) for obj in (lines, LEAD, TRAIL, *lines)] == before


# --- the callers -----------------------------------------------------------------------------------


def test_parse_lines_gives_the_same_runs_with_either_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream with blank lines, refused prefixes and a change of family reads the same both ways."""
    c_reader = require_c()
    lines = [f"announce route 10.{i >> 8}.{i & 255}.0/24 next-hop self" for i in range(600)]
    lines[100] = ""
    lines[200] = "announce route 010.0.0.0/24 next-hop self"  # the general parser's
    lines[300] = "announce route 2001:db8::/32 next-hop self"
    lines[400] = "announce route 10.0.0.0/24 next-hop self é"
    outcomes = []
    for chosen in (read_prefix_run_python, c_reader):
        monkeypatch.setattr(commands, "read_prefix_run", chosen)
        commands._TAILS.clear()
        outcomes.append(
            [
                (item.family, item.nlris) if isinstance(item, RouteRun) else (item[0], str(item[1]))
                for item in parse_lines(lines)
            ]
        )
    assert outcomes[0] == outcomes[1]
    assert [(family, len(nlris)) for family, nlris in outcomes[0] if isinstance(nlris, list)] == [
        (IPV4_UNICAST, 198),  # the first line teaches the tail, the blank line counts for none
        (IPV4_UNICAST, 99),
        (IPV6_UNICAST, 1),
        (IPV4_UNICAST, 99),
        (IPV4_UNICAST, 199),
    ]


def test_pure_python_selects_the_python_reader() -> None:
    """AIOBGP_PURE_PYTHON=1 makes read_prefix_run the Python twin; 0 or unset the C one when built."""
    code = "from aiobgp.config import routes as r; print(r.read_prefix_run is r.read_prefix_run_python)"
    assert probe(code, "1") == "True"
    assert probe(code, "0") == str(C_READER is None)
