"""Conformance runner: ExaBGP's functional test vectors played against a BGP speaker as a black box.

For each ``.ci`` vector (README of ``../shared/conformance``) the runner listens as a fake BGP peer
on a free loopback port, starts the speaker on a scratch copy of the test's configuration(s) whose
``./run/*.run`` helper programs are wrappers around ``replay_helper.py``, and checks that every
message the speaker sends matches the vector's expectations, in groups, within the per-message
timeout.  The documented 5.x alternates (``alternates-5x.json``) are accepted too.

It depends on the standard library only and never imports aiobgp: ExaBGP 5.0.15 runs under it as
well (``--speaker '/path/to/exabgp server'``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VECTORS = REPO.parent / "shared" / "conformance" / "exabgp-qa"
REPLAY_HELPER = Path(__file__).resolve().parent / "replay_helper.py"

SOFTWARE_VERSION = "5.0.0-0+test"  # exabgp_version given to the speaker (OPEN software-version)
DEFAULT_MESSAGE_TIMEOUT = 3.0  # README §3.4, unless option:timeout
DEFAULT_TEST_TIMEOUT = 20.0  # the reference runner stops every test after 20 s
STARTUP_TIMEOUT = 10.0  # from the speaker's start to its first OPEN
EXIT_GRACE = 1.0  # after the speaker exited, time left to the peer to process what it got

MARKER = "F" * 32
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
TYPE_NAMES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
CAP_ASN4, CAP_SOFTWARE_VERSION = 65, 75
AS_TRANS = 23456


def _message(msg_type: int, body: bytes = b"") -> bytes:
    return b"\xff" * 16 + (19 + len(body)).to_bytes(2, "big") + bytes([msg_type]) + body


KEEPALIVE_MESSAGE = _message(KEEPALIVE)
UNKNOWN_MESSAGE = _message(255)
# option:update:send-default-route: 0.0.0.0/32, ORIGIN IGP, empty AS_PATH, NEXT_HOP 127.0.0.1, LOCAL_PREF 100
DEFAULT_ROUTE_MESSAGE = _message(
    UPDATE, bytes.fromhex("00000015400101004002004003047F000001400504000000642000000000")
)
UNKNOWN_CAPABILITY_PARAMETER = bytes([2, 12, 0x42, 10]) + b"loremipsum"


# ---------------------------------------------------------------- vectors


@dataclass
class Expect:
    """An expected message: the ``.ci`` hex plus the 5.x alternates that may arrive instead."""

    hex: str
    line: int
    accept: tuple[str, ...] = ()
    optional: bool = False

    def candidates(self) -> tuple[str, ...]:
        return (self.hex, *self.accept)


@dataclass
class Action:
    """Something the peer does: send a NOTIFICATION (``notification``) or a signal (``signal``)."""

    kind: str
    content: str
    line: int


Item = Expect | Action


@dataclass
class Group:
    """The items of one (connection, step): an unordered multiset."""

    conn: str
    step: int
    items: list[Item]

    @property
    def label(self) -> str:
        return f"{self.conn}{self.step}"

    def pending(self) -> bool:
        """True while a required expectation or an action is left."""
        return any(isinstance(item, Action) or not item.optional for item in self.items)


@dataclass
class Vector:
    """One parsed ``.ci`` test."""

    name: str
    suite: str
    path: Path
    configs: list[str] = field(default_factory=list)
    tcp_connections: int = 1
    bind_ipv6: bool = False
    asn: int | None = None
    inspect_open: bool = False
    unknown_capability: bool = False
    unknown_message: bool = False
    default_route: bool = False
    timeout: float = DEFAULT_MESSAGE_TIMEOUT
    groups: list[Group] = field(default_factory=list)
    tolerate_unlisted_eor: bool = False


_PREFIX = re.compile(r"^([A-Z]?)(\d+)$")


def normalise_hex(text: str) -> str:
    return text.replace(":", "").replace(" ", "").upper()


def parse_ci(
    text: str, name: str, suite: str, path: Path, alternates: Sequence[dict[str, Any]] = ()
) -> Vector:
    """Parse a ``.ci`` file (README §2) and attach its rows of ``alternates-5x.json`` (§8)."""
    vector = Vector(name=name, suite=suite, path=path)
    by_line = {int(row["line"]): row for row in alternates if "line" in row}
    vector.tolerate_unlisted_eor = any(row.get("tolerate") == "unlisted-eor" for row in alternates)
    groups: dict[tuple[str, int], Group] = {}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or "#" in line:
            continue
        if line.startswith("option:"):
            _parse_option(vector, line[len("option:") :])
            continue
        parts = line.split(":", 2)
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: not PREFIX:KIND:CONTENT: {line!r}")
        prefix, kind, content = parts
        match = _PREFIX.match(prefix)
        if match is None:
            raise ValueError(f"{path}:{number}: bad step {prefix!r}")
        key = (match.group(1) or "A", int(match.group(2)))
        item: Item
        if kind == "raw":
            item = Expect(normalise_hex(content), number)
            row = by_line.get(number)
            if row is not None:
                if normalise_hex(row["expected"]) != item.hex:
                    raise ValueError(f"{path}:{number}: alternates-5x.json row does not match the line")
                if "accept" in row:
                    item.accept = (normalise_hex(row["accept"]),)
                item.optional = bool(row.get("optional", False))
        elif kind in ("notification", "signal"):
            item = Action(kind, content, number)
        else:  # cmd, json, jsv4, jsv6: documentation for the fake peer
            continue
        groups.setdefault(key, Group(key[0], key[1], [])).items.append(item)
    vector.groups = [groups[key] for key in sorted(groups)]
    return vector


def _parse_option(vector: Vector, option: str) -> None:
    key, _, value = option.partition(":")
    if key == "file":
        vector.configs.append(value)
    elif key == "tcp_connections":
        vector.tcp_connections = int(value)
    elif key == "bind":
        vector.bind_ipv6 = value == "ipv6"
    elif key == "asn":
        vector.asn = int(value)
    elif key == "timeout":
        vector.timeout = float(value)
    elif option == "open:inspect-open-message":
        vector.inspect_open = True
    elif option == "open:send-unknown-capability":
        vector.unknown_capability = True
    elif option == "open:send-unknown-message":
        vector.unknown_message = True
    elif option == "update:send-default-route":
        vector.default_route = True
    else:
        raise ValueError(f"{vector.path}: unknown option {option!r}")


class Suite:
    """The vectors folder: manifest, alternates, helper scripts and ``.ci`` files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest: dict[str, Any] = json.loads((root / "manifest.json").read_text())
        self.alternates: dict[str, list[dict[str, Any]]] = json.loads(
            (root / "alternates-5x.json").read_text()
        )
        self.helpers_path = root / "api-helpers.json"
        self.helpers: dict[str, Any] = json.loads(self.helpers_path.read_text())
        self.paths: dict[str, str] = {Path(key).stem: key for key in self.manifest["tests"]}

    def names(self) -> list[str]:
        """Every functional test of the manifest (encoding and api suites), in manifest order."""
        return list(self.paths)

    def vector(self, name: str) -> Vector:
        relative = self.paths[name]
        path = self.root / relative
        vector = parse_ci(path.read_text(), name, relative.split("/")[0], path, self.alternates.get(name, ()))
        expected = self.manifest["tests"][relative].get("configs")
        if expected and expected != vector.configs:
            raise ValueError(f"{name}: manifest configs {expected} differ from the .ci's {vector.configs}")
        return vector


