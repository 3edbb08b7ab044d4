"""One route to announce: a prefix of a family, its next hop and its attribute set."""

from __future__ import annotations

from dataclasses import dataclass

from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import Family


@dataclass(frozen=True, slots=True)
class Route:
    family: Family
    nlri: bytes  # the prefix's wire encoding (aiobgp.wire.nlri), path identifier first when set
    next_hop: bytes | None  # packed 4/16/32 bytes, NEXT_HOP_SELF (b"") for "self", None when absent
    attributes: Attributes
    addpath: bool = False  # nlri begins with a 4-byte ADD-PATH identifier (path-information)
