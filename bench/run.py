"""aiobgp next to ExaBGP 5.0.15 with real peers on loopback: one command, one table (``make bench``).

    .venv/bin/python bench/run.py [--quick] [--scenarios realistic uniform ...] [--sizes N ...]
                                  [--pairs P] [--no-exabgp] [--exabgp-cap N] [--profile] [--markdown]

Scenarios (``--scenarios`` takes their names or numbers):

  1 realistic    receive a realistic table (bench/tables.py) from BIRD, every prefix delivered as
                 JSON to a helper (bench/helpers/counter.py): session up -> helper saw End-of-RIB
  2 gobgp        the same table from GoBGP (``gobgp mrt inject``); GoBGP sends no End-of-RIB
                 without graceful restart, so the helper stops at the N-th prefix
  3 uniform      receive N /24s sharing one attribute set from BIRD, to the JSON helper
  4 adj-rib-in   receive the realistic table into the Adj-RIB-In, no helper: session up -> the
                 End-of-RIB log line; bytes per route = (RSS after - RSS before) / N
  5 announce     a helper (bench/helpers/announcer.py) writes N ``announce route P next-hop self``
                 lines, never reading its stdin: first line written -> BIRD holds all N
  6 adj-rib-out  bytes per route of the Adj-RIB-Out holding those N routes (RSS after - before)
  7 static       a configuration with N static routes: process start -> BIRD holds all N
  8 peers        N peers (default 1,000) in one speaker, each a BIRD protocol on its own loopback
                 address pair (127.77.x.y <-> 127.78.x.y), each sent 1,000 routes (--fleet-routes)
                 by one helper's ``announce route`` lines (no neighbor selector: every neighbor);
                 timed from process start to all Established, and to BIRD holding every route of
                 every protocol; then the sessions are kept --fleet-soak seconds (--fleet-hold, 90 s)
                 and hold-timer expiries are counted in BIRD's and the speaker's logs. ExaBGP runs
                 once, capped at --fleet-cap seconds: a run that does not finish records how far
                 it got
  9 ipv6-receive receive a realistic IPv6 table (/48s, the attribute sets of scenario 1) from
                 BIRD over MP-BGP, every prefix to the JSON helper: session up -> ipv6 End-of-RIB
 10 ipv6-announce a helper writes N ``announce route P::/48 next-hop ::ffff:SPEAKER`` lines
                 (the IPv4-mapped address aiobgp's ``next-hop self`` stands for on an IPv4 session:
                 ExaBGP 5.0.15 refuses ``self`` there): first line written -> BIRD holds all N

Each size runs aiobgp and ExaBGP alternately (A B A B ...): 3 pairs up to 100k, 1 pair above
(``--pairs``); scenario 8's N is a number of peers, run once per speaker. ExaBGP comes from
``.oracle`` (``make oracle``). The table shows medians, peak RSS (VmHWM) of the speaker process and
the aiobgp/ExaBGP ratio of the rates (of bytes per route for scenario 6). Every run is appended as
one JSON line to bench/results/bench.jsonl; ``--profile`` adds one aiobgp run per scenario under
cProfile and keeps bench/results/profile-<scenario>.txt.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))

import tables  # noqa: E402
from interop.peers import Bird, BirdFleet, GoBgp, PeerDaemon, PeerError  # noqa: E402

ORACLE = ROOT / ".oracle" / "bin" / "exabgp"
RESULTS = BENCH / "results"
COUNTER = BENCH / "helpers" / "counter.py"
ANNOUNCER = BENCH / "helpers" / "announcer.py"
TABLE_CACHE = Path(tempfile.gettempdir()) / "aiobgp-bench-tables"

SPEAKER_AS, PEER_AS = 65001, 65002
SETTLE = 1.0  # seconds a speaker runs before its RSS is taken as the baseline
POLL = 0.05
AIOBGP_ENV: dict[str, str] = {}  # --aiobgp-env NAME=VALUE
DROPPED = "does not read its input"  # aiobgp's log line when it starts dropping a helper's events
FLEET_POLL = 1.0  # seconds between birdc polls in scenario 8 (each lists 1,000 protocols)


class RunFailed(RuntimeError):
    """A run that cannot give a valid figure (the speaker lost events, died, or timed out)."""


EXABGP_ENV = {
    "exabgp_daemon_user": "root",
    "exabgp_daemon_drop": "false",
    "exabgp_daemon_daemonize": "false",
    "exabgp_api_cli": "false",
    "exabgp_tcp_bind": "",
}


@dataclass(frozen=True)
class Scenario:
    number: int
    name: str
    title: str
    table: str  # what the peer originates: "realistic", "uniform", "gobgp", "realistic6", "empty",
    # "empty6", or "fleet" (scenario 8: N BIRD protocols, nothing originated)
    sizes: tuple[int, ...]
    memory: bool = False  # the ratio compares bytes per route, not rates
    family: str = "ipv4"


SCENARIOS = (
    Scenario(1, "realistic", "realistic table from BIRD -> JSON helper", "realistic", (100_000, 1_000_000)),
    Scenario(2, "gobgp", "realistic table from GoBGP -> JSON helper", "gobgp", (100_000, 1_000_000)),
    Scenario(3, "uniform", "one attribute set from BIRD -> JSON helper", "uniform", (100_000, 1_000_000)),
    Scenario(
        4, "adj-rib-in", "realistic table into Adj-RIB-In, no helper", "realistic", (100_000, 1_000_000)
    ),
    Scenario(5, "announce", "helper announce route lines -> BIRD holds all", "empty", (100_000, 1_000_000)),
    Scenario(
        6, "adj-rib-out", "Adj-RIB-Out holding the announced routes", "empty", (1_000_000,), memory=True
    ),
    Scenario(7, "static", "N static routes: start -> BIRD holds all", "empty", (1_000_000,)),
    Scenario(8, "peers", "N peers each sent 1,000 routes: start -> all delivered", "fleet", (1_000,)),
    Scenario(
        9,
        "ipv6-receive",
        "realistic IPv6 /48s from BIRD -> JSON helper",
        "realistic6",
        (250_000,),
        family="ipv6",
    ),
    Scenario(
        10,
        "ipv6-announce",
        "helper announce IPv6 /48 lines -> BIRD holds all",
        "empty6",
        (250_000,),
        family="ipv6",
    ),
)
QUICK = 20_000
QUICK_PEERS = 100


@dataclass
class Run:
    """One timed run of one speaker."""

    speaker: str
    scenario: str
    n: int
    seconds: float
    rss_peak_kib: int
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    cpu_s: float = 0.0
    hold_timer_expiries: int = 0  # seen by the peer
    speaker_hold_expiries: int = 0  # NOTIFICATIONs 4/0 the speaker logged (scenario 8)
    established_s: float = 0.0  # scenario 8: process start -> every session Established
    peers: int = 0  # scenario 8: sessions (n is then every route of every session)
    notes: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def rate(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else 0.0

    @property
    def bytes_per_route(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) * 1024 / self.n if self.rss_after_kib else 0.0


# --------------------------------------------------------------------------- processes


def proc_status(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` field in KiB (VmHWM, VmRSS), 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Speaker:
    """One aiobgp or ExaBGP process run on a configuration in its own work directory."""

    def __init__(
        self,
        name: str,
        work: Path,
        config: str,
        *,
        profile: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.env = dict(EXABGP_ENV, **(env or {}))
        self.work = work
        self.conf = work / f"{name}.conf"
        self.conf.write_text(config)
        self.log = work / f"{name}.log"
        self.profile = profile
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, **self.env)
        if self.name == "aiobgp":
            env.update(exabgp_log_level="INFO", exabgp_log_short="false")
            env.update(AIOBGP_ENV)  # may override the log level
            command = [sys.executable, "-m", "aiobgp", str(self.conf)]
            if self.profile is not None:
                command[1:1] = ["-m", "cProfile", "-o", str(self.profile)]
        else:
            env.update(exabgp_log_level="WARNING")
            command = [str(ORACLE), str(self.conf)]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def check(self) -> None:
        """Raise when the speaker died."""
        if self.proc is not None and self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RunFailed(f"{self.name} exited with {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def finish(self, run: Run) -> Run:
        """Fill in peak RSS and CPU time of a run that is over (the process still runs)."""
        run.rss_peak_kib = proc_status(self.pid, "VmHWM")
        run.cpu_s = cpu_seconds(self.pid)
        return run


def neighbor_block(speaker_ip: str, peer_ip: str, body: str = "", family: str = "ipv4") -> str:
    return (
        f"neighbor {peer_ip} {{\n  router-id {speaker_ip};\n  local-address {speaker_ip};\n"
        f"  local-as {SPEAKER_AS};\n  peer-as {PEER_AS};\n  hold-time 90;\n"
        f"  family {{ {family} unicast; }}\n{body}}}\n"
    )


def process_block(name: str, argv: list[str]) -> str:
    return f"process {name} {{\n  run {' '.join(argv)};\n  encoder json;\n}}\n"


def wait(
    what: str,
    check: Callable[[], bool],
    timeout: float,
    alive: Callable[[], None],
    progress: Callable[[], str] | None = None,
    interval: float = POLL,
) -> None:
    """Poll ``check`` every ``interval`` until true; print ``progress()`` every few seconds; raise
    on timeout."""
    start = time.monotonic()
    shown = start
    while not check():
        alive()
        now = time.monotonic()
        if now - start > timeout:
            raise RunFailed(f"no {what} after {timeout:.0f} s")
        if progress is not None and now - shown >= 5:
            shown = now
            print(f"      ... {now - start:5.0f} s  {progress()}", flush=True)
        time.sleep(interval)


def read_json(path: Path) -> dict[str, float]:
    try:
        data: dict[str, float] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data


# --------------------------------------------------------------------------- peers


class Peer:
    """The real peer of a group of scenarios: BIRD or GoBGP, with its table loaded, session disabled."""

    def __init__(self, daemon: PeerDaemon, speaker_ip: str, family: str = "ipv4") -> None:
        self.daemon = daemon
        self.speaker_ip = speaker_ip
        self.family = family

    def enable(self) -> None:
        if isinstance(self.daemon, Bird):
            self.daemon.cli("enable", Bird.PROTOCOL)
        else:
            self.daemon.cli("neighbor", self.speaker_ip, "enable")

    def disable(self) -> None:
        if isinstance(self.daemon, Bird):
            self.daemon.cli("disable", Bird.PROTOCOL)
        else:
            self.daemon.cli("neighbor", self.speaker_ip, "disable")
        self.daemon.wait_for(lambda: not self.daemon.is_established(), 60, "session down")
        if isinstance(self.daemon, Bird):
            # BIRD flushes a big table after the session is down: the next run must start from zero
            self.daemon.wait_for(lambda: self.received() == 0, 120, "routes of the last run flushed")

    def received(self) -> int:
        return self.daemon.received_count(self.family)


def table_file(kind: str, n: int, fmt: str, next_hop: str = "") -> Path:
    """The generated table for ``n`` prefixes (cached across runs of the benchmark)."""
    TABLE_CACHE.mkdir(exist_ok=True)
    path = TABLE_CACHE / f"{kind}-{n}{'-' + next_hop if next_hop else ''}.{fmt}"
    if path.exists():
        return path
    print(f"  generating the {kind} table of {n:,} prefixes ({fmt}) ...", flush=True)
    partial = path.with_suffix(".partial")
    if kind == "uniform":
        tables.write_bird_uniform(partial, tables.uniform(n))
    elif kind == "realistic6":
        tables.write_bird(partial, tables.realistic6(n), ipv6=True)
    elif fmt == "bird":
        tables.write_bird(partial, tables.realistic(n))
    else:
        tables.write_mrt(partial, tables.realistic(n), next_hop, PEER_AS)
    partial.rename(path)
    return path


def gobgp_inject(gobgp: GoBgp, mrt: Path, n: int) -> None:
    """``gobgp mrt inject global FILE``, working around GoBGP 3.10's lost stream tail.

    The client exits before gRPC flushes its last routes: delay its exit with strace when available,
    then re-inject what is missing (``mrt inject global FILE COUNT SKIP``).
    """
    base = ["gobgp", "-p", str(gobgp.api_port), "mrt", "inject", "global", str(mrt)]
    delay = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "inject=exit_group:delay_enter=1500000"]
    command = delay + base if shutil.which("strace") else base
    subprocess.run(command, check=True, timeout=1800, capture_output=True)
    for _ in range(5):
        have = _gobgp_rib_count(gobgp)
        if have >= n:
            return
        subprocess.run([*command, str(n - have), str(have)], check=True, timeout=1800, capture_output=True)
        time.sleep(1)
    raise PeerError(f"GoBGP holds {_gobgp_rib_count(gobgp)} of {n} injected routes")


def _gobgp_rib_count(gobgp: GoBgp) -> int:
    out = gobgp.cli("global", "rib", "-a", "ipv4", "summary")
    m = re.search(r"Destination:\s*(\d+)", out)
    return int(m.group(1)) if m else 0


@contextmanager
def start_peer(
    table: str, n: int, work: Path, speaker_ip: str, peer_ip: str, fleet_hold: int = 90
) -> Iterator[Peer]:
    """Start the peer for ``table`` with ``n`` prefixes loaded and its session to the speaker disabled."""
    common: dict[str, Any] = dict(
        local_ip=peer_ip, peer_ip=speaker_ip, local_as=PEER_AS, peer_as=SPEAKER_AS, passive=True
    )
    daemon: PeerDaemon
    originated = n if table in ("realistic", "uniform", "gobgp", "realistic6") else 0
    if table == "gobgp":
        daemon = GoBgp(workdir=work / "gobgp", ready_timeout=60, **common)
    elif table == "fleet":
        speaker_ips, peer_ips = fleet_addresses(n)
        del common["local_ip"], common["peer_ip"]
        common["hold"] = fleet_hold
        daemon = BirdFleet(workdir=work / "bird", local_ips=peer_ips, peer_ips=speaker_ips, **common)
        speaker_ip, peer_ip = f"{speaker_ips[0]}...{speaker_ips[-1]}", f"{peer_ips[0]}...{peer_ips[-1]}"
    else:
        ipv6 = table.endswith("6")
        routes_file = table_file(table, n, "bird") if originated else None
        daemon = Bird(
            workdir=work / "bird",
            routes_file=None if ipv6 else routes_file,
            routes_file6=routes_file if ipv6 else None,
            ipv6=ipv6,
            extra="  disabled;\n",
            ready_timeout=600,
            **common,
        )
    sessions = f" ({n:,} BGP protocols)" if table == "fleet" else ""
    print(f"  starting {daemon.kind}{sessions} on {peer_ip} with {originated:,} routes ...", flush=True)
    started = time.monotonic()
    try:
        daemon.start()
        if isinstance(daemon, GoBgp):
            daemon.cli("neighbor", speaker_ip, "disable")
            gobgp_inject(daemon, table_file("realistic", n, "mrt", peer_ip), n)
        elif originated:
            daemon.wait_for(
                lambda: f"{n} of {n} routes" in daemon.cli("show", "route", "count"), 900, "routes"
            )
        print(f"  {daemon.kind} ready in {time.monotonic() - started:.1f} s", flush=True)
        yield Peer(daemon, speaker_ip, "ipv6" if table.endswith("6") else "ipv4")
    finally:
        daemon.stop()


# --------------------------------------------------------------------------- runners


@dataclass
class Context:
    """What every runner needs: the peer, addresses, work directory, options."""

    peer: Peer
    speaker_ip: str
    peer_ip: str
    work: Path
    timeout: float
    exabgp_ack: bool
    fleet_routes: int = 1_000
    fleet_soak: float = 35.0
    fleet_cap: float = 900.0
    fleet_hold: int = 90
    profile: Path | None = None
    count: int = 0

    def workdir(self, name: str) -> Path:
        self.count += 1
        path = self.work / f"{self.count:03d}-{name}"
        path.mkdir()
        return path


def receive(ctx: Context, scenario: Scenario, speaker_name: str, n: int) -> Run:
    """Scenarios 1-4 and 9: the peer sends its table; timed from session up (GoBGP: from its first
    UPDATE) to the helper's End-of-RIB (or N-th prefix), or, without helper (aiobgp, scenario 4), to
    the End-of-RIB log line."""
    work = ctx.workdir(f"{scenario.name}-{speaker_name}")
    helper = not (scenario.name == "adj-rib-in" and speaker_name == "aiobgp")
    result = work / "counter.json"
    body = ""
    config = ""
    if helper:
        argv = [sys.executable, str(COUNTER), str(result), "--family", scenario.family]
        if scenario.table == "gobgp":
            argv += ["--target", str(n)]
        config = process_block("counter", argv)
        body = (
            "  api {\n    processes [ counter ];\n    neighbor-changes;\n"
            "    receive { parsed; update; }\n  }\n"
        )
    neighbor = neighbor_block(ctx.speaker_ip, ctx.peer_ip, body, scenario.family)
    speaker = Speaker(speaker_name, work, config + neighbor, profile=ctx.profile)
    expiries = ctx.peer.daemon.hold_timer_expiries()
    speaker.start()
    try:
        time.sleep(SETTLE)
        speaker.check()
        before = proc_status(speaker.pid, "VmRSS")
        ctx.peer.enable()
        if helper:
            progress_file = Path(str(result) + ".progress")

            def helper_progress() -> str:
                return f"helper has {int(read_json(progress_file).get('prefixes', 0)):,} prefixes"

            def alive() -> None:
                speaker.check()
                if speaker.name == "aiobgp" and DROPPED in speaker.log.read_text(errors="replace"):
                    raise RunFailed("aiobgp dropped events: the helper fell more than api.buffer behind")

            wait("End-of-RIB at the helper", result.exists, ctx.timeout, alive, helper_progress)
            data = read_json(result)
            # GoBGP holds its table back for ~35 s after the session is up (its own timer, the same for
            # every speaker): its scenario is timed from the first UPDATE instead
            seconds = data["done"] - data["first" if scenario.table == "gobgp" else "up"]
            if int(data["prefixes"]) != n:
                print(f"      warning: the helper counted {int(data['prefixes']):,} prefixes, not {n:,}")
        else:
            seconds = _log_receive_time(speaker, n, ctx.timeout)
        time.sleep(0.5)
        run = Run(speaker_name, scenario.name, n, seconds, 0, before, proc_status(speaker.pid, "VmRSS"))
        speaker.finish(run)
        if helper and scenario.name == "adj-rib-in":
            run.notes.append("ExaBGP: with its JSON helper (no other way to see its table)")
    finally:
        speaker.stop()
        ctx.peer.disable()
    run.hold_timer_expiries = ctx.peer.daemon.hold_timer_expiries() - expiries
    return run


_STAMP = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \d+ INFO: "


def _log_receive_time(speaker: Speaker, n: int, timeout: float) -> float:
    """Seconds from aiobgp's "session established" log line to its ipv4 End-of-RIB line."""
    up_re = re.compile(_STAMP + r"BGP session established", re.M)
    eor_re = re.compile(_STAMP + r".*End-of-RIB for ipv4 unicast \((\d+) prefixes", re.M)
    found: dict[str, re.Match[str]] = {}

    def seen() -> bool:
        text = speaker.log.read_text(errors="replace")
        for key, pattern in (("up", up_re), ("eor", eor_re)):
            m = pattern.search(text)
            if m:
                found[key] = m
        return "up" in found and "eor" in found

    def progress() -> str:
        counts = re.findall(r"(\d+) prefixes received so far", speaker.log.read_text(errors="replace"))
        return f"aiobgp logged {int(counts[-1]):,} prefixes" if counts else "waiting for the session"

    wait("End-of-RIB log line", seen, timeout, speaker.check, progress)
    received = int(found["eor"].group(2))
    if received != n:
        print(f"      warning: aiobgp received {received:,} prefixes, not {n:,}")
    return _stamp(found["eor"].group(1)) - _stamp(found["up"].group(1))


