"""The helper API at run time: helpers' commands in, BGP events out.

Rules:

* A helper drives the neighbors whose ``api`` block lists it (``processes`` or a
  ``processes-match`` expression) for announce, withdraw and watchdog commands; ``eor``,
  ``route-refresh``, ``teardown``, ``flush`` and ``clear`` act on every neighbor their selectors
  match, bound or not (as ExaBGP 5 does).
* Every command is answered ``done`` or ``error`` unless the helper turned acknowledgements off;
  an ``error`` is also logged with its reason, and nothing else changes. Past the first
  ``COMMANDS_LOGGED`` commands a read is parsed at once (``parse_lines``): runs of route lines are
  applied in bulk and the answers of route commands are written together, in order, before
  anything a later command of the read writes.
* The lines of one read are all applied before any UPDATE is built: routes announced and withdrawn
  in one batch never reach the wire, and announcements are packed together.
* Events are rendered once per helper and written without ever blocking (see ``processes``).
  While a helper's backlog is above ``HIGH_WATER`` the neighbors it gets UPDATEs from are not read
  (TCP slows the peers down), until it is below ``LOW_WATER`` or counts as stuck (``STALL`` seconds
  without progress); a session is never paused long enough for its hold timer to matter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from aiobgp import __version__
from aiobgp.api import commands as cmd
from aiobgp.api.commands import ParseError, parse_command, parse_lines
from aiobgp.api.events import PARSED, EventMode
from aiobgp.api.json import JsonEncoder
from aiobgp.api.selectors import select
from aiobgp.api.text import TextEncoder, attributes_text
from aiobgp.config.environment import Environment
from aiobgp.config.flow import flow_route
from aiobgp.config.model import NO_EXTRAS, Config, ConfigError, MessageSelection, ProcessConfig
from aiobgp.runtime import logs
from aiobgp.runtime.peer import nlri_text
from aiobgp.runtime.processes import HIGH_WATER, LOW_WATER, STALL, Helper
from aiobgp.session.events import UpdateReceived
from aiobgp.wire.constants import (
    KEEPALIVE,
    MARKER,
    NOTIFICATION,
    OPEN,
    ROUTE_REFRESH,
    UPDATE,
    family_name,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.notification import Notification
from aiobgp.wire.open import Open
from aiobgp.wire.refresh import RouteRefresh
from aiobgp.wire.text import address_str
from aiobgp.wire.update import Update

if TYPE_CHECKING:
    from aiobgp.runtime.daemon import Daemon
    from aiobgp.runtime.peer import PeerRunner

log = logs.get("api")

COMMANDS_LOGGED = 20  # commands of a helper logged at INFO before they are only counted
ANSWERS_WRITE = 4096  # answers queued for a helper are written in pieces of at most this many bytes
Encoder = JsonEncoder | TextEncoder


@dataclass(slots=True)
class Subscription:
    """What one helper gets about one neighbor (every ``api`` block naming it, merged)."""

    helper: Helper
    encoder: Encoder
    neighbor_changes: bool = False
    negotiated: bool = False
    fsm: bool = False
    signal: bool = False
    receive: MessageSelection = field(default_factory=MessageSelection)
    send: MessageSelection = field(default_factory=MessageSelection)
    modes: tuple[EventMode, EventMode] = (PARSED, PARSED)  # (receive, send), set once merged

    def settle(self) -> None:
        """Compute what every message needs (called once the ``api`` blocks are merged)."""
        self.modes = (EventMode.of(self.receive, self.negotiated), EventMode.of(self.send, self.negotiated))


_SELECTS = {
    OPEN: "open",
    UPDATE: "update",
    NOTIFICATION: "notification",
    KEEPALIVE: "keepalive",
    ROUTE_REFRESH: "refresh",
}


def _merge(into: MessageSelection, other: MessageSelection) -> None:
    for name in MessageSelection.__slots__:
        if getattr(other, name):
            setattr(into, name, True)


def header_of(msg_type: int, body: bytes) -> bytes:
    return MARKER + (19 + len(body)).to_bytes(2, "big") + bytes((msg_type,))


class Api:
    """Every helper process of the daemon, and the events of every neighbor they subscribed to."""

    def __init__(self, daemon: Daemon, configs: list[Config], env: Environment) -> None:
        self.daemon = daemon
        self.env = env
        self.helpers: dict[str, Helper] = {}
        self.encoders: dict[str, Encoder] = {}
        self._logged: dict[str, int] = {}
        self._paused: set[PeerRunner] = set()  # neighbors not read while their helpers catch up
        self._progress: dict[Helper, tuple[int, float]] = {}  # backlog, and when it last went down
        self._watch: asyncio.TimerHandle | None = None
        for config in configs:
            for process in config.processes.values():
                self._add(process)

    def _add(self, process: ProcessConfig) -> None:
        env = self.env
        self.helpers[process.name] = Helper(
            process,
            self.lines,
            buffer_limit=int(env.get("api.buffer")),
            overflow=str(env.get("api.overflow")),
            respawn=bool(env.get("api.respawn")),
            terminate=self.daemon.fatal if env.get("api.terminate") else None,
            ack=bool(env.get("api.ack")),
        )
        compact = bool(env.get("api.compact"))
        self.encoders[process.name] = (
            JsonEncoder(compact=compact) if process.encoder == "json" else TextEncoder()
        )

    # --- life -------------------------------------------------------------------------------------
    async def start(self) -> None:
        for helper in self.helpers.values():
            await helper.start()

    async def update(self, configs: list[Config]) -> None:
        """After a reload: start the helpers that appeared, stop those that are gone, keep the others."""
        wanted = {name: p for c in configs for name, p in c.processes.items()}
        for name in [n for n in self.helpers if n not in wanted]:
            helper = self.helpers.pop(name)
            await helper.stop(self.encoders.pop(name).shutdown())
        for name, process in wanted.items():
            if name not in self.helpers:
                self._add(process)
                await self.helpers[name].start()

    async def stop(self) -> None:
        await asyncio.gather(
            *(helper.stop(self.encoders[name].shutdown()) for name, helper in self.helpers.items())
        )

    def subscriptions(self, runner: PeerRunner) -> list[Subscription]:
        """The helpers bound to a neighbor, with the merged flags of every ``api`` block naming them."""
        subs: dict[str, Subscription] = {}
        for api in runner.neighbor.api:
            names = [n for n in api.processes if n in self.helpers]
            for pattern in api.processes_match:
                names += [n for n in self.helpers if re.search(pattern, n) and n not in names]
            for name in names:
                sub = subs.get(name)
                if sub is None:
                    sub = subs[name] = Subscription(self.helpers[name], self.encoders[name])
                sub.neighbor_changes |= api.neighbor_changes
                sub.negotiated |= api.negotiated
                sub.fsm |= api.fsm
                sub.signal |= api.signal
                _merge(sub.receive, api.receive)
                _merge(sub.send, api.send)
        for sub in subs.values():
            sub.settle()
        return list(subs.values())

    # --- events -----------------------------------------------------------------------------------
    def state(self, runner: PeerRunner, state: str, reason: str = "") -> None:
        for sub in runner.subs:
            if sub.neighbor_changes:
                sub.helper.write(sub.encoder.state(runner.info, state, reason))

    def fsm(self, runner: PeerRunner, state: str) -> None:
        for sub in runner.subs:
            if sub.fsm:
                line = sub.encoder.fsm(runner.info, state)
                if line:
                    sub.helper.write(line)

    def negotiated(self, runner: PeerRunner, negotiated: Negotiated) -> None:
        for sub in runner.subs:
            if sub.negotiated:
                line = sub.encoder.negotiated(runner.info, negotiated)
                if line:
                    sub.helper.write(line)

    def signal(self, signum: int) -> None:
        for runner in self.daemon.runners:
            for sub in runner.subs:
                if sub.signal:
                    line = sub.encoder.signal(runner.info, signum)
                    if line:
                        sub.helper.write(line)

    def wants(self, runner: PeerRunner, direction: str, msg_type: int) -> bool:
        """True when some helper of this neighbor reports this kind of message (cheap pre-check)."""
        name = _SELECTS.get(msg_type)
        if name is None:
            return False
        for sub in runner.subs:
            selection = sub.receive if direction == "receive" else sub.send
            if getattr(selection, name) and selection.reports():
                return True
        return False

    def message(
        self,
        runner: PeerRunner,
        direction: str,
        msg_type: int,
        body: bytes,
        message: Open | Update | Notification | RouteRefresh | None,
    ) -> None:
        """Report one message to every helper that selected its type (``receive {}`` / ``send {}``)."""
        name = _SELECTS[msg_type]
        receive = direction == "receive"
        for sub in runner.subs:
            if getattr(sub.receive if receive else sub.send, name):
                lines: list[str] = []
                self._lines(sub, runner, direction, msg_type, body, message, lines)
                for line in lines:
                    sub.helper.write(line)
        self._check_backlog(runner)

    def updates_received(self, runner: PeerRunner, received: list[UpdateReceived]) -> None:
        """Report UPDATEs read together from a neighbor: one write per helper."""
        for sub in runner.subs:
            selection = sub.receive
            if not selection.update:
                continue
            encoder = sub.encoder
            parsed = selection.parsed or selection.consolidate
            if isinstance(encoder, JsonEncoder) and parsed and not selection.packets:
                updates = [event.update for event in received]
                lines = encoder.updates(runner.info, "receive", updates, sub.modes[0], runner.negotiated)
            else:
                lines = []
                for event in received:
                    self._lines(sub, runner, "receive", UPDATE, event.raw_body, event.update, lines)
            if lines:
                sub.helper.write("".join(lines), len(lines))
        self._check_backlog(runner)

    def _lines(
        self,
        sub: Subscription,
        runner: PeerRunner,
        direction: str,
        msg_type: int,
        body: bytes,
        message: Open | Update | Notification | RouteRefresh | None,
        lines: list[str],
    ) -> None:
        """Append the lines of one message for one helper that selected its type."""
        selection = sub.receive if direction == "receive" else sub.send
        negotiated = runner.negotiated
        encoder = sub.encoder
        header = b""
        if selection.packets:
            header = header_of(msg_type, body)
            negotiated_or_none = negotiated if sub.negotiated else None
            lines.append(encoder.packet(runner.info, direction, msg_type, header, body, negotiated_or_none))
        if not (selection.parsed or selection.consolidate):
            return
        mode = sub.modes[0] if direction == "receive" else sub.modes[1]
        if mode.raw and not header:
            header = header_of(msg_type, body)
        info = runner.info
        if msg_type == UPDATE:
            line = encoder.update(info, direction, cast(Update, message), header, body, mode, negotiated)
        elif msg_type == KEEPALIVE:
            line = encoder.keepalive(info, direction, header, body, mode)
        elif msg_type == OPEN:
            line = encoder.open(info, direction, cast(Open, message), header, body, mode)
        elif msg_type == NOTIFICATION:
            line = encoder.notification(info, direction, cast(Notification, message), header, body, mode)
        else:
            line = encoder.refresh(info, direction, cast(RouteRefresh, message), header, body, mode)
        if line:
            lines.append(line)

    def _check_backlog(self, runner: PeerRunner) -> None:
        """Stop reading a neighbor while one of its helpers has too much unread."""
        if runner not in self._paused:
            for sub in runner.subs:
                if sub.helper.backlog() > HIGH_WATER and not sub.helper.stuck:
                    self._pause(runner)
                    break

    # --- back-pressure ----------------------------------------------------------------------------
    def _pause(self, runner: PeerRunner) -> None:
        runner.pause_reading()
        self._paused.add(runner)
        if self._watch is None:
            self._watch = asyncio.get_running_loop().call_later(0.02, self._check_paused)

    def _check_paused(self) -> None:
        """Resume neighbors whose helpers caught up; give up on helpers that stopped reading."""
        self._watch = None
        now = asyncio.get_running_loop().time()
        for runner in list(self._paused):
            ready = True
            for sub in runner.subs:
                helper = sub.helper
                backlog = helper.backlog()
                if backlog <= LOW_WATER or helper.stuck:
                    self._progress.pop(helper, None)
                    continue
                last, since = self._progress.get(helper, (backlog + 1, now))
                if backlog < last:
                    since = now
                self._progress[helper] = (backlog, since)
                if now - since > STALL:
                    helper.stuck = True
                    log.warning(
                        "Process '%s' has not read its input for %.0f s (%d bytes unread): "
                        "dropping its events until it catches up",
                        helper.name,
                        STALL,
                        backlog,
                    )
                    continue
                ready = False
            if ready:
                self._paused.discard(runner)
                runner.resume_reading()
        if self._paused:
            self._watch = asyncio.get_running_loop().call_later(0.02, self._check_paused)

    # --- commands ---------------------------------------------------------------------------------
    def lines(self, helper: Helper, lines: list[str]) -> None:
        """Apply every line of one read; UPDATEs are built afterwards (see the module rules).

        The first ``COMMANDS_LOGGED`` commands of a helper (every one at DEBUG level) are logged and
        applied one by one; after them a read is parsed at once (``parse_lines``) and the answers to
        its route commands are written together.
        """
        debug = log.isEnabledFor(logging.DEBUG)
        i = 0
        while i < len(lines) and (debug or self._logged.get(helper.name, 0) < COMMANDS_LOGGED):
            self._line(helper, lines[i].strip())
            i += 1
        if i < len(lines):
            self._batch(helper, lines[i:] if i else lines)

    def _line(self, helper: Helper, line: str) -> None:
        """One command, logged, applied and answered."""
        if not line:
            return
        logged = self._logged.get(helper.name, 0)
        if logged < COMMANDS_LOGGED:
            log.info("Received command from API (%s): %s", helper.name, line)
            self._logged[helper.name] = logged + 1
            if logged + 1 == COMMANDS_LOGGED:
                log.info("further commands from %s are logged at DEBUG level only", helper.name)
        else:
            log.debug("Received command from API (%s): %s", helper.name, line)
        try:
            command = parse_command(line)
        except ParseError as error:
            log.error("API command from %s refused: %s: %s", helper.name, error, line)
            helper.answer(False)
            return
        ok = self._execute_logged(helper, command, line)
        if ok is not None:
            helper.answer(ok)

    def _batch(self, helper: Helper, lines: list[str]) -> None:
        """Lines parsed together; the answers of route commands are queued and written in one go, before
        anything else is written to the helper."""
        answers: list[str] = []
        for item in parse_lines(lines):
            if isinstance(item, cmd.RouteRun):
                done = self._route_run(helper, item)
                if helper.ack:
                    answers.append(("done\n" if done else "error\n") * len(item.nlris))
                continue
            line, command = item
            if isinstance(command, ParseError):
                log.error("API command from %s refused: %s: %s", helper.name, command, line)
                if helper.ack:
                    answers.append("error\n")
                continue
            route = isinstance(command, (cmd.Announce, cmd.Withdraw))
            if answers and not route:
                _write_answers(helper, answers)  # what the command writes comes after these answers
                answers = []
            ok = self._execute_logged(helper, command, line)
            if ok is None:
                continue
            if not route:
                helper.answer(ok)
            elif helper.ack:
                answers.append("done\n" if ok else "error\n")
        if answers:
            _write_answers(helper, answers)

    def _execute_logged(self, helper: Helper, command: cmd.Command, line: str) -> bool | None:
        try:
            return self.execute(helper, command)
        except Exception as error:  # a bug must not cost the helper its answer, nor the daemon its life
            log.exception("API command from %s failed: %s: %s", helper.name, error, line)
            return False

    def _route_run(self, helper: Helper, run: cmd.RouteRun) -> bool:
        """``announce|withdraw route`` lines of one run: as many commands, applied at once."""
        if run.extras is not NO_EXTRAS:  # watchdog groups: route by route
            results = [self._execute_logged(helper, command, "") for command in run.commands()]
            return all(results)
        targets = self._bound(helper, run.selectors)
        if not targets:
            log.error(
                "API command from %s matches no neighbor bound to it (%d commands)",
                helper.name,
                len(run.nlris),
            )
            return False
        try:
            for runner in targets:
                if run.action == "announce":
                    runner.announce_nlris(run.family, run.nlris, run.attributes, run.next_hop)
                else:
                    runner.withdraw_nlris(run.family, run.nlris)
        except Exception as error:  # as _execute_logged
            log.exception("API commands from %s failed: %s", helper.name, error)
            return False
        return True

    def _bound(self, helper: Helper, selectors: cmd.Selectors) -> list[PeerRunner]:
        bound = [r for r in self.daemon.runners if any(sub.helper is helper for sub in r.subs)]
        return [r for r in bound if select(selectors, r.identity())] if selectors else bound

    def _matching(self, selectors: cmd.Selectors) -> list[PeerRunner]:
        if not selectors:
            return list(self.daemon.runners)
        return [r for r in self.daemon.runners if select(selectors, r.identity())]

    def execute(self, helper: Helper, command: cmd.Command) -> bool | None:
        """Run one command; True/False is the answer, None means no answer at all."""
        if isinstance(command, (cmd.Announce, cmd.Withdraw)):
            targets = self._bound(helper, command.selectors)
            if not targets:
                log.error("API command from %s matches no neighbor bound to it", helper.name)
                return False
            for runner in targets:
                if isinstance(command, cmd.Announce):
                    runner.announce(command.routes, command.extras)
                else:
                    runner.withdraw(command.routes)
            return True
        if isinstance(command, cmd.Watchdog):
            targets = self._bound(helper, command.selectors)
            name = command.name or helper.name
            for runner in targets:
                runner.watchdog(name, command.action == "announce")
            return bool(targets)
        if isinstance(
            command, (cmd.EndOfRib, cmd.RouteRefresh, cmd.FlushAdjRibOut, cmd.ClearAdjRib, cmd.Teardown)
        ):
            return self._session_command(helper, command)
        if isinstance(command, cmd.Shutdown):
            helper.write("shutdown in progress\n")
            self.daemon.stop()
            return True
        if isinstance(command, (cmd.Reload, cmd.Restart)):
            word = "reload" if isinstance(command, cmd.Reload) else "restart"
            helper.write(f"{word} in progress\n")
            self.daemon.reload(restart=isinstance(command, cmd.Restart))
            return True
        if isinstance(command, cmd.Version):
            helper.write(f"aiobgp {__version__}\n")
            return True
        if isinstance(command, cmd.Help):
            helper.write(cmd.help_text() + "\n")
            return True
        if isinstance(command, cmd.EnableAck):
            helper.ack = True
            return True
        if isinstance(command, cmd.DisableAck):
            helper.answer(True)
            helper.ack = False
            return None
        if isinstance(command, cmd.SilenceAck):
            helper.ack = False
            return None
        if isinstance(command, cmd.Reset):
            return None
        if isinstance(command, cmd.Comment):
            return True
        if isinstance(command, cmd.Debug):
            log.warning("debug line from %s: %s", helper.name, command.text)
            return None
        if isinstance(command, cmd.ShowNeighbor):
            self._write_lines(helper, self.show_neighbor(command))
            return True
        if isinstance(command, cmd.ShowAdjRib):
            self._write_lines(helper, self.show_adj_rib(command))
            return True
        if isinstance(command, cmd.FlowCommand):
            return self._flow(helper, command)
        log.error("API command from %s refused: %s is not supported yet", helper.name, type(command).__name__)
        return False

    def _flow(self, helper: Helper, command: cmd.FlowCommand) -> bool:
        """``announce|withdraw flow route ...``: one FlowSpec rule for the bound neighbors."""
        try:
            route = flow_route(
                command.family,
                command.match,
                command.then,
                command.scope,
                command.other,
                at=command.tokens[0] if command.tokens else None,
            )
        except ConfigError as error:
            log.error("API command from %s refused: %s", helper.name, error)
            return False
        targets = self._bound(helper, command.selectors)
        if not targets:
            log.error("API command from %s matches no neighbor bound to it", helper.name)
            return False
        for runner in targets:
            if command.action == "announce":
                runner.announce([route], NO_EXTRAS)
            else:
                runner.withdraw([route])
        return True

    def _session_command(
        self,
        helper: Helper,
        command: cmd.EndOfRib | cmd.RouteRefresh | cmd.FlushAdjRibOut | cmd.ClearAdjRib | cmd.Teardown,
    ) -> bool:
        if isinstance(command, cmd.Teardown) and not command.selectors:
            log.error("API command from %s refused: teardown needs a neighbor selector", helper.name)
            return False
        targets = self._matching(command.selectors)
        if not targets:
            log.error("API command from %s matches no neighbor", helper.name)
            return False
        for runner in targets:
            if isinstance(command, cmd.EndOfRib):
                runner.send_eor(command.family)
            elif isinstance(command, cmd.RouteRefresh):
                runner.send_route_refresh(command.family)
            elif isinstance(command, cmd.FlushAdjRibOut):
                runner.flush()
            elif isinstance(command, cmd.ClearAdjRib):
                runner.clear(command.direction)
            else:
                runner.teardown(command.subcode)
        return True

    @staticmethod
    def _write_lines(helper: Helper, lines: Iterable[str]) -> None:
        for line in lines:
            helper.write(line + "\n")

    # --- show -------------------------------------------------------------------------------------
    def show_neighbor(self, command: cmd.ShowNeighbor) -> list[str]:
        runners = [r for r in self.daemon.runners if command.ip in (None, r.name)]
        if command.json:
            return [json.dumps([r.describe() for r in runners])]
        if command.mode == "summary":
            out = [f"{'Peer':<15} {'AS':<9} {'up/down':>7} {'state':<11} | {'#sent':>9} {'#recvd':>10}"]
            for r in runners:
                d = r.describe()
                out.append(
                    f"{r.name:<15} {d['peer']['as']!s:<9} {d['duration']:>7} {d['state']:<11}   "
                    f"{d['sent']:>9} {d['received']:>10}"
                )
            return out
        out = []
        for r in runners:
            d = r.describe()
            out.append(f"Neighbor {r.name}")
            out.append(f"    Session                         {d['state']}")
            out.append(f"    Up/Down                         {d['duration']}")
            out.append(f"    Local address                   {d['local']['address']}")
            out.append(f"    Local AS                        {d['local']['as']}")
            out.append(f"    Peer AS                         {d['peer']['as']}")
            out.append(f"    Router ID                       {d['local']['id']}")
            out.append(f"    Hold time                       {d['hold']}")
            out.append(f"    Families                        {' '.join(d['families'])}")
            out.append(f"    Routes sent                     {d['sent']}")
            out.append(f"    Prefixes received               {d['received']}")
        return out

    def show_adj_rib(self, command: cmd.ShowAdjRib) -> list[str]:
        out: list[str] = []
        routes_json: dict[str, dict[str, list[dict[str, str]]]] = {}
        for runner in self.daemon.runners:
            if command.ip not in (None, runner.name):
                continue
            rib = runner.rib_in if command.direction == "in" else runner.rib_out
            negotiated = runner.negotiated
            for family in rib.families():
                if not command.covers(family):
                    continue
                if command.direction == "in":
                    addpath = negotiated is not None and family in negotiated.addpath_receive
                else:
                    addpath = True  # Adj-RIB-Out keys always carry a path identifier
                for key, (attributes, next_hop) in rib.routes(family):
                    prefix = nlri_text(family, key, addpath)
                    if command.json:
                        routes_json.setdefault(runner.name, {"routes": []})["routes"].append(
                            {"prefix": prefix, "family": family_name(family)}
                        )
                        continue
                    hop = f" next-hop {address_str(next_hop)}" if next_hop else ""
                    where = runner.identity().text() if command.extensive else runner.name
                    out.append(f"{where} {family_name(family)} {prefix}{hop}{attributes_text(attributes)}")
        if command.json:
            return [json.dumps({name: value}) for name, value in routes_json.items()]
        return out


def _write_answers(helper: Helper, answers: list[str]) -> None:
    """Queued answers, written in whole lines of at most ``ANSWERS_WRITE`` bytes: the helper's buffer
    limit (``api.buffer``) is checked about as often as when they are written one by one."""
    text = "".join(answers)
    start = 0
    while start < len(text):
        end = text.rfind("\n", start, start + ANSWERS_WRITE) + 1
        helper.write(text[start:end])
        start = end
