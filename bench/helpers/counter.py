"""Benchmark helper: counts the prefixes announced in JSON events read from stdin (stdlib only).

    counter.py OUT [--target N] [--family ipv4|ipv6]

Records into OUT, as JSON, the time the session came up ("up" state event), of the first UPDATE,
the time it saw the End-of-RIB of ``--family`` unicast (default ipv4) or its N-th prefix
(``done``), and how many prefixes and UPDATEs it read.
Every second or so it rewrites OUT.progress with the running count. It keeps reading until EOF.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _write(path: str, data: dict[str, object]) -> None:
    with open(path + ".tmp", "w") as out:
        json.dump(data, out)
    os.replace(path + ".tmp", path)


def _counts(line: bytes, family: str) -> tuple[int, bool]:
    """(prefixes announced, End-of-RIB of ``family`` unicast?) of one event line."""
    if b'"eor"' in line:
        eor = json.loads(line)["neighbor"]["message"]["eor"]
        return 0, (eor["afi"], eor["safi"]) == (family, "unicast")
    if b'"withdraw"' in line:  # rare here: parse to count only the announced part
        update = json.loads(line)["neighbor"]["message"]["update"]
        return sum(len(v) for hops in update.get("announce", {}).values() for v in hops.values()), False
    return line.count(b'"nlri"'), False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--target", type=int, default=0, help="done at this many prefixes (0: at End-of-RIB)")
    parser.add_argument("--family", choices=("ipv4", "ipv6"), default="ipv4", help="whose End-of-RIB ends")
    args = parser.parse_args()
    up: float | None = None
    first: float | None = None
    prefixes = updates = 0
    finished = False
    next_progress = time.time() + 1.0
    for lines, line in enumerate(sys.stdin.buffer, 1):
        if b'"type": "update"' in line:
            updates += 1
            if first is None:
                first = time.time()
            count, eor = _counts(line, args.family)
            prefixes += count
            done = eor or (args.target and prefixes >= args.target)
            if done and not finished:
                finished = True
                result = {"up": up, "first": first, "done": time.time(), "prefixes": prefixes}
                _write(args.out, {**result, "updates": updates, "eor": eor})
        elif b'"state": "up"' in line:
            up = time.time()
        if lines & 1023 == 0 and time.time() > next_progress:
            next_progress = time.time() + 1.0
            _write(args.out + ".progress", {"prefixes": prefixes, "updates": updates})
    return 0


if __name__ == "__main__":
    sys.exit(main())