# ---------------------------------------------------------------- messages


def message_type(message: bytes) -> int:
    return message[18] if len(message) >= 19 else -1


def is_eor(message: bytes) -> bool:
    """End-of-RIB: the empty UPDATE, or one holding only an MP_UNREACH_NLRI with AFI/SAFI."""
    if message_type(message) != UPDATE:
        return False
    body = message[19:]
    if body == b"\x00\x00\x00\x00":
        return True
    if len(body) < 4 or body[:2] != b"\x00\x00":
        return False
    attr_len = int.from_bytes(body[2:4], "big")
    attrs = body[4 : 4 + attr_len]
    if len(body) != 4 + attr_len or len(attrs) < 3 or attrs[1] != 15:
        return False
    extended = attrs[0] & 0x10
    value_len = int.from_bytes(attrs[2:4], "big") if extended else attrs[2]
    return value_len == 3 and len(attrs) == (4 if extended else 3) + 3


def _parameters(params: bytes) -> list[tuple[int, bytes]]:
    out, offset = [], 0
    while offset + 2 <= len(params):
        kind, length = params[offset], params[offset + 1]
        out.append((kind, params[offset + 2 : offset + 2 + length]))
        offset += 2 + length
    return out


def _capabilities(value: bytes) -> list[tuple[int, bytes]]:
    return _parameters(value)  # same code/length/value layout


