"""The shipped examples and the walkthrough's own scripts, run as a user runs them.

Two aiobgp daemons on loopback: A announces (examples/announce.py, or the walkthrough's
announce.py), B receives (examples/receive.py, or the walkthrough's receive.py). A helper's stderr
is copied into its daemon's log, so "what a script prints" is read from that log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from seed_scripts import (
    SEED_ANNOUNCE_CONF,
    SEED_ANNOUNCE_PY,
    SEED_RECEIVE_CONF,
    SEED_RECEIVE_PY,
    SEED_TEXTS,
    flattened,
    lab_config,
)

from .test_processes import A_AS, B_AS, PASSIVE, Lab, neighbor, open_lab, write_script

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED = Path("/work/shared/seed/first-bgp-session.txt")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    yield from open_lab(tmp_path)


def example(name: str, lab: Lab, run_args: str = "") -> str:
    """An example configuration on the lab's addresses, its helper run from examples/."""
    text = (EXAMPLES / name).read_text()
    addresses = {"127.0.0.1": lab.a_ip, "127.0.0.2": lab.b_ip}
    text = re.sub(r"127\.0\.0\.[12]\b", lambda m: addresses[m.group(0)], text)
    return re.sub(r"\./(\w+\.py)", lambda m: f"{EXAMPLES / m.group(1)}{run_args}", text)


def printed(log: str, tag: str) -> list[str]:
    """The lines a helper printed with ``tag`` (``[RECEIVED]``...), in order."""
    return [line for line in log.splitlines() if line.startswith(tag)]


def test_seed_text_is_verbatim() -> None:
    """tests/seed_scripts.py holds the walkthrough's words, only line breaks restored."""
    if not SEED.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{SEED} is missing (CI=true: required)")
        pytest.skip(f"{SEED} is not here")
    walkthrough = SEED.read_text()
    for name, text in SEED_TEXTS.items():
        assert flattened(text) in walkthrough, name


# --- examples/ ---------------------------------------------------------------------------------------


def test_examples_announce_then_withdraw(lab: Lab) -> None:
    routes = '--withdraw-after 3 100.10.0.0/24 "100.40.0.0/24 med 100 community [ 65001:100 65001:200 ]"'
    b = lab.speaker("b", example("receive.conf", lab), lab.b_ip)
    a = lab.speaker("a", example("announce.conf", lab, " " + routes), lab.a_ip)
    a_ip = lab.a_ip
    b.wait_log(r"^\[WITHDRAWN\] 100\.40\.0\.0/24", timeout=30)
    log = b.log()
    assert printed(log, "[STATE]") == [f"[STATE] {a_ip} connected", f"[STATE] {a_ip} up"]
    assert printed(log, "[EOR]") == [f"[EOR] ipv4 unicast from {a_ip}", f"[EOR] ipv6 unicast from {a_ip}"]
    assert printed(log, "[RECEIVED]") == [
        f"[RECEIVED] 100.10.0.0/24 next-hop {a_ip} from {a_ip} (ipv4 unicast) as-path 65001",
        f"[RECEIVED] 100.40.0.0/24 next-hop {a_ip} from {a_ip} (ipv4 unicast) as-path 65001 med 100 "
        "community 65001:100 65001:200",
    ]
    assert sorted(printed(log, "[WITHDRAWN]")) == [
        f"[WITHDRAWN] 100.10.0.0/24 from {a_ip} (ipv4 unicast)",
        f"[WITHDRAWN] 100.40.0.0/24 from {a_ip} (ipv4 unicast)",
    ]
    assert "[ERROR]" not in log
    # announce.py read its answers: it reports each command as accepted
    assert printed(a.log(), "[announce]") == [
        "[announce] announced 100.10.0.0/24",
        "[announce] announced 100.40.0.0/24 med 100 community [ 65001:100 65001:200 ]",
        "[announce] withdrew 100.10.0.0/24",
        "[announce] withdrew 100.40.0.0/24",
    ]
    assert a.stop() == 0
    b.wait_log(rf"^\[STATE\] {re.escape(a_ip)} down \(notification received 6/2")
    assert b.stop() == 0
    assert printed(b.log(), "[SHUTDOWN]") == ["[SHUTDOWN] the daemon is stopping"]


def test_examples_defaults(lab: Lab) -> None:
    """The configurations as shipped: the walkthrough's three prefixes arrive."""
    b = lab.speaker("b", example("receive.conf", lab), lab.b_ip)
    a = lab.speaker("a", example("announce.conf", lab), lab.a_ip)
    b.wait_log(r"^\[RECEIVED\] 100\.30\.0\.0/24", timeout=30)
    assert [line.split()[1] for line in printed(b.log(), "[RECEIVED]")] == [
        "100.10.0.0/24",
        "100.20.0.0/24",
        "100.30.0.0/24",
    ]
    assert a.stop() == 0
    # announce.py noticed the end of its input and exited: nothing was left to kill
    a.wait_log(r"\[announce\] the daemon is shutting down")
    assert b.stop() == 0


