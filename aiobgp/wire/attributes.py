"""Path attributes (RFC 4271 §4.3 and §5, RFC 6793, RFC 1997, RFC 4360, RFC 8092, RFC 7606).

``Attributes`` is the decoded, immutable, hashable form of one attribute set, minus NEXT_HOP and
the MP_REACH/MP_UNREACH attributes (those belong to the routes, not to the set). Equal sets compare
and hash equal, so they are interned and used as dictionary keys for UPDATE packing.
"""

from __future__ import annotations

from dataclasses import dataclass

AsPath = tuple[tuple[int, tuple[int, ...]], ...]
"""AS_PATH segments as ``((segment_type, (asn, ...)), ...)``; segment types from constants."""


@dataclass(frozen=True, slots=True)
class Attributes:
    origin: int | None = None  # ORIGIN_IGP / ORIGIN_EGP / ORIGIN_INCOMPLETE; None = absent
    as_path: AsPath | None = None  # None = absent; () = present and empty
    med: int | None = None
    local_pref: int | None = None
    atomic_aggregate: bool = False
    aggregator: tuple[int, bytes] | None = None  # (asn, 4-byte router address)
    communities: tuple[int, ...] = ()  # 32-bit values, wire order
    originator_id: bytes | None = None  # 4 bytes
    cluster_list: tuple[bytes, ...] = ()  # 4 bytes each, wire order
    ext_communities: tuple[bytes, ...] = ()  # 8 bytes each, wire order
    large_communities: tuple[tuple[int, int, int], ...] = ()
    unknown: tuple[tuple[int, int, bytes], ...] = ()  # (type code, flags, value), wire order


EMPTY = Attributes()