def _pack(items: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(bytes([kind, len(value)]) + value for kind, value in items)


def _rebuild_open(message: bytes, fix: Callable[[int, bytes], bytes]) -> bytes:
    """The OPEN with each capability's value replaced by ``fix(code, value)``."""
    body = message[19:]
    params = []
    for kind, value in _parameters(body[10 : 10 + body[9]]):
        if kind == 2:
            value = _pack((code, fix(code, cap)) for code, cap in _capabilities(value))
        params.append((kind, value))
    packed = _pack(params)
    return _message(OPEN, body[:9] + bytes([len(packed)]) + packed)


def open_reply(message: bytes, asn: int | None, unknown_capability: bool) -> bytes:
    """The fake peer's OPEN: the speaker's own, router-id + 1 or AS changed to ``asn`` (README §3.1)."""
    body = bytearray(message[19:])
    if asn is None:
        body[8] = (body[8] + 1) & 0xFF
        reply = _message(OPEN, bytes(body))
    else:
        body[1:3] = (asn if asn <= 0xFFFF else AS_TRANS).to_bytes(2, "big")
        reply = _rebuild_open(
            _message(OPEN, bytes(body)),
            lambda code, value: asn.to_bytes(4, "big") if code == CAP_ASN4 and len(value) == 4 else value,
        )
    if unknown_capability:
        body = bytearray(reply[19:])
        params = bytes(body[10 : 10 + body[9]]) + UNKNOWN_CAPABILITY_PARAMETER
        reply = _message(OPEN, bytes(body[:9]) + bytes([len(params)]) + params)
    return reply


def software_version_substituted(message: bytes, version: str) -> bytes | None:
    """The OPEN with its software-version capability set to ``version``; None if it has none.

    README §4: a speaker that does not take its software version from ``exabgp_version`` is
    compared with the runner's own string in its place.
    """
    found = False

    def fix(code: int, value: bytes) -> bytes:
        nonlocal found
        if code != CAP_SOFTWARE_VERSION:
            return value
        found = True
        text = version.encode()
        return bytes([len(text)]) + text

    rebuilt = _rebuild_open(message, fix)
    return rebuilt if found and rebuilt != message else None


def notification_message(text: str) -> bytes:
    """Cease / Administrative Shutdown with an RFC 8203 shutdown communication."""
    data = text.encode()[:255]
    return _message(NOTIFICATION, bytes([6, 2, len(data)]) + data)


def describe(hex_message: str) -> str:
    """A short human reading of a message given in hex: type, length and what identifies it."""
    try:
        message = bytes.fromhex(hex_message)
    except ValueError:
        return f"unparsable hex {hex_message[:40]}"
    if not message.startswith(b"\xff" * 16):
        message = b"\xff" * 16 + message  # a raw line written without its marker
    kind = message_type(message)
    name = TYPE_NAMES.get(kind, f"type {kind}")
    body = message[19:]
    text = f"{name}/{len(message)}"
    if kind == UPDATE and is_eor(message):
        family = body[-3:] if len(body) > 4 else b"\x00\x01\x01"
        text += f" End-of-RIB {int.from_bytes(family[:2], 'big')}/{family[2]}"
    elif kind == NOTIFICATION and len(body) >= 2:
        data = body[2:]
        text += f" {body[0]}/{body[1]}"
        if data:
            text += f" {data[:60]!r}"
    elif kind == ROUTE_REFRESH and len(body) >= 4:
        text += f" afi {int.from_bytes(body[:2], 'big')} subtype {body[2]} safi {body[3]}"
    return text


def _message_bytes(hex_message: str) -> bytes:
    message = bytes.fromhex(hex_message)
    return message if message.startswith(b"\xff" * 16) else b"\xff" * 16 + message


def first_difference(a: bytes, b: bytes) -> int:
    """Index of the first differing byte (the shorter length when one is a prefix of the other)."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def update_region(message: bytes, offset: int) -> str:
    """Which part of an UPDATE byte ``offset`` falls in (``attribute 14``, ``NLRI`` ...)."""
    if offset < 19:
        return "header"
    withdrawn_end = 21 + int.from_bytes(message[19:21], "big")
    if offset < 21:
        return "withdrawn routes length"
    if offset < withdrawn_end:
        return "withdrawn routes"
    if offset < withdrawn_end + 2:
        return "path attributes length"
    position = withdrawn_end + 2
    end = position + int.from_bytes(message[withdrawn_end : withdrawn_end + 2], "big")
    while position + 3 <= min(end, len(message)):
        flags, code = message[position], message[position + 1]
        header = 4 if flags & 0x10 else 3
        size = header + (
            int.from_bytes(message[position + 2 : position + 4], "big")
            if flags & 0x10
            else message[position + 2]
        )
        if offset < position + size:
            return f"attribute {code}"
        position += size
    return "NLRI" if offset >= end else "path attributes"


def mismatch(got_hex: str, candidates: Sequence[str]) -> str:
    """Explain why ``got_hex`` matched none of ``candidates``: the closest one, first differing byte."""
    got = _message_bytes(got_hex)
    if not candidates:
        return f"got {describe(got_hex)} but nothing is expected"

    def score(candidate: str) -> tuple[bool, int, bool]:
        expected = _message_bytes(candidate)
        return (
            expected[18:19] == got[18:19],
            first_difference(expected[19:], got[19:]),
            len(expected) == len(got),
        )

    closest = max(candidates, key=score)
    expected = _message_bytes(closest)
    # the length field always differs when the lengths do: point into the body instead
    offset = 18 if expected[18:19] != got[18:19] else 19 + first_difference(expected[19:], got[19:])
    where = (
        f" ({update_region(expected, offset)})" if message_type(expected) == UPDATE and offset >= 19 else ""
    )

    def around(message: bytes) -> str:
        start = max(19, offset - 4) if offset >= 19 else 16
        text = message[start : offset + 8].hex().upper()
        return ("…" if start > 0 else "") + text + ("…" if len(message) > offset + 8 else "")

    others = (
        f" (or {len(candidates) - 1} other{'s' if len(candidates) > 2 else ''})"
        if len(candidates) > 1
        else ""
    )
    return (
        f"expected {describe(closest)}{others}, got {describe(got_hex)}; first difference at byte {offset}"
        f"{where}: expected {around(expected)}, got {around(got)}"
    )


# ---------------------------------------------------------------- the fake peer


@dataclass
class Outcome:
    passed: bool
    message: str
    step: str | None = None


class Connection(asyncio.Protocol):
    """One TCP connection from the speaker: frames messages from our own buffer (never loses the
    last NOTIFICATION before a close) and hands them to the :class:`FakePeer`."""

    def __init__(self, peer: FakePeer) -> None:
        self.peer = peer
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.seen_open = False
        self.remembered: list[bytes] = []
        self.number = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.number = self.peer.connection_opened()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 19 and self.peer.outcome is None:
            length = int.from_bytes(self.buffer[16:18], "big")
            if self.buffer[:16] != b"\xff" * 16 or length < 19:
                self.peer.finish(
                    False, f"connection {self.number}: bad message header {self.buffer[:19].hex()}"
                )
                return
            if len(self.buffer) < length:
                return
            message = bytes(self.buffer[:length])
            del self.buffer[:length]
            self.peer.on_message(self, message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.peer.connection_closed(self, len(self.buffer))

    def send(self, message: bytes, what: str) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(message)
            self.peer.trace(f"conn {self.number} -> {what}")


class FakePeer:
    """The peer side of README §3: answers the OPEN, keeps alive, matches groups, runs actions."""

    def __init__(self, vector: Vector, send_signal: Callable[[str], None]) -> None:
        self.vector = vector
        self.groups = [Group(g.conn, g.step, list(g.items)) for g in vector.groups]
        self.index = 0
        self.send_signal = send_signal
        self.outcome: Outcome | None = None
        self.changed = asyncio.Event()
        self.last_message: float | None = None
        self.connections = 0
        self.open_connections = 0
        self.transcript: list[str] = []
        self.notes: list[str] = []
        self.late_optional: list[Expect] = []
        self.late_label = ""
        self.started = time.monotonic()

    # --- bookkeeping
    def trace(self, text: str) -> None:
        self.transcript.append(f"{time.monotonic() - self.started:6.2f} {text}")

    def finish(self, passed: bool, message: str, step: str | None = None) -> None:
        if self.outcome is None:
            self.outcome = Outcome(passed, message, step)
            self.trace(("PASS " if passed else "FAIL ") + message)
            self.changed.set()

    def connection_opened(self) -> int:
        self.connections += 1
        self.open_connections += 1
        self.trace(f"conn {self.connections} accepted")
        self.changed.set()
        return self.connections

    def connection_closed(self, conn: Connection, leftover: int) -> None:
        self.open_connections -= 1
        self.trace(
            f"conn {conn.number} closed" + (f" ({leftover} bytes of a partial message)" if leftover else "")
        )
        self.changed.set()

    def current(self) -> Group | None:
        """The current group, skipping consumed ones.  A group holding only optional items is done;
        those items stay matchable (after the current group's) until another group is done."""
        while self.index < len(self.groups) and not self.groups[self.index].pending():
            self.late_optional = [i for i in self.groups[self.index].items if isinstance(i, Expect)]
            self.late_label = self.groups[self.index].label
            self.index += 1
        return self.groups[self.index] if self.index < len(self.groups) else None

    def step(self) -> str | None:
        group = self.current()
        return group.label if group else None

    def check_done(self) -> None:
        if self.current() is None:
            self.finish(True, "all expectations met")

    # --- messages
    def on_message(self, conn: Connection, message: bytes) -> None:
        self.last_message = time.monotonic()
        kind = message_type(message)
        self.trace(f"conn {conn.number} <- {describe(message.hex().upper())} {message.hex().upper()}")
        self.changed.set()
        if not conn.seen_open:
            conn.seen_open = True
            self.on_open(conn, message)
            return
        conn.send(KEEPALIVE_MESSAGE, "KEEPALIVE")
        if kind == KEEPALIVE:
            self.check_done()
            return
        if not self.match(message):
            return
        if kind == UPDATE and not is_eor(message):
            conn.remembered.append(message)
        self.perform_actions(conn)
        if kind == ROUTE_REFRESH:
            for update in conn.remembered:
                conn.send(update, "replayed UPDATE")
            conn.send(KEEPALIVE_MESSAGE, "KEEPALIVE")
        self.check_done()

    def on_open(self, conn: Connection, message: bytes) -> None:
        if message_type(message) != OPEN:
            self.finish(
                False, f"first message is {describe(message.hex().upper())}, not an OPEN", self.step()
            )
            return
        vector = self.vector
        conn.send(open_reply(message, vector.asn, vector.unknown_capability), "OPEN")
        conn.send(KEEPALIVE_MESSAGE, "KEEPALIVE")
        if vector.unknown_message:
            conn.send(UNKNOWN_MESSAGE, "message of type 255")
        if vector.inspect_open:
            if not self.match(message):
                return
            self.check_done()
            if self.outcome is not None:
                return
        self.perform_actions(conn)
        if vector.default_route:
            conn.send(DEFAULT_ROUTE_MESSAGE, "UPDATE 0.0.0.0/32")

    def match(self, message: bytes) -> bool:
        """Remove the expectation ``message`` satisfies from the current group; fail when none does."""
        got = message.hex().upper()
        group = self.current()
        if group is None:
            if is_eor(message):
                return False
            self.finish(False, f"unexpected {describe(got)} after every expectation was met")
            return False
        expects = [item for item in group.items if isinstance(item, Expect)]
        for items, label in ((group.items, group.label), (self.late_optional, self.late_label)):
            for item in items:
                if not isinstance(item, Expect):
                    continue
                for candidate in item.candidates():
                    if (got if candidate.startswith(MARKER) else got[32:]) == candidate:
                        items.remove(item)
                        if candidate != item.hex:
                            self.notes.append(f"step {label} line {item.line}: 5.x alternate accepted")
                        if item.optional:
                            self.notes.append(f"step {label} line {item.line}: optional message received")
                        return True
        if message_type(message) == OPEN:
            substituted = software_version_substituted(message, "ExaBGP/" + SOFTWARE_VERSION)
            if substituted is not None:
                hex_substituted = substituted.hex().upper()
                for item in expects:
                    if hex_substituted in item.candidates():
                        group.items.remove(item)
                        self.notes.append(
                            f"step {group.label}: OPEN matched with the software version substituted"
                        )
                        return True
        if self.vector.tolerate_unlisted_eor and is_eor(message):
            self.notes.append(f"step {group.label}: unlisted End-of-RIB tolerated")
            return False
        candidates = [c for item in expects for c in item.candidates()]
        self.finish(False, mismatch(got, candidates), group.label)
        return False

    def perform_actions(self, conn: Connection) -> None:
        """README §3.2: a pending signal, then a pending NOTIFICATION, at the head of the next groups."""
        for kind in ("signal", "notification"):
            group = self.current()
            if group is None or not group.items:
                return
            head = group.items[0]
            if not isinstance(head, Action) or head.kind != kind:
                continue
            group.items.pop(0)
            if kind == "signal":
                self.trace(f"signal {head.content}")
                self.send_signal(head.content)
            else:
                conn.send(notification_message(head.content), f"NOTIFICATION 6/2 {head.content!r}")

    def waiting_for(self) -> str:
        group = self.current()
        if group is None:
            return "nothing"
        wanted = [describe(i.hex) for i in group.items if isinstance(i, Expect)]
        shown = ", ".join(wanted[:3]) + (f" and {len(wanted) - 3} more" if len(wanted) > 3 else "")
        left = len(self.groups) - self.index
        return f"{shown or 'an action'} ({left} group{'s' if left > 1 else ''} left)"


# ---------------------------------------------------------------- running one test


@dataclass
class Options:
    """How to run the speaker."""

    speaker: list[str]
    vectors: Path = DEFAULT_VECTORS
    test_timeout: float = DEFAULT_TEST_TIMEOUT
    keep: bool = False  # keep the scratch directory


@dataclass
class Result:
    name: str
    passed: bool
    message: str
    duration: float
    step: str | None = None
    attempts: int = 1
    transcript: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    speaker_log: str = ""
    helper_log: str = ""
    scratch: str = ""

    def line(self) -> str:
        retry = f", attempt {self.attempts}" if self.attempts > 1 else ""
        if self.passed:
            return f"PASS {self.name} ({self.duration:.1f} s{retry})"
        step = f" (step {self.step})" if self.step else ""
        return f"FAIL {self.name}: {self.message}{step} [{self.duration:.1f} s{retry}]"

    def details(self) -> str:
        parts = []
        if self.notes:
            parts.append("notes:\n  " + "\n  ".join(self.notes))
        parts.append("peer transcript:\n  " + "\n  ".join(self.transcript[-60:]))
        if self.helper_log:
            parts.append("helper trace (tail):\n  " + "\n  ".join(self.helper_log.splitlines()[-40:]))
        parts.append("speaker output (tail):\n  " + "\n  ".join(self.speaker_log.splitlines()[-40:]))
        if self.scratch:
            parts.append(f"scratch directory: {self.scratch}")
        return "\n".join(parts)


_RUN_LINE = re.compile(r"^\s*run\s+(\S+?);?\s*$", re.MULTILINE)


def prepare_scratch(suite: Suite, vector: Vector, directory: Path) -> list[Path]:
    """Copy the test's configurations into ``directory`` and write ``run/*.run`` wrappers that start
    the replay helper with the right (test, process).  Returns the configuration paths."""
    entry = suite.helpers.get(vector.name, {})
    by_run = {Path(p["run"]).name: p["name"] for p in entry.get("processes", [])}
    configs = []
    (directory / "run").mkdir(parents=True, exist_ok=True)
    for name in vector.configs:
        text = (suite.root / "etc" / name).read_text()
        target = directory / name
        target.write_text(text)
        configs.append(target)
        for program in _RUN_LINE.findall(text):
            script = Path(program).name
            if script not in by_run:
                raise ValueError(f"{vector.name}: no api-helpers.json script for {program}")
            log = directory / f"helper-{by_run[script]}.log"
            wrapper = directory / "run" / script
            command = [
                sys.executable,
                str(REPLAY_HELPER),
                "--helpers",
                str(suite.helpers_path),
                "--log",
                str(log),
                vector.name,
                by_run[script],
            ]
            wrapper.write_text("#!/bin/sh\nexec " + " ".join(_shell_quote(w) for w in command) + "\n")
            wrapper.chmod(0o755)
    return configs


def _shell_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def speaker_environment(port: int, vector: Vector) -> dict[str, str]:
    """README §4: the settings the reference runner gives the speaker (any inherited ones removed)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith(("exabgp", "aiobgp"))}
    env.update(
        exabgp_version=SOFTWARE_VERSION,
        exabgp_tcp_connections=str(vector.tcp_connections),
        exabgp_tcp_port=str(port),
        exabgp_tcp_bind="",
        exabgp_api_cli="false",
        exabgp_debug_rotate="true",
        exabgp_debug_configuration="true",
        exabgp_api_socketname=f"exabgp-test-{port}",
        exabgp_api_version="4",
        exabgp_daemon_daemonize="false",
    )
    if os.geteuid() == 0:  # ExaBGP would drop to `nobody` and not run the helpers
        env.update(exabgp_daemon_drop="false", exabgp_daemon_user="root")
    return env


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the speaker's process group, SIGKILL it after a second."""
    for sig, wait in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 5.0)):
        if process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), wait)


