"""Benchmark helper: writes N ``announce route P next-hop self`` lines to stdout (stdlib only).

    announcer.py N --go FILE --stamp FILE [--base 20.0.0.0] [--ipv6] [--next-hop self]
                 [--chunk 1000] [--drain]

Makes its lines, waits until the file ``--go`` exists, notes the time in ``--stamp`` (JSON: start,
then written once every line is out), writes N consecutive /24s from ``--base`` (127/8 skipped),
or with ``--ipv6`` N consecutive /48s from 2a01::/48, all with ``next-hop`` ``--next-hop``
(``self``), then idles until its parent exits. It never reads its stdin, unless ``--drain`` (a
thread that discards what arrives: ExaBGP blocks once a helper leaves 64 KiB of acknowledgements
unread).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import threading
import time


def _stamp(path: str, data: dict[str, float]) -> None:
    with open(path + ".tmp", "w") as out:
        json.dump(data, out)
    os.replace(path + ".tmp", path)


def _drain() -> None:
    while os.read(0, 65536):
        pass


def _prefix6(index: int) -> str:
    """The ``index``-th /48 from 2a01::/48, compressed as an address's text would be."""
    network = str(ipaddress.IPv6Address((0x2A01 << 112) + (index << 80)))
    return f"{network}/48"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--go", required=True)
    parser.add_argument("--stamp", required=True)
    parser.add_argument("--base", default="20.0.0.0")
    parser.add_argument("--ipv6", action="store_true", help="IPv6 /48s from 2a01::/48")
    parser.add_argument("--next-hop", default="self", help="what follows next-hop (default self)")
    parser.add_argument("--chunk", type=int, default=1000, help="lines per write")
    parser.add_argument("--drain", action="store_true", help="read and discard stdin")
    args = parser.parse_args()
    if args.drain:
        threading.Thread(target=_drain, daemon=True).start()
    parent = os.getppid()
    # the lines are made before the clock starts: what is timed is the speaker, not this helper
    # (ipaddress makes an IPv6 text in a few µs, as long as aiobgp takes to apply the line)
    a, b, c, _ = (int(x) for x in args.base.split("."))
    network = (a << 16) | (b << 8) | c  # in /24 units
    lines: list[str] = []
    for index in range(args.count):
        if args.ipv6:
            lines.append(f"announce route {_prefix6(index)} next-hop {args.next_hop}\n")
        else:
            if network >> 16 == 127:
                network = 128 << 16
            lines.append(
                f"announce route {network >> 16}.{(network >> 8) & 255}.{network & 255}.0/24 "
                f"next-hop {args.next_hop}\n"
            )
            network += 1
    chunks = ["".join(lines[i : i + args.chunk]) for i in range(0, len(lines), args.chunk)]
    del lines
    while not os.path.exists(args.go):
        time.sleep(0.01)
    start = time.time()
    _stamp(args.stamp, {"start": start})
    out = sys.stdout
    for chunk in chunks:
        out.write(chunk)
        out.flush()
    _stamp(args.stamp, {"start": start, "written": time.time()})
    while os.getppid() == parent:
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
