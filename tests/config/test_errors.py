"""Every kind of configuration error, with the exact file:line:column of the offending token."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aiobgp.config.model import ConfigError
from aiobgp.config.parser import load, parse

NOT_YET = "are not supported yet (aiobgp announces ipv4/ipv6 unicast and flow routes)"
GROUP = "`group` was removed in ExaBGP 4: use `template { neighbor NAME { ... } }` and `inherit NAME;`"
PROCESS = "process p {\n    run /bin/cat;\n    encoder text;\n}\n"


def error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(textwrap.dedent(text).lstrip("\n"), "e.conf")
    return str(caught.value)


def in_neighbor(line: str) -> str:
    """The error of `line` placed on line 4 (column 5) of a neighbor."""
    return error(f"neighbor 127.0.0.1 {{\n    local-as 1;\n    peer-as 2;\n    {line}\n}}\n")


CASES = [
    # --- statement structure ---
    ("neighbor 127.0.0.1 {\n    local-as 1\n}\n", "e.conf:3:1: missing ';' after '1' (at '}')"),
    (
        "neighbor 127.0.0.1 {\n    local-as 1;\n",
        "e.conf:1:1: block 'neighbor' is never closed (missing '}') (at 'neighbor')",
    ),
    ("neighbor 127.0.0.1 { local-as 1; peer-as 1; }\n}\n", "e.conf:2:1: '}' closes no block (at '}')"),
    ("{ local-as 1; }\n", "e.conf:1:1: a block needs a name before '{' (at '{')"),
    (
        "neighbor 127.0.0.1 { local-as 1; peer-as 1; }\nlocal-as 5",
        "e.conf:2:10: missing ';' at the end of this statement (at '5')",
    ),
    # --- root ---
    (
        "group old {\n}\n",
        f"e.conf:1:1: {GROUP} (at 'group')",
    ),
    (
        "# comment\n\nlocal-as 65000;\n",
        "e.conf:3:1: 'local-as' is a neighbor setting: it goes inside a `neighbor IP { ... }` block "
        "(at 'local-as')",
    ),
    ("routers {\n}\n", "e.conf:1:1: unknown section (process, neighbor or template) (at 'routers')"),
    ("neighbor 127.0.0.1;\n", "e.conf:1:1: 'neighbor' needs a block { ... } (at 'neighbor')"),
    (
        "neighbor 127.0.0.300 {\n}\n",
        "e.conf:1:10: a neighbor is an IP address (or a prefix for passive neighbors) (at '127.0.0.300')",
    ),
    ("neighbor 127.0.0.1 127.0.0.2 {\n}\n", "e.conf:1:20: `neighbor` needs one address (at '127.0.0.2')"),
    (
        "template t {\n}\n",
        "e.conf:1:10: `template` takes no name: write `template { neighbor NAME { ... } }` (at 't')",
    ),
    (
        "template {\n  route x;\n}\n",
        "e.conf:2:3: a template holds `neighbor NAME { ... }` blocks (at 'route')",
    ),
    # --- process ---
    ("process p {\n    encoder text;\n}\n", "e.conf:1:9: process 'p' has no `run` program (at 'p')"),
    (
        "process p {\n    run /bin/cat;\n    encoder xml;\n}\n",
        "e.conf:3:13: encoder is text or json (at 'xml')",
    ),
    ("process p {\n    run;\n}\n", "e.conf:2:5: `run` needs a program (at 'run')"),
    (
        "process p {\n    run /bin/cat;\n    colour red;\n}\n",
        "e.conf:3:5: unknown process setting (run, encoder, respawn) (at 'colour')",
    ),
    (PROCESS + "process p {\n    run /bin/cat;\n}\n", "e.conf:5:9: process 'p' is defined twice (at 'p')"),
    (
        "process p {\n    run /bin/cat;\n    neighbor-changes;\n}\n",
        "e.conf:3:5: 'neighbor-changes' goes in the neighbor's `api { processes [ p ]; ... }` block "
        "since ExaBGP 4 (at 'neighbor-changes')",
    ),
    (
        "process p {\n    run /bin/cat;\n    respawn maybe;\n}\n",
        "e.conf:3:13: 'respawn' is true/enable or false/disable (at 'maybe')",
    ),
    # --- neighbor: mandatory values and cross checks ---
    (
        "neighbor 127.0.0.1 {\n    peer-as 1;\n}\n",
        "e.conf:1:1: neighbor 127.0.0.1 has no `local-as` (at 'neighbor')",
    ),
    (
        "neighbor 127.0.0.1 {\n    local-as 1;\n}\n",
        "e.conf:1:1: neighbor 127.0.0.1 has no `peer-as` (at 'neighbor')",
    ),
    (
        "neighbor 127.0.0.0/8 {\n    local-as 1;\n    peer-as 1;\n}\n",
        "e.conf:1:10: a neighbor given as a prefix must be `passive` (at '127.0.0.0/8')",
    ),
    (
        "neighbor 127.0.0.1 {\n    local-as 1;\n    peer-as 1;\n    local-address ::1;\n}\n",
        "e.conf:1:10: local-address and the peer address are not of the same IP version (at '127.0.0.1')",
    ),
    (
        "neighbor 127.0.0.1 { local-as 1; peer-as 1; }\nneighbor 127.0.0.1 { local-as 1; peer-as 1; }\n",
        "e.conf:2:1: neighbor 127.0.0.1 is defined twice (first at e.conf:1:1) (at 'neighbor')",
    ),
]


@pytest.mark.parametrize(("text", "message"), CASES, ids=[c[1].split(": ", 1)[1][:50] for c in CASES])
def test_structure_and_sections(text: str, message: str) -> None:
    assert error(text) == message


NEIGHBOR_CASES = [
    ("hold-time 2;", "e.conf:4:15: hold-time is 0 or between 3 and 65535 (at '2')"),
    ("hold-time 65536;", "e.conf:4:15: hold-time must be between 0 and 65535 (at '65536')"),
    ("hold-time soon;", "e.conf:4:15: hold-time must be a number (at 'soon')"),
    ("hold-time;", "e.conf:4:5: 'hold-time' needs a value (at 'hold-time')"),
    ("hold-time 1 2;", "e.conf:4:17: 'hold-time' takes one value (at '2')"),
    ("router-id 1.2.3;", "e.conf:4:15: invalid IP address (at '1.2.3')"),
    ("router-id ::1;", "e.conf:4:15: an IPv4 address is needed (at '::1')"),
    ("local-as -1;", "e.conf:4:14: AS number out of range (0..4294967295) (at '-1')"),
    ("local-as 4294967296;", "e.conf:4:14: AS number out of range (0..4294967295) (at '4294967296')"),
    ("local-as auto;", "e.conf:4:14: `local-as auto` is not supported yet (at 'auto')"),
    ("peer-as x;", "e.conf:4:13: invalid AS number (at 'x')"),
    ("passive maybe;", "e.conf:4:13: 'passive' is true/enable or false/disable (at 'maybe')"),
    ("listen 70000;", "e.conf:4:12: listen port must be between 0 and 65535 (at '70000')"),
    ("outgoing-ttl 256;", "e.conf:4:18: outgoing-ttl must be between 0 and 255 (at '256')"),
    (
        "md5-password " + "x" * 81 + ";",
        "e.conf:4:18: md5-password is at most 80 characters (at '" + "x" * 81 + "')",
    ),
    (
        'md5-base64 true;\n    md5-password "not base64!";',
        "e.conf:1:1: md5-password is not valid base64 (md5-base64 is set) (at 'neighbor')",
    ),
    ("rate-limit 0;", "e.conf:4:16: rate-limit must be between 1 and 2147483648 (at '0')"),
    ("colour blue;", "e.conf:4:5: unknown neighbor setting (at 'colour')"),
    (
        "ttl-security 255;",
        "e.conf:4:5: `ttl-security` was replaced by `outgoing-ttl` and `incoming-ttl` (at 'ttl-security')",
    ),
    ("neighbor 127.0.0.2 { }", "e.conf:4:5: neighbors cannot be nested (at 'neighbor')"),
    (
        "group x { }",
        f"e.conf:4:5: {GROUP} (at 'group')",
    ),
    ("hold-time { 5; }", "e.conf:4:5: 'hold-time' takes a value, not a block (at 'hold-time')"),
    ("static;", "e.conf:4:5: 'static' needs a block { ... } (at 'static')"),
    ("inherit nothing;", "e.conf:4:13: no template named 'nothing' (at 'nothing')"),
    # capability
    (
        "capability { add-path sideways; }",
        "e.conf:4:27: add-path is disable, receive, send or send/receive (at 'sideways')",
    ),
    (
        "capability { add-path receive/send; }",
        "e.conf:4:27: add-path is disable, receive, send or send/receive (write send/receive) "
        "(at 'receive/send')",
    ),
    (
        "capability { graceful-restart 5000; }",
        "e.conf:4:35: graceful-restart time must be between 0 and 4095 (at '5000')",
    ),
    ("capability { teleport; }", "e.conf:4:18: unknown capability (at 'teleport')"),
    (
        "capability { asn4 sometimes; }",
        "e.conf:4:23: 'asn4' is true/enable or false/disable (at 'sometimes')",
    ),
    # family / add-path / nexthop
    (
        "family { ipv5 unicast; }",
        "e.conf:4:14: unknown address family (ipv4, ipv6, l2vpn or bgp-ls) (at 'ipv5')",
    ),
    ("family { ipv4 anycast; }", "e.conf:4:19: unknown family 'ipv4 anycast' (at 'anycast')"),
    (
        "family { ipv4 unicast; ipv4 unicast; }",
        "e.conf:4:28: family ipv4 unicast is listed twice (at 'ipv4')",
    ),
    ("family { ipv4; }", "e.conf:4:14: a family is written 'AFI SAFI;' (in `family`) (at 'ipv4')"),
    (
        "family { all; ipv4 unicast; }",
        "e.conf:4:14: 'all' cannot be combined with other families in `family` (at 'all')",
    ),
    ("family { minimal; }", "e.conf:4:14: 'minimal' is deprecated: list the families (at 'minimal')"),
    ("add-path { ipv4 nothing; }", "e.conf:4:21: unknown family 'ipv4 nothing' (at 'nothing')"),
    ("nexthop { ipv4 unicast ipv7; }", "e.conf:4:28: the next-hop family is ipv4 or ipv6 (at 'ipv7')"),
    ("nexthop { ipv4 unicast; }", "e.conf:4:15: a nexthop entry is 'AFI SAFI NEXTHOP-AFI;' (at 'ipv4')"),
    # api
    ("api { processes [ ghost ]; }", "e.conf:4:23: no process named 'ghost' (at 'ghost')"),
    ("api { processes ghost; }", "e.conf:4:21: no process named 'ghost' (at 'ghost')"),
    ("api { processes [ ghost; }", "e.conf:4:23: missing ']' at the end of this list (at 'ghost')"),
    (
        'api { processes-match [ "(" ]; }',
        "e.conf:4:29: invalid regular expression: missing ), unterminated subpattern at position 0 (at '(')",
    ),
    ("api { bananas; }", "e.conf:4:11: unknown api setting (at 'bananas')"),
    (
        "api { receive { parsed; everything; } }",
        "e.conf:4:29: unknown message selection (parsed, packets, consolidate, open, update, "
        "notification, keepalive, refresh, operational) (at 'everything')",
    ),
    ("api a b { }", "e.conf:4:11: `api` takes at most a name (at 'b')"),
    # routes and route blocks
    ("static { route 10.0.0.0/24; }", "e.conf:4:20: this route has no next-hop (at '10.0.0.0/24')"),
    ("static { route 10.0.0.0/24 next-hop 1.2.3.4 med x; }", "e.conf:4:53: invalid med (at 'x')"),
    (
        "static { route 2001:db8::/32 next-hop ::1; }\n    family { ipv4 unicast; }",
        "e.conf:4:20: family ipv6 unicast is not in this neighbor's `family {}` (at '2001:db8::/32')",
    ),
    (
        "static { route 224.0.0.0/24 next-hop 1.1.1.1; }",
        "e.conf:4:20: family ipv4 multicast needs a `family {}` block listing it (at '224.0.0.0/24')",
    ),
    (
        "static { route 10.0.0.0/24 rd 1:1 label 5 next-hop 1.1.1.1; }",
        "e.conf:4:32: route distinguishers (mpls-vpn routes) are not supported yet (at 'rd')",
    ),
    (
        "static { route flow x; }",
        "e.conf:4:20: flow routes go in a `flow { route NAME { ... } }` block (at 'flow')",
    ),
    (
        "static { network 10.0.0.0/8; }",
        "e.conf:4:14: unknown static entry (route or attributes) (at 'network')",
    ),
    (
        "static { attributes next-hop 1.1.1.1 med 3; }",
        "e.conf:4:46: `attributes` needs `nlri` followed by prefixes (at '3')",
    ),
    (
        "flow { route x { match { source 10.0.0.1/32; } then { discard; } } }\n    family { ipv4 unicast; }",
        "e.conf:4:12: family ipv4 flow is not in this neighbor's `family {}` (at 'route')",
    ),
    (
        "l2vpn { vpls site { endpoint 5; } }",
        f"e.conf:4:5: l2vpn routes {NOT_YET} (at 'l2vpn')",
    ),
    (
        'operational { asm afi ipv4 safi unicast advisory "x"; }',
        f"e.conf:4:5: operational messages {NOT_YET} (at 'operational')",
    ),
    (
        "announce { ipv4 { mpls-vpn 10.0.0.0/24 rd 1:1; } }",
        f"e.conf:4:23: ipv4 mpls-vpn routes {NOT_YET} (at 'mpls-vpn')",
    ),
    (
        "announce { ipv4 { mcast-vpn source-ad source 1.1.1.1; } }",
        f"e.conf:4:23: ipv4 mcast-vpn routes {NOT_YET} (at 'mcast-vpn')",
    ),
    (
        "announce { ipv4 { anycast 10.0.0.0/8; } }",
        "e.conf:4:23: unknown ipv4 family 'anycast' (at 'anycast')",
    ),
    (
        "announce { ipv6 { unicast 10.0.0.0/8 next-hop 1.1.1.1; } }",
        "e.conf:4:31: this prefix does not belong to ipv6 unicast (at '10.0.0.0/8')",
    ),
    (
        "announce { l2vpn { vpls endpoint 5; } }",
        f"e.conf:4:16: l2vpn routes {NOT_YET} (at 'l2vpn')",
    ),
    (
        "announce { ipv9 { } }",
        "e.conf:4:16: announce holds ipv4 { }, ipv6 { } or l2vpn { } blocks (at 'ipv9')",
    ),
]


@pytest.mark.parametrize(("line", "message"), NEIGHBOR_CASES, ids=[c[0][:40] for c in NEIGHBOR_CASES])
def test_neighbor_errors(line: str, message: str) -> None:
    text = PROCESS + f"neighbor 127.0.0.1 {{\n    local-as 1;\n    peer-as 2;\n    {line}\n}}\n"
    # shift the expected line numbers by the 4 lines of the process block
    expected_line = int(message.split(":")[1]) + 4
    expected = message.replace(f"e.conf:{message.split(':')[1]}:", f"e.conf:{expected_line}:", 1)
    with pytest.raises(ConfigError) as caught:
        parse(text, "e.conf")
    assert str(caught.value) == expected


def test_process_inside_neighbor_is_the_3x_form() -> None:
    message = in_neighbor("process watcher {\n        run ./watch.py;\n    }")
    assert message == (
        "e.conf:4:5: process blocks go at the top level since ExaBGP 4; move it out and add "
        "`api { processes [ watcher ]; }` to the neighbor (at 'process')"
    )


def test_template_cycle() -> None:
    text = """
    template {
        neighbor a { inherit b; }
        neighbor b { inherit a; }
    }
    neighbor 127.0.0.1 { inherit a; local-as 1; peer-as 1; }
    """
    assert error(text) == "e.conf:3:26: template 'a' inherits itself (at 'a')"


def test_template_defined_twice() -> None:
    text = "template {\n  neighbor t { }\n  neighbor t { }\n}\n"
    assert error(text) == "e.conf:3:12: template 't' is defined twice (at 't')"


def test_positions_after_line_continuation() -> None:
    text = (
        "neighbor 127.0.0.1 {\n"
        "    local-as 1;\n"
        "    peer-as 1;\n"
        "    static {\n"
        "        route 10.0.0.0/24 \\\n"
        "            next-hop 1.2.3.4 \\\n"
        "            community [ 1:1 \\\n"
        "                        1:99999 ];\n"
        "    }\n"
        "}\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse(text, "c.conf")
    assert str(caught.value) == "c.conf:8:25: community half out of range (0..65535) (at '1:99999')"


def test_position_inside_a_route_block() -> None:
    text = (
        "neighbor 127.0.0.1 {\n"
        "    local-as 1;\n"
        "    peer-as 1;\n"
        "    static {\n"
        "        route 10.0.0.0/24 {\n"
        "            next-hop 1.2.3.4;\n"
        "            origin sideways;\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse(text, "b.conf")
    error = caught.value
    assert str(error) == "b.conf:7:20: origin is igp, egp or incomplete (at 'sideways')"
    assert error.position is not None and (
        error.position.file,
        error.position.line,
        error.position.column,
    ) == (
        "b.conf",
        7,
        20,
    )


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration"):
        load(str(tmp_path / "missing.conf"))


def test_unterminated_string_in_file(tmp_path: Path) -> None:
    path = tmp_path / "q.conf"
    path.write_text('neighbor 127.0.0.1 {\n    description "never closed;\n}\n')
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    assert str(caught.value) == f"{path}:2:17: unterminated quoted string (at '\"')"