async def run_vector(suite: Suite, name: str, options: Options) -> Result:
    """Run one test once."""
    started = time.monotonic()
    vector = suite.vector(name)
    scratch = Path(tempfile.mkdtemp(prefix=f"conformance-{name}-"))
    process: asyncio.subprocess.Process | None = None

    def send_signal(name: str) -> None:
        if process is not None and process.returncode is None:
            os.kill(process.pid, getattr(signal, name))

    peer = FakePeer(vector, send_signal)
    loop = asyncio.get_running_loop()
    host = "::1" if vector.bind_ipv6 else "127.0.0.1"
    server = await loop.create_server(
        lambda: Connection(peer), host, 0, family=socket.AF_INET6 if vector.bind_ipv6 else socket.AF_INET
    )
    port = server.sockets[0].getsockname()[1]
    log_path = scratch / "speaker.log"
    try:
        configs = prepare_scratch(suite, vector, scratch)
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *options.speaker,
                *map(str, configs),
                cwd=scratch,
                env=speaker_environment(port, vector),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        peer.trace(f"speaker pid {process.pid} on port {port}")
        await _supervise(peer, process, vector, options.test_timeout)
    except (OSError, ValueError) as error:
        peer.finish(False, f"could not run the test: {error}")
    finally:
        if process is not None:
            await _stop(process)
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 2.0)
    assert peer.outcome is not None
    speaker_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if peer.outcome.message.startswith("speaker exited"):
        last = [line.strip() for line in speaker_log.splitlines() if line.strip()]
        if last:
            peer.outcome.message += f"; its last words: {last[-1][:200]}"
    helper_logs = "".join(p.read_text(errors="replace") for p in sorted(scratch.glob("helper-*.log")))
    result = Result(
        name=name,
        passed=peer.outcome.passed,
        message=peer.outcome.message,
        duration=time.monotonic() - started,
        step=peer.outcome.step,
        transcript=peer.transcript,
        notes=peer.notes,
        speaker_log=speaker_log,
        helper_log=helper_logs,
        scratch=str(scratch) if options.keep else "",
    )
    if not options.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


