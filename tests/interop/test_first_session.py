"""The walkthrough's first BGP session, against real BIRD, GoBGP and FRR.

BIRD accepts loopback next hops, so it peers with aiobgp on 127.0.x.y. GoBGP and FRR refuse a
127/8 next hop (a "martian"), so ``next-hop self`` is checked against them across a veth pair: the
daemon in a test-made namespace on 198.18.x.2, aiobgp in the root namespace on 198.18.x.1.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from speaker import Speaker

from .netns import Netns
from .peers import PeerDaemon, ReceivedRoute

# The walkthrough's "Adding Your First Route" routes, plus its as-path prepend example and a large
# community (each attribute of the route syntax the walkthrough shows).
SEED_STATIC = """\
    static {
        route 100.10.0.0/24 next-hop self;
        route 100.20.0.0/24 next-hop self;
        route 100.30.0.0/24 next-hop self;
        # IPv6
        route 2001:db8:100::/48 next-hop self;
        # With attributes
        route 100.40.0.0/24 {
            next-hop self;
            med 100;                   # Multi-Exit Discriminator (metric)
            local-preference 200;      # Preference for iBGP
            community [ 65001:100 ];   # BGP community
        }
        route 100.50.0.0/24 next-hop self as-path [ 65001 65001 65001 ];
        route 100.60.0.0/24 next-hop self community [ 65001:100 65001:200 ] large-community [ 65001:1:2 ];
    }
"""
SEED_IPV4 = [
    "100.10.0.0/24",
    "100.20.0.0/24",
    "100.30.0.0/24",
    "100.40.0.0/24",
    "100.50.0.0/24",
    "100.60.0.0/24",
]


def neighbor(
    peer: str, local: str, local_as: int, peer_as: int, body: str = SEED_STATIC, extra: str = ""
) -> str:
    return f"""\
