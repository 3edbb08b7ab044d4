"""IPv4/IPv6 prefixes as they appear on the wire (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3).

A prefix is represented everywhere by its wire encoding as one ``bytes`` object, the *key*: the
4-byte path identifier when ADD-PATH is in use for that family and direction, then one length
byte and ceil(length / 8) address bytes. Host bits beyond the length are always cleared, so one
prefix has exactly one key.
"""

from __future__ import annotations

from aiobgp.wire.addresses import ipv4_packed, ipv4_text, ipv6_packed, ipv6_text
from aiobgp.wire.constants import AFI_IPV4, AFI_IPV6

# total key size (length byte + address bytes) per prefix length; 0 marks an invalid length
_V4_SIZE = tuple(1 + (plen + 7) // 8 if plen <= 32 else 0 for plen in range(256))
_V6_SIZE = tuple(1 + (plen + 7) // 8 if plen <= 128 else 0 for plen in range(256))
# host bits of the last address byte, by prefix length modulo 8 (0: the byte is all network bits)
_HOST_BITS = (0x00, 0x7F, 0x3F, 0x1F, 0x0F, 0x07, 0x03, 0x01)
_BYTE = tuple(bytes((value,)) for value in range(256))
_PAD4 = (b"\x00\x00\x00\x00", b"\x00\x00\x00", b"\x00\x00", b"\x00", b"")
_SLASH = tuple(f"/{plen}" for plen in range(256))
_ADDRESS_BITS = {AFI_IPV4: 32, AFI_IPV6: 128}


def split_prefixes(data: bytes | memoryview, afi: int, addpath: bool) -> list[bytes]:
    """Cut a withdrawn-routes / NLRI field into prefix keys; ValueError when it is malformed."""
    if type(data) is not bytes:
        data = bytes(data)
    if afi == AFI_IPV4:
        sizes = _V4_SIZE
    elif afi == AFI_IPV6:
        sizes = _V6_SIZE
    else:
        raise ValueError(f"no prefix encoding for afi {afi}")
    offset = 4 if addpath else 0
    out: list[bytes] = []
    append = out.append
    end = len(data)
    start = 0
    while start < end:
        if start + offset >= end:
            raise ValueError("truncated path identifier")
        plen = data[start + offset]
        size = sizes[plen]
        if not size:
            raise ValueError(f"prefix length {plen} is too long")
        stop = start + offset + size
        if stop > end:
            raise ValueError(f"prefix of length {plen} is truncated")
        host = _HOST_BITS[plen & 7]
        if host and data[stop - 1] & host:
            append(data[start : stop - 1] + _BYTE[data[stop - 1] & ~host & 0xFF])
        else:
            append(data[start:stop])
        start = stop
    return out


def encode_prefix(address: bytes, plen: int, path_id: int | None = None) -> bytes:
    """The key of ``address/plen`` (address packed, 4 or 16 bytes); host bits are cleared."""
    if len(address) not in (4, 16):
        raise ValueError(f"an address is 4 or 16 bytes, not {len(address)}")
    if not 0 <= plen <= len(address) * 8:
        raise ValueError(f"prefix length {plen} is out of range")
    size = (plen + 7) // 8
    body = address[:size]
    host = _HOST_BITS[plen & 7]
    if host and body[-1] & host:
        body = body[:-1] + _BYTE[body[-1] & ~host & 0xFF]
    key = _BYTE[plen] + body
    if path_id is None:
        return key
    if not 0 <= path_id <= 0xFFFFFFFF:
        raise ValueError(f"path identifier {path_id} is out of range")
    return path_id.to_bytes(4, "big") + key


def parse_prefix(text: str, path_id: int | None = None) -> tuple[int, bytes]:
    """``"10.0.0.0/24"`` or ``"2001:db8::/32"`` (a bare address is a host route) -> (afi, key)."""
    address, slash, length = text.strip().partition("/")
    afi = AFI_IPV6 if ":" in address else AFI_IPV4
    try:
        packed = ipv6_packed(address) if afi == AFI_IPV6 else ipv4_packed(address)
    except ValueError:
        raise ValueError(f"invalid address in prefix {text!r}") from None
    bits = _ADDRESS_BITS[afi]
    if not slash:
        plen = bits
    elif length.isdigit() and int(length) <= bits:
        plen = int(length)
    else:
        raise ValueError(f"invalid prefix length in {text!r}")
    return afi, encode_prefix(packed, plen, path_id)


def prefix_str(afi: int, key: bytes, addpath: bool) -> str:
    """``"10.0.0.0/24"`` / ``"2001:db8::/32"`` for a key (the path identifier is not shown)."""
    if addpath:
        key = key[4:]
    plen = key[0]
    if afi == AFI_IPV4:
        return ipv4_text(key[1:] + _PAD4[len(key) - 1]) + _SLASH[plen]
    return ipv6_text(key[1:].ljust(16, b"\x00")) + _SLASH[plen]


def path_id(key: bytes) -> int:
    """The ADD-PATH path identifier of a key that carries one."""
    return int.from_bytes(key[:4], "big")


def strip_path_id(key: bytes) -> bytes:
    """The key without its path identifier (for a peer that did not negotiate ADD-PATH)."""
    return key[4:]