async def _supervise(
    peer: FakePeer, process: asyncio.subprocess.Process, vector: Vector, test_timeout: float
) -> None:
    """Wait for the peer's verdict; fail on a silent speaker, a dead speaker or the test time limit."""
    waiter = asyncio.ensure_future(process.wait())
    waiter.add_done_callback(lambda _: peer.changed.set())
    test_deadline = peer.started + test_timeout
    exited_at: float | None = None
    try:
        while peer.outcome is None:
            now = time.monotonic()
            if process.returncode is not None and exited_at is None:
                exited_at = now
            if exited_at is not None and (now >= exited_at + EXIT_GRACE and peer.open_connections == 0):
                peer.finish(
                    False,
                    f"speaker exited with code {process.returncode}; waiting for {peer.waiting_for()}",
                    peer.step(),
                )
                break
            if peer.last_message is None:
                message_deadline, what = peer.started + STARTUP_TIMEOUT, "no OPEN"
            else:
                message_deadline, what = peer.last_message + vector.timeout, "no message"
            if now >= test_deadline:
                peer.finish(
                    False,
                    f"test time limit ({test_timeout:g} s); waiting for {peer.waiting_for()}",
                    peer.step(),
                )
                break
            if now >= message_deadline:
                limit = vector.timeout if peer.last_message is not None else STARTUP_TIMEOUT
                peer.finish(
                    False, f"{what} within {limit:g} s; waiting for {peer.waiting_for()}", peer.step()
                )
                break
            wake = min(message_deadline, test_deadline)
            if exited_at is not None:
                wake = min(wake, exited_at + EXIT_GRACE)
            peer.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(peer.changed.wait(), max(0.01, wake - now))
    finally:
        if not waiter.done():
            waiter.cancel()


