"""Helper processes, black box: aiobgp daemons on loopback driven by helper programs.

Speaker A (AS 65001) runs the helpers under test; speaker B (AS 65000) is its peer and records what
it receives through its own JSON helper. Tests talk to a helper through a FIFO: the ``Driver``
helper copies every line written to its FIFO to aiobgp, and appends everything aiobgp writes to
it (answers, command output, events) to a transcript file the test reads.

The harness (``Lab``, ``Driver``, ``neighbor``, ``rib``) is also used by test_examples.py and by
tests/interop/test_api_interop.py.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from speaker import Speaker

from aiobgp.runtime.api import COMMANDS_LOGGED

# --- harness ---------------------------------------------------------------------------------------

DRIVER = f"""\
#!{sys.executable}
# Test helper: lines written to the FIFO (argv[1]) go to aiobgp; what aiobgp writes goes to argv[2].
import os, sys, threading

def forward():
    with os.fdopen(os.open(sys.argv[1], os.O_RDWR), "rb") as commands:
        for line in commands:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()

threading.Thread(target=forward, daemon=True).start()
with open(sys.argv[2], "ab", buffering=0) as transcript:
    for line in sys.stdin.buffer:
        transcript.write(line)
"""

# Writes argv[1] route announcements as fast as the pipe takes them, then never reads its stdin.
FLOOD = f"""\
#!{sys.executable}
import sys, time
count = int(sys.argv[1])
for start in range(0, count, 10000):
    sys.stdout.write("".join(
        f"announce route 10.{{i >> 16}}.{{(i >> 8) & 255}}.{{i & 255}}/32 next-hop self\\n"
        for i in range(start, min(count, start + 10000))
    ))
    sys.stdout.flush()
sys.stderr.write(f"[flood] wrote {{count}} commands, now sleeping without reading\\n")
sys.stderr.flush()
while True:
    time.sleep(3600)
"""

A_AS, B_AS = 65001, 65000
_PAIRS = itertools.count((os.getpid() * 7 + int(time.time())) % 60000)


def write_script(path: Path, text: str, mode: int = 0o755) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def flood_pairs() -> tuple[str, str]:
    """A fresh pair of loopback addresses (x.y.11 / x.y.12: never the interop fixtures' .1 / .2)."""
    n = 256 + next(_PAIRS) % 60000
    return f"127.{n >> 8}.{n & 255}.11", f"127.{n >> 8}.{n & 255}.12"


def free_port(*hosts: str) -> int:
    """A TCP port free on every one of ``hosts``."""
    while True:
        with socket.socket() as first:
            first.bind((hosts[0], 0))
            port: int = first.getsockname()[1]
            try:
                for host in hosts[1:]:
                    with socket.socket() as other:
                        other.bind((host, port))
            except OSError:
                continue
            return port


def neighbor(peer: str, local: str, local_as: int, peer_as: int, body: str = "") -> str:
    return f"""\
neighbor {peer} {{
    router-id {local};
    local-address {local};
    local-as {local_as};
    peer-as {peer_as};
{body}}}
"""


def api(*processes: str, extra: str = "") -> str:
    return f"    api {{\n        processes [ {' '.join(processes)} ];\n{extra}    }}\n"


RECORD = "        neighbor-changes;\n        receive { parsed; update; }\n"
# B only listens: when both sides connect at once, the collision can leave a runner believing its
# established session is down (reported as a bug), which would make these tests flaky.
PASSIVE = "    passive;\n"


def wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def is_event(line: str) -> bool:
    """A JSON event (``{ "exabgp": "5.0.0", ...``), not the JSON output of a ``show`` command."""
    return line.startswith("{") and '"exabgp"' in line[:16]


class Driver:
    """A helper the test drives: ``send`` lines to aiobgp, read what aiobgp answered or reported."""

    def __init__(self, workdir: Path, name: str) -> None:
        self.name = name
        self.fifo = workdir / f"{name}.fifo"
        self.transcript = workdir / f"{name}.transcript"
        os.mkfifo(self.fifo)
        self.script = write_script(workdir / f"{name}.py", DRIVER)

    def process(self, encoder: str = "text", settings: str = "") -> str:
        """The ``process`` block running this helper."""
        return (
            f"process {self.name} {{\n    run {self.script} {self.fifo} {self.transcript};\n"
            f"    encoder {encoder};\n{settings}}}\n"
        )

    def send(self, *lines: str, timeout: float = 15) -> None:
        data = "".join(line + "\n" for line in lines).encode()
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as error:  # ENXIO: the helper has not opened its FIFO yet
                if error.errno != errno.ENXIO or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            os.set_blocking(fd, True)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    def lines(self) -> list[str]:
        try:
            return self.transcript.read_text().splitlines()
        except FileNotFoundError:
            return []

    def answers(self) -> list[str]:
        """What aiobgp wrote that is no JSON event (answers, command output), blank lines left out."""
        return [x for x in self.lines() if x and not is_event(x)]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.lines() if is_event(x)]

    def wait_answers(self, count: int, timeout: float = 15) -> list[str]:
        return list(wait(lambda: len(a := self.answers()) >= count and a, timeout, f"{count} answers"))

    def ask(self, command: str, timeout: float = 15) -> list[str]:
        """Send one command; its output up to and including its ``done``/``error``."""
        start = len(self.answers())
        self.send(command)

        def finished() -> list[str] | None:
            new = self.answers()[start:]
            for index, line in enumerate(new):
                if line in ("done", "error"):
                    return new[: index + 1]
            return None

        answer: list[str] = wait(finished, timeout, f"the answer to {command!r}")
        return answer


