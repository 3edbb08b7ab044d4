"""The real peers' own floors: how fast BIRD or GoBGP sends a table, and how fast BIRD takes one in.

No speaker can receive a table faster than the peer sends it, nor get routes into the peer faster
than the peer imports them: a target shorter than these floors is out of reach on this machine.

    .venv/bin/python bench/floor.py [--direction receive|send] [--peer bird|gobgp]
                                    [--table realistic|uniform|realistic6|announce|announce6]
                                    [--n N] [--runs 3]

``--direction receive`` (the default): the peer is loaded as bench/run.py loads it and a minimal
receiver (plain blocking socket, no decoding: it walks the message headers and counts the prefixes
of the NLRI field) connects to it, both peers being passive there.

* ``--peer bird`` (``--table realistic`` or ``uniform``, scenarios 1 and 3): timed from enabling
  the session to BIRD's IPv4 End-of-RIB; ``--table realistic6`` (scenario 9: the /48s over MP-BGP
  on the IPv4 session, only ipv6 unicast offered) to its ipv6 End-of-RIB (the prefixes inside
  MP_REACH_NLRI are not counted).
* ``--peer gobgp`` (the realistic table injected from MRT, scenario 2): timed from GoBGP's first
  UPDATE to the N-th prefix, as scenario 2 is: GoBGP holds its table back after the session comes
  up (25-45 s for 1M routes) and sends no End-of-RIB without graceful restart.

``--direction send`` (BIRD only): BIRD's receiving floor, scenarios 5 and 10. A minimal sender opens
a session to an empty BIRD configured as for those scenarios and writes pre-encoded UPDATEs as fast
as the socket takes them: ``--table announce`` N /24s from 20.0.0.0 (127/8 skipped), next hop the
sender's address; ``--table announce6`` N /48s from 2a01::/48, next hop ::ffff:SENDER (IPv6 over
the IPv4 session, as scenario 10). bench/helpers/announcer.py writes the same prefixes. aiobgp's
Adj-RIB-Out packs them (as many per UPDATE as fit, one attribute set, AS path [speaker AS]), all
before the clock starts. Timed from the first byte sent to BIRD's answer (Beginning of Route
Refresh) to a ROUTE-REFRESH sent right after the last UPDATE: BIRD reads its socket in order and
imports each UPDATE as it reads it, so the answer comes once every route was imported; ``birdc``
then confirms BIRD holds all N (polled if it does not yet, and timed to that).

Every run prints the receiver's own CPU time from the first UPDATE (the sender's from its first
byte) next to the elapsed time: it must stay well below it for the figure to be the peer's.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import run as bench

from aiobgp.rib.adj_rib_out import AdjRibOut
from aiobgp.wire.attributes import EMPTY
from aiobgp.wire.capabilities import local_capabilities
from aiobgp.wire.constants import (
    IPV4_UNICAST,
    IPV6_UNICAST,
    KEEPALIVE,
    ROUTE_REFRESH,
    UPDATE,
    Family,
)
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.header import KEEPALIVE_MESSAGE
from aiobgp.wire.open import encode_open
from aiobgp.wire.refresh import RouteRefresh

SPEAKER_IP, PEER_IP = "127.0.0.61", "127.0.0.62"
EOR = b"\xff" * 16 + b"\x00\x17\x02\x00\x00\x00\x00"
# the ipv6 unicast End-of-RIB: an UPDATE whose only attribute is an empty MP_UNREACH_NLRI (2/1)
EOR6 = b"\xff" * 16 + b"\x00\x1d\x02\x00\x00\x00\x06\x80\x0f\x03\x00\x02\x01"
KEEPALIVE_EVERY = 20.0  # seconds; the session's hold time is 90
# A read that brought less than BATCH bytes is followed by a PAUSE, so that what the peer writes
# meanwhile is read at once: GoBGP writes about one UPDATE per segment, and reading each on its own
# would cost the receiver about half the CPU time the peer spends sending. The socket buffer holds
# far more than a peer sends in PAUSE, and the clock stops at most PAUSE late.
BATCH, PAUSE = 1 << 16, 0.001
_LENGTH_TYPE = struct.Struct("!HB")
_SHORT = struct.Struct("!H")


class Session:
    """A minimal BGP session to the peer: it connects, sends OPEN and KEEPALIVE, keeps the session
    alive and hands whole messages to a scanner; it never checks what the peer sends."""

    def __init__(self, peer: bench.Peer, family: Family, timeout: float) -> None:
        caps = local_capabilities(
            families=[family],
            asn=bench.SPEAKER_AS,
            route_refresh=True,
            graceful_restart=None,
            add_path={},
            extended_message=False,
        )
        hello = encode_open(bench.SPEAKER_AS, 90, int(ipaddress.IPv4Address(SPEAKER_IP)), caps)
        self.timeout = timeout
        self.enabled = time.monotonic()
        peer.enable()  # both peers are passive: the receiver connects, as bench/run.py's speakers do
        self.conn, self.buf = self._connect(hello + KEEPALIVE_MESSAGE)
        self.last_keepalive = time.monotonic()
        self.received = len(self.buf)

    @staticmethod
    def _connect(hello: bytes) -> tuple[socket.socket, bytes]:
        """A connection on which the peer answered ``hello`` (its first bytes): a refused or closed
        one is tried again (GoBGP closes what it accepts while its neighbor is still idle)."""
        for _ in range(400):
            conn = socket.socket()
            conn.bind((SPEAKER_IP, 0))
            conn.settimeout(KEEPALIVE_EVERY)
            try:
                conn.connect((PEER_IP, 179))
                conn.sendall(hello)
                first = conn.recv(1 << 20)
            except (ConnectionRefusedError, ConnectionResetError):
                first = b""
            if first:
                return conn, first
            conn.close()
            time.sleep(0.05)
        raise RuntimeError(f"{PEER_IP}:179 refused or closed every connection")

    def close(self) -> None:
        self.conn.close()

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)
        self.last_keepalive = time.monotonic()

    def follow(self, scanner: Scanner) -> None:
        """Feed what is there and what arrives to ``scanner`` until it is done; keepalives meanwhile."""
        deadline = time.monotonic() + self.timeout
        buf = self.buf[scanner.scan(self.buf) :]
        while not scanner.done:
            now = time.monotonic()
            if now > deadline:
                raise RuntimeError(f"the peer did not finish within {self.timeout:.0f} s")
            if now - self.last_keepalive >= KEEPALIVE_EVERY:
                self.send(KEEPALIVE_MESSAGE)
            try:
                data = self.conn.recv(1 << 20)
            except TimeoutError:
                continue
            if not data:
                raise RuntimeError("the peer closed the session")
            self.received += len(data)
            buf = buf + data if buf else data
            buf = buf[scanner.scan(buf) :]
            if len(data) < BATCH and not scanner.done:
                time.sleep(PAUSE)
        self.buf = buf


class Scanner(Protocol):
    """Walks the whole messages at the start of a buffer; ``done`` once it saw what it waits for."""

    done: bool

    def scan(self, buf: bytes) -> int:
        """Look at the complete messages of ``buf``; return how many bytes they take."""


class FirstOf:
    """Done at the first message of one type: the peer's first KEEPALIVE (its answer to our OPEN),
    or BIRD's Beginning of Route Refresh (RFC 7313, its answer to our ROUTE-REFRESH); the messages
    before it are skipped (BIRD sends its End-of-RIB once the sender's first UPDATE arrives)."""

    def __init__(self, kind: int) -> None:
        self.kind = kind
        self.done = False

    def scan(self, buf: bytes) -> int:
        pos, end = 0, len(buf)
        while end - pos >= 19 and not self.done:
            length, kind = _LENGTH_TYPE.unpack_from(buf, pos + 16)
            if end - pos < length:
                break
            self.done = kind == self.kind
            pos += length
        return pos


class Table:
    """Counts the UPDATEs and the prefixes of their NLRI fields (IPv4 unicast: withdrawn routes and
    path attributes skipped, each prefix 1 length byte and (length + 7) // 8 bytes); done at the
    End-of-RIB ``eor`` or at the ``target``-th prefix; ``last``: when the last other UPDATE came.
    Times are seconds since ``start``; ``cpu`` is the receiver's CPU time from the first UPDATE to
    the end."""

    def __init__(self, start: float, target: int | None, eor: bytes = EOR) -> None:
        self.start = start
        self.target = target
        self.eor = eor
        self.done = False
        self.updates = self.prefixes = 0
        self.first = self.last = self.end = 0.0
        self.cpu_first = self.cpu = 0.0

    def scan(self, buf: bytes) -> int:
        pos, end = 0, len(buf)
        prefixes = self.prefixes
        updates = routes = 0  # UPDATEs, and those that are not the End-of-RIB
        unpack = _LENGTH_TYPE.unpack_from
        short = _SHORT.unpack_from
        while end - pos >= 19:
            length, kind = unpack(buf, pos + 16)
            if end - pos < length:
                break
            if kind == UPDATE:
                updates += 1
                stop = pos + length
                at = pos + 21 + short(buf, pos + 19)[0]
                at += 2 + short(buf, at)[0]
                if stop - pos == len(self.eor) and buf[pos:stop] == self.eor:
                    self.done = True
                else:
                    routes += 1
                while at < stop:
                    at += 1 + (buf[at] + 7) // 8
                    prefixes += 1
                if self.target is not None and prefixes >= self.target:
                    self.done = True
                if self.done:
                    pos = stop
                    break
            pos += length
        if updates:
            now = time.monotonic() - self.start
            if not self.first:
                self.first = now
                self.cpu_first = time.process_time()
            self.cpu = time.process_time() - self.cpu_first
            if routes:
                self.last = now
            self.end = now
            self.updates += updates
            self.prefixes = prefixes
        return pos


# --------------------------------------------------------------------------- receive


@dataclass
class Received:
    seconds: float  # the figure: enable -> End-of-RIB (BIRD), first UPDATE -> N-th prefix (GoBGP)
    table: Table
    size: int


def receive_table(peer: bench.Peer, n: int, timeout: float) -> Received:
    """One run of the receive direction."""
    gobgp = peer.daemon.kind == "gobgp"
    ipv6 = peer.family == "ipv6"
    session = Session(peer, IPV6_UNICAST if ipv6 else IPV4_UNICAST, timeout)
    try:
        table = Table(session.enabled, n if gobgp else None, EOR6 if ipv6 else EOR)
        session.follow(table)
    finally:
        session.close()
    seconds = table.end - table.first if gobgp else table.end
    return Received(seconds, table, session.received)


# --------------------------------------------------------------------------- send


def announce_prefixes(table: str, n: int) -> Iterator[bytes]:
    """The prefixes of bench/helpers/announcer.py in wire form: consecutive /24s from 20.0.0.0
    (127/8 skipped), or with ``announce6`` consecutive /48s from 2a01::/48."""
    if table == "announce6":
        for index in range(n):
            yield b"\x30\x2a\x01" + index.to_bytes(4, "big")
        return
    network = 20 << 16  # in /24 units
    for _ in range(n):
        if network >> 16 == 127:
            network = 128 << 16
        yield b"\x18" + network.to_bytes(3, "big")
        network += 1


def encode_announce(table: str, n: int) -> tuple[Family, list[bytes]]:
    """The family and the UPDATEs announcing the table, packed by aiobgp's Adj-RIB-Out as for
    scenario 5 (``next-hop self``) or 10 (``next-hop ::ffff:SPEAKER``)."""
    local = ipaddress.IPv4Address(SPEAKER_IP).packed
    if table == "announce6":
        family, next_hop = IPV6_UNICAST, ipaddress.IPv6Address(f"::ffff:{SPEAKER_IP}").packed
    else:
        family, next_hop = IPV4_UNICAST, NEXT_HOP_SELF
    rib = AdjRibOut()
    rib.announce_nlris(family, announce_prefixes(table, n), EMPTY, next_hop)
    ctx = Negotiated(
        local_as=bench.SPEAKER_AS,
        peer_as=bench.PEER_AS,
        families=frozenset({family}),
        local_address=local,
        peer_address=ipaddress.IPv4Address(PEER_IP).packed,
    )
    return family, [message for _, _, _, message in rib.drain(ctx, lambda _: local)]


@dataclass
class Sent:
    seconds: float  # first byte sent -> BIRD holds all N
    answered: float  # first byte sent -> BIRD answered the ROUTE-REFRESH
    held_then: int  # routes BIRD held when it answered
    cpu: float  # the sender's CPU time from the first byte to the answer


def send_table(peer: bench.Peer, family: Family, updates: bytes, n: int, timeout: float) -> Sent:
    """One run of the send direction: ``updates`` written once the session is up."""
    session = Session(peer, family, timeout)
    try:
        session.follow(FirstOf(KEEPALIVE))
        time.sleep(bench.SETTLE)  # as scenario 5 waits after Established
        cpu = time.process_time()
        start = time.monotonic()
        session.send(updates + RouteRefresh(family[0], family[1]).encode())
        session.follow(FirstOf(ROUTE_REFRESH))
        answered = time.monotonic() - start
        cpu = time.process_time() - cpu
        held = peer.received()
        seconds = answered
        if held < n:
            peer.daemon.wait_for(lambda: peer.received() >= n, timeout, f"{n} routes at BIRD")
            seconds = time.monotonic() - start
    finally:
        session.close()
    return Sent(seconds, answered, held, cpu)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--direction", choices=("receive", "send"), default="receive")
    parser.add_argument("--peer", choices=("bird", "gobgp"), default="bird")
    parser.add_argument(
        "--table",
        choices=("realistic", "uniform", "realistic6", "announce", "announce6"),
        help="receive: realistic (default), uniform or realistic6 (BIRD); send: announce (default) or "
        "announce6",
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600, help="seconds one run may take")
    args = parser.parse_args()
    send = args.direction == "send"
    table = args.table or ("announce" if send else "realistic")
    if send and (args.peer != "bird" or table not in ("announce", "announce6")):
        parser.error("--direction send takes BIRD and --table announce or announce6")
    if not send and table not in ("realistic", "uniform", "realistic6"):
        parser.error("--direction receive takes --table realistic, uniform or realistic6")
    if args.peer == "gobgp" and table != "realistic":
        parser.error("GoBGP sends the realistic table only")
    peer_table = {"announce": "empty", "announce6": "empty6"}.get(table, table)
    if args.peer == "gobgp":
        peer_table = "gobgp"
    name = "BIRD" if args.peer == "bird" else "GoBGP"
    if send:
        print(f"  encoding {args.n:,} routes ...", flush=True)
        family, messages = encode_announce(table, args.n)
        updates = b"".join(messages)
        print(f"  {len(messages):,} UPDATEs, {len(updates) / 1e6:.1f} MB", flush=True)
    times: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="aiobgp-floor-") as work,
        bench.start_peer(peer_table, args.n, Path(work), SPEAKER_IP, PEER_IP) as peer,
    ):
        for run in range(args.runs):
            if send:
                sent = send_table(peer, family, updates, args.n, args.timeout)
                times.append(sent.seconds)
                print(
                    f"  run {run + 1}: BIRD answered the ROUTE-REFRESH after {sent.answered:.2f} s holding "
                    f"{sent.held_then:,} routes; all {args.n:,} after {sent.seconds:.2f} s "
                    f"(sender CPU {sent.cpu:.2f} s)",
                    flush=True,
                )
            else:
                got = receive_table(peer, args.n, args.timeout)
                times.append(got.seconds)
                t = got.table
                done = "N-th prefix" if args.peer == "gobgp" else "End-of-RIB"
                print(
                    f"  run {run + 1}: {t.prefixes:,} prefixes in {t.updates:,} UPDATEs "
                    f"({got.size / 1e6:.0f} MB): first UPDATE after {t.first:.2f} s, last route after "
                    f"{t.last:.2f} s, {done} after {t.end:.2f} s: {got.seconds:.2f} s "
                    f"(receiver CPU {t.cpu:.2f} s from the first UPDATE)",
                    flush=True,
                )
            peer.disable()
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    what = "takes in" if send else "sends"
    print(
        f"{table} {args.n:,}: {name} {what} the table in {median:.2f} s, median of {runs} "
        f"({args.n / median:,.0f} prefixes/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
