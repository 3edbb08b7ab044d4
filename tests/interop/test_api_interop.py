"""Helper processes through aiobgp to real BIRD, GoBGP and FRR, and back.

BIRD peers on loopback; GoBGP and FRR refuse 127/8 next hops, so they run in a namespace and aiobgp
binds the root side of the veth pair (see test_first_session.py). Helpers are the test-driven
``Driver`` of tests/api/test_processes.py: commands in through a FIFO, everything aiobgp writes to
them recorded in a transcript.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api.test_processes import FLOOD, Driver, api, neighbor, rib, wait, write_script
from speaker import Speaker

from .netns import Netns
from .peers import PeerDaemon

SPEAKER_AS, PEER_AS = 65001, 65000
RECORD = "        receive { parsed; update; }\n"


def speaker_with(
    tmp_path: Path, driver: Driver, encoder: str, peer_ip: str, local_ip: str, extra: str = ""
) -> Speaker:
    config = driver.process(encoder) + neighbor(
        peer_ip, local_ip, SPEAKER_AS, PEER_AS, api(driver.name, extra=extra)
    )
    return Speaker(tmp_path, config).start()


def peer_and_addresses(
    kind: str,
    request: pytest.FixtureRequest,
    loopback_pair: tuple[str, str],
    netns_factory: Callable[..., Netns],
    **kwargs: Any,
) -> tuple[PeerDaemon, str, str]:
    """Start a ``kind`` daemon peering with AS 65001; returns it, aiobgp's address and its address."""
    factory = request.getfixturevalue(f"{kind}_factory")
    common = {"local_as": PEER_AS, "peer_as": SPEAKER_AS, **kwargs}
    if kind == "bird":
        speaker_ip, peer_ip = loopback_pair
        return factory(local_ip=peer_ip, peer_ip=speaker_ip, **common), speaker_ip, peer_ip
    ns = netns_factory()
    return factory(local_ip=ns.ns_ip, peer_ip=ns.host_ip, netns=ns.name, **common), ns.host_ip, ns.ns_ip


@pytest.mark.parametrize("kind", ["bird", "gobgp", "frr"])
def test_helper_announces_and_withdraws(
    kind: str,
    request: pytest.FixtureRequest,
    loopback_pair: tuple[str, str],
    netns_factory: Callable[..., Netns],
    tmp_path: Path,
) -> None:
    peer, speaker_ip, peer_ip = peer_and_addresses(kind, request, loopback_pair, netns_factory)
    ctl = Driver(tmp_path, "ctl")
    speaker = speaker_with(tmp_path, ctl, "text", peer_ip, speaker_ip)
    speaker.wait_log(rf"BGP session established with {peer_ip}", timeout=30)
    assert ctl.ask("announce route 100.10.0.0/24 next-hop self med 50 community [ 65001:100 65001:200 ]") == [
        "done"
    ]
    assert ctl.ask("announce route 100.20.0.0/24 next-hop self as-path [ 65001 65001 ]") == ["done"]
    peer.wait_received(2, "ipv4", timeout=30)
    routes = {r.prefix: r for r in peer.received_routes("ipv4")}
    assert sorted(routes) == ["100.10.0.0/24", "100.20.0.0/24"]
    assert routes["100.10.0.0/24"].next_hop == speaker_ip
    assert routes["100.10.0.0/24"].med == 50
    assert routes["100.10.0.0/24"].communities == ["65001:100", "65001:200"]
    assert routes["100.10.0.0/24"].as_path == [SPEAKER_AS]
    assert routes["100.20.0.0/24"].as_path == [SPEAKER_AS, SPEAKER_AS]  # a configured path is sent as is
    assert ctl.ask("withdraw route 100.10.0.0/24") == ["done"]
    peer.wait_received(1, "ipv4", timeout=30)
    assert [r.prefix for r in peer.received_routes("ipv4")] == ["100.20.0.0/24"]
    assert speaker.stop() == 0


