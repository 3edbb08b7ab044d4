"""Run the aiobgp daemon as a user would: ``python -m aiobgp CONFIG``, its log in a file."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

RUNNING: set[Speaker] = set()
"""Speakers started and not stopped yet: tests/conftest.py stops them after each test."""


class Speaker:
    """One aiobgp process. ``env`` adds ``exabgp.*`` settings (``{"tcp.bind": "127.0.0.1"}``)."""

    def __init__(
        self, workdir: Path, config: str, *, env: dict[str, str] | None = None, name: str = "aiobgp"
    ):
        self.workdir = workdir
        self.name = name
        self.config_path = workdir / f"{name}.conf"
        self.log_path = workdir / f"{name}.log"
        self.config = config
        self.settings = {"log.level": "INFO", **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Speaker:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config)
        environ = {k: v for k, v in os.environ.items() if not k.lower().startswith(("exabgp", "aiobgp"))}
        environ.update({"exabgp_" + k.replace(".", "_"): v for k, v in self.settings.items()})
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "aiobgp", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environ,
                cwd=self.workdir,
            )
        RUNNING.add(self)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_log(self, pattern: str, timeout: float = 30.0, count: int = 1) -> re.Match[str]:
        """Wait until ``pattern`` (a regular expression) matched ``count`` log lines; return the last."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            matches = [m for line in self.log().splitlines() if (m := regex.search(line))]
            if len(matches) >= count:
                return matches[count - 1]
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"aiobgp exited ({self.process.returncode}) before {pattern!r}:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {pattern!r} in aiobgp's log after {timeout}s:\n{self.log()[-4000:]}"
                )
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then wait; returns the exit code (SIGKILL and failure after ``timeout``)."""
        process = self.process
        if process is None:
            return 0
        RUNNING.discard(self)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise AssertionError(
                    f"aiobgp did not stop within {timeout}s:\n{self.log()[-4000:]}"
                ) from None
        return process.returncode

    def kill(self) -> None:
        """Stop at once, whatever state it is in (clean-up after a failed test)."""
        RUNNING.discard(self)
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
