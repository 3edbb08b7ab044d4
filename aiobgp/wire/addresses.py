"""IP addresses between text and packed bytes, in pure Python (the codec imports no socket module).

Text is written exactly as glibc's ``inet_ntop`` writes it, because helper scripts compare it:
lower-case hex without leading zeros, the longest run of two or more zero groups (the first one
on a tie) written ``::``, and ``::ffff:a.b.c.d`` / ``::a.b.c.d`` for IPv4-mapped and IPv4-compatible
addresses.
"""

from __future__ import annotations

import ipaddress

_OCTETS = tuple(str(i) for i in range(256))


def ipv4_text(packed: bytes) -> str:
    """Four bytes as ``a.b.c.d``."""
    a, b, c, d = packed
    return f"{_OCTETS[a]}.{_OCTETS[b]}.{_OCTETS[c]}.{_OCTETS[d]}"


def ipv6_text(packed: bytes) -> str:
    """Sixteen bytes as glibc's ``inet_ntop(AF_INET6, ...)`` writes them."""
    words = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]
    best_base, best_len, base, length = -1, 0, -1, 0
    for i, word in enumerate(words):
        if word == 0:
            if base < 0:
                base, length = i, 1
            else:
                length += 1
            if length > best_len:
                best_base, best_len = base, length
        else:
            base = -1
    if best_len < 2:
        best_base = -1
    out = []
    for i, word in enumerate(words):
        if best_base >= 0 and best_base <= i < best_base + best_len:
            if i == best_base:
                out.append(":")
            continue
        if i:
            out.append(":")
        if i == 6 and best_base == 0 and (best_len == 6 or (best_len == 5 and words[5] == 0xFFFF)):
            out.append(ipv4_text(packed[12:]))
            break
        out.append(f"{word:x}")
    else:
        if best_base >= 0 and best_base + best_len == 8:
            out.append(":")
    return "".join(out)


def address_text(packed: bytes) -> str:
    """Four or sixteen bytes as text."""
    return ipv4_text(packed) if len(packed) == 4 else ipv6_text(packed)


def ipv4_packed(text: str) -> bytes:
    """``a.b.c.d`` (four decimal octets without leading zeros, as inet_pton) as bytes; else ValueError."""
    parts = text.split(".")
    if len(parts) != 4 or not all(
        p.isascii() and p.isdigit() and len(p) <= 3 and (p[0] != "0" or len(p) == 1) for p in parts
    ):
        raise ValueError(f"invalid IPv4 address {text!r}")
    octets = [int(p) for p in parts]
    if max(octets) > 255:
        raise ValueError(f"invalid IPv4 address {text!r}")
    return bytes(octets)


def ipv6_packed(text: str) -> bytes:
    """An IPv6 address (any RFC 4291 text form) as sixteen bytes; ValueError otherwise."""
    if "%" in text:
        raise ValueError(f"invalid IPv6 address {text!r}")
    return ipaddress.IPv6Address(text).packed