def test_announce_example_without_acks(lab: Lab) -> None:
    """With acknowledgements off, announce.py does not wait for answers that never come."""
    b = lab.speaker("b", example("receive.conf", lab), lab.b_ip)
    a = lab.speaker(
        "a", example("announce.conf", lab, " 100.10.0.0/24 100.20.0.0/24"), lab.a_ip, **{"api.ack": "false"}
    )
    b.wait_log(r"^\[RECEIVED\] 100\.20\.0\.0/24", timeout=30)
    a.wait_log(r"\[announce\] no answer within 5s: acknowledgements must be off")
    assert a.stop() == 0
    assert b.stop() == 0


# --- the walkthrough's scripts -------------------------------------------------------------------------


def test_seed_announce_script(lab: Lab) -> None:
    """The walkthrough's API-based announcement: its config and announce.py, on loopback.

    B is the receiving example. The walkthrough's expected output is "Started process
    'dynamic-routes' with PID ...", its three "[API] Announced ..." lines and three "Announced
    route ..." lines; aiobgp's lines also name the next hop and the peer.
    """
    script = write_script(lab.workdir / "announce.py", SEED_ANNOUNCE_PY)
    b = lab.speaker("b", example("receive.conf", lab), lab.b_ip)
    a = lab.speaker("a", lab_config(SEED_ANNOUNCE_CONF, lab.b_ip, lab.a_ip, str(script)), lab.a_ip)
    a.wait_log(r"INFO: Started process 'dynamic-routes' with PID \d+$")
    a_ip, b_ip = re.escape(lab.a_ip), re.escape(lab.b_ip)
    for prefix in (r"100\.10\.0\.0/24", r"100\.20\.0\.0/24", r"100\.30\.0\.0/24"):
        a.wait_log(rf"^\[API\] Announced {prefix}$", timeout=15)
        a.wait_log(rf"INFO: Announced route {prefix} next-hop {a_ip} to {b_ip}$")
        b.wait_log(rf"^\[RECEIVED\] {prefix} next-hop {a_ip} ")
    assert a.log().count("Received command from API (dynamic-routes): announce route") == 3
    assert a.stop() == 0  # the script sleeps forever: stopping the daemon ends it
    assert b.stop() == 0


def seed_receive_lab(lab: Lab, api_extra: str = "") -> tuple[str, Path]:
    """The walkthrough's receive configuration (optionally more `api` settings) and its script."""
    script = write_script(lab.workdir / "receive.py", SEED_RECEIVE_PY)
    config = lab_config(SEED_RECEIVE_CONF, lab.a_ip, lab.b_ip, str(script))
    if api_extra:
        config = config.replace(
            "processes [ receive-routes ];", "processes [ receive-routes ];\n" + api_extra
        )
    # A plays the walkthrough's router: AS 65000 originating 10.0.0.0/8 ("network 10.0.0.0/8")
    router = neighbor(
        lab.b_ip,
        lab.a_ip,
        B_AS,
        A_AS,
        PASSIVE + "    static {\n        route 10.0.0.0/8 next-hop self;\n    }\n",
    )
    lab.speaker("a", router, lab.a_ip)
    return config, script


def test_seed_receive_script_prints_nothing(lab: Lab) -> None:
    """The walkthrough's receive.py with its own configuration: it runs, and prints nothing at all.

    What a user sees: the route arrives (aiobgp logs "Received route 10.0.0.0/8 ..."), the script
    gets its JSON update events, but it looks for the routes under message['neighbor']['message']
    ['announce'] while ExaBGP 5 (and aiobgp) put them under ...['message']['update']['announce']:
    no "[RECEIVED]" line. No "[STATE]" line either: the configuration does not ask for
    `neighbor-changes`. The `receive { parsed; updates; }` written inside the process block is not
    ExaBGP 5 syntax; aiobgp accepts it with notices and applies it to the neighbor.
    """
    config, _ = seed_receive_lab(lab)
    b = lab.speaker("b", config, lab.b_ip)
    b.wait_log(r"notice: .*`receive` inside a process block is not ExaBGP 5 syntax")
    b.wait_log(r"notice: .*`updates` is spelled `update`")
    b.wait_log(rf"Received route 10\.0\.0\.0/8 next-hop {re.escape(lab.a_ip)} .* from {re.escape(lab.a_ip)}")
    b.wait_log(rf"{re.escape(lab.a_ip)}: 1 prefixes received so far")
    assert b.stop() == 0
    log = b.log()
    assert [line for line in log.splitlines() if line.startswith("[")] == []  # nothing printed
    assert log.count("Started process 'receive-routes'") == 1  # it never crashed
    assert "Process 'receive-routes' exited" not in log


def test_seed_receive_script_with_neighbor_changes(lab: Lab) -> None:
    """Adding `neighbor-changes;` to the api block: the script prints its [STATE] lines, still no route."""
    config, _ = seed_receive_lab(lab, "        neighbor-changes;")
    b = lab.speaker("b", config, lab.b_ip)
    b.wait_log(r"^\[STATE\] BGP session state: up$")
    b.wait_log(rf"{re.escape(lab.a_ip)}: 1 prefixes received so far")
    assert lab.speakers[0].stop() == 0  # the router goes away
    b.wait_log(r"^\[STATE\] BGP session state: down$")
    assert b.stop() == 0
    lines = [line for line in b.log().splitlines() if line.startswith("[")]
    assert lines == [
        "[STATE] BGP session state: connected",
        "[STATE] BGP session state: up",
        "[STATE] BGP session state: down",
    ]