async def run_tests(
    names: Sequence[str],
    options: Options,
    *,
    jobs: int = 1,
    retries: int = 0,
    retry_only: Collection[str] | None = None,
    report: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``names`` (``jobs`` at a time); a failed test (of ``retry_only`` when given) is retried up
    to ``retries`` times on its own, after the others.  ``report`` is called with each final result.
    Results in ``names`` order."""
    suite = Suite(options.vectors)
    unknown = [n for n in names if n not in suite.paths]
    if unknown:
        raise KeyError(f"unknown test(s): {', '.join(unknown)}")
    results: dict[str, Result] = {}
    retried = {n for n in names if retry_only is None or n in retry_only} if retries else set()
    semaphore = asyncio.Semaphore(max(1, jobs))

    async def first(name: str) -> None:
        async with semaphore:
            result = await run_vector(suite, name, options)
        results[name] = result
        if (result.passed or name not in retried) and report:
            report(result)

    await asyncio.gather(*(first(n) for n in names))
    for name in names:
        if name not in retried or results[name].passed:
            continue
        for attempt in range(2, retries + 2):
            result = await run_vector(suite, name, options)
            result.attempts = attempt
            results[name] = result
            if result.passed:
                break
        if report:
            report(results[name])
    return [results[n] for n in names]


def default_speaker() -> list[str]:
    return [str(REPO / ".venv" / "bin" / "python"), "-m", "aiobgp"]


def read_expected(path: Path) -> set[str]:
    """Test names listed in an ``expected.txt`` (one a line, ``#`` comments)."""
    names = set()
    for line in path.read_text().splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            names.add(word)
    return names
