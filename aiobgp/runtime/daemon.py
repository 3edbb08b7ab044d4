"""The daemon: every configured neighbor in one asyncio loop, listeners, helpers and signals.

* SIGTERM, SIGINT and SIGHUP stop it: every session is closed with NOTIFICATION Cease /
  Administrative Shutdown (RFC 8203/9003 text "aiobgp shutting down"), helpers get their shutdown
  event, then the process exits 0.
* SIGUSR1 (and the ``reload`` command) reads the configuration again: neighbors whose settings are
  unchanged keep their session, configured routes that vanished are withdrawn and new ones announced,
  routes announced by helpers stay. Changed neighbors are rebuilt (Cease 6/6), removed ones closed
  (Cease 6/3). A configuration that does not load is logged and the running one kept.
  With ``exabgp.debug.rotate`` and several files, each reload moves on to the next file.
* SIGUSR2 reloads and restarts the helpers; SIGALRM (and ``restart``) also rebuilds every neighbor.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import ipaddress
import signal
import socket
from collections.abc import Callable, Sequence

from aiobgp import __version__
from aiobgp.config.environment import Environment
from aiobgp.config.model import Config, ConfigError, NeighborConfig
from aiobgp.config.parser import load
from aiobgp.runtime import logs, tcp
from aiobgp.runtime.api import Api
from aiobgp.runtime.peer import BgpProtocol, PeerRunner, md5_key
from aiobgp.wire.constants import (
    CEASE_ADMIN_SHUTDOWN,
    CEASE_OTHER_CONFIG_CHANGE,
    CEASE_PEER_DECONFIGURED,
    ERR_CEASE,
)
from aiobgp.wire.notification import Notification, shutdown_communication

log = logs.get("daemon")

SHUTDOWN_GRACE = 3.0  # seconds given to NOTIFICATIONs to leave before the process exits
FILES_RESERVED = 64  # open files besides the neighbors' sockets: listeners, helpers' pipes, logs


class Daemon:
    def __init__(self, configs: Sequence[Config], env: Environment) -> None:
        self.paths = [c.path for c in configs]
        self.rotate = bool(env.get("debug.rotate")) and len(configs) > 1
        self.active = 0  # with rotation: the index of the file in use
        self.configs = [configs[0]] if self.rotate else list(configs)
        self.env = env
        self.api = Api(self, self.configs, env)
        self.runners: list[PeerRunner] = []
        self.servers: dict[tuple[str, int], asyncio.Server] = {}
        self._stopping: asyncio.Event | None = None
        self._closed: asyncio.Event | None = None
        self.exit_code = 0
        self._gave_up: set[int] = set()

    @property
    def neighbors(self) -> list[NeighborConfig]:
        return [n for c in self.configs for n in c.neighbors]

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._closed = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(signum, self.stop, signum)
        loop.add_signal_handler(signal.SIGUSR1, self._signal_reload, signal.SIGUSR1, False)
        loop.add_signal_handler(signal.SIGUSR2, self._signal_reload, signal.SIGUSR2, False)
        loop.add_signal_handler(signal.SIGALRM, self._signal_reload, signal.SIGALRM, True)
        log.info("Welcome to aiobgp %s", __version__)
        for config in self.configs:
            log.info("Loaded configuration %s (%d neighbor(s))", config.path, len(config.neighbors))
        self._check_open_files()
        self.runners = [self._runner(n) for n in self.neighbors]
        try:
            await self._listen(int(self.env.get("tcp.port")))
        except OSError as error:
            log.error("cannot listen: %s", error)
            return 1
        for runner in self.runners:
            runner.subs = self.api.subscriptions(runner)
        await self.api.start()
        for runner in self.runners:
            runner.start()
        await self._stopping.wait()
        await self._shutdown()
        return self.exit_code

    def _check_open_files(self) -> None:
        """Raise the open-files limit as far as allowed; warn when it is short for the neighbors."""
        before, limit = tcp.raise_open_files_limit()
        if limit != before:
            log.debug("open files limit raised from %d to %d", before, limit)
        needed = 2 * len(self.neighbors) + FILES_RESERVED
        if limit < needed:
            log.warning(
                "%d neighbors may need %d open files but the limit is %d (ulimit -n): raise it",
                len(self.neighbors),
                needed,
                limit,
            )

    def _runner(self, neighbor: NeighborConfig) -> PeerRunner:
        return PeerRunner(
            self,
            neighbor,
            attempts=int(self.env.get("tcp.attempts")),
            open_wait=float(self.env.get("bgp.openwait")),
            passive=bool(self.env.get("bgp.passive")),
            connect_port=int(self.env.get("tcp.port")),
        )

    # --- reloading --------------------------------------------------------------------------------
    def _signal_reload(self, signum: int, restart: bool) -> None:
        log.info("Received %s, reloading the configuration", signal.Signals(signum).name)
        self.api.signal(signum)
        self.reload(restart=restart, helpers=signum == signal.SIGUSR2)

    def reload(self, *, restart: bool = False, helpers: bool = False) -> None:
        asyncio.get_running_loop().create_task(self._reload(restart, helpers or restart))

    def _read(self) -> list[Config]:
        if self.rotate:
            index = (self.active + 1) % len(self.paths)
            configs = [load(self.paths[index])]
            self.active = index
            return configs
        return [load(path) for path in self.paths]

    async def _reload(self, restart: bool, helpers: bool) -> None:
        try:
            configs = self._read()
        except (ConfigError, OSError) as error:
            log.error("reload failed, the running configuration stays: %s", error)
            return
        for config in configs:
            for notice in config.notices:
                log.warning("%s", notice)
            log.info("Reloaded configuration %s (%d neighbor(s))", config.path, len(config.neighbors))
        self.configs = configs
        if helpers:
            await self.api.stop()
            self.api = Api(self, configs, self.env)
            await self.api.start()
        else:
            await self.api.update(configs)
        old = {_identity(r.neighbor): r for r in self.runners}
        runners: list[PeerRunner] = []
        fresh: list[PeerRunner] = []
        for neighbor in self.neighbors:
            runner = old.pop(_identity(neighbor), None)
            if runner is not None and not restart:
                runner.reconfigure(neighbor)
            else:
                if runner is not None:
                    runner.stop(Notification(ERR_CEASE, CEASE_OTHER_CONFIG_CHANGE))
                runner = self._runner(neighbor)
                fresh.append(runner)
            runners.append(runner)
        for runner in old.values():
            log.info("neighbor %s is no longer configured", runner.name)
            runner.stop(Notification(ERR_CEASE, CEASE_PEER_DECONFIGURED))
        self.runners = runners
        for runner in runners:
            runner.subs = self.api.subscriptions(runner)
        await self._relisten()
        for runner in fresh:
            runner.start()

    def fatal(self, reason: str) -> None:
        """A helper died and ``exabgp.api.terminate`` is set."""
        log.error("stopping: %s", reason)
        self.exit_code = 1
        self.stop()

    # --- listening --------------------------------------------------------------------------------
    def _endpoints(self, port: int) -> set[tuple[str, int]]:
        endpoints: set[tuple[str, int]] = {(a, port) for a in self.env.get("tcp.bind")}
        for neighbor in self.neighbors:
            if neighbor.listen:
                endpoints.add((neighbor.local_address or _any(neighbor.peer_address), neighbor.listen))
        return endpoints

    async def _listen(self, port: int) -> None:
        """Open every endpoint (an error is raised: nothing runs without its listeners)."""
        for endpoint in sorted(self._endpoints(port)):
            await self._open(endpoint)

    async def _open(self, endpoint: tuple[str, int]) -> None:
        address, listen_port = endpoint
        sock = tcp.listening_socket(address, listen_port)
        self._set_md5(sock)
        loop = asyncio.get_running_loop()
        self.servers[endpoint] = await loop.create_server(lambda: BgpProtocol(None, self), sock=sock)
        log.info("Listening for BGP on %s port %d", address, listen_port)

    def _set_md5(self, sock: socket.socket) -> None:
        for neighbor in self.neighbors:
            key = md5_key(neighbor)
            if key is not None and sock.family == tcp.family_of(neighbor.peer_address):
                tcp.set_md5(sock, neighbor.md5_ip or neighbor.peer_address, key)

    async def _relisten(self) -> None:
        """After a reload: open the new endpoints, close the ones no neighbor needs, and give the
        kept ones the MD5 keys of new neighbors. A failure is logged; the sessions go on."""
        wanted = self._endpoints(int(self.env.get("tcp.port")))
        for endpoint in sorted(set(self.servers) - wanted):
            log.info("No longer listening on %s port %d", *endpoint)
            self.servers.pop(endpoint).close()
        for endpoint, server in self.servers.items():
            for sock in server.sockets:
                try:
                    self._set_md5(sock)
                except OSError as error:
                    log.error("cannot set the MD5 keys of %s port %d: %s", *endpoint, error)
        for endpoint in sorted(wanted - set(self.servers)):
            try:
                await self._open(endpoint)
            except OSError as error:
                log.error("cannot listen on %s port %d: %s", *endpoint, error)

    def accepted(self, protocol: BgpProtocol) -> None:
        """An incoming connection: hand it to its neighbor, or refuse it."""
        local, peer = protocol.addresses()
        for runner in self.runners:
            n = runner.neighbor
            if _matches(n.peer_address, peer) and (n.local_address in (None, local)):
                if self._stopping is not None and self._stopping.is_set():
                    break
                runner.attach(protocol, inbound=True)
                return
        log.warning("refused a connection from %s to %s: no neighbor is configured for it", peer, local)
        assert protocol.transport is not None
        protocol.transport.close()

    # --- stopping ---------------------------------------------------------------------------------
    def stop(self, signum: int | None = None) -> None:
        if self._stopping is None or self._stopping.is_set():
            return
        if signum is not None:
            log.info("Received %s, shutting down", signal.Signals(signum).name)
        self._stopping.set()

    def peer_gave_up(self, runner: PeerRunner) -> None:
        """With ``tcp.attempts`` set, the daemon ends when every peer gave up (as ExaBGP does)."""
        self._gave_up.add(id(runner))
        if len(self._gave_up) == len(self.runners):
            log.info("every peer gave up, exiting")
            self.exit_code = 1
            self.stop()

    def connection_closed(self) -> None:
        if self._closed is not None and all(r.idle() for r in self.runners):
            self._closed.set()

    async def _shutdown(self) -> None:
        for server in self.servers.values():
            server.close()
        notification = Notification(
            ERR_CEASE, CEASE_ADMIN_SHUTDOWN, shutdown_communication("aiobgp shutting down")
        )
        for runner in self.runners:
            runner.stop(notification)
        assert self._closed is not None
        self.connection_closed()
        try:
            await asyncio.wait_for(self._closed.wait(), SHUTDOWN_GRACE)
        except TimeoutError:
            log.warning("some connections did not close in %.0fs", SHUTDOWN_GRACE)
        await self.api.stop()
        log.info("aiobgp stopped")


def _identity(neighbor: NeighborConfig) -> str:
    """A neighbor's settings without its routes: equal identities keep their session on reload."""
    return repr(dataclasses.replace(neighbor, routes=[], route_extras={}, api=[], position=None))


