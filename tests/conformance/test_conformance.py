"""ExaBGP's functional test vectors against aiobgp, and the runner's own tests.

``test_vector[NAME]``: one test per vector of ``manifest.json``.  Every selected vector runs once, a
few in parallel (``CONFORMANCE_JOBS``, default 4).  A vector listed in ``expected.txt`` must pass (a
failure is retried once alone, as the reference runner does); any other is an expected failure
carrying the runner's message.  Without ``../shared/conformance`` they are skipped, or fail under
``CI=true``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from . import replay_helper, runner

pytestmark = pytest.mark.conformance

EXPECTED = Path(__file__).with_name("expected.txt")
AVAILABLE = (runner.DEFAULT_VECTORS / "manifest.json").is_file()
NAMES = runner.Suite(runner.DEFAULT_VECTORS).names() if AVAILABLE else ["(vectors absent)"]
JOBS = int(os.environ.get("CONFORMANCE_JOBS", "4"))


def _require_vectors() -> None:
    if not AVAILABLE:
        reason = f"no conformance vectors in {runner.DEFAULT_VECTORS}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: required)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def vector_results(request: pytest.FixtureRequest) -> dict[str, runner.Result]:
    """Run every vector selected in this session against aiobgp, once."""
    if not AVAILABLE:
        return {}
    params = [getattr(item, "callspec", None) for item in request.session.items]
    names = [spec.params["vector"] for spec in params if spec is not None and "vector" in spec.params]
    options = runner.Options(speaker=[sys.executable, "-m", "aiobgp"])
    expected = runner.read_expected(EXPECTED)
    results = asyncio.run(
        runner.run_tests(list(dict.fromkeys(names)), options, jobs=JOBS, retries=1, retry_only=expected)
    )
    return {result.name: result for result in results}


@pytest.mark.parametrize("vector", NAMES)
def test_vector(vector: str, vector_results: dict[str, runner.Result]) -> None:
    _require_vectors()
    result = vector_results[vector]
    if vector in runner.read_expected(EXPECTED):
        assert result.passed, f"{result.line()}\n{result.details()}"
    elif not result.passed:
        pytest.xfail(result.line())
    else:
        warnings.warn(f"{vector} passes: add it to {EXPECTED.name}", stacklevel=1)


def test_expected_names_are_vectors() -> None:
    _require_vectors()
    assert runner.read_expected(EXPECTED) <= set(NAMES)


# ---------------------------------------------------------------- the .ci parser

CI_TEXT = """\
option:file:one.conf
option:file:two.conf
option:tcp_connections:3
option:asn:65000
option:timeout:5
option:open:send-unknown-capability
# a comment line, and a line with a # inside is ignored too
B1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000
1:cmd:announce route 10.0.0.0/24 next-hop 1.2.3.4
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000 # comment
1:raw:FFFF FFFF FFFF FFFF FFFF FFFF FFFF FFFF:0017:02:00000000
1:json:{"exabgp":"6.0.0"}
A2:signal:SIGUSR1
10:notification:Closing: because we can
"""


def test_parse_ci() -> None:
    alternates: list[dict[str, Any]] = [
        {
            "line": 11,
            "expected": "F" * 32 + "001702" + "00000000",
            "accept": "ff" * 16 + "00130400",
            "reasons": [],
        },
        {"tolerate": "unlisted-eor", "reasons": []},
    ]
    vector = runner.parse_ci(CI_TEXT, "t", "encoding", Path("t.ci"), alternates)
    assert vector.configs == ["one.conf", "two.conf"]
    assert (vector.tcp_connections, vector.asn, vector.timeout) == (3, 65000, 5.0)
    assert vector.unknown_capability and vector.tolerate_unlisted_eor
    assert not (vector.inspect_open or vector.unknown_message or vector.default_route or vector.bind_ipv6)
    assert [g.label for g in vector.groups] == ["A1", "A2", "A10", "B1"]
    (only,) = vector.groups[0].items
    assert isinstance(only, runner.Expect)
    assert (only.hex, only.line, only.accept) == (
        "F" * 32 + "001702" + "00000000",
        11,
        ("F" * 32 + "00130400",),
    )
    assert vector.groups[1].items == [runner.Action("signal", "SIGUSR1", 13)]
    assert vector.groups[2].items == [runner.Action("notification", "Closing: because we can", 14)]


def test_parse_ci_rejects_a_stale_alternate() -> None:
    with pytest.raises(ValueError, match="does not match"):
        runner.parse_ci(
            CI_TEXT, "t", "encoding", Path("t.ci"), [{"line": 11, "expected": "00", "accept": "00"}]
        )


# ---------------------------------------------------------------- messages

# OPEN: AS 65533, hold 180, router-id 10.0.0.2, multiprotocol ipv4/unicast, 4-octet AS 65533
SPEAKER_OPEN = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002D0104FFFD00B40A000002100206010400010001020641040000FFFD"
LOREM = "020C420A6C6F72656D697073756D"


@pytest.mark.parametrize(
    ("asn", "unknown", "reply"),
    [
        (None, False, SPEAKER_OPEN.replace("0A000002", "0A000003")),
        (65000, False, SPEAKER_OPEN.replace("04FFFD", "04FDE8").replace("0000FFFD", "0000FDE8")),
        (None, True, SPEAKER_OPEN.replace("002D01", "003B01").replace("0A00000210", "0A0000031E") + LOREM),
        (4200000000, False, SPEAKER_OPEN.replace("04FFFD", "045BA0").replace("0000FFFD", "FA56EA00")),
    ],
)
def test_open_reply(asn: int | None, unknown: bool, reply: str) -> None:
    assert runner.open_reply(bytes.fromhex(SPEAKER_OPEN), asn, unknown).hex().upper() == reply


def test_software_version_substituted() -> None:
    with_version = (
        SPEAKER_OPEN.replace("002D01", "003401").replace("0A00000210", "0A00000217") + "02054B03026162"
    )
    substituted = runner.software_version_substituted(bytes.fromhex(with_version), "xyz")
    assert substituted is not None
    assert substituted.hex().upper() == (
        SPEAKER_OPEN.replace("002D01", "003501").replace("0A00000210", "0A00000218") + "02064B0403" + "78797A"
    )
    assert runner.software_version_substituted(bytes.fromhex(SPEAKER_OPEN), "xyz") is None


@pytest.mark.parametrize(
    ("hex_message", "eor"),
    [
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000", True),
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E0200000007900F0003000185", True),
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001D0200000006800F03000185", True),
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001F0200000008900F000400020180", False),
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001C020005204D4D4D4D0000", False),
        ("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0015040000", False),
    ],
)
def test_is_eor(hex_message: str, eor: bool) -> None:
    assert runner.is_eor(bytes.fromhex(hex_message)) is eor


UPDATE_A = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002F02000000144001010040020602010000FFFD4003040A0001FE180A0000"


@pytest.mark.parametrize(
    ("got", "candidates", "expected"),
    [
        (
            UPDATE_A.replace("0A0001FE", "0A0001FF"),
            [UPDATE_A],
            "expected UPDATE/47, got UPDATE/47; first difference at byte 42 (attribute 3): "
            "expected …040A0001FE180A0000, got …040A0001FF180A0000",
        ),
        (
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000",
            [UPDATE_A, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0015040000"],
            "expected UPDATE/47 (or 1 other), got UPDATE/23 End-of-RIB 1/1; first difference at byte 22 "
            "(path attributes length): expected …0000001440010100400206…, got …00000000",
        ),
        (
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001903060203616263",
            [UPDATE_A],
            "expected UPDATE/47, got NOTIFICATION/25 6/2 b'\\x03abc'; first difference at byte 18: "
            "expected …002F0200000014400101…, got …001903060203616263",
        ),
    ],
)
def test_mismatch(got: str, candidates: list[str], expected: str) -> None:
    assert runner.mismatch(got, candidates) == expected


# ---------------------------------------------------------------- the fake peer

Speaker = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
KEEPALIVE = runner.KEEPALIVE_MESSAGE
EOR = bytes.fromhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170200000000")
REFRESH = bytes.fromhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00170500010001")


async def _read(reader: asyncio.StreamReader) -> bytes:
    header = await reader.readexactly(19)
    return header + await reader.readexactly(int.from_bytes(header[16:18], "big") - 19)


def _play(ci_text: str, speaker: Speaker) -> tuple[runner.FakePeer, list[str]]:
    """Run ``speaker`` (a coroutine standing in for the BGP speaker, which reads the peer's answer
    to its last message so that the peer has processed it) against a FakePeer."""
    signals: list[str] = []

    async def main() -> runner.FakePeer:
        vector = runner.parse_ci(ci_text, "t", "encoding", Path("t.ci"))
        peer = runner.FakePeer(vector, signals.append)
        server = await asyncio.get_running_loop().create_server(
            lambda: runner.Connection(peer), "127.0.0.1", 0
        )
        reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
        writer.write(bytes.fromhex(SPEAKER_OPEN))
        assert (await _read(reader)).hex().upper() == SPEAKER_OPEN.replace("0A000002", "0A000003")
        assert await _read(reader) == KEEPALIVE
        await asyncio.wait_for(speaker(reader, writer), 5)
        writer.close()
        server.close()
        return peer

    return asyncio.run(main()), signals


def test_peer_groups_and_actions() -> None:
    ci = f"1:raw:{UPDATE_A}\n1:raw:{EOR.hex()}\n2:signal:SIGUSR1\n3:notification:bye\n"

    async def speaker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(EOR + bytes.fromhex(UPDATE_A))  # any order inside a group
        assert [await _read(reader) for _ in range(3)] == [
            KEEPALIVE,
            KEEPALIVE,
            runner.notification_message("bye"),
        ]

    peer, signals = _play(ci, speaker)
    assert peer.outcome == runner.Outcome(True, "all expectations met")
    assert signals == ["SIGUSR1"]


def test_peer_succeeds_on_the_next_message() -> None:
    """api-notification: the NOTIFICATION goes right after the OPEN; the next KEEPALIVE completes."""

    async def speaker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await _read(reader) == runner.notification_message("bye")
        assert peer_box[0].outcome is None
        writer.write(KEEPALIVE)
        assert await _read(reader) == KEEPALIVE

    peer_box: list[runner.FakePeer] = []
    original = runner.FakePeer.__init__

    def remember(self: runner.FakePeer, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        peer_box.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner.FakePeer, "__init__", remember)
        peer, _ = _play("A1:notification:bye\n", speaker)
    assert peer.outcome == runner.Outcome(True, "all expectations met")


def test_peer_replays_updates_after_route_refresh() -> None:
    ci = f"1:raw:{UPDATE_A}\n1:raw:{EOR.hex()}\n2:raw:{REFRESH.hex()}\n3:raw:{EOR.hex()}\n"

    async def speaker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(bytes.fromhex(UPDATE_A) + EOR + REFRESH)
        replies = [await _read(reader) for _ in range(5)]
        assert replies == [KEEPALIVE, KEEPALIVE, KEEPALIVE, bytes.fromhex(UPDATE_A), KEEPALIVE]
        writer.write(EOR)
        assert await _read(reader) == KEEPALIVE

    peer, _ = _play(ci, speaker)
    assert peer.outcome is not None and peer.outcome.passed


def test_peer_accepts_alternates_and_tolerates_eor() -> None:
    alternate = UPDATE_A.replace("0A0001FE", "0A0001FF")
    rows: list[dict[str, Any]] = [
        {"line": 1, "expected": UPDATE_A, "accept": alternate},
        {"line": 2, "expected": EOR.hex(), "optional": True},
        {"tolerate": "unlisted-eor"},
    ]
    vector = runner.parse_ci(
        f"1:raw:{UPDATE_A}\n1:raw:{EOR.hex()}\n2:raw:{UPDATE_A}\n", "t", "x", Path("t"), rows
    )
    peer = runner.FakePeer(vector, lambda _: None)
    for message in (alternate, EOR.hex(), EOR.hex(), UPDATE_A):
        assert peer.outcome is None
        peer.match(bytes.fromhex(message))
    assert peer.current() is None and peer.outcome is None
    assert peer.notes == [
        "step A1 line 1: 5.x alternate accepted",
        "step A1 line 2: optional message received",  # after the rest of its group
        "step A2: unlisted End-of-RIB tolerated",
    ]


def test_peer_reports_the_first_mismatch() -> None:
    async def speaker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(EOR)
        assert await _read(reader) == KEEPALIVE

    peer, _ = _play(f"1:raw:{EOR.hex()}\n2:raw:{UPDATE_A}\n", speaker)
    assert (peer.outcome, peer.step()) == (None, "A2")
    peer, _ = _play(f"4:raw:{UPDATE_A}\n", speaker)
    assert peer.outcome is not None and not peer.outcome.passed
    assert (peer.outcome.step, peer.outcome.message.split(";")[0]) == (
        "A4",
        "expected UPDATE/47, got UPDATE/23 End-of-RIB 1/1",
    )


# ---------------------------------------------------------------- the replay helper


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("done", "done"),
        ("error\n", "error"),
        ('{"answer": "done"}', "done"),
        ("shutdown 123 456", "shutdown"),
        ('{"exabgp": "5.0.0", "type": "notification", "notification": "shutdown"}', "shutdown"),
        ("neighbor 127.0.0.1 receive update start", None),
        ('{"type": "update"}', None),
    ],
)
def test_helper_answers(line: str, kind: str | None) -> None:
    assert replay_helper.answer(line) == kind


def test_helper_plays_a_script(tmp_path: Path) -> None:
    script = [
        {"send": "announce route 1.0.0.0/24 next-hop 1.1.1.1"},
        {"wait_ack": 1, "timeout": 2.0, "on_fail": "exit"},
        {"send_block": ["a", "b"]},
        {"expect_line": {"skip": ["start"], "contains_nows": '"nlri":"1.0.0.0/24"', "timeout": 2}},
        {"sleep": 0.01},
        {"exit": 3},
    ]
    helpers = tmp_path / "api-helpers.json"
    helpers.write_text(json.dumps({"t": {"processes": [{"name": "p", "script": script}]}}))
    stdin = 'event\ndone\nupdate start\n\n{ "nlri": "1.0.0.0/24" }\n'
    done = subprocess.run(
        [sys.executable, replay_helper.__file__, "--helpers", str(helpers), "t", "p"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert (done.returncode, done.stdout) == (3, "announce route 1.0.0.0/24 next-hop 1.1.1.1\na\nb\n")


def test_helper_fails_on_an_unexpected_line(tmp_path: Path) -> None:
    script = [{"expect_line": {"skip": [], "json_type": "open", "timeout": 2, "on_fail": [{"send": "oops"}]}}]
    helpers = tmp_path / "api-helpers.json"
    helpers.write_text(json.dumps({"t": {"processes": [{"name": "p", "script": script}]}}))
    done = subprocess.run(
        [sys.executable, replay_helper.__file__, "--helpers", str(helpers), "t", "p"],
        input='{"type": "update"}\n',
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert (done.returncode, done.stdout) == (1, "oops\n")
