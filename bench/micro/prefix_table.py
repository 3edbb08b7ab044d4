"""Memory and CPU of aiobgp.rib.table's PrefixTable (C and pure Python) holding N IPv4 prefix keys.

The keys are those of the realistic table of bench/tables.py, stored with one shared value per 3
keys (as the Adj-RIB-In shares one path per UPDATE). Bytes per key by tracemalloc (what the table
allocates once its keys are built) and by RSS; CPU time of set_many, get and pop_many.

    .venv/bin/python bench/micro/prefix_table.py [--prefixes 1000000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tables

from aiobgp.rib.table import PrefixTable, PurePrefixTable


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fill(
    kind: type[PurePrefixTable[bytes]], batches: list[list[bytes]], values: list[bytes]
) -> PurePrefixTable[bytes]:
    table = kind()
    for keys, value in zip(batches, values, strict=True):
        table.set_many(keys, value)
    return table


def measure(kind: type[PurePrefixTable[bytes]], batches: list[list[bytes]], count: int) -> str:
    """One line: bytes per key (RSS, then tracemalloc) and the CPU time of each operation."""
    values = [bytes(40) + i.to_bytes(4) for i in range(len(batches))]  # distinct, built beforehand
    gc.collect()
    rss = _rss_kib()
    cpu = time.process_time()
    table = fill(kind, batches, values)
    filled = time.process_time() - cpu
    grown = (_rss_kib() - rss) * 1024
    cpu = time.process_time()
    for keys in batches:
        for key in keys:
            table.get(key)
    got = time.process_time() - cpu
    cpu = time.process_time()
    removed = sum(table.pop_many(keys) for keys in batches)
    popped = time.process_time() - cpu
    assert removed == count and len(table) == 0
    del table
    tracemalloc.start()
    traced = tracemalloc.get_traced_memory()[0]
    table = fill(kind, batches, values)
    held = tracemalloc.get_traced_memory()[0] - traced
    tracemalloc.stop()
    assert len(table) == count
    return (
        f"{kind.__module__}.{kind.__name__}: {count:,} keys, {grown / count:.1f} B/key RSS, "
        f"{held / count:.1f} B/key traced; CPU: set_many {filled:.2f} s, get {got:.2f} s, "
        f"pop_many {popped:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    args = parser.parse_args()
    keys = [
        bytes((length,)) + network.to_bytes(4, "big")[: (length + 7) // 8]
        for prefixes, _ in tables.realistic(args.prefixes)
        for network, length in prefixes
    ]
    batches = [keys[i : i + 3] for i in range(0, len(keys), 3)]
    kinds: list[type[PurePrefixTable[bytes]]] = [PrefixTable]
    if PrefixTable is not PurePrefixTable:
        kinds.append(PurePrefixTable)
    for kind in kinds:
        print(measure(kind, batches, len(keys)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
