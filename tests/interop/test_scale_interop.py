"""Many neighbors in one aiobgp process: a reduced issue-4 scenario 8 (bench/run.py --scenarios peers).

100 BIRD protocols (one BIRD, :class:`peers.BirdFleet`), each peering from its own loopback address
with its own address of aiobgp; one helper writes 100 ``announce route`` lines without a neighbor
selector, so every neighbor gets all of them. Hold time 9 s on both sides, and the sessions are
kept past one hold time after the routes arrived: no hold timer may expire on either side.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api.test_processes import wait, write_script
from speaker import Speaker

from .conftest import DaemonFactory
from .peers import BirdFleet

PEERS, ROUTES = 100, 100
SPEAKER_AS, PEER_AS = 65001, 65002
HOLD = 9

HELPER = """\
import os, sys, time
parent = os.getppid()
sys.stdout.write("".join(f"announce route 10.{i >> 8}.{i & 255}.0/24 next-hop self\\n" for i in range({n})))
sys.stdout.flush()
while os.getppid() == parent:
    time.sleep(0.5)
"""


@pytest.fixture
def fleet_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, netns_factory: Any
) -> Iterator[DaemonFactory[BirdFleet]]:
    """``fleet_factory(**kwargs) -> BirdFleet`` (started), stopped at teardown."""
    factory = DaemonFactory(BirdFleet, request, tmp_path_factory)
    yield factory
    factory.close()


def config(helper: Path, speaker_ips: list[str], bird_ips: list[str]) -> str:
    template = (
        "template {\n  neighbor fleet {\n"
        f"    local-as {SPEAKER_AS};\n    peer-as {PEER_AS};\n    hold-time {HOLD};\n"
        "    family { ipv4 unicast; }\n    api { processes [ announcer ]; }\n  }\n}\n"
    )
    neighbors = "".join(
        f"neighbor {bird} {{\n  inherit fleet;\n  router-id {local};\n  local-address {local};\n}}\n"
        for local, bird in zip(speaker_ips, bird_ips, strict=True)
    )
    process = f"process announcer {{\n  run {sys.executable} {helper};\n  encoder text;\n}}\n"
    return process + template + neighbors


def test_hundred_peers_each_get_every_route(
    fleet_factory: Callable[..., BirdFleet], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    # addresses x.y.20-119 (aiobgp) and x.y.130-229 (BIRD): never the fixtures' .1/.2 or .11/.12
    base = loopback_pair[0].rsplit(".", 1)[0]
    speaker_ips = [f"{base}.{20 + i}" for i in range(PEERS)]
    bird_ips = [f"{base}.{130 + i}" for i in range(PEERS)]
    bird = fleet_factory(
        local_ips=bird_ips,
        peer_ips=speaker_ips,
        local_as=PEER_AS,
        peer_as=SPEAKER_AS,
        hold=HOLD,
        passive=True,
    )
    helper = write_script(tmp_path / "announce.py", HELPER.replace("{n}", str(ROUTES)))
    speaker = Speaker(tmp_path, config(helper, speaker_ips, bird_ips)).start()

    wait(lambda: bird.established_count() == PEERS, 60, f"{PEERS} sessions Established")
    wait(lambda: bird.total_routes() == PEERS * ROUTES, 60, f"{PEERS * ROUTES} routes in BIRD")
    counts = bird.received_counts()
    assert counts == {name: ROUTES for name in bird.names}
    # next-hop self is each neighbor's own local address
    for index in (0, PEERS // 2, PEERS - 1):
        out = bird.cli("show", "route", "10.0.7.0/24", "protocol", bird.names[index], "all")
        assert f"BGP.next_hop: {speaker_ips[index]}" in out

    time.sleep(HOLD + 2)  # every session lives past one hold time after the burst
    assert bird.established_count() == PEERS
    assert bird.hold_timer_expiries() == 0
    assert bird.notifications_received() == [] and bird.notifications_sent() == []
    log = speaker.log()
    assert not re.search(r"NOTIFICATION (sent to|received from) \S+: 4/0", log)
    assert log.count("BGP session established with") == PEERS
    assert speaker.stop() == 0
    wait(lambda: bird.total_routes() == 0, 60, "every route withdrawn once aiobgp stopped")
    assert bird.notifications_received().count((6, 2)) == PEERS