neighbor {peer} {{
    router-id {local};
    local-address {local};
    local-as {local_as};
    peer-as {peer_as};
{extra}{body}}}
"""


def by_prefix(routes: list[ReceivedRoute]) -> dict[str, ReceivedRoute]:
    return {r.prefix: r for r in routes}


def check_seed_routes(daemon: PeerDaemon, speaker_ip: str, *, ibgp: bool) -> None:
    # on iBGP the prepended path holds the peer's own AS: its loop detection drops 100.50.0.0/24
    expected = [p for p in SEED_IPV4 if not (ibgp and p == "100.50.0.0/24")]
    daemon.wait_received(len(expected), "ipv4", timeout=30)
    routes = by_prefix(daemon.received_routes("ipv4"))
    assert sorted(routes) == sorted(expected)
    own_path = [] if ibgp else [65001]
    for prefix in ("100.10.0.0/24", "100.20.0.0/24", "100.30.0.0/24"):
        assert routes[prefix].next_hop == speaker_ip
        assert routes[prefix].as_path == own_path
        assert routes[prefix].origin == "igp"
    with_attributes = routes["100.40.0.0/24"]
    assert with_attributes.med == 100
    assert with_attributes.communities == ["65001:100"]
    if ibgp:
        assert with_attributes.local_pref == 200
    else:  # LOCAL_PREF is never sent to an eBGP peer: the daemon shows its own default, if any
        assert with_attributes.local_pref in (None, 100)
    if not ibgp:
        assert routes["100.50.0.0/24"].as_path == [65001, 65001, 65001]  # sent as written
    assert routes["100.60.0.0/24"].communities == ["65001:100", "65001:200"]
    assert routes["100.60.0.0/24"].large_communities == ["65001:1:2"]
    daemon.wait_received(1, "ipv6", timeout=15)
    (v6,) = daemon.received_routes("ipv6")
    assert v6.prefix == "2001:db8:100::/48"
    assert v6.as_path == own_path


def stop_and_check_cease(speaker: Speaker, daemon: PeerDaemon) -> None:
    assert speaker.stop() == 0
    daemon.wait_for(lambda: (6, 2) in daemon.notifications_received(), 10, "a Cease/Administrative Shutdown")


# --- BIRD on loopback -----------------------------------------------------------------------------


@pytest.mark.parametrize("ibgp", [False, True], ids=["ebgp", "ibgp"])
def test_bird_seed_routes(
    bird_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path, ibgp: bool
) -> None:
    speaker_ip, bird_ip = loopback_pair
    peer_as = 65001 if ibgp else 65000
    bird = bird_factory(
        local_ip=bird_ip,
        peer_ip=speaker_ip,
        local_as=peer_as,
        peer_as=65001,
        ipv6=True,
        routes=["10.0.0.0/8", "10.1.0.0/16", "2001:db8:ffff::/48"],
        hold=9,
    )
    speaker = Speaker(tmp_path, neighbor(bird_ip, speaker_ip, 65001, peer_as)).start()
    speaker.wait_log(rf"BGP session established with {bird_ip}")
    bird.wait_established(15)
    check_seed_routes(bird, speaker_ip, ibgp=ibgp)
    # next-hop self on an IPv4 session: the IPv4-mapped address, which BIRD shows as IPv4
    assert bird.received_routes("ipv6")[0].next_hop in (speaker_ip, f"::ffff:{speaker_ip}")
    # what BIRD originates is received and counted
    speaker.wait_log(rf"{bird_ip}: End-of-RIB for ipv4 unicast \(\d+ prefixes")
    speaker.wait_log(rf"Received route 10\.0\.0\.0/8 next-hop {bird_ip} .* from {bird_ip}")
    speaker.wait_log(rf"Received route 2001:db8:ffff::/48 .* from {bird_ip}")
    stop_and_check_cease(speaker, bird)


def test_bird_receives_from_speaker_a_large_table(
    bird_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    """5,000 configured routes arrive packed (not one per UPDATE) and keepalives keep flowing."""
    speaker_ip, bird_ip = loopback_pair
    routes = "".join(
        f"        route 20.{i // 256}.{i % 256}.0/24 next-hop self med {i % 7};\n" for i in range(5000)
    )
    bird = bird_factory(local_ip=bird_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, hold=9)
    speaker = Speaker(
        tmp_path, neighbor(bird_ip, speaker_ip, 65001, 65000, "    static {\n" + routes + "    }\n")
    )
    speaker.start()
    bird.wait_received(5000, "ipv4", timeout=60)
    assert "Announced route" not in speaker.log()  # thousands are summarised, not itemised
    speaker.wait_log(rf"{bird_ip}: sent 5000 route\(s\)")
    stop_and_check_cease(speaker, bird)


@pytest.fixture(params=["bird", "gobgp", "frr"])
def daemon_factory(request: pytest.FixtureRequest) -> Callable[..., PeerDaemon]:
    """Each real peer in turn (sessions only: no routes with loopback next hops are sent to them)."""
    factory: Callable[..., PeerDaemon] = request.getfixturevalue(f"{request.param}_factory")
    return factory


def test_md5(
    daemon_factory: Callable[..., PeerDaemon], loopback_pairs: Callable[[], tuple[str, str]], tmp_path: Path
) -> None:
    """The walkthrough's "Authentication Failure" section: the same key on both sides, then a wrong one."""
    speaker_ip, peer_ip = loopback_pairs()
    peer = daemon_factory(
        local_ip=peer_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, md5="secretpassword"
    )
    good = Speaker(
        tmp_path / "good",
        neighbor(peer_ip, speaker_ip, 65001, 65000, body="", extra='    md5-password "secretpassword";\n'),
    ).start()
    good.wait_log(rf"BGP session established with {peer_ip}")
    peer.wait_established(15)
    assert good.stop() == 0

    speaker_ip, peer_ip = loopback_pairs()
    peer = daemon_factory(
        local_ip=peer_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, md5="secretpassword"
    )
    bad = Speaker(
        tmp_path / "bad",
        neighbor(peer_ip, speaker_ip, 65001, 65000, body="", extra='    md5-password "wrongpassword";\n'),
    ).start()
    time.sleep(6)
    assert "established" not in bad.log()
    assert not peer.is_established()
    assert bad.stop() == 0