@pytest.mark.parametrize("kind", ["bird", "gobgp"])
def test_json_helper_receives_peer_routes(
    kind: str,
    request: pytest.FixtureRequest,
    loopback_pair: tuple[str, str],
    netns_factory: Callable[..., Netns],
    tmp_path: Path,
) -> None:
    peer, speaker_ip, peer_ip = peer_and_addresses(
        kind,
        request,
        loopback_pair,
        netns_factory,
        routes=["10.10.0.0/16", "10.20.0.0/16"],
        med=50,
        communities=["65000:7", "65000:8"],
    )
    rec = Driver(tmp_path, "rec")
    speaker = speaker_with(tmp_path, rec, "json", peer_ip, speaker_ip, extra=RECORD)
    wanted = {"10.10.0.0/16", "10.20.0.0/16"}
    routes = wait(lambda: (r := rib(rec.events())) and set(r) == wanted and r, 30, f"{sorted(wanted)}")
    for prefix in sorted(wanted):
        route = routes[prefix]
        assert route["family"] == "ipv4 unicast"
        assert route["next-hop"] == peer_ip
        attribute = route["attribute"]
        assert attribute["origin"] == "igp"
        assert attribute["as-path"] == {"0": {"element": "as-sequence", "value": [PEER_AS]}}
        assert attribute["med"] == 50
        assert attribute["community"] == [[65000, 7], [65000, 8]]
    update = next(e for e in rec.events() if e["type"] == "update" and "update" in e["neighbor"]["message"])
    assert update["neighbor"]["direction"] == "receive"
    assert update["neighbor"]["address"] == {"local": speaker_ip, "peer": peer_ip}
    assert update["neighbor"]["asn"] == {"local": SPEAKER_AS, "peer": PEER_AS}
    peer.del_route("10.20.0.0/16")
    wait(lambda: set(rib(rec.events())) == {"10.10.0.0/16"}, 30, "the withdrawal of 10.20.0.0/16")
    assert speaker.stop() == 0


def test_text_helper_receives_peer_routes(
    bird_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    speaker_ip, bird_ip = loopback_pair
    bird_factory(
        local_ip=bird_ip,
        peer_ip=speaker_ip,
        local_as=PEER_AS,
        peer_as=SPEAKER_AS,
        routes=["10.10.0.0/16"],
        med=50,
    )
    rec = Driver(tmp_path, "rec")
    speaker = speaker_with(tmp_path, rec, "text", bird_ip, speaker_ip, extra=RECORD)
    prefix = f"neighbor {bird_ip} receive update announced 10.10.0.0/16 next-hop {bird_ip} "
    line = wait(lambda: next((x for x in rec.lines() if x.startswith(prefix)), None), 30, prefix)
    assert " med 50" in line and "origin igp" in line and str(PEER_AS) in line
    assert f"neighbor {bird_ip} receive update start" in rec.lines()
    assert f"neighbor {bird_ip} receive update end" in rec.lines()
    assert speaker.stop() == 0


# --- a helper that writes a million commands and never reads -----------------------------------------

MILLION = 1_000_000
BUFFER = 1 << 20  # below the 5 MB of answers, so that dropping them is exercised (default: 16 MiB)


@pytest.mark.slow
def test_million_commands_from_a_helper_that_never_reads(
    bird_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    """BIRD with hold time 9 counts every route; the session never drops; the unread answers are dropped."""
    speaker_ip, bird_ip = loopback_pair
    bird = bird_factory(local_ip=bird_ip, peer_ip=speaker_ip, local_as=PEER_AS, peer_as=SPEAKER_AS, hold=9)
    flood = write_script(tmp_path / "flood.py", FLOOD)
    config = f"process flood {{\n    run {flood} {MILLION};\n    encoder text;\n}}\n" + neighbor(
        bird_ip, speaker_ip, SPEAKER_AS, PEER_AS, api("flood")
    )
    start = time.monotonic()
    speaker = Speaker(tmp_path, config, env={"api.buffer": str(BUFFER)}).start()
    speaker.wait_log(rf"BGP session established with {bird_ip} \(hold time 9s", timeout=30)
    bird.wait_received(MILLION, "ipv4", timeout=300)
    elapsed = time.monotonic() - start
    speaker.wait_log(r"\[flood\] wrote 1000000 commands", timeout=30)
    speaker.wait_log(r"WARNING: Process 'flood' does not read its input \(\d+ bytes unread\): dropping")
    assert bird.is_established()
    assert bird.hold_timer_expiries() == 0
    assert bird.notifications_received() == [] and bird.notifications_sent() == []
    assert speaker.log().count("BGP session established") == 1
    print(f"BIRD held {MILLION} routes {elapsed:.1f}s after aiobgp started")
    assert speaker.stop(timeout=30) == 0
