"""Configuration parser: every neighbor directive, blocks, templates, the seed walkthrough's files and
ExaBGP's own conformance configurations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiobgp.config.model import (
    DEFAULT_FAMILIES,
    ApiConfig,
    CapabilityConfig,
    ConfigError,
    MessageSelection,
    NeighborConfig,
    RouteExtras,
)
from aiobgp.config.parser import ALL_FAMILIES, load, parse, resolve_program
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import NEXT_HOP_SELF

DATA = Path(__file__).parent / "data"
QA = Path("/work/shared/conformance/exabgp-qa/etc")

HEAD = "neighbor 127.0.0.1 {\n local-as 65000;\n peer-as 65001;\n"


def neighbor(body: str) -> NeighborConfig:
    (only,) = parse(HEAD + body + "\n}\n", "t.conf").neighbors
    return only


# --- scalar directives --------------------------------------------------------------------------

SCALARS = [
    ('description "a quagga test peer";', "description", "a quagga test peer"),
    ("description two words;", "description", "two words"),
    ("router-id 10.0.0.2;", "router_id", "10.0.0.2"),
    ("local-address 127.0.0.2;", "local_address", "127.0.0.2"),
    ("local-address auto;", "local_address", None),
    ("hold-time 0;", "hold_time", 0),
    ("hold-time 3;", "hold_time", 3),
    ("hold-time 65535;", "hold_time", 65535),
    ("passive;", "passive", True),
    ("passive false;", "passive", False),
    ("passive enable;", "passive", True),
    ("listen 1790;", "listen", 1790),
    ("connect 1791;", "connect", 1791),
    ('md5-password "secret";', "md5_password", "secret"),
    ("md5-base64 true;", "md5_base64", True),
    ("md5-base64;", "md5_base64", False),
    ("md5-ip 127.0.0.3;", "md5_ip", "127.0.0.3"),
    ("outgoing-ttl 255;", "outgoing_ttl", 255),
    ("outgoing-ttl disable;", "outgoing_ttl", None),
    ("incoming-ttl 254;", "incoming_ttl", 254),
    ("group-updates false;", "group_updates", False),
    ("group-updates;", "group_updates", True),
    ("group-updates disable;", "group_updates", False),
    ("adj-rib-in false;", "adj_rib_in", False),
    ("adj-rib-in;", "adj_rib_in", False),  # bare means false, as ExaBGP
    ("adj-rib-out;", "adj_rib_out", False),
    ("adj-rib-out enabled;", "adj_rib_out", True),
    ("manual-eor true;", "manual_eor", True),
    ("rate-limit 100;", "rate_limit", 100),
    ("rate-limit disable;", "rate_limit", 0),
    ("host-name my-host-name;", "host_name", "my-host-name"),
    ("domain-name my-domain-name.com;", "domain_name", "my-domain-name.com"),
    ("source-interface eth0;", "source_interface", "eth0"),
    ("peer-as auto;", "peer_as", None),
    ("local-as 4200000000;", "local_as", 4200000000),
    ("local-as 1.10;", "local_as", 65546),
]


@pytest.mark.parametrize(("line", "attribute", "value"), SCALARS, ids=[s[0] for s in SCALARS])
def test_scalar(line: str, attribute: str, value: object) -> None:
    assert getattr(neighbor(line), attribute) == value


def test_defaults() -> None:
    n = neighbor("")
    assert n.peer_address == "127.0.0.1"
    assert (n.local_as, n.peer_as) == (65000, 65001)
    assert n.hold_time == 180
    assert (n.group_updates, n.adj_rib_in, n.adj_rib_out, n.manual_eor, n.passive) == (
        True,
        True,
        True,
        False,
        False,
    )
    assert n.families == list(DEFAULT_FAMILIES) == [IPV4_UNICAST, IPV6_UNICAST, (1, 133), (2, 133)]
    assert n.capabilities == CapabilityConfig(nexthop=False)
    assert n.router_id is None and n.local_address is None
    assert n.position is not None and str(n.position) == "t.conf:1:1"


def test_router_id_defaults_to_ipv4_local_address() -> None:
    assert neighbor("local-address 127.0.0.9;").router_id == "127.0.0.9"
    assert neighbor("local-address 127.0.0.9; router-id 1.2.3.4;").router_id == "1.2.3.4"


def test_later_value_wins() -> None:
    assert neighbor("hold-time 30; hold-time 60;").hold_time == 60


def test_ipv6_and_prefix_neighbors() -> None:
    (six,) = parse("neighbor ::1 { local-as 1; peer-as 1; local-address ::1; router-id 1.1.1.1; }").neighbors
    assert six.peer_address == "::1" and six.router_id == "1.1.1.1"
    (dyn,) = parse("neighbor 127.0.0.0/24 { local-as 1; peer-as 1; passive; }").neighbors
    assert dyn.peer_address == "127.0.0.0/24" and dyn.passive


# --- notices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "notice"),
    [
        ("auto-flush true;", "t.conf:4:1: auto-flush has no effect"),
        ("adj-rib-out;", "t.conf:4:1: a bare `adj-rib-out;` means false"),
        ("capability { software-version; }", "t.conf:4:14: a bare `software-version;` means false"),
        ("graceful-restart 10;", "t.conf:4:1: `graceful-restart` belongs in `capability { }`"),
        ("route 10.0.0.0/8 next-hop 1.1.1.1;", "t.conf:4:1: `route` belongs in a `static { }` block"),
        (
            "adj-rib-out false; capability { route-refresh; }",
            "t.conf:4:1: route-refresh needs the adj-rib-out",
        ),
    ],
)
def test_notices(line: str, notice: str) -> None:
    config = parse(HEAD + line + "\n}\n", "t.conf")
    assert any(text.startswith(notice) for text in config.notices), config.notices


def test_route_refresh_forces_adj_rib_out() -> None:
    n = neighbor("adj-rib-out false; capability { route-refresh; }")
    assert n.adj_rib_out and n.capabilities.route_refresh


# --- capability, family, add-path, nexthop ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", CapabilityConfig(nexthop=False)),
        ("asn4 disable;", CapabilityConfig(asn4=False, nexthop=False)),
        ("route-refresh;", CapabilityConfig(route_refresh=True, nexthop=False)),
        ("graceful-restart;", CapabilityConfig(graceful_restart=180, nexthop=False)),
        ("graceful-restart 0;", CapabilityConfig(graceful_restart=180, nexthop=False)),
        ("graceful-restart 1200;", CapabilityConfig(graceful_restart=1200, nexthop=False)),
        ("graceful-restart disable;", CapabilityConfig(nexthop=False)),
        ("add-path send/receive;", CapabilityConfig(add_path=3, nexthop=False)),
        ("add-path send;", CapabilityConfig(add_path=2, nexthop=False)),
        ("add-path receive;", CapabilityConfig(add_path=1, nexthop=False)),
        ("add-path disable;", CapabilityConfig(add_path=0, nexthop=False)),
        ("extended-message false;", CapabilityConfig(extended_message=False, nexthop=False)),
        ("multi-session;", CapabilityConfig(multi_session=True, nexthop=False)),
        ("operational enable;", CapabilityConfig(operational=True, nexthop=False)),
        ("nexthop true;", CapabilityConfig(nexthop=True)),
        ("nexthop false;", CapabilityConfig(nexthop=False)),
        ("aigp enable;", CapabilityConfig(aigp=True, nexthop=False)),
        ("software-version enable;", CapabilityConfig(software_version=True, nexthop=False)),
        ("software-version;", CapabilityConfig(software_version=False, nexthop=False)),
    ],
)
def test_capability(body: str, expected: CapabilityConfig) -> None:
    assert neighbor(f"capability {{ {body} }}").capabilities == expected


def test_graceful_restart_uses_hold_time_written_later() -> None:
    assert neighbor("capability { graceful-restart; } hold-time 90;").capabilities.graceful_restart == 90


def test_families_in_order() -> None:
    n = neighbor("family { ipv6 unicast; ipv4 unicast; ipv4 flow; l2vpn vpls; ipv4 labeled-unicast; }")
    assert n.families == [(2, 1), (1, 1), (1, 133), (25, 65), (1, 4)]


def test_family_all() -> None:
    assert neighbor("family { all; }").families == list(ALL_FAMILIES)


def test_add_path_families() -> None:
    n = neighbor(
        "capability { add-path send; } family { ipv4 unicast; ipv6 unicast; } add-path { ipv6 unicast; }"
    )
    assert n.add_path_families == [IPV6_UNICAST]
    # without an add-path block, add-path applies to every family
    n = neighbor("capability { add-path send; } family { ipv4 unicast; ipv6 unicast; }")
    assert n.add_path_families == [IPV4_UNICAST, IPV6_UNICAST]
    assert neighbor("family { ipv4 unicast; }").add_path_families == []


def test_nexthop_block_enables_capability() -> None:
    n = neighbor("nexthop { ipv4 unicast ipv6; ipv6 unicast ipv4; }")
    assert n.nexthops == [(1, 1, 2), (2, 1, 1)]
    assert n.capabilities.nexthop is True
    assert (
        neighbor("nexthop { ipv4 unicast ipv6; } capability { nexthop false; }").capabilities.nexthop is False
    )


# --- processes and api --------------------------------------------------------------------------

PROCESS = "process p {\n run /bin/cat -u;\n encoder json;\n}\n"


def test_process() -> None:
    config = parse(PROCESS + "process q { run /bin/true; encoder text; respawn false; }\n")
    p, q = config.processes["p"], config.processes["q"]
    assert (p.run, p.encoder, p.respawn) == (["/bin/cat", "-u"], "json", True)
    assert (q.run, q.encoder, q.respawn) == (["/bin/true"], "text", False)
    assert p.position is not None and (p.position.line, p.position.column) == (1, 1)


def test_process_without_encoder_defaults_to_text_with_notice() -> None:
    config = parse("process p {\n run /bin/cat;\n}\n", "t.conf")
    assert config.processes["p"].encoder == "text"
    assert config.notices == ["t.conf:1:9: process 'p' has no `encoder` (ExaBGP 5 refuses this): using text"]


def test_run_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "run").mkdir()
    helper = tmp_path / "run" / "helper.py"
    helper.write_text("")
    conf = tmp_path / "x.conf"
    conf.write_text("process p { run ./run/helper.py --flag; encoder text; }\n")
    assert load(str(conf)).processes["p"].run == [str(helper), "--flag"]
    # missing programs are kept (resolved against the config's directory) for the runtime to report
    assert resolve_program("./run/missing", str(tmp_path)) == str(tmp_path / "run" / "missing")
    # bare names are looked up in $PATH
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "my-helper-tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert resolve_program("my-helper-tool", "/nonexistent") == str(tool)
    assert resolve_program("not-there-at-all", "/nonexistent") == "not-there-at-all"
    assert resolve_program("/abs/path", str(tmp_path)) == "/abs/path"


def test_api_block() -> None:
    config = parse(
        PROCESS
        + HEAD
        + """
        api speaking {
            processes [ p ];
            neighbor-changes;
            negotiated;
            fsm;
            signal false;
            receive {
                parsed; packets; consolidate;
                open; update; notification; keepalive; refresh; operational;
            }
            send { packets; update; }
        }
        api { processes-match [ "^p$" ]; }
    }"""
    )
    first, second = config.neighbors[0].api
    assert first == ApiConfig(
        processes=["p"],
        neighbor_changes=True,
        negotiated=True,
        fsm=True,
        signal=False,
        receive=MessageSelection(*([True] * 9)),
        send=MessageSelection(packets=True, update=True),
        name="speaking",
    )
    assert second == ApiConfig(processes_match=["^p$"])


def test_api_selection_without_mode_warns() -> None:
    config = parse(PROCESS + HEAD + "api {\n processes [ p ];\n receive { update; }\n}\n}\n", "t.conf")
    assert config.neighbors[0].api[0].receive == MessageSelection(update=True)
    assert config.notices == [
        "t.conf:10:2: `receive` selects messages but no reporting mode (parsed, packets or consolidate): "
        "nothing will be reported (as ExaBGP)"
    ]


# --- routes -------------------------------------------------------------------------------------


def test_static_announce_and_attributes_forms() -> None:
    n = neighbor(
        """
        family { ipv4 unicast; ipv6 unicast; ipv4 multicast; }
        static {
            route 10.0.0.0/24 next-hop 1.2.3.4 med 1;
            route 10.0.1.0/24 {
                next-hop self;
                med 2;
            }
            attributes next-hop 1.1.1.1 local-preference 5 nlri 10.1.0.0/16 10.2.0.0/16;
            route 77.77.77.77 next-hop 1.2.3.4 watchdog dnsr withdraw;
        }
        announce {
            ipv4 {
                unicast 10.9.0.0/16 next-hop 10.0.1.254 local-preference 200;
                multicast 224.1.0.0/16 next-hop 1.1.1.1;
            }
            ipv6 { unicast 2a02:b80::/32 next-hop 2a02:b80::1; }
        }
        """
    )
    assert [r.nlri for r in n.routes] == [
        b"\x18\x0a\x00\x00",
        b"\x18\x0a\x00\x01",
        b"\x10\x0a\x01",
        b"\x10\x0a\x02",
        b"\x20\x4d\x4d\x4d\x4d",
        b"\x10\x0a\x09",
        b"\x10\xe0\x01",
        b"\x20\x2a\x02\x0b\x80",
    ]
    assert n.routes[1].next_hop == NEXT_HOP_SELF
    assert n.routes[1].attributes == Attributes(med=2)
    assert n.routes[2].attributes is n.routes[3].attributes
    assert [r.family for r in n.routes][-3:] == [IPV4_UNICAST, (1, 2), IPV6_UNICAST]
    assert n.route_extras == {n.routes[4]: RouteExtras(watchdog="dnsr", withdraw=True)}


def test_ipv4_unicast_route_allowed_outside_family_block() -> None:
    n = neighbor("family { ipv6 unicast; } static { route 10.0.0.0/8 next-hop 1.1.1.1; }")
    assert n.routes[0].family == IPV4_UNICAST


# --- templates ----------------------------------------------------------------------------------


def test_template_inherit() -> None:
    config = parse(
        """
        template {
            neighbor base {
                local-as 65533; peer-as 65533; hold-time 60;
                family { ipv4 unicast; }
                capability { graceful-restart; }
                static { route 1.0.0.0/8 next-hop 1.1.1.1; }
            }
            neighbor more {
                inherit base;
                description "from more";
                static { route 5.0.0.0/8 next-hop 1.1.1.1; }
            }
        }
        neighbor 127.0.0.1 {
            hold-time 30;
            inherit more;
            static { route 2.0.0.0/8 next-hop 1.1.1.1; }
        }
        neighbor 127.0.0.2 { inherit base; description "plain"; }
        """
    )
    first, second = config.neighbors
    assert (first.local_as, first.peer_as, first.description) == (65533, 65533, "from more")
    assert first.hold_time == 30  # the neighbor's own value beats the template's
    assert first.capabilities.graceful_restart == 30
    assert [r.nlri[1] for r in first.routes] == [1, 5, 2]  # templates' routes first
    assert (second.hold_time, second.description, len(second.routes)) == (60, "plain", 1)


# --- whole files: the seed walkthrough ----------------------------------------------------------


def test_seed_minimal() -> None:
    config = load(str(DATA / "seed-minimal.conf"))
    (n,) = config.neighbors
    assert (n.peer_address, n.router_id, n.local_address, n.local_as, n.peer_as) == (
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.2",
        65001,
        65000,
    )
    assert [(r.family, r.nlri, r.next_hop) for r in n.routes] == [
        (IPV4_UNICAST, b"\x18\x64\x0a\x00", NEXT_HOP_SELF)
    ]
    assert config.notices == []


def test_seed_static() -> None:
    (n,) = load(str(DATA / "seed-static.conf")).neighbors
    assert [r.family for r in n.routes] == [IPV4_UNICAST] * 3 + [IPV6_UNICAST, IPV4_UNICAST]
    assert n.routes[4].attributes == Attributes(med=100, local_pref=200, communities=(65001 << 16 | 100,))


def test_seed_attributes() -> None:
    (n,) = load(str(DATA / "seed-attributes.conf")).neighbors
    assert [r.attributes.med for r in n.routes[:2]] == [50, 100]
    assert n.routes[4].attributes.as_path == ((2, (65001, 65001, 65001)),)


@pytest.mark.parametrize("name", ["seed-api-announce.conf", "seed-4x.conf"])
def test_seed_api(name: str) -> None:
    config = load(str(DATA / name))
    (process,) = config.processes.values()
    assert process.run == ["/etc/exabgp/api/announce.py"] and process.encoder == "text"
    assert config.neighbors[0].api == [ApiConfig(processes=[process.name])]


def test_seed_receive_form_is_accepted_with_notices() -> None:
    path = str(DATA / "seed-receive.conf")
    config = load(path)
    (n,) = config.neighbors
    assert n.families == [IPV4_UNICAST]
    assert n.api == [
        ApiConfig(processes=["receive-routes"]),
        ApiConfig(
            processes=["receive-routes"],
            receive=MessageSelection(parsed=True, update=True),
            name="process receive-routes",
        ),
    ]
    assert config.notices == [
        f"{path}:24:9: `updates` is spelled `update`",
        f"{path}:22:5: `receive` inside a process block is not ExaBGP 5 syntax; accepted, it applies "
        "to every neighbor whose api lists 'receive-routes'. Canonical form, inside the neighbor: "
        "api { processes [ receive-routes ]; receive { parsed; update; } }",
    ]


def test_seed_md5() -> None:
    (n,) = load(str(DATA / "seed-md5.conf")).neighbors
    assert n.md5_password == "secretpassword"


def test_seed_3x_is_refused_with_rewrite_hint() -> None:
    path = str(DATA / "seed-3x.conf")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value) == (
        f"{path}:9:5: process blocks go at the top level since ExaBGP 4; move it out and add "
        "`api { processes [ announce-routes ]; }` to the neighbor (at 'process')"
    )


# --- whole files: ExaBGP's conformance configurations -------------------------------------------

# configurations aiobgp refuses for now, and why
REFUSED = {
    "conf-addpath.conf": "MPLS labels",  # an mpls-vpn route (rd + label)
    "conf-l2vpn.conf": "l2vpn routes",
    "conf-parity.conf": "route distinguishers",  # ipv6 mpls-vpn routes
    "conf-prefix-sid.conf": "MPLS labels",  # nlri-mpls routes with a Prefix-SID
    "conf-srv6-mup.conf": "ipv4 mup routes",
    "conf-vpn.conf": "route distinguishers",
}


def _qa_configs() -> list[Path]:
    if not QA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{QA} is missing (CI=true)")
        pytest.skip(f"{QA} is not available")
    return sorted(QA.glob("*.conf"))


def test_conformance_configurations() -> None:
    loaded = refused = 0
    for path in _qa_configs():
        reason = REFUSED.get(path.name)
        if reason is None:
            config = load(str(path))
            assert config.neighbors, path.name
            loaded += 1
        else:
            with pytest.raises(ConfigError) as caught:
                load(str(path))
            assert reason in caught.value.message and "not supported yet" in caught.value.message, path.name
            refused += 1
    assert loaded >= 40 and refused == len(REFUSED)


def test_conformance_template_routes_in_order() -> None:
    _qa_configs()
    (n,) = load(str(QA / "conf-template.conf")).neighbors
    assert [r.nlri for r in n.routes] == [bytes([8, k]) for k in (1, 2, 3, 4)]
    assert n.capabilities.graceful_restart == 1200
    assert n.router_id == "127.0.0.0"
