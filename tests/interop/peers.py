"""Real BGP daemons (BIRD 2, GoBGP, FRR bgpd) run as peers of a speaker under test.

Each daemon runs without systemd from a configuration generated into its own work directory, binds
only its own address (127.0.0.x, or a namespace address), and is queried through its own CLI.
Interop tests build them through the factories of ``conftest.py``; this module has no pytest
dependency so that it can also be driven by hand::

    bird = Bird(workdir=Path("/tmp/b"), local_ip="127.0.5.2", peer_ip="127.0.5.1",
                local_as=65002, peer_as=65001, routes=["10.0.0.0/24"])
    bird.start(); bird.wait_established(); print(bird.received_routes()); bird.stop()
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

FAMILIES = ("ipv4", "ipv6")

# Default next hop of IPv6 routes a daemon originates over an IPv4 session (RFC 3849 documentation).
DEFAULT_NEXT_HOP6 = "2001:db8::1"

# Unix socket paths are limited to 108 bytes; keep a margin for the socket file names.
_MAX_WORKDIR = 80

_LOG_TAIL_LINES = 40


class PeerError(RuntimeError):
    """A daemon failed to start, answer, or reach the expected state."""


@dataclass
class ReceivedRoute:
    """One route as the daemon says it received it from the speaker."""

    prefix: str
    next_hop: str
    as_path: list[int]
    origin: str  # "igp", "egp" or "incomplete"
    med: int | None
    local_pref: int | None  # None on eBGP sessions: LOCAL_PREF is ignored there (RFC 4271 §5.1.5)
    communities: list[str]  # "65001:100"
    large_communities: list[str]  # "65001:1:2"
    raw: object  # what the daemon printed for this route


_ORIGINS = {"i": "igp", "e": "egp", "?": "incomplete", "0": "igp", "1": "egp", "2": "incomplete"}


def _origin(text: str) -> str:
    """Normalise an ORIGIN as daemons print it ("IGP", "i", "Incomplete", ...)."""
    word = text.strip().lower()
    return _ORIGINS.get(word, word)


def _family(family: str) -> str:
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, not {family!r}")
    return family


def _prefix_family(prefix: str) -> str:
    return "ipv6" if ipaddress.ip_network(prefix, strict=False).version == 6 else "ipv4"


def free_tcp_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (for API ports)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class PeerDaemon(ABC):
    """One BGP daemon with one neighbour: the speaker under test at ``peer_ip``."""

    kind: ClassVar[str] = ""
    binaries: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        workdir: Path,
        local_ip: str,
        peer_ip: str,
        local_as: int,
        peer_as: int,
        port: int = 179,
        peer_port: int = 179,
        router_id: str | None = None,
        md5: str | None = None,
        hold: int = 90,
        passive: bool = False,
        ipv6: bool = False,
        routes: Sequence[str] = (),
        netns: str | None = None,
        extra: str = "",
        next_hop: str | None = None,
        next_hop6: str | None = None,
        med: int | None = None,
        communities: Sequence[str] = (),
        large_communities: Sequence[str] = (),
        ready_timeout: float = 20.0,
    ) -> None:
        """Describe the daemon; nothing runs until :meth:`start`.

        ``routes`` are originated with ORIGIN IGP, next hop ``next_hop`` (IPv4, default the local
        address) / ``next_hop6`` (IPv6, default 2001:db8::1) and, on every route, the optional
        ``med``, ``communities`` ("A:B") and ``large_communities`` ("A:B:C").
        """
        self.workdir = Path(workdir)
        if len(str(self.workdir.resolve())) > _MAX_WORKDIR:
            raise ValueError(f"workdir {self.workdir} is too long for unix sockets (max {_MAX_WORKDIR})")
        self.local_ip = local_ip
        self.peer_ip = peer_ip
        self.local_as = local_as
        self.peer_as = peer_as
        self.port = port
        self.peer_port = peer_port
        self.router_id = router_id or local_ip
        self.md5 = md5
        self.hold = hold
        self.keepalive = max(1, hold // 3)
        self.passive = passive
        self.ipv6 = ipv6
        self.routes: list[str] = [str(ipaddress.ip_network(r, strict=False)) for r in routes]
        self.netns = netns
        self.extra = extra
        self.next_hop = next_hop or local_ip
        self.next_hop6 = next_hop6 or DEFAULT_NEXT_HOP6
        self.med = med
        self.communities = list(communities)
        self.large_communities = list(large_communities)
        self.ready_timeout = ready_timeout
        self.log_path = self.workdir / "log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.local_ip}:{self.port} AS{self.local_as} -> {self.peer_ip}>"

    # ----------------------------------------------------------------- subclass hooks

    @property
    @abstractmethod
    def conf_path(self) -> Path:
        """The main configuration file."""

    @abstractmethod
    def _write_config(self) -> None:
        """Write the configuration file(s) into the work directory."""

    @abstractmethod
    def _check_command(self) -> list[str]:
        """The daemon's own configuration check command."""

    @abstractmethod
    def _daemon_command(self) -> list[str]:
        """The command running the daemon in the foreground."""

    @abstractmethod
    def _ready(self) -> bool:
        """Whether the control socket / API answers."""

    @abstractmethod
    def state(self) -> str:
        """Session state in the daemon's own words ("Established", "established", "Active"...)."""

    @abstractmethod
    def received_count(self, family: str = "ipv4") -> int:
        """Number of prefixes of ``family`` the daemon currently holds from the speaker."""

    @abstractmethod
    def received_routes(self, family: str = "ipv4") -> list[ReceivedRoute]:
        """Routes of ``family`` the daemon currently holds from the speaker, sorted by prefix."""

    @abstractmethod
    def cli(self, *args: str) -> str:
        """Run the daemon's own CLI with ``args`` and return its output."""

    @abstractmethod
    def notifications_received(self) -> list[tuple[int, int]]:
        """(code, subcode) of every NOTIFICATION the daemon logged as received, in log order."""

    @abstractmethod
    def notifications_sent(self) -> list[tuple[int, int]]:
        """(code, subcode) of every NOTIFICATION the daemon logged as sent, in log order."""

    @abstractmethod
    def hold_timer_expiries(self) -> int:
        """How many times the daemon logged that its own hold timer for the speaker expired."""

    @abstractmethod
    def add_route(self, prefix: str) -> None:
        """Originate ``prefix`` (with the uniform attributes) while running."""

    @abstractmethod
    def del_route(self, prefix: str) -> None:
        """Withdraw an originated ``prefix`` while running."""

    # ----------------------------------------------------------------- process handling

    @classmethod
    def available(cls) -> bool:
        """Whether the daemon's binaries are installed."""
        return all(shutil.which(b) or os.access(b, os.X_OK) for b in cls.binaries)

    def _ns(self, cmd: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *cmd] if self.netns else list(cmd)

    def _run(self, cmd: Sequence[str], *, timeout: float = 15.0, check: bool = True) -> str:
        """Run a helper command (inside the namespace if any) and return its stdout."""
        full = self._ns(cmd)
        try:
            res = subprocess.run(full, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise PeerError(f"{self!r}: {' '.join(full)} timed out after {timeout} s") from exc
        out = res.stdout.decode(errors="replace")
        if check and res.returncode != 0:
            err = res.stderr.decode(errors="replace")
            raise PeerError(f"{self!r}: {' '.join(full)} failed ({res.returncode}): {out}{err}")
        return out

    @property
    def pid(self) -> int | None:
        """Process id of the running daemon (None before start / after stop)."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def running(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        """Write and check the config, start the daemon, wait until its control plane answers."""
        if self.running():
            raise PeerError(f"{self!r} is already running (pid {self.pid})")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        check = subprocess.run(self._ns(self._check_command()), capture_output=True, timeout=30)
        if check.returncode != 0:
            out = (check.stdout + check.stderr).decode(errors="replace")
            raise PeerError(f"{self!r}: configuration rejected:\n{out}\n{self._config_text()}")
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                self._ns(self._daemon_command()),
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.workdir,
            )
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise PeerError(f"{self!r} exited with {self.proc.returncode} at start\n{self.log_tail()}")
            if self._ready():
                break
            if time.monotonic() > deadline:
                self.stop()
                raise PeerError(f"{self!r} not ready after {self.ready_timeout} s\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the daemon's pid, SIGKILL after ``timeout`` seconds.  Idempotent."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGCONT)  # a frozen daemon cannot act on SIGTERM
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.proc = None

    def freeze(self) -> None:
        """SIGSTOP the daemon (its peer's hold timer then expires)."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT a frozen daemon."""
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise PeerError(f"{self!r} is not running")
        self.proc.send_signal(sig)

    def log(self) -> str:
        """Everything the daemon wrote to stdout/stderr."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        text = "\n".join(self.log().splitlines()[-lines:])
        return f"--- last {lines} log lines of {self!r} ({self.log_path}) ---\n{text}"

    def _config_text(self) -> str:
        return self.conf_path.read_text() if self.conf_path.exists() else ""

    # ----------------------------------------------------------------- waiting

    def is_established(self) -> bool:
        try:
            return self.state().lower() == "established"
        except PeerError:
            return False

    def wait_established(self, timeout: float = 30) -> None:
        """Return once the session is Established; raise PeerError (with the log tail) on timeout."""
        self.wait_for(self.is_established, timeout, "session Established")

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
        """Poll ``predicate`` every 0.2 s; raise PeerError with state and log tail on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise PeerError(
                    f"{self!r} died (rc {self.proc.returncode}) waiting for {what}\n{self.log_tail()}"
                )
            if predicate():
                return
            if time.monotonic() > deadline:
                try:
                    state = self.state()
                except PeerError as exc:
                    state = f"unknown ({exc})"
                raise PeerError(f"{self!r}: no {what} after {timeout} s (state {state})\n{self.log_tail()}")
            time.sleep(0.2)

    def wait_received(self, count: int, family: str = "ipv4", timeout: float = 30) -> None:
        """Wait until exactly ``count`` prefixes of ``family`` are held from the speaker."""
        self.wait_for(lambda: self.received_count(family) == count, timeout, f"{count} {family} prefixes")


# --------------------------------------------------------------------------- BIRD

# NOTIFICATION wording in BIRD's log ("peer: Received: Hold timer expired"), per (code, subcode).
_BIRD_ERRORS: dict[str, tuple[int, int]] = {
    "Invalid message header": (1, 0),
    "Connection not synchronized": (1, 1),
    "Bad message length": (1, 2),
    "Bad message type": (1, 3),
    "Invalid OPEN message": (2, 0),
    "Unsupported version number": (2, 1),
    "Bad peer AS": (2, 2),
    "Bad BGP identifier": (2, 3),
    "Unsupported optional parameter": (2, 4),
    "Authentication failure": (2, 5),
    "Unacceptable hold time": (2, 6),
    "Required capability missing": (2, 7),
    "No supported AFI/SAFI": (2, 8),
    "Role mismatch": (2, 11),
    "Invalid UPDATE message": (3, 0),
    "Malformed attribute list": (3, 1),
    "Unrecognized well-known attribute": (3, 2),
    "Missing mandatory attribute": (3, 3),
    "Invalid attribute flags": (3, 4),
    "Invalid attribute length": (3, 5),
    "Invalid ORIGIN attribute": (3, 6),
    "AS routing loop": (3, 7),
    "Invalid NEXT_HOP attribute": (3, 8),
    "Optional attribute error": (3, 9),
    "Invalid network field": (3, 10),
    "Malformed AS_PATH": (3, 11),
    "Hold timer expired": (4, 0),
    "Finite state machine error": (5, 0),
    "Unexpected message in OpenSent state": (5, 1),
    "Unexpected message in OpenConfirm state": (5, 2),
    "Unexpected message in Established state": (5, 3),
    "Cease": (6, 0),
    "Maximum number of prefixes reached": (6, 1),
    "Administrative shutdown": (6, 2),
    "Peer de-configured": (6, 3),
    "Administrative reset": (6, 4),
    "Connection rejected": (6, 5),
    "Other configuration change": (6, 6),
    "Connection collision resolution": (6, 7),
    "Out of Resources": (6, 8),
    "Invalid ROUTE-REFRESH message": (7, 0),
    "Invalid ROUTE-REFRESH message length": (7, 1),
}
_BIRD_NOTIFY = re.compile(r"<\w+> (?P<proto>\S+): (?P<dir>Received|Error): (?P<text>.*)$")
_BIRD_NUMERIC = re.compile(r"^Unknown error (\d+)\.(\d+)")  # codes BIRD has no words for
_BIRD_ROUTE = re.compile(r"^(?P<net>\S+)?\s+\S+.*\[(?P<proto>\S+) .*\]")
_BIRD_COMMUNITY = re.compile(r"\((\d+),\s*(\d+)\)")
_BIRD_LARGE = re.compile(r"\((\d+),\s*(\d+),\s*(\d+)\)")


def _bird_notification(text: str) -> tuple[int, int] | None:
    """(code, subcode) of a BIRD error text; longest known wording wins, else "Unknown error N.M"."""
    best: tuple[int, int] | None = None
    best_len = -1
    for words, codes in _BIRD_ERRORS.items():
        if text.startswith(words) and len(words) > best_len:
            best, best_len = codes, len(words)
    if best is not None:
        return best
    m = _BIRD_NUMERIC.match(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


class Bird(PeerDaemon):
    """BIRD 2 (``bird -f``), protocol ``peer``, static protocols ``static4`` / ``static6``."""

    kind = "bird"
    binaries = ("bird", "birdc")
    PROTOCOL = "peer"

    def __init__(
        self, *, routes_file: Path | None = None, routes_file6: Path | None = None, **kwargs: Any
    ) -> None:
        """``routes_file``: a pre-generated ``static4`` include (``route P blackhole { bgp_... };``
        lines with their own attributes) used instead of the IPv4 ``routes``; the export filter then
        keeps each route's MED (BIRD drops a static route's MED on eBGP export otherwise).
        ``routes_file6``: the same for ``static6`` and the IPv6 ``routes``."""
        super().__init__(**kwargs)
        self.routes_file = Path(routes_file).resolve() if routes_file is not None else None
        self.routes_file6 = Path(routes_file6).resolve() if routes_file6 is not None else None

    @property
    def conf_path(self) -> Path:
        return self.workdir / "bird.conf"

    @property
    def socket_path(self) -> Path:
        return self.workdir / "bird.ctl"

    def _given_routes_file(self, family: str) -> Path | None:
        return self.routes_file if family == "ipv4" else self.routes_file6

    def _routes_file(self, family: str) -> Path:
        return self._given_routes_file(family) or self.workdir / f"routes{family[-1]}.conf"

    def _export_filter(self, static: str) -> str:
        sets = [f"bgp_med = {self.med};"] if self.med is not None else []
        if self.med is None and self._given_routes_file(f"ipv{static[-1]}") is not None:
            sets.append("if defined(bgp_med) then bgp_med = bgp_med;")
        for c in self.communities:
            a, b = c.split(":")
            sets.append(f"bgp_community.add(({a},{b}));")
        for c in self.large_communities:
            a, b, v = c.split(":")
            sets.append(f"bgp_large_community.add(({a},{b},{v}));")
        return f'export filter {{ if proto != "{static}" then reject; {" ".join(sets)} accept; }};'

    def _write_routes(self) -> None:
        for family in FAMILIES:
            if self._given_routes_file(family) is not None:
                continue
            lines = [f"route {r} blackhole;\n" for r in self.routes if _prefix_family(r) == family]
            self._routes_file(family).write_text("".join(lines))

    def _write_config(self) -> None:
        self._write_routes()
        ibgp = "next hop self;" if self.local_as == self.peer_as else ""
        ipv6 = ""
        if self.ipv6:
            ipv6 = (
                f"  ipv6 {{ import all; {self._export_filter('static6')} "
                # accept IPv4-mapped next hops (what a speaker on an IPv4-only session sends)
                f"next hop address {self.next_hop6}; extended next hop on; {ibgp} }};\n"
            )
        password = f'  password "{self.md5}";\n' if self.md5 else ""
        self.conf_path.write_text(
            f"log stderr all;\n"
            f"router id {self.router_id};\n"
            f"protocol device {{ scan time 10; }}\n"
            # "include" must stand on a line of its own
            f'protocol static static4 {{\n  ipv4;\n  include "{self._routes_file("ipv4")}";\n}}\n'
            f'protocol static static6 {{\n  ipv6;\n  include "{self._routes_file("ipv6")}";\n}}\n'
            f"protocol bgp {self.PROTOCOL} {{\n"
            f"  local {self.local_ip} port {self.port} as {self.local_as};\n"
            f"  neighbor {self.peer_ip} port {self.peer_port} as {self.peer_as};\n"
            # strict bind: listen on local_ip only; multihop: BIRD refuses direct sessions on lo
            f"  strict bind yes;\n"
            f"  multihop;\n"
            f"  passive {'yes' if self.passive else 'no'};\n"
            f"  hold time {self.hold};\n"
            f"  keepalive time {self.keepalive};\n"
            f"  connect delay time 1;\n"
            f"  connect retry time 1;\n"
            f"  error wait time 1, 5;\n"
            f"  debug {{ states, events }};\n"
            f"{password}"
            f"  ipv4 {{ import all; {self._export_filter('static4')} "
            f"next hop address {self.next_hop}; {ibgp} }};\n"
            f"{ipv6}"
            f"{self.extra}\n"
            f"}}\n"
        )

    def _check_command(self) -> list[str]:
        return ["bird", "-p", "-c", str(self.conf_path)]

    def _daemon_command(self) -> list[str]:
        return ["bird", "-f", "-c", str(self.conf_path), "-s", str(self.socket_path)]

    def _ready(self) -> bool:
        try:
            return "Daemon is up and running" in self.cli("show", "status")
        except PeerError:
            return False

    def cli(self, *args: str) -> str:
        """``birdc -s SOCKET args...`` (birdc reaches the socket from any namespace)."""
        return self._run(["birdc", "-s", str(self.socket_path), *args])

    def _protocol_info(self) -> str:
        return self.cli("show", "protocols", "all", self.PROTOCOL)

    def state(self) -> str:
        m = re.search(r"BGP state:\s+(\S+)", self._protocol_info())
        return m.group(1) if m else "unknown"

    def received_count(self, family: str = "ipv4") -> int:
        text = self._protocol_info()
        channel = text.find(f"Channel {_family(family)}")
        if channel < 0:
            return 0
        m = re.search(r"Routes:\s+(\d+) imported", text[channel:])
        return int(m.group(1)) if m else 0

    def received_routes(self, family: str = "ipv4") -> list[ReceivedRoute]:
        table = "master4" if _family(family) == "ipv4" else "master6"
        text = self.cli("show", "route", "table", table, "protocol", self.PROTOCOL, "all")
        blocks: list[tuple[str, list[str]]] = []
        net = ""
        for line in text.splitlines():
            m = _BIRD_ROUTE.match(line)
            if m and not line.startswith("\t"):
                net = m.group("net") or net
                blocks.append((net, [line]))
            elif blocks and line.startswith("\t"):
                blocks[-1][1].append(line.strip())
        return sorted((self._parse_route(n, lines) for n, lines in blocks), key=lambda r: r.prefix)

    def _parse_route(self, net: str, lines: list[str]) -> ReceivedRoute:
        attrs: dict[str, str] = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            attrs[key.strip()] = value.strip()
        ebgp = self.local_as != self.peer_as
        lp = attrs.get("BGP.local_pref")
        return ReceivedRoute(
            prefix=net,
            next_hop=attrs.get("BGP.next_hop", "").split(" ")[0],
            as_path=[int(a) for a in re.findall(r"\d+", attrs.get("BGP.as_path", ""))],
            origin=_origin(attrs.get("BGP.origin", "")),
            med=int(attrs["BGP.med"]) if "BGP.med" in attrs else None,
            local_pref=int(lp) if lp is not None and not ebgp else None,
            communities=[f"{a}:{b}" for a, b in _BIRD_COMMUNITY.findall(attrs.get("BGP.community", ""))],
            large_communities=[
                f"{a}:{b}:{c}" for a, b, c in _BIRD_LARGE.findall(attrs.get("BGP.large_community", ""))
            ],
            raw="\n".join(lines),
        )

    def _notifications(self, direction: str) -> list[tuple[int, int]]:
        found = []
        for line in self.log().splitlines():
            m = _BIRD_NOTIFY.search(line)
            if m and m.group("proto") == self.PROTOCOL and m.group("dir") == direction:
                codes = _bird_notification(m.group("text"))
                if codes is not None:
                    found.append(codes)
        return found

    def notifications_received(self) -> list[tuple[int, int]]:
        return self._notifications("Received")

    def notifications_sent(self) -> list[tuple[int, int]]:
        return self._notifications("Error")

    def hold_timer_expiries(self) -> int:
        # "Error: Hold timer expired" (NOTIFICATION sent), or only the "events" trace when the
        # neighbour is graceful-restart capable: BIRD then closes without a NOTIFICATION
        pattern = re.compile(rf"> {re.escape(self.PROTOCOL)}: (?:Error: )?Hold timer expired$")
        return sum(1 for line in self.log().splitlines() if pattern.search(line))

    def _set_routes(self, routes: list[str]) -> None:
        self.routes = routes
        self._write_routes()
        out = self.cli("configure")
        if "Reconfigured" not in out and "Reconfiguration in progress" not in out:
            raise PeerError(f"{self!r}: birdc configure failed: {out}")

    def add_route(self, prefix: str) -> None:
        net = str(ipaddress.ip_network(prefix, strict=False))
        if net not in self.routes:
            self._set_routes([*self.routes, net])

    def del_route(self, prefix: str) -> None:
        net = str(ipaddress.ip_network(prefix, strict=False))
        self._set_routes([r for r in self.routes if r != net])


class BirdFleet(Bird):
    """One BIRD with many BGP sessions: protocol ``pNNNN`` from ``local_ips[i]`` to ``peer_ips[i]``.

    For scale tests (hundreds of neighbors in one speaker). Every protocol has the settings of
    :class:`Bird` (hold time, passive, ``routes`` originated to all of them); ``local_ip`` /
    ``peer_ip`` are the first pair. The speaker's routes are only counted, never listed, and
    :meth:`cli` calls get a longer timeout (``show protocols all`` of 1,000 protocols is long).
    """

    def __init__(self, *, local_ips: Sequence[str], peer_ips: Sequence[str], **kwargs: Any) -> None:
        if len(local_ips) != len(peer_ips) or not local_ips:
            raise ValueError("local_ips and peer_ips must be non-empty and of the same length")
        super().__init__(local_ip=local_ips[0], peer_ip=peer_ips[0], **kwargs)
        self.local_ips = list(local_ips)
        self.peer_ips = list(peer_ips)
        self.names = [f"p{i:04d}" for i in range(len(local_ips))]
        self._name_set = set(self.names)

    def _write_config(self) -> None:
        """The :class:`Bird` settings once, as a ``template bgp``, and one short protocol per session."""
        self._write_routes()
        channels = (
            f"  ipv4 {{ import all; {self._export_filter('static4')} next hop address {self.next_hop}; }};\n"
        )
        if self.ipv6:
            channels += (
                f"  ipv6 {{ import all; {self._export_filter('static6')} "
                f"next hop address {self.next_hop6}; extended next hop on; }};\n"
            )
        sessions = "".join(
            f"protocol bgp {name} from fleet {{\n  local {local} port {self.port} as {self.local_as};\n"
            f"  neighbor {peer} port {self.peer_port} as {self.peer_as};\n}}\n"
            for name, local, peer in zip(self.names, self.local_ips, self.peer_ips, strict=True)
        )
        self.conf_path.write_text(
            f"log stderr all;\n"
            f"router id {self.router_id};\n"
            f"protocol device {{ scan time 10; }}\n"
            f'protocol static static4 {{\n  ipv4;\n  include "{self._routes_file("ipv4")}";\n}}\n'
            f'protocol static static6 {{\n  ipv6;\n  include "{self._routes_file("ipv6")}";\n}}\n'
            f"template bgp fleet {{\n"
            f"  strict bind yes;\n  multihop;\n"
            f"  passive {'yes' if self.passive else 'no'};\n"
            f"  hold time {self.hold};\n  keepalive time {self.keepalive};\n"
            f"  connect delay time 1;\n  connect retry time 1;\n  error wait time 1, 5;\n"
            f"  debug {{ states, events }};\n"
            f"{channels}{self.extra}\n}}\n"
            f"{sessions}"
        )

    def cli(self, *args: str) -> str:
        return self._run(["birdc", "-s", str(self.socket_path), *args], timeout=120)

    def states(self) -> dict[str, str]:
        """BGP state of every protocol of the fleet, by protocol name (``show protocols``)."""
        out: dict[str, str] = {}
        for line in self.cli("show", "protocols").splitlines():
            fields = line.split()
            if len(fields) >= 6 and fields[0] in self._name_set and fields[1] == "BGP":
                out[fields[0]] = fields[5]
        return out

    def established_count(self) -> int:
        return sum(1 for state in self.states().values() if state == "Established")

    def state(self) -> str:
        """ "Established" once every session is, else the state of the first one that is not."""
        states = self.states()
        return next((s for n, s in states.items() if s != "Established"), "Established" if states else "?")

    def received_counts(self, family: str = "ipv4") -> dict[str, int]:
        """Prefixes of ``family`` imported per protocol (``show protocols all``)."""
        counts: dict[str, int] = {}
        name = ""
        channel = ""
        for line in self.cli("show", "protocols", "all").splitlines():
            fields = line.split()
            if fields and not line.startswith(" ") and len(fields) > 1 and fields[1] == "BGP":
                name, channel = fields[0], ""
            elif line.strip().startswith("Channel "):
                channel = line.split()[1]
            elif name in self._name_set and channel == _family(family):
                m = re.match(r"\s*Routes:\s+(\d+) imported", line)
                if m:
                    counts[name] = int(m.group(1))
        return counts

    def received_count(self, family: str = "ipv4") -> int:
        return sum(self.received_counts(family).values())

    def total_routes(self) -> int:
        """Every route in BIRD's IPv4 and IPv6 tables (``show route count``), originated ones included."""
        m = re.search(r"(\d+) of \d+ routes", self.cli("show", "route", "count"))
        return int(m.group(1)) if m else 0

    def received_routes(self, family: str = "ipv4") -> list[ReceivedRoute]:
        raise PeerError("BirdFleet counts routes only (received_counts)")

    def _fleet_lines(self, pattern: str) -> int:
        names = "|".join(self.names)
        regex = re.compile(rf"> (?:{names}): {pattern}$")
        return sum(1 for line in self.log().splitlines() if regex.search(line))

    def hold_timer_expiries(self) -> int:
        return self._fleet_lines("(?:Error: )?Hold timer expired")

    def notifications_received(self) -> list[tuple[int, int]]:
        return self._fleet_notifications("Received")

    def notifications_sent(self) -> list[tuple[int, int]]:
        return self._fleet_notifications("Error")

    def _fleet_notifications(self, direction: str) -> list[tuple[int, int]]:
        found = []
        for line in self.log().splitlines():
            m = _BIRD_NOTIFY.search(line)
            if m and m.group("proto") in self._name_set and m.group("dir") == direction:
                codes = _bird_notification(m.group("text"))
                if codes is not None:
                    found.append(codes)
        return found


# --------------------------------------------------------------------------- GoBGP

_GOBGP_STATES = ("unknown", "idle", "connect", "active", "opensent", "openconfirm", "established")


def _gobgp_as_path(attr: dict[str, Any]) -> list[int]:
    asns: list[int] = []
    for seg in attr.get("as_paths", []):
        asns.extend(int(a) for a in seg.get("asns", []))
    return asns


def _community(value: int) -> str:
    return f"{value >> 16}:{value & 0xFFFF}"


class GoBgp(PeerDaemon):
    """GoBGP (``gobgpd``), gRPC API on 127.0.0.1:``api_port`` (inside the namespace if any)."""

    kind = "gobgp"
    binaries = ("gobgpd", "gobgp")

    def __init__(self, *, api_port: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_port = api_port or free_tcp_port()

    @property
    def conf_path(self) -> Path:
        return self.workdir / "gobgpd.toml"

    def _write_config(self) -> None:
        families = ["ipv4-unicast"] + (["ipv6-unicast"] if self.ipv6 else [])
        lines = [
            "[global.config]",
            f"  as = {self.local_as}",
            f'  router-id = "{self.router_id}"',
            f"  port = {self.port}",
            f'  local-address-list = ["{self.local_ip}"]',
            "",
            "[[neighbors]]",
            "  [neighbors.config]",
            f'    neighbor-address = "{self.peer_ip}"',
            f"    peer-as = {self.peer_as}",
        ]
        if self.md5:
            lines.append(f'    auth-password = "{self.md5}"')
        lines += [
            "  [neighbors.transport.config]",
            f'    local-address = "{self.local_ip}"',
            f"    remote-port = {self.peer_port}",
            f"    passive-mode = {'true' if self.passive else 'false'}",
            "  [neighbors.timers.config]",
            "    connect-retry = 1",
            f"    hold-time = {self.hold}",
            f"    keepalive-interval = {self.keepalive}",
            "  [neighbors.ebgp-multihop.config]",
            "    enabled = true",
            "    multihop-ttl = 255",
        ]
        for name in families:
            lines += [
                "  [[neighbors.afi-safis]]",
                "    [neighbors.afi-safis.config]",
                f'      afi-safi-name = "{name}"',
            ]
        self.conf_path.write_text("\n".join(lines) + "\n" + self.extra + "\n")

    def _check_command(self) -> list[str]:
        return ["gobgpd", "-f", str(self.conf_path), "-t", "toml", "-d"]

    def _daemon_command(self) -> list[str]:
        return [
            "gobgpd", "-f", str(self.conf_path), "-t", "toml",
            "--api-hosts", f"127.0.0.1:{self.api_port}", "--pprof-disable", "-l", "info",
        ]  # fmt: skip

    def cli(self, *args: str) -> str:
        """``gobgp -p API_PORT args...`` (run inside the namespace if any)."""
        return self._run(["gobgp", "-p", str(self.api_port), *args])

    def _ready(self) -> bool:
        try:
            self.cli("global")
        except PeerError:
            return False
        return True

    def start(self) -> None:
        """Start gobgpd, then load ``routes`` into its global RIB (one ``gobgp global rib add`` each)."""
        super().start()
        for prefix in list(self.routes):
            self.add_route(prefix)

    def _neighbor(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.cli("neighbor", self.peer_ip, "-j"))
        return data

    def state(self) -> str:
        value = self._neighbor().get("state", {}).get("session_state", 0)
        if isinstance(value, int):
            return _GOBGP_STATES[value] if 0 <= value < len(_GOBGP_STATES) else str(value)
        return str(value).lower()

    def received_count(self, family: str = "ipv4") -> int:
        afi = 1 if _family(family) == "ipv4" else 2
        for entry in self._neighbor().get("afi_safis", []):
            fam = entry.get("config", {}).get("family", {})
            if fam.get("afi") == afi and fam.get("safi") == 1:
                return int(entry.get("state", {}).get("received", 0))
        return 0

    def received_routes(self, family: str = "ipv4") -> list[ReceivedRoute]:
        out = self.cli("neighbor", self.peer_ip, "adj-in", "-a", _family(family), "-j").strip()
        table: dict[str, list[dict[str, Any]]] = json.loads(out) if out and out != "null" else {}
        routes = [self._parse_path(prefix, path) for prefix, paths in table.items() for path in paths]
        return sorted(routes, key=lambda r: r.prefix)

    def _parse_path(self, prefix: str, path: dict[str, Any]) -> ReceivedRoute:
        route = ReceivedRoute(prefix, "", [], "", None, None, [], [], path)
        for attr in path.get("attrs", []):
            kind = attr.get("type")
            if kind == 1:
                route.origin = _origin(str(attr.get("value", 0)))
            elif kind == 2:
                route.as_path = _gobgp_as_path(attr)
            elif kind == 3:
                route.next_hop = attr.get("nexthop", "")
            elif kind == 4:
                route.med = int(attr.get("metric", 0))
            elif kind == 5 and self.local_as == self.peer_as:
                route.local_pref = int(attr.get("value", 0))
            elif kind == 8:
                route.communities = [_community(int(c)) for c in attr.get("communities", [])]
            elif kind == 14:
                route.next_hop = attr.get("nexthop", "")
            elif kind == 32:
                route.large_communities = [
                    f"{v.get('ASN', 0)}:{v.get('LocalData1', 0)}:{v.get('LocalData2', 0)}"
                    for v in attr.get("value", [])
                ]
        return route

    def _log_entries(self, message: str) -> list[dict[str, Any]]:
        """JSON log lines about the speaker whose "msg" is ``message``."""
        found = []
        for line in self.log().splitlines():
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == message and entry.get("Key") == self.peer_ip:
                found.append(entry)
        return found

    def _notifications(self, message: str) -> list[tuple[int, int]]:
        return [(int(e.get("Code", 0)), int(e.get("Subcode", 0))) for e in self._log_entries(message)]

    def hold_timer_expiries(self) -> int:
        return len(self._log_entries("hold timer expired"))

    def notifications_received(self) -> list[tuple[int, int]]:
        return self._notifications("received notification")

    def notifications_sent(self) -> list[tuple[int, int]]:
        return self._notifications("sent notification")

    def _rib_args(self, prefix: str) -> list[str]:
        family = _prefix_family(prefix)
        nh = self.next_hop if family == "ipv4" else self.next_hop6
        args = ["-a", family, prefix, "nexthop", nh, "origin", "igp"]
        if self.med is not None:
            args += ["med", str(self.med)]
        if self.communities:
            args += ["community", ",".join(self.communities)]
        if self.large_communities:
            args += ["large-community", ",".join(self.large_communities)]
        return args

    def add_route(self, prefix: str) -> None:
        net = str(ipaddress.ip_network(prefix, strict=False))
        self.cli("global", "rib", "add", *self._rib_args(net))
        if net not in self.routes:
            self.routes.append(net)

    def del_route(self, prefix: str) -> None:
        net = str(ipaddress.ip_network(prefix, strict=False))
        self.cli("global", "rib", "del", "-a", _prefix_family(net), net)
        self.routes = [r for r in self.routes if r != net]


# --------------------------------------------------------------------------- FRR

# "%NOTIFICATION: received from neighbor 127.0.0.1 6/2 (Cease/Administrative Shutdown) 0 bytes"
_FRR_NOTIFY = re.compile(
    r"%NOTIFICATION(?:\([^)]*\))?: (?P<dir>received from|sent to) neighbor (?P<peer>\S+) "
    r"(?P<code>\d+)/(?P<sub>\d+)"
)


class Frr(PeerDaemon):
    """FRR ``bgpd`` alone (no zebra, ``-Z -S``), vty socket in the work directory.

    Routes are originated with ``network`` statements; FRR sends them with MED 0 unless ``med`` is
    given, and advertises nothing but them (an outbound route-map allows empty AS paths only).
    """

    kind = "frr"
    binaries = ("/usr/lib/frr/bgpd", "vtysh")
    BGPD = "/usr/lib/frr/bgpd"

    @property
    def conf_path(self) -> Path:
        return self.workdir / "bgpd.conf"

    @property
    def vty_dir(self) -> Path:
        return self.workdir / "vty"

    def _route_map(self, name: str, family: str) -> list[str]:
        # advertise only locally originated routes (empty AS path): FRR would otherwise send the
        # speaker's own routes back to it
        lines = [f"route-map {name} permit 10", " match as-path LOCAL-ONLY"]
        if family == "ipv4":
            if self.next_hop != self.local_ip:
                lines.append(f" set ip next-hop {self.next_hop}")
        else:
            lines.append(f" set ipv6 next-hop global {self.next_hop6}")
        if self.med is not None:
            lines.append(f" set metric {self.med}")
        if self.communities:
            lines.append(f" set community {' '.join(self.communities)} additive")
        if self.large_communities:
            lines.append(f" set large-community {' '.join(self.large_communities)} additive")
        return [*lines, "exit", "!"]

    def _address_family(self, family: str) -> list[str]:
        p = self.peer_ip
        lines = [f" address-family {family} unicast"]
        lines += [f"  network {r}" for r in self.routes if _prefix_family(r) == family]
        if family == "ipv4" or self.ipv6:
            lines += [
                f"  neighbor {p} activate",
                f"  neighbor {p} soft-reconfiguration inbound",
                f"  neighbor {p} route-map LAB-OUT{family[-1]} out",
            ]
        return [*lines, " exit-address-family"]

    def _write_config(self) -> None:
        self.vty_dir.mkdir(exist_ok=True)
        p = self.peer_ip
        lines = [
            "frr defaults traditional",
            f"hostname {self.kind}-{self.local_ip}",
            "log stdout informational",
            "!",
            "bgp as-path access-list LOCAL-ONLY seq 5 permit ^$",
            "!",
            *self._route_map("LAB-OUT4", "ipv4"),
            *self._route_map("LAB-OUT6", "ipv6"),
            f"router bgp {self.local_as}",
            f" bgp router-id {self.router_id}",
            " no bgp ebgp-requires-policy",
            " no bgp network import-check",
            " no bgp default ipv4-unicast",
            " bgp log-neighbor-changes",
            f" neighbor {p} remote-as {self.peer_as}",
            f" neighbor {p} port {self.peer_port}",
            f" neighbor {p} update-source {self.local_ip}",
            f" neighbor {p} timers {self.keepalive} {self.hold}",
            f" neighbor {p} timers connect 1",
            f" neighbor {p} disable-connected-check",
        ]
        if self.passive:
            lines.append(f" neighbor {p} passive")
        if self.md5:
            lines.append(f" neighbor {p} password {self.md5}")
        if self.extra:
            lines.append(self.extra)
        lines += self._address_family("ipv4") + self._address_family("ipv6") + ["exit", "!"]
        self.conf_path.write_text("\n".join(lines) + "\n")

    def _bgpd_args(self) -> list[str]:
        return [
            "-f", str(self.conf_path), "-i", str(self.workdir / "bgpd.pid"),
            "-z", str(self.workdir / "zserv.api"), "--vty_socket", str(self.vty_dir),
            "-p", str(self.port), "-l", self.local_ip, "-Z", "-S", "-P", "0",
            "--log", "stdout", "--log-level", "info",
        ]  # fmt: skip

    def _check_command(self) -> list[str]:
        return [self.BGPD, "-C", *self._bgpd_args()]

    def _daemon_command(self) -> list[str]:
        return [self.BGPD, *self._bgpd_args()]

    def cli(self, *args: str) -> str:
        """``vtysh --vty_socket DIR``: each argument is one command (``-c``), unless options are given."""
        options = any(a.startswith("-") for a in args)
        argv = list(args) if options else [x for a in args for x in ("-c", a)]
        return self._run(["vtysh", "--vty_socket", str(self.vty_dir), *argv])

    def _json(self, command: str) -> dict[str, Any]:
        out = self.cli(command).strip()
        data: dict[str, Any] = json.loads(out) if out else {}
        return data

    def _ready(self) -> bool:
        try:
            self.cli("show bgp summary")
        except PeerError:
            return False
        return True

    def state(self) -> str:
        peer = self._json(f"show bgp neighbors {self.peer_ip} json").get(self.peer_ip, {})
        return str(peer.get("bgpState", "unknown"))

    def received_count(self, family: str = "ipv4") -> int:
        summary = self._json(f"show bgp {_family(family)} unicast summary json")
        return int(summary.get("peers", {}).get(self.peer_ip, {}).get("pfxRcd", 0))

    def received_routes(self, family: str = "ipv4") -> list[ReceivedRoute]:
        # received-routes (the soft-reconfiguration Adj-RIB-In) lists the prefixes but no
        # communities: the attributes come from the speaker's path in the detailed table
        data = self._json(f"show bgp {_family(family)} unicast neighbors {self.peer_ip} received-routes json")
        table: dict[str, Any] = data.get("receivedRoutes", {})
        detail: dict[str, Any] = self._json(f"show bgp {family} unicast json detail").get("routes", {})
        routes = [self._route(prefix, entry, detail.get(prefix, [])) for prefix, entry in table.items()]
        return sorted(routes, key=lambda r: r.prefix)

    def _route(self, prefix: str, summary: dict[str, Any], paths: list[dict[str, Any]]) -> ReceivedRoute:
        path = next((p for p in paths if p.get("peer", {}).get("peerId") == self.peer_ip), summary)
        nexthops = path.get("nexthops") or [{}]
        as_path = path.get("aspath", {}).get("string", path.get("path", ""))
        lp = path.get("locPrf", path.get("localpref"))
        return ReceivedRoute(
            prefix=prefix,
            next_hop=str(nexthops[0].get("ip", summary.get("nextHop", summary.get("nextHopGlobal", "")))),
            as_path=[int(a) for a in re.findall(r"\d+", str(as_path))],
            origin=_origin(str(path.get("origin", summary.get("origin", "")))),
            med=int(path["metric"]) if "metric" in path else None,
            local_pref=int(lp) if lp is not None and self.local_as == self.peer_as else None,
            communities=path.get("community", {}).get("list", []),
            large_communities=path.get("largeCommunity", {}).get("list", []),
            raw={"received": summary, "path": path},
        )

    def _notifications(self, direction: str) -> list[tuple[int, int]]:
        found = []
        for line in self.log().splitlines():
            m = _FRR_NOTIFY.search(line)
            if m and m.group("dir") == direction and m.group("peer") == self.peer_ip:
                found.append((int(m.group("code")), int(m.group("sub"))))
        return found

    def notifications_received(self) -> list[tuple[int, int]]:
        return self._notifications("received from")

    def notifications_sent(self) -> list[tuple[int, int]]:
        return self._notifications("sent to")

    def hold_timer_expiries(self) -> int:
        return self.notifications_sent().count((4, 0))

    def _network(self, prefix: str, negate: bool) -> None:
        net = str(ipaddress.ip_network(prefix, strict=False))
        self.cli(
            "configure terminal",
            f"router bgp {self.local_as}",
            f"address-family {_prefix_family(net)} unicast",
            f"{'no ' if negate else ''}network {net}",
        )
        if negate:
            self.routes = [r for r in self.routes if r != net]
        elif net not in self.routes:
            self.routes.append(net)

    def add_route(self, prefix: str) -> None:
        self._network(prefix, negate=False)

    def del_route(self, prefix: str) -> None:
        self._network(prefix, negate=True)


DAEMONS: dict[str, type[PeerDaemon]] = {cls.kind: cls for cls in (Bird, GoBgp, Frr)}


def stop_all(daemons: Iterable[PeerDaemon]) -> None:
    """Stop every daemon, even when one of them fails to stop."""
    errors = []
    for daemon in daemons:
        try:
            daemon.stop()
        except Exception as exc:  # keep stopping the others
            errors.append(f"{daemon!r}: {exc}")
    if errors:
        raise PeerError("; ".join(errors))
