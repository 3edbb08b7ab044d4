"""Helper processes: started without a shell, read line by line, written without ever blocking.

Rules:

* A helper's stdout is read in chunks; every complete line of a chunk is handed over before the
  next chunk is read, so commands written together are applied together. A line longer than
  ``MAX_LINE`` without a newline kills the helper (it is then respawned like any dead helper).
* Writing to a helper never blocks the daemon: lines are gathered and handed to the pipe's transport
  once per turn of the event loop (or every ``FLUSH_AT`` characters), one write call for many
  events, so a busy session costs one system call per batch rather than per line. A helper
  that reads slowly slows the peers it gets events from instead (the runtime stops reading their
  sockets while its backlog is above ``HIGH_WATER``), so a slow reader loses nothing. A helper that
  makes no progress for ``STALL`` seconds is "stuck": what follows is dropped (counted and logged once
  per episode) until its backlog is below ``LOW_WATER`` again; the same happens past ``api.buffer``
  unread bytes, or — with ``api.overflow restart`` — the helper is killed and respawned. Sessions,
  keepalives and other helpers are never affected.
* A helper that exits is respawned after a growing delay (0.5 s doubling to 30 s); more than
  ``RESPAWN_LIMIT`` deaths within ``RESPAWN_WINDOW`` seconds stop the respawning (logged), and with
  ``api.terminate`` any death stops the daemon. ``respawn false`` never respawns.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import signal
import time
from collections.abc import Callable
from typing import cast

from aiobgp.config.model import ProcessConfig
from aiobgp.runtime import logs

log = logs.get("process")

MAX_LINE = 1 << 20
HIGH_WATER = 1 << 20  # unread bytes above which the peers feeding a helper are paused
LOW_WATER = 1 << 18  # ... and below which they resume (and a stuck helper is written to again)
STALL = 2.0  # seconds without progress after which a paused helper counts as stuck
RESPAWN_LIMIT = 5
RESPAWN_WINDOW = 64.0
RESPAWN_DELAY_MIN = 0.5
RESPAWN_DELAY_MAX = 30.0
STOP_GRACE = 2.0
FLUSH_AT = 1 << 16  # characters gathered before they are handed to the pipe without waiting

LineHandler = Callable[["Helper", list[str]], None]


class _Protocol(asyncio.SubprocessProtocol):
    def __init__(self, helper: Helper) -> None:
        self.helper = helper
        self.partial = b""

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        if fd != 1:
            return
        if self.partial:
            data = self.partial + data
        end = data.rfind(b"\n")
        if end < 0:
            self.partial = data
            if len(data) > MAX_LINE:
                self.partial = b""
                self.helper.misbehaved(f"wrote a line longer than {MAX_LINE} bytes")
            return
        self.partial = data[end + 1 :]
        lines = data[:end].decode("utf-8", "replace").split("\n")
        self.helper.lines(lines)

    def process_exited(self) -> None:
        self.helper.exited()


class Helper:
    """One ``process NAME { run ...; }`` program and its pipes."""

    def __init__(
        self,
        config: ProcessConfig,
        on_lines: LineHandler,
        *,
        buffer_limit: int,
        overflow: str,
        respawn: bool,
        terminate: Callable[[str], None] | None,
        ack: bool,
    ) -> None:
        self.config = config
        self.name = config.name
        self.on_lines = on_lines
        self.buffer_limit = buffer_limit
        self.overflow = overflow
        self.respawn = respawn and config.respawn
        self.terminate = terminate
        self.ack = ack  # acknowledgements on/off (disable-ack / enable-ack)
        self.transport: asyncio.SubprocessTransport | None = None
        self.stdin: asyncio.WriteTransport | None = None
        self.pid: int | None = None
        self.running = False
        self.stopping = False
        self.dropped = 0
        self._overflowing = False
        self.stuck = False
        self._deaths: list[float] = []
        self._delay = RESPAWN_DELAY_MIN
        self._respawn_handle: asyncio.TimerHandle | None = None
        self._pending: list[str] = []  # lines written since the last flush
        self._pending_size = 0
        self._flush_handle: asyncio.Handle | None = None

    # --- life -------------------------------------------------------------------------------------
    async def start(self) -> bool:
        loop = asyncio.get_running_loop()
        argv = self.config.run
        env = dict(os.environ, TERM="dumb")
        refusal = _not_executable(argv[0])
        if refusal:
            log.error("Process '%s' failed to start: %s: %s", self.name, argv[0], refusal)
            self._died(f"could not start ({refusal})")
            return False
        try:
            transport, _ = await loop.subprocess_exec(
                lambda: _Protocol(self),
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=None,
                env=env,
                start_new_session=True,
            )
        except OSError as error:
            log.error("Process '%s' failed to start: %s: %s", self.name, argv[0], _start_error(error))
            self._died(f"could not start ({_start_error(error)})")
            return False
        self.transport = transport
        self.stdin = cast(asyncio.WriteTransport, transport.get_pipe_transport(0))
        self.pid = transport.get_pid()
        self.running = True
        self._overflowing = False
        log.info("Started process '%s' with PID %d", self.name, self.pid)
        return True

    def exited(self) -> None:
        transport = self.transport
        code = transport.get_returncode() if transport is not None else None
        self.running = False
        self.transport = self.stdin = None
        self._discard_pending()
        if self.stopping:
            return
        if code is not None and code < 0:
            try:
                reason = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                reason = f"killed by signal {-code}"
        else:
            reason = f"exited with status {code}"
        self._died(reason)

    def _died(self, reason: str) -> None:
        if self.stopping:
            return
        if self.terminate is not None:
            log.error("Process '%s' %s: exabgp.api.terminate is set, stopping", self.name, reason)
            self.terminate(f"process {self.name} {reason}")
            return
        if not self.respawn:
            log.warning("Process '%s' %s (respawn is off)", self.name, reason)
            return
        now = time.monotonic()
        self._deaths = [t for t in self._deaths if now - t < RESPAWN_WINDOW] + [now]
        if len(self._deaths) > RESPAWN_LIMIT:
            log.error(
                "Process '%s' %s: it died %d times in %.0f s, not respawning it any more "
                "(its routes stay announced)",
                self.name,
                reason,
                len(self._deaths),
                RESPAWN_WINDOW,
            )
            return
        delay = self._delay
        self._delay = min(self._delay * 2, RESPAWN_DELAY_MAX)
        log.warning("Process '%s' %s, respawning in %.1f s", self.name, reason, delay)
        loop = asyncio.get_running_loop()
        self._respawn_handle = loop.call_later(delay, lambda: loop.create_task(self._respawn()))

    async def _respawn(self) -> None:
        self._respawn_handle = None
        if not self.stopping and await self.start():
            loop = asyncio.get_running_loop()
            loop.call_later(RESPAWN_WINDOW, self._settled)

    def _settled(self) -> None:
        if self.running:
            self._delay = RESPAWN_DELAY_MIN

    def misbehaved(self, why: str) -> None:
        log.error("Process '%s' %s: killing it", self.name, why)
        self.kill()

    def kill(self) -> None:
        if self.transport is not None and self.running:
            with contextlib.suppress(ProcessLookupError):
                self.transport.kill()

    async def stop(self, last_words: str) -> None:
        """Send the shutdown event, close stdin, then SIGTERM and SIGKILL if it lingers."""
        self.stopping = True
        if self._respawn_handle is not None:
            self._respawn_handle.cancel()
        transport = self.transport
        if transport is None or not self.running:
            return
        if last_words:
            self.write(last_words)
        self.flush()
        if self.stdin is not None:
            self.stdin.close()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if await self._exits_within(STOP_GRACE):
                return
            try:
                transport.send_signal(sig)
            except ProcessLookupError:
                return

    async def _exits_within(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not self.running

    # --- reading ----------------------------------------------------------------------------------
    def lines(self, lines: list[str]) -> None:
        self.on_lines(self, lines)

    # --- writing ----------------------------------------------------------------------------------
    def backlog(self) -> int:
        """Bytes written for the helper and not read by it yet (the gathered lines counted as bytes)."""
        stdin = self.stdin
        return 0 if stdin is None else stdin.get_write_buffer_size() + self._pending_size

    def write(self, text: str, count: int = 1) -> bool:
        """Queue ``text`` (``count`` events or answers) for the helper; False when dropped (not running,
        stuck, or over the limit)."""
        stdin = self.stdin
        if stdin is None or stdin.is_closing():
            return False
        backlog = stdin.get_write_buffer_size() + self._pending_size
        if self.stuck and backlog < LOW_WATER:
            self.stuck = False
        if self.stuck or backlog > self.buffer_limit:
            if self.overflow == "restart":
                log.error(
                    "Process '%s' does not read its input (%d bytes unread): restarting it",
                    self.name,
                    backlog,
                )
                self.kill()
                return False
            if not self._overflowing:
                self._overflowing = True
                log.warning(
                    "Process '%s' does not read its input (%d bytes unread): dropping its events "
                    "and answers until it catches up",
                    self.name,
                    backlog,
                )
            self.dropped += count
            return False
        if self._overflowing:
            self._overflowing = False
            log.warning(
                "Process '%s' reads again: %d events or answers were dropped", self.name, self.dropped
            )
            self.dropped = 0
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= FLUSH_AT:
            self.flush()
        elif self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self.flush)
        return True

    def flush(self) -> None:
        """Hand the gathered lines to the pipe in one write."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._pending:
            return
        text = self._pending[0] if len(self._pending) == 1 else "".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        stdin = self.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.write(text.encode())

    def _discard_pending(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._pending.clear()
        self._pending_size = 0

    def answer(self, ok: bool) -> None:
        if self.ack:
            self.write("done\n" if ok else "error\n")


def _not_executable(program: str) -> str:
    """Why ``program`` cannot be executed as is ("" when it can, or when exec will tell).

    An executable file that is neither a binary nor a ``#!`` script would be run by ``/bin/sh``
    (execvp's fallback): refuse it, as ExaBGP does, instead of guessing its language.
    """
    path = program if os.sep in program else shutil.which(program)
    if path is None or not os.path.isfile(path) or not os.access(path, os.X_OK):
        return ""
    try:
        with open(path, "rb") as file:
            head = file.read(4)
    except OSError:
        return ""
    if head.startswith(b"#!") or head == b"\x7fELF":
        return ""
    return "not an executable format (a script needs a #! line)"


def _start_error(error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return "no such file (check the path, and the interpreter named by its #! line)"
    if error.errno == errno.EACCES:
        return "permission denied (is it executable? chmod +x)"
    if error.errno == errno.ENOEXEC:
        return "not an executable format (a script needs a #! line)"
    return error.strerror or str(error)
