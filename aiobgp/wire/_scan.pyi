"""Types of the optional C accelerator aiobgp/wire/_scan.c (the pure-Python twin is aiobgp.wire.update)."""

from aiobgp.wire.constants import Family

def scan(
    body: bytes, asn4: bool, ibgp: bool, /
) -> (
    tuple[bytes, list[tuple[Family, list[bytes]]], list[tuple[Family, bytes | None, list[bytes]]]] | None
): ...
