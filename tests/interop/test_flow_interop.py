"""FlowSpec end to end: rules from aiobgp's helpers into GoBGP and FRR, and GoBGP's rules to a JSON helper.

FlowSpec rules carry no usable next hop, so loopback addresses are fine for every peer here.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from speaker import Speaker

from .peers import PeerDaemon

# The walkthrough's own FlowSpec command, as its "API Command Format" section writes it.
SEED_FLOW = "announce flow route { match { destination 100.10.0.0/24; } then { discard; } }"
V6_FLOW = (
    "announce flow route { match { destination 2001:db8:53::/64; next-header udp; destination-port =53; }"
    " then { rate-limit 9600; } }"
)

ANNOUNCER = """\
import sys, time
time.sleep(0.5)
for line in sys.argv[1:]:
    sys.stdout.write(line + "\\n")
    sys.stdout.flush()
for line in sys.stdin:
    pass
"""

RECORDER = """\
import sys
with open(sys.argv[1], "a") as out:
    for line in sys.stdin:
        out.write(line)
        out.flush()
"""


def config(peer: str, local: str, processes: str, api: str, families: str) -> str:
    return f"""\
{processes}
neighbor {peer} {{
    router-id {local};
    local-address {local};
    local-as 65001;
    peer-as 65000;
    family {{ {families} }}
    api {{ {api} }}
}}
"""


def announcer(tmp: Path, *lines: str) -> str:
    script = tmp / "announce.py"
    script.write_text(ANNOUNCER)
    words = " ".join(json.dumps(line) for line in lines)
    return f"process flows {{ run {sys.executable} {script} {words}; encoder text; }}"


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout}s")
        time.sleep(0.3)


def test_seed_flow_command_installs_a_discard_rule_in_gobgp(
    gobgp_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    speaker_ip, gobgp_ip = loopback_pair
    families = "\n".join(
        f'  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "{name}"'
        for name in ("ipv4-flowspec", "ipv6-flowspec")
    )
    gobgp = gobgp_factory(
        local_ip=gobgp_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, extra=families
    )
    processes = announcer(tmp_path, SEED_FLOW, V6_FLOW)
    speaker = Speaker(
        tmp_path, config(gobgp_ip, speaker_ip, processes, "processes [ flows ];", "ipv4 flow; ipv6 flow;")
    ).start()
    speaker.wait_log(rf"BGP session established with {gobgp_ip}")
    speaker.wait_log(r"Received command from API \(flows\): announce flow route")

    def rib(family: str) -> str:
        return gobgp.cli("global", "rib", "-a", family)

    wait_for(lambda: "100.10.0.0/24" in rib("ipv4-flowspec"), "ipv4 flowspec rule in GoBGP")
    v4 = rib("ipv4-flowspec")
    assert "[destination: 100.10.0.0/24]" in v4 and "discard" in v4, v4
    wait_for(lambda: "2001:db8:53::/64" in rib("ipv6-flowspec"), "ipv6 flowspec rule in GoBGP")
    v6 = rib("ipv6-flowspec")
    assert "[protocol: udp]" in v6 or "udp" in v6, v6
    assert "[destination-port: ==53]" in v6 or "==53" in v6, v6
    assert "rate: 9600" in v6, v6
    assert speaker.stop() == 0


def test_flow_rule_reaches_frr(
    frr_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    speaker_ip, frr_ip = loopback_pair
    activate = "\n".join(
        f" address-family {afi} flowspec\n  neighbor {speaker_ip} activate\n exit-address-family"
        for afi in ("ipv4", "ipv6")
    )
    frr = frr_factory(local_ip=frr_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, extra=activate)
    rule = (
        "announce flow route { match { destination 100.10.0.0/24; source 198.18.7.0/24; protocol tcp; "
        "destination-port =80; } then { rate-limit 100000; } }"
    )
    processes = announcer(tmp_path, rule, V6_FLOW)
    families = "ipv4 unicast; ipv4 flow; ipv6 flow;"
    speaker = Speaker(
        tmp_path, config(frr_ip, speaker_ip, processes, "processes [ flows ];", families)
    ).start()
    speaker.wait_log(rf"BGP session established with {frr_ip}")

    def detail() -> str:
        return frr.cli("show bgp ipv4 flowspec detail")

    wait_for(lambda: "100.10.0.0/24" in detail(), "flowspec rule in FRR")
    text = detail()
    assert "Destination Address 100.10.0.0/24" in text, text
    assert "Source Address 198.18.7.0/24" in text, text
    assert "IP Protocol = 6" in text, text
    assert "Destination Port = 80" in text, text
    assert "rate 100000" in text, text

    def detail6() -> str:
        return frr.cli("show bgp ipv6 flowspec detail")

    wait_for(lambda: "2001:db8:53::/64" in detail6(), "ipv6 flowspec rule in FRR")
    text = detail6()
    assert "Destination Address 2001:db8:53::/64" in text, text
    assert "Destination Port = 53" in text, text
    assert "rate 9600" in text, text
    assert speaker.stop() == 0


def test_gobgp_rules_reach_a_json_helper_as_exabgp_renders_them(
    gobgp_factory: Callable[..., PeerDaemon], loopback_pair: tuple[str, str], tmp_path: Path
) -> None:
    speaker_ip, gobgp_ip = loopback_pair
    families = (
        '  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "ipv4-flowspec"'
    )
    gobgp = gobgp_factory(
        local_ip=gobgp_ip, peer_ip=speaker_ip, local_as=65000, peer_as=65001, extra=families
    )
    recorder = tmp_path / "record.py"
    recorder.write_text(RECORDER)
    events = tmp_path / "events.jsonl"
    processes = f"process recorder {{ run {sys.executable} {recorder} {events}; encoder json; }}"
    api = "processes [ recorder ]; receive { parsed; update; }"
    speaker = Speaker(
        tmp_path, config(gobgp_ip, speaker_ip, processes, api, "ipv4 unicast; ipv4 flow;")
    ).start()
    speaker.wait_log(rf"BGP session established with {gobgp_ip}")
    gobgp.cli(
        "global", "rib", "-a", "ipv4-flowspec", "add", "match", "destination", "10.9.0.0/24",
        "protocol", "tcp", "destination-port", "==80", "then", "discard",
    )  # fmt: skip

    def flows() -> list[dict[str, object]]:
        if not events.exists():
            return []
        found = []
        for line in events.read_text().splitlines():
            message = json.loads(line)
            announce = message.get("neighbor", {}).get("message", {}).get("update", {}).get("announce", {})
            for rules in announce.get("ipv4 flow", {}).values():
                found += [
                    dict(rule, _attributes=message["neighbor"]["message"]["update"]["attribute"])
                    for rule in rules
                ]
        return found

    wait_for(lambda: bool(flows()), "ipv4 flow event")
    (rule,) = flows()
    assert rule["destination-ipv4"] == ["10.9.0.0/24"]
    assert rule["protocol"] == ["=tcp"]
    assert rule["destination-port"] == ["=80"]
    assert rule["string"] == "flow destination-ipv4 10.9.0.0/24 protocol =tcp destination-port =80"
    attributes = rule["_attributes"]
    assert isinstance(attributes, dict)
    assert {"value": 9225060886715039744, "string": "rate-limit:0"} in attributes["extended-community"]
    assert speaker.stop() == 0