def _any(address: str) -> str:
    return "::" if ipaddress.ip_address(address.split("/")[0]).version == 6 else "0.0.0.0"


def _matches(configured: str, peer: str) -> bool:
    """A neighbor is an address, or a prefix for dynamic (passive) neighbors."""
    if "/" in configured:
        return ipaddress.ip_address(peer) in ipaddress.ip_network(configured, strict=False)
    return ipaddress.ip_address(configured) == ipaddress.ip_address(peer)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when it is installed (it is a dependency), else asyncio's own."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - only on platforms without uvloop wheels
        return None
    return uvloop.new_event_loop


GC_THRESHOLDS = (50_000, 20, 100)
"""A received table allocates millions of long-lived objects and almost no cycles: collecting the
youngest generation every 700 allocations (CPython's default) would cost more than decoding."""


def run(configs: Sequence[Config], env: Environment) -> int:
    """Run the daemon until a signal stops it; returns the exit code."""
    gc.collect()
    gc.freeze()  # the configuration's objects live as long as the daemon: never scan them again
    gc.set_threshold(*GC_THRESHOLDS)
    logs.setup(
        level=str(env.get("log.level")),
        destination=str(env.get("log.destination")),
        short=bool(env.get("log.short")),
        enable=bool(env.get("log.enable")),
    )
    daemon = Daemon(configs, env)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(daemon.run())
    except ValueError as error:
        log.error("%s", error)
        return 2