def test_hold_timer_expiry_when_peer_freezes(
    daemon_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    speaker_ip, peer_ip = loopback_pair
    peer = daemon_factory(local_ip=peer_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, hold=9)
    speaker = Speaker(
        tmp_path, neighbor(peer_ip, speaker_ip, 65001, 65000, body="", extra="    hold-time 9;\n")
    )
    speaker.start()
    speaker.wait_log(rf"BGP session established with {peer_ip} \(hold time 9s")
    peer.freeze()
    try:
        speaker.wait_log(rf"NOTIFICATION sent to {peer_ip}: 4/0 \(Hold Timer Expired", timeout=15)
    finally:
        peer.thaw()
    # the daemon keeps running and reconnects
    speaker.wait_log(rf"BGP session established with {peer_ip}", timeout=30, count=2)
    assert speaker.stop() == 0


# --- FRR and GoBGP across a namespace ---------------------------------------------------------------


def test_frr_walkthrough(
    frr_factory: Callable[..., PeerDaemon], netns_factory: Callable[..., Netns], tmp_path: Path
) -> None:
    """The walkthrough's minimal configuration, then its "Verify on Router" commands."""
    ns = netns_factory()
    frr = frr_factory(
        local_ip=ns.ns_ip,
        peer_ip=ns.host_ip,
        local_as=65000,
        peer_as=65001,
        netns=ns.name,
        ipv6=True,
        routes=["10.0.0.0/8"],
        extra="",
        hold=9,
    )
    minimal = f"""\
# Minimal BGP configuration
neighbor {ns.ns_ip} {{
    # Basic identification
    router-id {ns.host_ip};
    local-address {ns.host_ip};
    local-as 65001;
    peer-as 65000;

    # Announce a static route
    static {{
        route 100.10.0.0/24 next-hop self;
    }}
}}
"""
    speaker = Speaker(tmp_path, minimal).start()
    speaker.wait_log(r"INFO: New neighbor .* \(local AS 65001, peer AS 65000\)")
    speaker.wait_log(rf"INFO: BGP session established with {ns.ns_ip}")
    speaker.wait_log(rf"INFO: Announced route 100.10.0.0/24 next-hop {ns.host_ip}")
    frr.wait_received(1, "ipv4")
    summary = frr.cli("-c", "show ip bgp summary")
    header = next(x for x in summary.splitlines() if x.startswith("Neighbor"))
    row = next(x for x in summary.splitlines() if x.startswith(ns.host_ip)).split()
    assert row[1:3] == ["4", "65001"], summary
    assert row[header.split().index("State/PfxRcd")] == "1", summary  # session up, 1 prefix received
    received = frr.cli("-c", f"show ip bgp neighbor {ns.host_ip} received-routes")
    route_line = next(x for x in received.splitlines() if "100.10.0.0/24" in x)
    assert ns.host_ip in route_line and route_line.rstrip().endswith("65001 i"), received
    speaker.wait_log(rf"Received route 10.0.0.0/8 next-hop {ns.ns_ip} .* from {ns.ns_ip}")
    stop_and_check_cease(speaker, frr)


def test_frr_seed_routes(
    frr_factory: Callable[..., PeerDaemon], netns_factory: Callable[..., Netns], tmp_path: Path
) -> None:
    ns = netns_factory()
    frr = frr_factory(
        local_ip=ns.ns_ip, peer_ip=ns.host_ip, local_as=65000, peer_as=65001, netns=ns.name, ipv6=True
    )
    speaker = Speaker(tmp_path, neighbor(ns.ns_ip, ns.host_ip, 65001, 65000)).start()
    speaker.wait_log(rf"BGP session established with {ns.ns_ip}")
    check_seed_routes(frr, ns.host_ip, ibgp=False)
    stop_and_check_cease(speaker, frr)


def test_gobgp_seed_routes(
    gobgp_factory: Callable[..., PeerDaemon], netns_factory: Callable[..., Netns], tmp_path: Path
) -> None:
    ns = netns_factory()
    gobgp = gobgp_factory(
        local_ip=ns.ns_ip,
        peer_ip=ns.host_ip,
        local_as=65000,
        peer_as=65001,
        netns=ns.name,
        ipv6=True,
        routes=[f"10.{i}.0.0/16" for i in range(50)],
    )
    speaker = Speaker(tmp_path, neighbor(ns.ns_ip, ns.host_ip, 65001, 65000)).start()
    speaker.wait_log(rf"BGP session established with {ns.ns_ip}")
    check_seed_routes(gobgp, ns.host_ip, ibgp=False)
    speaker.wait_log(rf"{ns.ns_ip}: 50 prefixes received so far", timeout=30)  # GoBGP sends no End-of-RIB
    stop_and_check_cease(speaker, gobgp)
