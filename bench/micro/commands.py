"""In-process micro-benchmark of the helper API's command parser: lines parsed per second.

Each form is measured on distinct prefixes (as a helper streaming a table would send them), through
`parse_lines` (reads of 5,000 lines parsed at once, as the daemon does), `parse_command` (fast path
once the tail is known) and through the general path alone.

    .venv/bin/python bench/micro/commands.py [--lines 200000]
"""

from __future__ import annotations

import argparse
import ipaddress
import time
from collections.abc import Callable

from aiobgp.api import commands
from aiobgp.api.commands import parse_command, parse_lines

READ = 5000  # lines per read of a helper's pipe (about what a 192 KiB read holds)

FORMS = (
    "announce route {} next-hop self",
    "announce route {} next-hop 1.2.3.4 med 10 community [65000:1]",
    "neighbor 127.0.0.1 announce route {} next-hop self",
    "withdraw route {}",
    "announce route {} next-hop ::ffff:127.0.0.1",
)


def lines(form: str, count: int) -> list[str]:
    """`count` lines of one form, each with its own /24 (or /32 past 65536 lines); an IPv6 form (its
    next hop has a colon) gets consecutive /48s from 2a01::/48, written as announcer.py writes them."""
    out = []
    for n in range(count):
        if ":" in form:
            prefix = f"{ipaddress.IPv6Address((0x2A01 << 112) + (n << 80))}/48"
        elif count <= 65536:
            prefix = f"10.{n >> 8 & 255}.{n & 255}.0/24"
        else:
            prefix = f"{10 + (n >> 24 & 63)}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}/32"
        out.append(form.format(prefix))
    return out


def rate(parse: Callable[[str], object], batch: list[str]) -> float:
    start = time.perf_counter()
    for line in batch:
        parse(line)
    return len(batch) / (time.perf_counter() - start)


def batch_rate(batch: list[str]) -> float:
    start = time.perf_counter()
    for first in range(0, len(batch), READ):
        parse_lines(batch[first : first + READ])
    return len(batch) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    for form in FORMS:
        batch = lines(form, args.lines)
        batched = batch_rate(batch)
        fast = rate(parse_command, batch)
        general = rate(commands._parse, batch)
        print(
            f"{form.format('P'):64} {batched:>10,.0f} lines/s batched, {fast:>10,.0f} one by one,"
            f" {general:>8,.0f} general path"
        )


if __name__ == "__main__":
    main()