def _stamp(text: str) -> float:
    """Seconds since the epoch of a log time stamp ``2026-11-26 14:47:19.236`` (local time)."""
    return time.mktime(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S")) + float(text[19:])


def _wait_bird_holds(ctx: Context, speaker: Speaker, n: int) -> float:
    """Poll the peer until it holds ``n`` routes from the speaker; the time it first did."""
    wait(
        f"{n} routes at the peer",
        lambda: ctx.peer.received() >= n,
        ctx.timeout,
        speaker.check,
        lambda: f"peer holds {ctx.peer.received():,} routes",
    )
    return time.time()


def announce(ctx: Context, scenario: Scenario, speaker_name: str, n: int) -> Run:
    """Scenarios 5, 6 and 10: a helper writes N announce lines once the session is up; timed from
    its first line to the peer holding all N; RSS before the first line and once the peer holds them."""
    work = ctx.workdir(f"{scenario.name}-{speaker_name}")
    go, stamp = work / "go", work / "stamp.json"
    argv = [sys.executable, str(ANNOUNCER), str(n), "--go", str(go), "--stamp", str(stamp)]
    if scenario.family == "ipv6":
        # ExaBGP 5.0.15 refuses next-hop self on an IPv6 route over an IPv4 session: both speakers
        # get the address aiobgp's next-hop self stands for there, written out
        argv += ["--ipv6", "--next-hop", f"::ffff:{ctx.speaker_ip}"]
    if speaker_name == "exabgp" and ctx.exabgp_ack:
        argv.append("--drain")  # ExaBGP blocks on a helper that leaves its acknowledgements unread
    config = process_block("announcer", argv) + neighbor_block(
        ctx.speaker_ip, ctx.peer_ip, "  api {\n    processes [ announcer ];\n  }\n", scenario.family
    )
    env = {"exabgp_api_ack": "false"} if speaker_name == "exabgp" and not ctx.exabgp_ack else {}
    speaker = Speaker(speaker_name, work, config, profile=ctx.profile, env=env)
    expiries = ctx.peer.daemon.hold_timer_expiries()
    speaker.start()
    try:
        ctx.peer.enable()
        ctx.peer.daemon.wait_for(ctx.peer.daemon.is_established, 60, "session Established")
        time.sleep(SETTLE)
        speaker.check()
        before = proc_status(speaker.pid, "VmRSS")
        go.touch()
        end = _wait_bird_holds(ctx, speaker, n)
        seconds = end - read_json(stamp)["start"]
        time.sleep(1.0)
        name = "announce" if scenario.name == "adj-rib-out" else scenario.name
        run = Run(speaker_name, name, n, seconds, 0, before, proc_status(speaker.pid, "VmRSS"))
        speaker.finish(run)
    finally:
        speaker.stop()
        ctx.peer.disable()
    run.hold_timer_expiries = ctx.peer.daemon.hold_timer_expiries() - expiries
    return run


def static(ctx: Context, scenario: Scenario, speaker_name: str, n: int) -> Run:
    """Scenario 7: N ``route P next-hop self;`` in the configuration; process start -> peer holds all."""
    work = ctx.workdir(f"static-{speaker_name}")
    routes = "".join(f"    route {prefix} next-hop self;\n" for prefix in tables.uniform(n, 20 << 24))
    config = neighbor_block(ctx.speaker_ip, ctx.peer_ip, f"  static {{\n{routes}  }}\n")
    speaker = Speaker(speaker_name, work, config, profile=ctx.profile)
    expiries = ctx.peer.daemon.hold_timer_expiries()
    ctx.peer.enable()
    start = time.time()
    speaker.start()
    try:
        seconds = _wait_bird_holds(ctx, speaker, n) - start
        run = speaker.finish(Run(speaker_name, "static", n, seconds, 0))
    finally:
        speaker.stop()
        ctx.peer.disable()
    run.hold_timer_expiries = ctx.peer.daemon.hold_timer_expiries() - expiries
    return run


def fleet_addresses(peers: int) -> tuple[list[str], list[str]]:
    """(speaker addresses 127.77.x.y, BIRD addresses 127.78.x.y) of scenario 8, one pair per peer."""
    pairs = [(k // 250, k % 250 + 1) for k in range(peers)]
    return [f"127.77.{a}.{b}" for a, b in pairs], [f"127.78.{a}.{b}" for a, b in pairs]


def fleet_config(peers: int, announcer: list[str], hold: int) -> str:
    """One helper, one template with everything the neighbors share, and one short block per peer."""
    template = (
        "template {\n  neighbor fleet {\n"
        f"    local-as {SPEAKER_AS};\n    peer-as {PEER_AS};\n    hold-time {hold};\n"
        "    family { ipv4 unicast; }\n    api { processes [ announcer ]; }\n  }\n}\n"
    )
    neighbors = "".join(
        f"neighbor {peer} {{\n  inherit fleet;\n  router-id {local};\n  local-address {local};\n}}\n"
        for local, peer in zip(*fleet_addresses(peers), strict=True)
    )
    return process_block("announcer", announcer) + template + neighbors


_BIRD_UP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) <\w+> (p\d+): BGP session established$", re.M)


def _all_up_at(bird_log: str) -> float:
    """When the last protocol of a fleet came up, by BIRD's own log (a busy BIRD answers birdc late)."""
    first: dict[str, str] = {}
    for stamp, name in _BIRD_UP.findall(bird_log):
        first.setdefault(name, stamp)
    return max(_stamp(stamp) for stamp in first.values())


# The speaker's own hold timer expired: the NOTIFICATION 4/0 it sent, as each one logs it.
_HOLD_SENT = {
    "aiobgp": re.compile(r"NOTIFICATION sent to \S+: 4/0"),
    "exabgp": re.compile(r"^(?!.*receiv).*hold timer expired", re.I),
}


def fleet(ctx: Context, scenario: Scenario, speaker_name: str, peers: int) -> Run:
    """Scenario 8: ``peers`` sessions, each sent ``ctx.fleet_routes`` routes by one helper's lines
    (written at once: routes wait in each neighbor's Adj-RIB-Out until its session is up).

    Timed from process start to every BIRD protocol Established, and to BIRD holding every route of
    every protocol; the sessions are then kept ``ctx.fleet_soak`` seconds. ExaBGP gets at most
    ``ctx.fleet_cap`` seconds; the failure then says how far it got.
    """
    bird = ctx.peer.daemon
    assert isinstance(bird, BirdFleet)
    routes = ctx.fleet_routes
    total = peers * routes
    work = ctx.workdir(f"peers-{speaker_name}")
    go, stamp = work / "go", work / "stamp.json"
    go.touch()
    argv = [sys.executable, str(ANNOUNCER), str(routes), "--go", str(go), "--stamp", str(stamp)]
    if speaker_name == "exabgp" and ctx.exabgp_ack:
        argv.append("--drain")
    speaker = Speaker(speaker_name, work, fleet_config(peers, argv, ctx.fleet_hold), profile=ctx.profile)
    timeout = ctx.timeout if speaker_name == "aiobgp" else min(ctx.timeout, ctx.fleet_cap)
    expiries = bird.hold_timer_expiries()
    seen = {"up": 0, "routes": 0}

    def all_up() -> bool:
        seen["up"] = bird.established_count()
        return seen["up"] >= peers

    def all_routes() -> bool:
        seen["routes"] = bird.total_routes()
        return seen["routes"] >= total

    def progress() -> str:
        return f"{seen['up']:,}/{peers:,} Established, BIRD holds {seen['routes']:,}/{total:,} routes"

    log_offset = len(bird.log())
    start = time.time()
    speaker.start()
    try:
        try:
            wait("every session Established", all_up, timeout, speaker.check, progress, FLEET_POLL)
            established = _all_up_at(bird.log()[log_offset:]) - start
            wait(
                "every route at BIRD", all_routes, timeout - established, speaker.check, progress, FLEET_POLL
            )
        except RunFailed as failure:
            raise RunFailed(f"{failure}: {progress()}") from None
        seconds = time.time() - start
        counts = bird.received_counts()
        short = sorted(name for name in bird.names if counts.get(name) != routes)
        if short:
            raise RunFailed(f"{len(short)} protocols do not hold {routes} routes: {short[:5]}")
        run = speaker.finish(Run(speaker_name, scenario.name, total, seconds, 0, peers=peers))
        run.established_s = established
        cpu = run.cpu_s
        print(
            f"      all delivered after {seconds:.1f} s; keeping the sessions {ctx.fleet_soak:.0f} s",
            flush=True,
        )
        end = time.monotonic() + ctx.fleet_soak
        while time.monotonic() < end:
            speaker.check()
            time.sleep(FLEET_POLL)
        up = bird.established_count()
        run.notes.append(
            f"{up}/{peers} Established {ctx.fleet_soak:.0f} s later, CPU "
            f"{cpu_seconds(speaker.pid) - cpu:.2f} s meanwhile; BIRD CPU {cpu_seconds(bird.pid or 0):.1f} s"
        )
        if up != peers:
            raise RunFailed(f"only {up}/{peers} sessions Established {ctx.fleet_soak:.0f} s after delivery")
    finally:
        speaker.stop()
        run_log = speaker.log.read_text(errors="replace")
        try:
            bird.wait_for(lambda: bird.total_routes() == 0, 300, "every route withdrawn")
        except PeerError as error:
            print(f"      warning: {str(error).splitlines()[0]}", flush=True)
    run.hold_timer_expiries = bird.hold_timer_expiries() - expiries
    run.speaker_hold_expiries = sum(
        1 for line in run_log.splitlines() if _HOLD_SENT[speaker_name].search(line)
    )
    return run


RUNNERS: dict[str, Callable[[Context, Scenario, str, int], Run]] = {
    "realistic": receive,
    "gobgp": receive,
    "uniform": receive,
    "adj-rib-in": receive,
    "announce": announce,
    "adj-rib-out": announce,
    "static": static,
    "peers": fleet,
    "ipv6-receive": receive,
    "ipv6-announce": announce,
}


def run_key(scenario: Scenario, speaker: str, n: int) -> tuple[str, str, int]:
    """Runs that measure the same thing are shared between scenarios: scenario 6 reads scenario 5's
    runs, and ExaBGP's Adj-RIB-In run (scenario 4) is its JSON-helper run of scenario 1."""
    name = scenario.name
    if name == "adj-rib-out":
        name = "announce"
    if name == "adj-rib-in" and speaker == "exabgp":
        name = "realistic"
    return name, speaker, n


# --------------------------------------------------------------------------- report


def save_profile(profile: Path, scenario: Scenario, n: int) -> Path:
    out = RESULTS / f"profile-{scenario.name}.txt"
    text = io.StringIO()
    text.write(f"aiobgp profile, scenario {scenario.number} {scenario.name} ({scenario.title}), N={n:,}\n\n")
    for order in ("cumulative", "tottime"):
        text.write(f"=== sorted by {order} ===\n")
        pstats.Stats(str(profile), stream=text).strip_dirs().sort_stats(order).print_stats(40)
    out.write_text(text.getvalue())
    return out


def median(runs: list[Run], value: Callable[[Run], float]) -> float:
    return statistics.median(value(r) for r in runs)


@dataclass
class Row:
    scenario: Scenario
    n: int
    aiobgp: list[Run]
    exabgp: list[Run]
    with_exabgp: bool = True

    def cells(self) -> list[str]:
        cells = [
            f"{self.scenario.number} {self.scenario.name}",
            _n(self.n, self.exabgp, self.aiobgp + self.exabgp),
        ]
        for runs, ran in ((self.aiobgp, True), (self.exabgp, self.with_exabgp)):
            if not runs:
                cells += ["failed" if ran else "-", "-", "-", "-"]
                continue
            per_route = median(runs, lambda r: r.bytes_per_route) if runs[0].rss_after_kib else 0.0
            cells += [
                f"{median(runs, lambda r: r.seconds):.2f}",
                f"{median(runs, lambda r: r.rate):,.0f}",
                f"{max(r.rss_peak_kib for r in runs) / 1024:.0f}",
                f"{per_route:.0f}" if per_route else "-",
            ]
        cells.append(self.ratio())
        return cells

    def ratio(self) -> str:
        if not self.aiobgp or not self.exabgp:
            return "-"
        if self.scenario.memory:
            ours = median(self.aiobgp, lambda r: r.bytes_per_route)
            theirs = median(self.exabgp, lambda r: r.bytes_per_route)
            return f"{theirs / ours:.1f}x mem" if ours > 0 else "-"
        return f"{median(self.aiobgp, lambda r: r.rate) / median(self.exabgp, lambda r: r.rate):.1f}x"


def _n(n: int, exabgp: list[Run], runs: list[Run]) -> str:
    if runs and runs[0].peers:
        return f"{runs[0].peers:,} x {runs[0].n // runs[0].peers:,}"
    text = f"{n:,}"
    if exabgp and exabgp[0].n != n:
        text += f" (ExaBGP {exabgp[0].n:,})"
    return text


HEADER = [
    "scenario", "N", "aiobgp s", "prefixes/s", "RSS MiB", "B/route",
    "ExaBGP s", "prefixes/s", "RSS MiB", "B/route", "ratio",
]  # fmt: skip


def print_table(rows: list[Row], markdown: bool) -> None:
    body = [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in [HEADER, *body]) for i in range(len(HEADER))]
    print("\naiobgp vs ExaBGP 5.0.15 (median of the runs; RSS: peak of the speaker process)")
    for line in [HEADER, *body]:
        print(
            "  ".join(
                c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    if markdown:
        print()
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "---|" * len(HEADER))
        for line in body:
            print("| " + " | ".join(line) + " |")


# --------------------------------------------------------------------------- main


def exabgp_size(scenario: Scenario, n: int, cap: int) -> int:
    """ExaBGP's N: capped in scenarios 5-7 and 10, where a full size would take it hours."""
    return min(n, cap) if scenario.table in ("empty", "empty6") else n


def run_scenario(
    ctx: Context,
    scenario: Scenario,
    n: int,
    args: argparse.Namespace,
    with_exabgp: bool,
    runs: dict[tuple[str, str, int], list[Run]],
    stamp: dict[str, object],
) -> Row:
    """The ABAB runs of one scenario at one size (reusing runs other scenarios already made)."""
    pairs = args.pairs or (3 if n <= 100_000 and scenario.table != "fleet" else 1)
    runner = RUNNERS[scenario.name]
    sizes = {"aiobgp": n, "exabgp": exabgp_size(scenario, n, args.exabgp_cap)}
    speakers = ["aiobgp", "exabgp"] if with_exabgp else ["aiobgp"]
    print(f"  scenario {scenario.number} {scenario.name}: {scenario.title}", flush=True)
    for pair in range(pairs):
        for name in speakers:
            key = run_key(scenario, name, sizes[name])
            done = runs.setdefault(key, [])
            if len(done) > pair:
                continue
            print(f"    {name} run {pair + 1}/{pairs}, N={sizes[name]:,}", flush=True)
            try:
                run = runner(ctx, scenario, name, sizes[name])
            except RunFailed as failure:
                run = Run(name, key[0], sizes[name], 0.0, 0, error=str(failure))
                print(f"    {name:7} FAILED: {failure}", flush=True)
            done.append(run)
            with (RESULTS / "bench.jsonl").open("a") as out:
                record = {**stamp, **asdict(run), "scenario": key[0], "time": time.time()}
                if name == "aiobgp" and AIOBGP_ENV:
                    record["settings"] = dict(AIOBGP_ENV)
                out.write(json.dumps(record) + "\n")
            if run.error:
                continue
            per_route = f"  {run.bytes_per_route:6.0f} B/route" if run.rss_after_kib else ""
            if run.peers:
                per_route = f"  all Established after {run.established_s:.1f} s"
                if run.speaker_hold_expiries:
                    per_route += f"  SPEAKER HOLD TIMER EXPIRED x{run.speaker_hold_expiries}"
            expired = f"  HOLD TIMER EXPIRED x{run.hold_timer_expiries}" if run.hold_timer_expiries else ""
            print(
                f"    {name:7} {run.n:>9,}: {run.seconds:8.2f} s {run.rate:>11,.0f}/s"
                f"  peak RSS {run.rss_peak_kib / 1024:6.0f} MiB  CPU {run.cpu_s:6.2f} s{per_route}{expired}",
                flush=True,
            )
    if args.profile:
        profile = ctx.work / f"profile-{scenario.name}-{n}.prof"
        ctx.profile = profile
        try:
            print(f"    aiobgp under cProfile, N={n:,}", flush=True)
            runner(ctx, scenario, "aiobgp", n)
        except RunFailed as failure:  # the profile of a failed run still shows where the time went
            print(f"    aiobgp under cProfile FAILED: {failure}", flush=True)
        finally:
            ctx.profile = None
        if profile.exists():
            print(f"    profile: {save_profile(profile, scenario, n)}", flush=True)

    def valid(speaker: str) -> list[Run]:
        return [r for r in runs.get(run_key(scenario, speaker, sizes[speaker]), [])[:pairs] if not r.error]

    return Row(scenario, n, valid("aiobgp"), valid("exabgp") if with_exabgp else [], with_exabgp)


def print_notes(rows: list[Row], failed: list[Run], args: argparse.Namespace, with_exabgp: bool) -> None:
    names = {row.scenario.name for row in rows}
    notes = [
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}: figures are "
        "noisy when other work shares the machine (peers, helpers and speaker compete for the same cores).",
        "prefixes/s: N / median time; ratio: aiobgp rate / ExaBGP rate (scenario 6: ExaBGP bytes per "
        "route / aiobgp bytes per route). B/route: (RSS once done - RSS before) / N. RSS is the "
        "speaker process's alone (helpers excluded).",
    ]
    if with_exabgp and names & {"announce", "adj-rib-out", "static", "ipv6-announce"}:
        notes.append(
            f"ExaBGP's N is capped at {args.exabgp_cap:,} in scenarios 5-7 and 10 "
            "(compare rates, not times); "
            + (
                "api.ack on: its announcer drains the acknowledgements (ExaBGP blocks otherwise); "
                "aiobgp's announcer never reads them."
                if args.exabgp_ack == "on"
                else "ExaBGP runs with exabgp_api_ack=false."
            )
        )
    if with_exabgp and "adj-rib-in" in names:
        notes.append(
            "scenario 4, ExaBGP: its JSON-helper run of scenario 1 (it has no observable table otherwise)."
        )
    if names & {"realistic", "uniform", "adj-rib-in"}:
        notes.append(
            "BIRD sends its last UPDATE and the End-of-RIB 0.5-2 s after the rest of a table (packet "
            "captures): at small N that delay, not the speaker, sets the receive times."
        )
    if "gobgp" in names:
        notes.append(
            "scenario 2: GoBGP sends no End-of-RIB without graceful restart; timed to the N-th prefix."
        )
    if "peers" in names:
        notes.append(
            f"scenario 8: N is peers x routes per peer; time: process start -> BIRD holds every route "
            f"of every protocol; hold time {args.fleet_hold} s, sessions kept {args.fleet_soak:.0f} s after "
            f"delivery; ExaBGP capped at {args.fleet_cap:.0f} s."
        )
        for row in rows:
            for r in row.aiobgp + row.exabgp if row.scenario.name == "peers" else []:
                notes.append(
                    f"scenario 8, {r.speaker}: all Established after {r.established_s:.1f} s, all "
                    f"routes after {r.seconds:.1f} s, CPU {r.cpu_s:.1f} s, hold-timer expiries: BIRD "
                    f"{r.hold_timer_expiries}, {r.speaker} {r.speaker_hold_expiries}; " + "; ".join(r.notes)
                )
    if AIOBGP_ENV:
        notes.append("aiobgp settings: " + " ".join(f"{k}={v}" for k, v in AIOBGP_ENV.items()))
    expired = sum(r.hold_timer_expiries for row in rows for r in row.aiobgp + row.exabgp)
    notes.append(f"hold timer expiries seen by the peers: {expired}")
    notes.extend(f"FAILED: {r.speaker} {r.scenario} N={r.n:,}: {r.error.splitlines()[0]}" for r in failed)
    for note in notes:
        print(f"* {note}")


def plan(args: argparse.Namespace) -> list[tuple[Scenario, int]]:
    chosen: list[Scenario] = []
    for word in args.scenarios:
        match = [s for s in SCENARIOS if word in (s.name, str(s.number))]
        if not match:
            raise SystemExit(f"unknown scenario {word!r}: use one of {', '.join(s.name for s in SCENARIOS)}")
        chosen.extend(m for m in match if m not in chosen)
    if not args.gobgp_ok:
        skipped = [s for s in chosen if s.table == "gobgp"]
        if skipped:
            print("GoBGP is not installed: skipping scenario 2")
            chosen = [s for s in chosen if s.table != "gobgp"]

    def sizes(scenario: Scenario) -> tuple[int, ...]:
        if args.sizes:
            return tuple(args.sizes)
        if args.quick:
            return (QUICK_PEERS,) if scenario.table == "fleet" else (QUICK,)
        return scenario.sizes

    return [(s, n) for s in chosen for n in sizes(s)]


@contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    """A work directory under /tmp, removed afterwards unless ``keep``."""
    path = Path(tempfile.mkdtemp(prefix="aiobgp-bench-", dir="/tmp"))
    try:
        yield path
    finally:
        if keep:
            print(f"work directory kept: {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenarios", nargs="+", default=[s.name for s in SCENARIOS], metavar="NAME")
    parser.add_argument("--sizes", type=int, nargs="+", help="sizes for every chosen scenario")
    parser.add_argument("--quick", action="store_true", help=f"every scenario at {QUICK:,} prefixes")
    parser.add_argument(
        "--pairs", type=int, help="aiobgp/ExaBGP pairs per size (default 3 up to 100k, else 1)"
    )
    parser.add_argument("--no-exabgp", action="store_true", help="time aiobgp only")
    parser.add_argument(
        "--exabgp-cap",
        type=int,
        default=20_000,
        help="largest N given to ExaBGP in scenarios 5-7 (default 20k)",
    )
    parser.add_argument(
        "--exabgp-ack", choices=("on", "off"), default="on", help="ExaBGP's api.ack (scenario 5)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="one more aiobgp run per scenario under cProfile"
    )
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument(
        "--aiobgp-env", nargs="+", default=[], metavar="NAME=VALUE", help="settings for aiobgp only"
    )
    parser.add_argument(
        "--fleet-routes", type=int, default=1_000, help="routes sent to each peer in scenario 8 (1,000)"
    )
    parser.add_argument(
        "--fleet-soak", type=float, default=35.0, help="seconds scenario 8 keeps the sessions after delivery"
    )
    parser.add_argument(
        "--fleet-hold", type=int, default=90, help="hold time of scenario 8's sessions, both sides (90)"
    )
    parser.add_argument(
        "--fleet-cap", type=float, default=900.0, help="seconds ExaBGP gets in scenario 8 (900)"
    )
    parser.add_argument(
        "--loopback",
        type=int,
        default=88,
        help="scenarios 1-7, 9, 10 use 127.L.G.1 (speaker) and 127.L.G.2 (peer), G per group (88)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (configs, logs)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds one run may take")
    args = parser.parse_args()
    args.gobgp_ok = GoBgp.available() and bool(shutil.which("strace"))
    if not Bird.available():
        raise SystemExit("BIRD is not installed (make peers)")
    with_exabgp = not args.no_exabgp
    if with_exabgp and not ORACLE.exists():
        print(f"ExaBGP 5.0.15 not found at {ORACLE} (make oracle): timing aiobgp only")
        with_exabgp = False
    AIOBGP_ENV.update(item.split("=", 1) for item in args.aiobgp_env)
    todo = plan(args)
    RESULTS.mkdir(exist_ok=True)
    machine = {"machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()}
    session = time.strftime("%Y-%m-%dT%H:%M:%S")
    runs: dict[tuple[str, str, int], list[Run]] = {}
    rows: list[Row] = []
    tables_order = ("realistic", "gobgp", "uniform", "empty", "realistic6", "empty6", "fleet")
    groups = sorted({(s.table, n) for s, n in todo}, key=lambda g: (tables_order.index(g[0]), g[1]))
    with workspace(args.keep) as tmp:
        for index, (table, n) in enumerate(groups):
            speaker_ip, peer_ip = f"127.{args.loopback}.{index}.1", f"127.{args.loopback}.{index}.2"
            members = [s for s, size in todo if s.table == table and size == n]
            work = Path(tmp, f"g{index}")
            work.mkdir()
            print(f"\n== {', '.join(f'{s.number} {s.name}' for s in members)}: N={n:,}", flush=True)
            with start_peer(table, n, work, speaker_ip, peer_ip, args.fleet_hold) as peer:
                ctx = Context(
                    peer,
                    speaker_ip,
                    peer_ip,
                    work,
                    args.timeout,
                    args.exabgp_ack == "on",
                    args.fleet_routes,
                    args.fleet_soak,
                    args.fleet_cap,
                    args.fleet_hold,
                )
                for scenario in members:
                    rows.append(
                        run_scenario(
                            ctx, scenario, n, args, with_exabgp, runs, {"session": session, **machine}
                        )
                    )
    rows.sort(key=lambda r: (r.scenario.number, r.n))
    print_table(rows, args.markdown)
    failed = [r for done in runs.values() for r in done if r.error]
    print_notes(rows, failed, args, with_exabgp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