def rib(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """prefix -> {"next-hop", "attribute", "family"}: the routes the recorded session holds now."""
    routes: dict[str, dict[str, Any]] = {}
    for event in events:
        neighbor_ = event.get("neighbor", {})
        if event.get("type") == "state" and neighbor_.get("state") == "down":
            routes.clear()
        if event.get("type") != "update":
            continue
        update = neighbor_["message"].get("update", {})
        for family, by_next_hop in update.get("announce", {}).items():
            for next_hop, nlris in by_next_hop.items():
                for nlri in nlris:
                    routes[nlri["nlri"]] = {
                        "next-hop": next_hop,
                        "attribute": update.get("attribute", {}),
                        "family": family,
                    }
        for nlris in update.get("withdraw", {}).values():
            for nlri in nlris:
                routes.pop(nlri["nlri"], None)
    return routes


class Lab:
    """Two loopback addresses sharing a free port, and the daemons started on them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.a_ip, self.b_ip = flood_pairs()
        self.port = free_port(self.a_ip, self.b_ip)
        self.speakers: list[Speaker] = []

    def speaker(self, name: str, config: str, ip: str, **settings: str) -> Speaker:
        env = {"tcp.bind": ip, "tcp.port": str(self.port), **settings}
        speaker = Speaker(self.workdir, config, env=env, name=name).start()
        self.speakers.append(speaker)
        return speaker

    def driver(self, name: str) -> Driver:
        return Driver(self.workdir, name)

    def a(self, processes: str, body: str, **settings: str) -> Speaker:
        """Speaker A: ``processes`` blocks, a neighbor B with ``body``."""
        return self.speaker(
            "a", processes + neighbor(self.b_ip, self.a_ip, A_AS, B_AS, body), self.a_ip, **settings
        )

    def b(self, body: str = "", **settings: str) -> tuple[Speaker, Driver]:
        """Speaker B (passive), recording what A sends through a JSON helper named ``rec``."""
        rec = self.driver("rec")
        body = PASSIVE + api("rec", extra=RECORD) + body
        config = rec.process("json") + neighbor(self.a_ip, self.b_ip, B_AS, A_AS, body)
        return self.speaker("b", config, self.b_ip, **settings), rec

    def close(self) -> None:
        for speaker in self.speakers:
            if speaker.process is not None and speaker.process.poll() is None:
                # stop() kills a daemon that does not stop; the test's own assertions tell what went wrong
                with contextlib.suppress(AssertionError):
                    speaker.stop()


def open_lab(workdir: Path) -> Iterator[Lab]:
    """The body of a ``lab`` fixture: every daemon started in the lab is stopped afterwards."""
    the_lab = Lab(workdir)
    try:
        yield the_lab
    finally:
        the_lab.close()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    yield from open_lab(tmp_path)


def wait_rib(rec: Driver, prefixes: set[str], timeout: float = 15) -> dict[str, dict[str, Any]]:
    """Wait until the recorded routes are exactly ``prefixes``."""
    routes: dict[str, dict[str, Any]] = {}

    def exact() -> bool:
        nonlocal routes
        routes = rib(rec.events())
        return set(routes) == prefixes

    try:
        wait(exact, timeout, f"routes {sorted(prefixes)}")
    except AssertionError:
        raise AssertionError(f"peer holds {sorted(routes)}, expected {sorted(prefixes)}") from None
    return routes


def established_pair(lab: Lab, processes: str, body: str, **settings: str) -> tuple[Speaker, Speaker, Driver]:
    b, rec = lab.b()
    a = lab.a(processes, body, **settings)
    a.wait_log(rf"BGP session established with {lab.b_ip}")
    b.wait_log(rf"BGP session established with {lab.a_ip}")
    return a, b, rec


# --- programs that cannot start ---------------------------------------------------------------------

SCRIPT_OK = "#!/bin/sh\nexec cat >/dev/null\n"


@pytest.mark.parametrize(
    ("content", "mode", "reason"),
    [
        (None, 0o755, r"no such file \(check the path, and the interpreter named by its #! line\)"),
        (SCRIPT_OK, 0o644, r"permission denied \(is it executable\? chmod \+x\)"),
        ("#!/usr/bin/no-such-interpreter\n", 0o755, r"no such file \(check the path, and the interpreter"),
        ("echo no shebang line\n", 0o755, r"not an executable format \(a script needs a #! line\)"),
    ],
    ids=["missing", "not-executable", "bad-shebang", "no-shebang"],
)
def test_program_that_cannot_start(lab: Lab, content: str | None, mode: int, reason: str) -> None:
    """The log names the process, the program and why; the daemon keeps running and retries."""
    program = lab.workdir / "helper.py"
    if content is not None:
        write_script(program, content, mode)
    process = f"process broken {{\n    run {program};\n    encoder text;\n}}\n"
    a = lab.a(process, api("broken"))  # B never starts: the session never comes up
    a.wait_log(rf"ERROR: Process 'broken' failed to start: {re.escape(str(program))}: {reason}", timeout=10)
    a.wait_log(r"Process 'broken' could not start .*respawning in 0\.5 s")
    a.wait_log(r"Process 'broken' failed to start", count=2)  # retried
    assert a.process is not None and a.process.poll() is None
    assert a.stop() == 0


@pytest.mark.slow
def test_program_exiting_at_once_is_respawned_until_the_limit(lab: Lab) -> None:
    """Respawned with the reason each time (0.5 s doubling), 5 times in 64 s, then left dead."""
    quitter = write_script(lab.workdir / "quitter.sh", "#!/bin/sh\necho '[quitter] bye' >&2\nexit 3\n")
    a, _b, _rec = established_pair(
        lab, f"process quitter {{\n    run {quitter};\n    encoder text;\n}}\n", api("quitter")
    )
    for delay in ("0.5", "1.0", "2.0", "4.0", "8.0"):
        a.wait_log(rf"WARNING: Process 'quitter' exited with status 3, respawning in {delay} s", timeout=20)
    a.wait_log(
        r"ERROR: Process 'quitter' exited with status 3: it died 6 times in 64 s, not respawning it any more",
        timeout=20,
    )
    time.sleep(1)
    assert a.log().count("Started process 'quitter'") == 6
    assert a.log().count("[quitter] bye") == 6  # the helper's stderr is in the daemon's log
    assert a.process is not None and a.process.poll() is None
    assert a.log().count("BGP session established") == 1  # the session never noticed
    assert a.stop() == 0


CRASHER = f"""\
#!{sys.executable}
import os, signal, sys
if os.path.exists(sys.argv[1]):
    sys.stderr.write("[crasher] respawned, announcing nothing\\n")
    sys.stdin.read()
    sys.exit(0)
open(sys.argv[1], "w").close()
for i in range(3):
    print(f"announce route 10.{{i}}.0.0/24 next-hop self", flush=True)
for i in range(3):
    sys.stdin.readline()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_crashed_helper_routes_stay_announced(lab: Lab) -> None:
    crasher = write_script(lab.workdir / "crasher.py", CRASHER)
    ctl = lab.driver("ctl")
    processes = f"process crasher {{\n    run {crasher} {lab.workdir / 'crashed'};\n    encoder text;\n}}\n"
    a, _b, rec = established_pair(lab, processes + ctl.process(), api("crasher"))
    expected = {"10.0.0.0/24", "10.1.0.0/24", "10.2.0.0/24"}
    wait_rib(rec, expected)
    a.wait_log(r"WARNING: Process 'crasher' killed by SIGKILL, respawning in 0\.5 s")
    a.wait_log(r"\[crasher\] respawned, announcing nothing")
    time.sleep(1)
    assert set(rib(rec.events())) == expected
    held = rec.ask("show adj-rib in")  # B's own view of what it holds from A
    assert held[-1] == "done"
    assert sorted(line.split()[3] for line in held[:-1]) == sorted(expected)
    assert all(line.startswith(f"{lab.a_ip} ipv4 unicast 10.") for line in held[:-1]), held
    shown = ctl.ask("show adj-rib out")
    assert sorted(shown[:-1]) == [
        f"{lab.b_ip} ipv4 unicast {p} next-hop {lab.a_ip}" for p in sorted(expected)
    ]
    assert a.stop() == 0


def test_respawn_false(lab: Lab) -> None:
    once = write_script(lab.workdir / "once.sh", "#!/bin/sh\nexit 0\n")
    process = f"process once {{\n    run {once};\n    encoder text;\n    respawn false;\n}}\n"
    a = lab.a(process, api("once"))
    a.wait_log(r"WARNING: Process 'once' exited with status 0 \(respawn is off\)")
    time.sleep(1.5)
    assert a.log().count("Started process 'once'") == 1
    assert a.process is not None and a.process.poll() is None
    assert a.stop() == 0


# --- acknowledgements and commands ----------------------------------------------------------------


def test_acks_and_their_switches(lab: Lab) -> None:
    """done/error; disable-ack answers itself then nothing; silence-ack not even itself (§2.2)."""
    ctl = lab.driver("ctl")
    a, _b, rec = established_pair(lab, ctl.process(), api("ctl"))
    assert ctl.ask("announce route 10.0.0.0/24 next-hop self") == ["done"]
    assert ctl.ask("announce route 10.0.0.0/33 next-hop self") == ["error"]
    assert ctl.ask("bogus command") == ["error"]
    a.wait_log(r"API command from ctl refused: .*10\.0\.0\.0/33")
    wait_rib(rec, {"10.0.0.0/24"})  # the refused command changed nothing

    ctl.send("disable-ack")
    assert ctl.wait_answers(4)[3:] == ["done"]  # disable-ack acknowledges itself
    ctl.send("announce route 10.1.0.0/24 next-hop self", "announce route 10.1.0.0/33", "version")
    answers = ctl.wait_answers(5)
    assert re.fullmatch(r"aiobgp \d+\.\d+\.\d+\S*", answers[4])  # no done/error before nor after it
    time.sleep(0.5)
    assert len(ctl.answers()) == 5
    assert ctl.ask("enable-ack") == ["done"]

    ctl.send("silence-ack", "announce route 10.2.0.0/24 next-hop self", "version")
    answers = ctl.wait_answers(7)
    assert re.fullmatch(r"aiobgp \S+", answers[6])  # silence-ack: no answer, even to itself
    time.sleep(0.5)
    assert len(ctl.answers()) == 7
    assert ctl.ask("enable-ack") == ["done"]
    wait_rib(rec, {"10.0.0.0/24", "10.1.0.0/24", "10.2.0.0/24"})  # applied without answers
    assert a.stop() == 0


def test_lines_read_together_are_answered_in_order(lab: Lab) -> None:
    """Past the commands logged one by one, a read is parsed at once and the answers of its route
    commands are written together: still one answer per line, before what a later command prints."""
    ctl = lab.driver("ctl")
    a, _b, rec = established_pair(lab, ctl.process(), api("ctl"))
    warm = [f"announce route 10.0.{i}.0/24 next-hop self" for i in range(COMMANDS_LOGGED)]
    ctl.send(*warm)
    assert ctl.wait_answers(COMMANDS_LOGGED) == ["done"] * COMMANDS_LOGGED
    ctl.send(
        "announce route 10.1.0.0/24 next-hop self",
        "announce route 10.1.1.0/24 next-hop self",
        "withdraw route 10.0.0.0/24",
        "version",
        "announce route 10.1.2.0/33 next-hop self",
        "bogus command",
        "announce route 10.1.3.0/24 next-hop self",
        "announce route 10.1.4.0/24 next-hop self",
    )
    answers = ctl.wait_answers(COMMANDS_LOGGED + 9)[COMMANDS_LOGGED:]
    assert answers[:3] == ["done"] * 3
    assert re.fullmatch(r"aiobgp \d+\.\d+\.\d+\S*", answers[3])
    assert answers[4:] == ["done", "error", "error", "done", "done"]
    expected = {f"10.0.{i}.0/24" for i in range(1, COMMANDS_LOGGED)}
    wait_rib(rec, expected | {"10.1.0.0/24", "10.1.1.0/24", "10.1.3.0/24", "10.1.4.0/24"})
    assert a.stop() == 0


def test_show_version_help(lab: Lab) -> None:
    ctl = lab.driver("ctl")
    route = "route 10.9.0.0/24 next-hop 192.0.2.9 med 7 community [ 65001:7 65001:8 ];"
    static = f"    static {{\n        {route}\n    }}\n"
    a, _b, rec = established_pair(lab, ctl.process(), api("ctl") + static)
    assert ctl.ask("announce route 10.0.0.0/24 next-hop self community [ 65001:1 ]") == ["done"]
    wait_rib(rec, {"10.0.0.0/24", "10.9.0.0/24"})
    out = ctl.ask("show adj-rib out")
    assert out[-1] == "done"
    assert sorted(out[:-1]) == [
        f"{lab.b_ip} ipv4 unicast 10.0.0.0/24 next-hop {lab.a_ip} community 65001:1",
        f"{lab.b_ip} ipv4 unicast 10.9.0.0/24 next-hop 192.0.2.9 med 7 community [ 65001:7 65001:8 ]",
    ]
    out = ctl.ask("show adj-rib out json")
    assert len(out) == 2 and out[1] == "done"
    shown = json.loads(out[0])
    assert list(shown) == [lab.b_ip]
    assert sorted((r["prefix"], r["family"]) for r in shown[lab.b_ip]["routes"]) == [
        ("10.0.0.0/24", "ipv4 unicast"),
        ("10.9.0.0/24", "ipv4 unicast"),
    ]
    summary = ctl.ask("show neighbor summary")
    assert summary[0].split() == ["Peer", "AS", "up/down", "state", "|", "#sent", "#recvd"]
    row = summary[1].split()
    assert row[:2] == [lab.b_ip, str(B_AS)] and row[3] == "established", summary
    assert summary[2:] == ["done"]
    version = ctl.ask("version")
    assert len(version) == 2 and re.fullmatch(r"aiobgp \d+\.\d+\.\d+\S*", version[0]) and version[1] == "done"
    text = ctl.ask("help")
    assert text[-1] == "done" and len(text) > 3
    for word in ("announce", "withdraw", "show adj-rib", "show neighbor", "teardown", "shutdown", "version"):
        assert any(word in line for line in text), (word, text)
    assert a.stop() == 0


def test_withdraw_and_clear_adj_rib_out(lab: Lab) -> None:
    ctl = lab.driver("ctl")
    a, _b, rec = established_pair(lab, ctl.process(), api("ctl"))
    ctl.send(*(f"announce route 10.{i}.0.0/24 next-hop self" for i in range(4)))
    wait_rib(rec, {f"10.{i}.0.0/24" for i in range(4)})
    assert ctl.wait_answers(4) == ["done"] * 4
    assert ctl.ask("withdraw route 10.0.0.0/24") == ["done"]
    wait_rib(rec, {"10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24"})
    assert ctl.ask("withdraw route 10.99.0.0/24") == ["done"]  # unknown: done, and a note in the log
    a.wait_log(rf"{lab.b_ip}: withdraw of ipv4 unicast: route not found")
    assert ctl.ask("clear adj-rib out") == ["done"]
    a.wait_log(rf"{lab.b_ip}: withdrawing all 3 announced routes")
    wait_rib(rec, set())
    assert ctl.ask("show adj-rib out") == ["done"]
    assert a.stop() == 0


def test_teardown_resets_the_session_and_routes_come_back(lab: Lab) -> None:
    ctl = lab.driver("ctl")
    a, b, rec = established_pair(lab, ctl.process(), api("ctl"))
    assert ctl.ask("announce route 10.0.0.0/24 next-hop self") == ["done"]
    wait_rib(rec, {"10.0.0.0/24"})
    assert ctl.ask("teardown 4") == ["error"]  # ExaBGP 5: without a selector it matches nothing
    assert ctl.ask(f"neighbor {lab.b_ip} teardown 4") == ["done"]
    b.wait_log(rf"NOTIFICATION received from {lab.a_ip}: 6/4 \(Cease / Administrative Reset\)")
    a.wait_log(rf"BGP session established with {lab.b_ip}", count=2, timeout=30)
    states = [e["neighbor"]["state"] for e in rec.events() if e["type"] == "state"]
    assert states == ["connected", "up", "down", "connected", "up"]
    wait_rib(rec, {"10.0.0.0/24"})  # re-sent from the Adj-RIB-Out on the new session
    assert a.stop() == 0


def test_shutdown_command_stops_the_daemon(lab: Lab) -> None:
    ctl = lab.driver("ctl")
    a, b, _rec = established_pair(lab, ctl.process(), api("ctl"))
    ctl.send("shutdown")
    assert a.process is not None
    assert a.process.wait(timeout=20) == 0
    assert ctl.answers()[:2] == ["shutdown in progress", "done"]
    assert ctl.answers()[2].startswith("shutdown ")  # the text encoder's last words: shutdown PID PPID
    b.wait_log(rf"NOTIFICATION received from {lab.a_ip}: 6/2 \(Cease / Administrative Shutdown\)")
    a.wait_log(r"aiobgp stopped")


def test_sigusr1_reload_replaces_static_routes_and_keeps_api_routes(lab: Lab) -> None:
    ctl = lab.driver("ctl")

    def static(prefix: str) -> str:
        return api("ctl") + f"    static {{\n        route {prefix} next-hop self;\n    }}\n"

    a, _b, rec = established_pair(lab, ctl.process(), static("10.50.0.0/24"))
    assert ctl.ask("announce route 10.60.0.0/24 next-hop self") == ["done"]
    wait_rib(rec, {"10.50.0.0/24", "10.60.0.0/24"})
    a.config_path.write_text(ctl.process() + neighbor(lab.b_ip, lab.a_ip, A_AS, B_AS, static("10.51.0.0/24")))
    assert a.process is not None
    a.process.send_signal(signal.SIGUSR1)
    a.wait_log(r"Received SIGUSR1, reloading the configuration")
    routes = wait_rib(rec, {"10.51.0.0/24", "10.60.0.0/24"})
    assert routes["10.60.0.0/24"]["next-hop"] == lab.a_ip
    withdrawn = [
        n["nlri"]
        for e in rec.events()
        if e["type"] == "update"
        for nlris in e["neighbor"]["message"].get("update", {}).get("withdraw", {}).values()
        for n in nlris
    ]
    assert withdrawn == ["10.50.0.0/24"]
    assert a.log().count("BGP session established") == 1  # the session stayed up
    assert a.log().count("Started process 'ctl'") == 1  # the helper too
    assert a.stop() == 0


# --- a helper that writes a lot and never reads --------------------------------------------------

STALL_ROUTES = 50_000


@pytest.mark.parametrize(
    ("buffer", "routes"),
    [(None, STALL_ROUTES), ("65536", 4 * STALL_ROUTES)],
    ids=["default-buffer", "small-buffer"],
)
def test_helper_that_never_reads(lab: Lab, buffer: str | None, routes: int) -> None:
    """50,000 commands, 50,000 answers nobody reads: the session stays up, every route arrives.

    With the default buffer (16 MiB) every answer is kept for the helper; with 64 KiB the answers
    that do not fit are dropped and that is logged (200,000 of them: answers reach the pipe in
    batches, and the kernel's pipe buffer alone holds a few hundred KB of batched answers).
    """
    flood = write_script(lab.workdir / "flood.py", FLOOD)
    process = f"process flood {{\n    run {flood} {routes};\n    encoder text;\n}}\n"
    b = lab.speaker("b", neighbor(lab.a_ip, lab.b_ip, B_AS, A_AS, PASSIVE + "    hold-time 9;\n"), lab.b_ip)
    settings = {"api.buffer": buffer} if buffer else {}
    start = time.monotonic()
    a = lab.a(process, api("flood") + "    hold-time 9;\n", **settings)
    b.wait_log(rf"{lab.a_ip}: {routes} prefixes received so far", timeout=90)
    elapsed = time.monotonic() - start
    a.wait_log(rf"\[flood\] wrote {routes} commands")
    dropped = "Process 'flood' does not read its input"
    if buffer:
        a.wait_log(rf"WARNING: {dropped} \(\d+ bytes unread\): dropping its events and answers")
    else:
        assert dropped not in a.log()
    time.sleep(1)
    for speaker in (a, b):
        assert speaker.log().count("BGP session established") == 1, speaker.log()[-3000:]
        assert "Hold Timer Expired" not in speaker.log()
    print(f"{routes} routes at the peer after {elapsed:.1f}s (buffer {buffer or 'default'})")
    assert a.stop() == 0


def test_reload_opens_the_listener_of_a_new_neighbor(lab: Lab) -> None:
    """A neighbor added by a reload with its own ``listen`` port is listened for at once."""
    port = free_port(lab.a_ip)
    b, _rec = lab.b()
    a = lab.speaker("a", "", lab.a_ip)
    a.wait_log(rf"Listening for BGP on {lab.a_ip} port {lab.port}")
    assert a.config_path.write_text(
        neighbor(lab.b_ip, lab.a_ip, A_AS, B_AS, PASSIVE + f"    listen {port};\n")
    )
    b.config_path.write_text(neighbor(lab.a_ip, lab.b_ip, B_AS, A_AS, f"    connect {port};\n") + "\n")
    assert a.process is not None and b.process is not None
    a.process.send_signal(signal.SIGUSR1)
    a.wait_log(rf"Listening for BGP on {lab.a_ip} port {port}")
    b.process.send_signal(signal.SIGUSR1)
    a.wait_log(rf"BGP session established with {lab.b_ip}")
    b.wait_log(rf"BGP session established with {lab.a_ip}")
    assert a.stop() == 0
