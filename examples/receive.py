#!/usr/bin/env python3
"""Print the routes a BGP peer sends, read from aiobgp's (or ExaBGP 5's) JSON events.

Configure it with ``encoder json`` and, in the neighbor's ``api`` block, ``neighbor-changes;`` and
``receive { parsed; update; }``. One line is printed to stderr (the daemon copies it into its log)
for every received route, withdrawal, End-of-RIB and session change::

    [RECEIVED] 10.0.0.0/8 next-hop 192.168.1.1 from 192.168.1.1 (ipv4 unicast) as-path 65000 med 10
    [WITHDRAWN] 10.0.0.0/8 from 192.168.1.1 (ipv4 unicast)
    [EOR] ipv4 unicast from 192.168.1.1
    [STATE] 192.168.1.1 up

Where ExaBGP 5 puts things: an UPDATE event has ``type`` "update" and its routes under
``neighbor.message.update``: ``announce`` maps a family ("ipv4 unicast") to a next hop to a list of
``{"nlri": prefix}`` objects (a bare prefix string with ``exabgp.api.compact``); ``withdraw`` maps
a family to such a list; ``attribute`` holds the path attributes. An End-of-RIB is
``neighbor.message.eor``. Nothing is ever written to stdout: that would be a command to the daemon.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def nlri_text(nlri: Any) -> str:
    if isinstance(nlri, str):
        return nlri
    text = str(nlri.get("nlri", nlri))
    if "path-information" in nlri:
        text += f" path-information {nlri['path-information']}"
    return text


def attributes_text(attributes: dict[str, Any]) -> str:
    words = []
    as_path = attributes.get("as-path")
    if isinstance(as_path, dict):  # ExaBGP 5: {"0": {"element": "as-sequence", "value": [...]}}
        asns = [str(asn) for _, segment in sorted(as_path.items()) for asn in segment["value"]]
        words.append("as-path " + (" ".join(asns) or "(empty)"))
    if "med" in attributes:
        words.append(f"med {attributes['med']}")
    if "local-preference" in attributes:
        words.append(f"local-preference {attributes['local-preference']}")
    if "community" in attributes:  # [[65000, 1], ...]
        words.append("community " + " ".join(f"{high}:{low}" for high, low in attributes["community"]))
    if "large-community" in attributes:
        words.append(
            "large-community " + " ".join(":".join(map(str, c)) for c in attributes["large-community"])
        )
    return " ".join(words)


def update(peer: str, message: dict[str, Any]) -> None:
    if "eor" in message:
        eor = message["eor"]
        say(f"[EOR] {eor['afi']} {eor['safi']} from {peer}")
        return
    content = message.get("update", {})
    extra = attributes_text(content.get("attribute", {}))
    for family, by_next_hop in content.get("announce", {}).items():
        for next_hop, nlris in by_next_hop.items():
            for nlri in nlris:
                line = f"[RECEIVED] {nlri_text(nlri)} next-hop {next_hop} from {peer} ({family})"
                say(f"{line} {extra}" if extra else line)
    for family, nlris in content.get("withdraw", {}).items():
        for nlri in nlris:
            say(f"[WITHDRAWN] {nlri_text(nlri)} from {peer} ({family})")


def main() -> int:
    for line in sys.stdin:
        if not line.startswith("{"):
            continue  # answers to commands (done/error) and blank lines
        try:
            event = json.loads(line)
        except ValueError:
            say(f"[ERROR] not JSON: {line.strip()[:200]}")
            continue
        kind = event.get("type")
        neighbor = event.get("neighbor", {})
        peer = neighbor.get("address", {}).get("peer", "?")
        if kind == "update":
            update(peer, neighbor.get("message", {}))
        elif kind == "state":
            reason = f" ({neighbor['reason']})" if "reason" in neighbor else ""
            say(f"[STATE] {peer} {neighbor.get('state')}{reason}")
        elif kind == "notification" and event.get("notification") == "shutdown":
            say("[SHUTDOWN] the daemon is stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
