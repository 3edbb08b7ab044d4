"""Sockets for BGP: TCP MD5 signatures (RFC 2385), TTL / GTSM (RFC 5082), listen and connect, and
the open-files limit they count against."""

from __future__ import annotations

import ipaddress
import resource
import socket
import struct

TCP_MD5SIG = getattr(socket, "TCP_MD5SIG", 14)
TCP_MD5SIG_MAXKEYLEN = 80
IP_MINTTL = getattr(socket, "IP_MINTTL", 21)
IPV6_MINHOPCOUNT = 73
OPEN_FILES_UNLIMITED = 65536  # the soft limit asked for when the hard limit is unlimited


def family_of(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET


def _sockaddr_storage(address: str) -> bytes:
    """A ``struct sockaddr_storage`` (128 bytes) holding ``address``, port 0."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        raw = struct.pack("=H", socket.AF_INET) + b"\x00\x00" + ip.packed
    else:
        raw = struct.pack("=H", socket.AF_INET6) + b"\x00\x00" + b"\x00" * 4 + ip.packed + b"\x00" * 4
    return raw.ljust(128, b"\x00")


def md5_option(peer: str, key: bytes) -> bytes:
    """The ``struct tcp_md5sig`` that sets (or, with an empty key, removes) the key for ``peer``."""
    if len(key) > TCP_MD5SIG_MAXKEYLEN:
        raise ValueError(f"TCP MD5 key longer than {TCP_MD5SIG_MAXKEYLEN} bytes")
    # sockaddr_storage, flags u8, prefixlen u8, keylen u16, ifindex u32, key[80]
    return _sockaddr_storage(peer) + struct.pack("=BBHI", 0, 0, len(key), 0) + key.ljust(80, b"\x00")


def set_md5(sock: socket.socket, peer: str, key: bytes) -> None:
    """Sign (and require signatures on) every segment exchanged with ``peer`` on this socket."""
    sock.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5_option(peer, key))


def set_ttl(sock: socket.socket, ttl: int) -> None:
    """Outgoing TTL / hop limit (``outgoing-ttl``)."""
    if sock.family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
    else:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)


def set_min_ttl(sock: socket.socket, ttl: int) -> None:
    """Refuse packets that arrive with a smaller TTL (``incoming-ttl``, GTSM)."""
    if sock.family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_MINHOPCOUNT, ttl)
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_MINTTL, ttl)


LISTEN_BACKLOG = 4096
"""Connections the kernel queues before they are accepted (capped by net.core.somaxconn): with
hundreds of neighbors connecting at once, a short queue would refuse some and cost them a retry."""


def listening_socket(address: str, port: int) -> socket.socket:
    sock = socket.socket(family_of(address), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sock.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((address, port))
        sock.listen(LISTEN_BACKLOG)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def connecting_socket(
    peer: str,
    *,
    local: str | None,
    md5: bytes | None,
    ttl: int | None,
    min_ttl: int | None,
) -> socket.socket:
    """A non-blocking socket ready for ``loop.sock_connect``, bound to ``local`` when given."""
    sock = socket.socket(family_of(peer), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if local:
            sock.bind((local, 0))
        if md5 is not None:
            set_md5(sock, peer, md5)
        if ttl is not None:
            set_ttl(sock, ttl)
        if min_ttl is not None:
            set_min_ttl(sock, min_ttl)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def raise_open_files_limit() -> tuple[int, int]:
    """Raise the soft limit of open files to the hard limit; (before, after).

    Every neighbor holds a socket (two during a connection collision), next to helpers' pipes and
    listeners: the usual soft limit of 1,024 is too low for a thousand neighbors.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, OPEN_FILES_UNLIMITED)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            return soft, soft
        return soft, wanted
    return soft, soft


def packed(address: str) -> bytes:
    """Packed form of an address as the codec wants it; IPv4-mapped IPv6 is unmapped."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.packed
    return ip.packed
