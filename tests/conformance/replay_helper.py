#!/usr/bin/env python3
"""Replay helper: stands in for one of ExaBGP's ``./run/*.run`` API helper programs.

The speaker starts it as a configured ``process``; it plays the ``script`` recorded for that
process in the conformance suite's ``api-helpers.json`` (README §5): write commands, wait for
acknowledgements or event lines, sleep, exit.  Standard library only, so any ``python3`` runs it.

    replay_helper.py [--helpers api-helpers.json] [--log FILE] TEST PROCESS
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

_DEFAULT_HELPERS = (
    Path(__file__).resolve().parents[3] / "shared" / "conformance" / "exabgp-qa" / "api-helpers.json"
)
_SLICE = 0.2  # seconds between two checks that the speaker is still our parent
_WHITESPACE = re.compile(r"\s+")


class Finished(Exception):
    """The script ends here with this exit code."""

    def __init__(self, code: int, why: str) -> None:
        super().__init__(why)
        self.code = code


class Helper:
    """Reads the speaker's lines from stdin (buffered by us), writes commands to stdout."""

    def __init__(self, log_path: str | None) -> None:
        self.buffer = b""
        self.eof = False
        self.parent = os.getppid()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
        self.started = time.monotonic()

    def log(self, text: str) -> None:
        if self.log_file is not None:
            self.log_file.write(f"{time.monotonic() - self.started:7.3f} [{os.getpid()}] {text}\n")
            self.log_file.flush()

    def parent_alive(self) -> bool:
        """False once the speaker has exited (we were re-parented)."""
        return os.getppid() == self.parent

    def _fill(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for more input; leave the helper when the speaker is gone."""
        if not self.parent_alive():
            raise Finished(0, "the speaker has gone")
        if self.eof:
            time.sleep(max(0.0, min(timeout, _SLICE)))
            return
        ready, _, _ = select.select([0], [], [], max(0.0, min(timeout, _SLICE)))
        if ready:
            chunk = os.read(0, 65536)
            if chunk:
                self.buffer += chunk
            else:
                self.eof = True
                self.log("end of input")

    def readline(self, deadline: float) -> str | None:
        """The next input line; None at the deadline; raises EOFError at the end of input."""
        while b"\n" not in self.buffer:
            if self.eof:
                if self.buffer:
                    line, self.buffer = self.buffer, b""
                    return line.decode("utf-8", "replace")
                raise EOFError
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._fill(remaining)
        line, _, self.buffer = self.buffer.partition(b"\n")
        text = line.decode("utf-8", "replace")
        self.log(f"<- {text}")
        return text

    def sleep(self, seconds: float) -> None:
        """Pause, still draining the speaker's output into our buffer so it never blocks on us."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._fill(remaining)

    def write(self, text: str) -> None:
        """Write ``text`` in one system call (commands are far below PIPE_BUF)."""
        self.log("-> " + text.rstrip("\n").replace("\n", "\n   "))
        data = text.encode()
        try:
            while data:
                data = data[os.write(1, data) :]
        except BrokenPipeError:
            raise Finished(0, "the speaker closed our stdout") from None


def answer(line: str) -> str | None:
    """``done`` / ``error`` / ``shutdown`` when the line is such an answer (text or JSON), else None."""
    text = line.strip()
    if text in ("done", "error"):
        return text
    if text == "shutdown" or text.startswith("shutdown "):
        return "shutdown"
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            return None
        if isinstance(obj, dict):
            if obj.get("answer") in ("done", "error"):
                return str(obj["answer"])
            if obj.get("type") == "notification" and obj.get("notification") == "shutdown":
                return "shutdown"
    return None


def wait_ack(helper: Helper, action: dict[str, Any]) -> None:
    wanted, got = int(action["wait_ack"]), 0
    deadline = time.monotonic() + float(action.get("timeout", 2.0))
    while got < wanted:
        try:
            line = helper.readline(deadline)
        except EOFError:
            raise Finished(0, "end of input while waiting for acks") from None
        if line is None:
            break
        kind = answer(line)
        if kind == "shutdown":
            raise Finished(0, "shutdown while waiting for acks")
        if kind == "error":
            break
        if kind == "done":
            got += 1
    if got < wanted and action.get("on_fail") == "exit":
        raise Finished(1, f"{got} of {wanted} acks")


def expect_no_ack(helper: Helper, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            line = helper.readline(deadline)
        except EOFError:
            raise Finished(0, "end of input") from None
        if line is None:
            return
        kind = answer(line)
        if kind == "done":
            raise Finished(1, "unexpected ack")
        if kind == "shutdown":
            raise Finished(0, "shutdown")


def _line_matches(line: str, spec: dict[str, Any]) -> bool:
    if "contains" in spec:
        return str(spec["contains"]) in line
    if "contains_nows" in spec:
        return _WHITESPACE.sub("", str(spec["contains_nows"])) in _WHITESPACE.sub("", line)
    if "json_type" in spec:
        try:
            obj = json.loads(line)
        except ValueError:
            return False
        return isinstance(obj, dict) and obj.get("type") == spec["json_type"]
    raise ValueError(f"expect_line without contains/contains_nows/json_type: {spec}")


def expect_line(helper: Helper, spec: dict[str, Any]) -> None:
    skip = [str(s) for s in spec.get("skip", [])]
    deadline = time.monotonic() + float(spec.get("timeout", 5.0))
    why = "timeout"
    while True:
        try:
            line = helper.readline(deadline)
        except EOFError:
            why = "end of input"
            break
        if line is None:
            break
        if not line.strip() or any(s in line for s in skip):
            continue
        if _line_matches(line, spec):
            return
        why = f"unexpected line {line!r}"
        break
    play(helper, spec.get("on_fail", []))
    raise Finished(1, f"expect_line failed: {why}")


def wait_shutdown(helper: Helper, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            line = helper.readline(deadline)
        except EOFError:
            return
        if line is None or "shutdown" in line:
            return


def play(helper: Helper, actions: list[dict[str, Any]]) -> None:
    """Run the actions in order (README §5)."""
    for action in actions:
        if "sleep" in action:
            helper.sleep(float(action["sleep"]))
        elif "send" in action:
            helper.write(str(action["send"]) + "\n")
        elif "send_block" in action:
            helper.write("".join(f"{line}\n" for line in action["send_block"]))
        elif "wait_ack" in action:
            wait_ack(helper, action)
        elif "expect_no_ack" in action:
            expect_no_ack(helper, float(action["expect_no_ack"]))
        elif "expect_line" in action:
            expect_line(helper, action["expect_line"])
        elif "wait_shutdown" in action:
            wait_shutdown(helper, float(action["wait_shutdown"]))
        elif "repeat_while_parent_alive" in action:
            while helper.parent_alive():
                play(helper, action["repeat_while_parent_alive"])
        elif "exit" in action:
            raise Finished(int(action["exit"]), "exit action")
        else:
            raise ValueError(f"unknown helper action {action}")


def find_script(helpers: dict[str, Any], test: str, process: str) -> list[dict[str, Any]]:
    entry = helpers.get(test)
    if not isinstance(entry, dict):
        raise KeyError(f"{test}: not in api-helpers.json")
    for proc in entry.get("processes", []):
        if proc.get("name") == process:
            return list(proc["script"])
    raise KeyError(f"{test}: no process named {process!r} in api-helpers.json")


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(description="Play one api-helpers.json script as an API helper.")
    parser.add_argument("--helpers", default=str(_DEFAULT_HELPERS), help="path of api-helpers.json")
    parser.add_argument("--log", help="append a trace of every line read and written to this file")
    parser.add_argument("test")
    parser.add_argument("process")
    args = parser.parse_args(argv)
    script = find_script(json.loads(Path(args.helpers).read_text()), args.test, args.process)
    helper = Helper(args.log)
    helper.log(f"start {args.test} {args.process} (parent {helper.parent})")
    code, why = 0, "end of script"
    try:
        play(helper, script)
    except Finished as finished:
        code, why = finished.code, str(finished)
    helper.log(f"exit {code}: {why}")
    sys.exit(code)


if __name__ == "__main__":
    main()
