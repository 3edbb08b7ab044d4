"""The daemon: every configured neighbor in one asyncio loop, listeners, and signals.

SIGTERM, SIGINT and SIGHUP stop it: every session is closed with NOTIFICATION Cease /
Administrative Shutdown (RFC 8203/9003 text "aiobgp shutting down"), then the process exits 0.
"""

from __future__ import annotations

import asyncio
import ipaddress
import signal
from collections.abc import Callable, Sequence

from aiobgp import __version__
from aiobgp.config.environment import Environment
from aiobgp.config.model import Config, NeighborConfig
from aiobgp.runtime import logs, tcp
from aiobgp.runtime.peer import BgpProtocol, PeerRunner, md5_key
from aiobgp.wire.constants import CEASE_ADMIN_SHUTDOWN, ERR_CEASE
from aiobgp.wire.notification import Notification, shutdown_communication

log = logs.get("daemon")

SHUTDOWN_GRACE = 3.0  # seconds given to NOTIFICATIONs to leave before the process exits


class Daemon:
    def __init__(self, configs: Sequence[Config], env: Environment) -> None:
        self.configs = list(configs)
        self.env = env
        self.runners: list[PeerRunner] = []
        self.servers: list[asyncio.Server] = []
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
        log.info("Welcome to aiobgp %s", __version__)
        for config in self.configs:
            log.info("Loaded configuration %s (%d neighbor(s))", config.path, len(config.neighbors))
        attempts = int(self.env.get("tcp.attempts"))
        open_wait = float(self.env.get("bgp.openwait"))
        passive = bool(self.env.get("bgp.passive"))
        port = int(self.env.get("tcp.port"))
        for neighbor in self.neighbors:
            self.runners.append(
                PeerRunner(
                    self, neighbor, attempts=attempts, open_wait=open_wait, passive=passive, connect_port=port
                )
            )
        try:
            await self._listen(port)
        except OSError as error:
            log.error("cannot listen: %s", error)
            return 1
        for runner in self.runners:
            runner.start()
        await self._stopping.wait()
        await self._shutdown()
        return self.exit_code

    # --- listening --------------------------------------------------------------------------------
    async def _listen(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        endpoints: set[tuple[str, int]] = {(a, port) for a in self.env.get("tcp.bind")}
        for neighbor in self.neighbors:
            if neighbor.listen:
                endpoints.add((neighbor.local_address or _any(neighbor.peer_address), neighbor.listen))
        for address, listen_port in sorted(endpoints):
            sock = tcp.listening_socket(address, listen_port)
            for neighbor in self.neighbors:
                key = md5_key(neighbor)
                if key is not None and sock.family == tcp.family_of(neighbor.peer_address):
                    tcp.set_md5(sock, neighbor.md5_ip or neighbor.peer_address, key)
            server = await loop.create_server(lambda: BgpProtocol(None, self), sock=sock)
            self.servers.append(server)
            log.info("Listening for BGP on %s port %d", address, listen_port)

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
        for server in self.servers:
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
        log.info("aiobgp stopped")


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


def run(configs: Sequence[Config], env: Environment) -> int:
    """Run the daemon until a signal stops it; returns the exit code."""
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
