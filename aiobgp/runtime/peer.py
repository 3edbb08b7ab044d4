"""One neighbor on asyncio: sockets and timers around the sans-IO ``session.Peer``.

The session layer decides; this module only moves bytes and time. Outgoing UPDATEs are produced
lazily from the Adj-RIB-Out and written only while the transport's buffer is below its high-water
mark, so a large table never queues megabytes in front of a KEEPALIVE.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import ipaddress
import itertools
import logging
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from aiobgp import __version__
from aiobgp.api.events import NeighborInfo
from aiobgp.api.json import flow_rule
from aiobgp.api.selectors import NeighborIdentity
from aiobgp.config.model import NO_EXTRAS, NeighborConfig, RouteExtras
from aiobgp.rib.adj_rib_in import AdjRibIn
from aiobgp.rib.adj_rib_out import AdjRibOut
from aiobgp.rib.route import Route
from aiobgp.runtime import logs, tcp
from aiobgp.session import events as ev
from aiobgp.session.peer import Peer, Tagged
from aiobgp.session.settings import PeerConfig
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.capabilities import local_capabilities
from aiobgp.wire.constants import (
    AFI_IPV4,
    ERR_CEASE,
    KEEPALIVE,
    NOTIFICATION,
    OPEN,
    ROUTE_REFRESH,
    UPDATE,
    Family,
    family_name,
)
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.flow import FLOW_FAMILIES
from aiobgp.wire.nlri import prefix_str
from aiobgp.wire.notification import Notification, describe, shutdown_communication, subcode_name
from aiobgp.wire.open import Open, encode_open
from aiobgp.wire.refresh import REFRESH_BORR, REFRESH_EORR, REFRESH_NORMAL, RouteRefresh
from aiobgp.wire.text import route_str
from aiobgp.wire.update import Update, decode_update, end_of_rib

if TYPE_CHECKING:
    from aiobgp.runtime.api import Subscription
    from aiobgp.runtime.daemon import Daemon

log = logs.get("peer")

ROUTES_LOGGED = 20  # announced/received routes logged one by one before only counts are logged
PROGRESS_EVERY = 5.0  # seconds between "received so far" lines while a table arrives
QUIET = 1.0  # seconds without UPDATE after which the received count is logged
WRITE_BATCH = 65536  # bytes of UPDATE messages handed to the session at once
CONNECT_TIMEOUT = 10.0
COALESCE = 0.02  # seconds helpers' changes are collected before UPDATEs are built

_conn_ids = itertools.count(1)


class BgpProtocol(asyncio.Protocol):
    """One TCP connection of a neighbor; forwards everything to its ``PeerRunner``."""

    def __init__(self, runner: PeerRunner | None, daemon: Daemon | None = None) -> None:
        self.runner = runner
        self.daemon = daemon  # set for accepted connections: the daemon finds the neighbor
        self.conn_id = next(_conn_ids)
        self.transport: asyncio.Transport | None = None
        self.paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not subclasses
        self.transport.set_write_buffer_limits(high=256 * 1024, low=64 * 1024)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # attach at once: data may arrive before the code that opened the connection runs again
        if self.daemon is not None:
            self.daemon.accepted(self)
        elif self.runner is not None:
            self.runner.attach(self, inbound=False)

    def data_received(self, data: bytes) -> None:
        if self.runner is not None:
            self.runner.data_received(self, data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.runner is not None:
            self.runner.connection_lost(self, f"connection lost: {exc}" if exc else "closed by the peer")

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.runner is not None:
            self.runner.pump()

    def addresses(self) -> tuple[str, str]:
        """(local, peer) address text of the connection, IPv4-mapped IPv6 unmapped."""
        assert self.transport is not None
        local = self.transport.get_extra_info("sockname")[0]
        peer = self.transport.get_extra_info("peername")[0]
        return _plain(local), _plain(peer)


def _plain(address: str) -> str:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def md5_key(neighbor: NeighborConfig) -> bytes | None:
    if neighbor.md5_password is None:
        return None
    if neighbor.md5_base64:
        return base64.b64decode(neighbor.md5_password, validate=True)
    return neighbor.md5_password.encode()


def peer_config(neighbor: NeighborConfig, *, attempts: int, open_wait: float, passive: bool) -> PeerConfig:
    add_path = {f: neighbor.capabilities.add_path for f in (neighbor.add_path_families or neighbor.families)}
    caps = local_capabilities(
        families=list(neighbor.families),
        asn=neighbor.local_as,
        route_refresh=neighbor.capabilities.route_refresh,
        graceful_restart=neighbor.capabilities.graceful_restart,
        add_path={f: v for f, v in add_path.items() if v},
        extended_message=neighbor.capabilities.extended_message,
        asn4=neighbor.capabilities.asn4,
        hostname=(neighbor.host_name or "", neighbor.domain_name or "")
        if neighbor.host_name is not None or neighbor.domain_name is not None
        else None,
        extended_nexthop=list(neighbor.nexthops) or None,
        operational=neighbor.capabilities.operational,
        multisession=neighbor.capabilities.multi_session,
        software_version=f"aiobgp/{__version__}" if neighbor.capabilities.software_version else None,
    )
    router_id = neighbor.router_id or neighbor.local_address
    if router_id is None or ipaddress.ip_address(router_id).version != 4:
        raise ValueError(f"neighbor {neighbor.peer_address}: a router-id is needed (no IPv4 local-address)")
    return PeerConfig(
        local_as=neighbor.local_as,
        peer_as=neighbor.peer_as,
        router_id=int(ipaddress.IPv4Address(router_id)),
        capabilities=caps,
        hold_time=neighbor.hold_time,
        passive=passive or neighbor.passive,
        open_wait=open_wait,
        attempts=attempts,
        local_address=tcp.packed(neighbor.local_address) if neighbor.local_address else b"",
        peer_address=tcp.packed(neighbor.peer_address),
    )


class PeerRunner:
    """A configured neighbor, running."""

    def __init__(
        self,
        daemon: Daemon,
        neighbor: NeighborConfig,
        *,
        attempts: int,
        open_wait: float,
        passive: bool,
        connect_port: int,
    ) -> None:
        self.daemon = daemon
        self.neighbor = neighbor
        self.name = neighbor.peer_address
        self.connect_port = neighbor.connect or connect_port
        self.md5 = md5_key(neighbor)
        self.peer = Peer(peer_config(neighbor, attempts=attempts, open_wait=open_wait, passive=passive))
        self.rib_out = AdjRibOut(group_updates=neighbor.group_updates)
        self.rib_in = AdjRibIn(keep=neighbor.adj_rib_in)
        self.watchdogs: dict[str, dict[Route, bool]] = {}  # name -> route -> announced?
        self.subs: list[Subscription] = []
        self.info = NeighborInfo(
            peer_address=neighbor.peer_address,
            local_address=neighbor.local_address or "",
            local_as=neighbor.local_as,
            peer_as=neighbor.peer_as or 0,
            router_id=neighbor.router_id or neighbor.local_address,
        )
        self.up_since: float | None = None
        self.updates_sent = self.updates_received = 0
        self.connections: dict[int, BgpProtocol] = {}
        self.negotiated: Negotiated | None = None
        self.local_address = neighbor.local_address
        self._timer: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        self._drain: Iterator[tuple[Family, int, int, bytes]] | None = None
        self._eor_due = False
        self._eorr_due: set[Family] = set()  # families owed an End-of-Route-Refresh
        self._announced = self._withdrawn = 0
        self._itemised = False  # the routes of the current drain were logged one by one
        self._sent_routes = self._sent_withdrawals = 0  # sent and not logged yet
        self._sent_logged_at = 0.0
        self._sent_timer: asyncio.TimerHandle | None = None
        self._received = self._received_logged = self._withdrawals = 0
        self._progress_at = 0.0
        self._updates = self._updates_seen = 0  # UPDATEs received, and as the count timer last saw
        self._counted = 0  # prefixes received when the count was last logged
        self._count_timer: asyncio.TimerHandle | None = None
        self._self_logged: set[Family] = set()
        self._self_packed: tuple[str, bytes] | None = None  # the local address, and packed
        self._pump_scheduled = False
        self._identity: NeighborIdentity | None = None
        self.session_conn: int | None = None  # the connection of the ESTABLISHED session
        self._identity_of: str | None = None  # the local address the cached identity was made with
        self.loop = asyncio.get_running_loop()
        self._add_configured(neighbor.routes, neighbor.route_extras)

    # --- life -----------------------------------------------------------------------------------
    def start(self) -> None:
        n = self.neighbor
        peer_as = "auto" if n.peer_as is None else n.peer_as
        log.info("New neighbor %s (local AS %s, peer AS %s)", self.name, n.local_as, peer_as)
        self.handle(self.peer.start(self.loop.time()))

    def stop(self, notification: Notification | None = None) -> None:
        self.handle(self.peer.stop(self.loop.time(), notification))
        for timer in (self._timer, self._count_timer, self._sent_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._count_timer = self._sent_timer = None

    def idle(self) -> bool:
        """True once every connection is closed."""
        return not self.connections

    # --- transport callbacks ----------------------------------------------------------------------
    def attach(self, protocol: BgpProtocol, inbound: bool) -> None:
        protocol.runner = self
        self.connections[protocol.conn_id] = protocol
        local, peer = protocol.addresses()
        if self.local_address is None:
            self.local_address = local
        self.info.local_address = self.local_address
        self.daemon.api.state(self, "connected")
        log.debug("%s: %s connection %s -> %s", self.name, "incoming" if inbound else "outgoing", local, peer)
        self.handle(
            self.peer.connection_made(
                protocol.conn_id, self.loop.time(), inbound, tcp.packed(local), tcp.packed(peer)
            )
        )

    def data_received(self, protocol: BgpProtocol, data: bytes) -> None:
        self.handle(self.peer.data_received(protocol.conn_id, data, self.loop.time()))

    def connection_lost(self, protocol: BgpProtocol, reason: str) -> None:
        if self.connections.pop(protocol.conn_id, None) is None:
            return
        self.handle(self.peer.connection_lost(protocol.conn_id, self.loop.time(), reason))
        self.daemon.connection_closed()

    async def _connect(self) -> None:
        n = self.neighbor
        sock: socket.socket | None = None
        try:
            sock = tcp.connecting_socket(
                n.peer_address,
                local=n.local_address,
                md5=self.md5,
                ttl=n.outgoing_ttl,
                min_ttl=n.incoming_ttl,
            )
            await asyncio.wait_for(
                self.loop.sock_connect(sock, (n.peer_address, self.connect_port)), CONNECT_TIMEOUT
            )
            await self.loop.connect_accepted_socket(lambda: BgpProtocol(self), sock=sock)
        except (TimeoutError, OSError, ValueError) as error:
            if sock is not None:
                sock.close()
            reason = str(error) or type(error).__name__
            log.debug("%s: connection to port %s failed: %s", self.name, self.connect_port, reason)
            self.handle(self.peer.connect_failed(self.loop.time(), reason))

    # --- the session layer's events ---------------------------------------------------------------
    def handle(self, tagged: list[Tagged]) -> None:
        reported: list[ev.UpdateReceived] = []  # UPDATEs read together, reported to helpers together
        for conn_id, event in tagged:
            kind = type(event)
            if kind is ev.UpdateReceived:
                received = cast(ev.UpdateReceived, event)
                self.updates_received += 1
                self._update_received(received.update)
                if self.subs:
                    reported.append(received)
                continue
            if reported:
                self.daemon.api.updates_received(self, reported)
                reported = []
            if kind is ev.Send:
                assert isinstance(event, ev.Send) and conn_id is not None
                protocol = self.connections.get(conn_id)
                if protocol is not None and protocol.transport is not None:
                    protocol.transport.write(event.data)
            elif kind is ev.KeepaliveReceived or kind is ev.KeepaliveSent:
                if self.subs:
                    direction = "receive" if kind is ev.KeepaliveReceived else "send"
                    self.daemon.api.message(self, direction, KEEPALIVE, b"", None)
            else:
                self._event(conn_id, event)
        if reported:
            self.daemon.api.updates_received(self, reported)
        self._schedule()

    def _event(self, conn_id: int | None, event: ev.Event) -> None:
        name = self.name
        if isinstance(event, ev.Close):
            protocol = self.connections.pop(conn_id, None) if conn_id is not None else None
            if protocol is not None and protocol.transport is not None:
                log.debug("%s: closing connection (%s)", name, event.reason)
                protocol.runner = None
                protocol.transport.close()
                self.daemon.connection_closed()
        elif isinstance(event, ev.Connect):
            self.loop.create_task(self._connect())
        elif isinstance(event, ev.StateChanged):
            log.info("%s: state %s -> %s", name, event.old.value, event.new.value)
            self.daemon.api.fsm(self, event.new.value)
        elif isinstance(event, ev.OpenSent):
            log.info("Sending OPEN to %s", name)
            log.debug("%s: OPEN sent: %s", name, _open_text(event.open))
            if self.subs:
                sent = event.open
                body = encode_open(sent.asn, sent.hold_time, sent.router_id, sent.capabilities)[19:]
                self.daemon.api.message(self, "send", OPEN, body, sent)
        elif isinstance(event, ev.OpenReceived):
            log.info("Received OPEN from %s", name)
            log.debug("%s: OPEN received: %s", name, _open_text(event.open))
            if self.session_conn is None:  # a colliding connection must not replace the session's
                self.negotiated = event.negotiated
            self.daemon.api.message(self, "receive", OPEN, event.raw_body, event.open)
            self.daemon.api.negotiated(self, event.negotiated)
        elif isinstance(event, ev.Established):
            self.session_conn = conn_id
            self._established(event.negotiated)
        elif isinstance(event, ev.NotificationSent):
            log.warning("NOTIFICATION sent to %s: %s", name, describe(event.notification))
            if self.subs:
                body = event.notification.encode()[19:]
                self.daemon.api.message(self, "send", NOTIFICATION, body, event.notification)
        elif isinstance(event, ev.NotificationReceived):
            log.warning("NOTIFICATION received from %s: %s", name, describe(event.notification))
            self.daemon.api.message(self, "receive", NOTIFICATION, event.raw_body, event.notification)
        elif isinstance(event, ev.Down):
            if self.session_conn is not None and conn_id != self.session_conn:
                log.info("%s: a second connection was closed (%s); the session stays up", name, event.reason)
            else:
                self.session_conn = None
                self._down(event.reason)
        elif isinstance(event, ev.GaveUp):
            log.error("%s: giving up after %d connection attempt(s)", name, event.attempts)
            self.daemon.peer_gave_up(self)
        elif isinstance(event, ev.RouteRefreshReceived):
            log.info(
                "%s: route refresh received for %s",
                name,
                family_name((event.refresh.afi, event.refresh.safi)),
            )
            self.daemon.api.message(self, "receive", ROUTE_REFRESH, event.raw_body, event.refresh)
            if event.refresh.subtype == 0:
                self.flush()

    def _established(self, negotiated: Negotiated) -> None:
        self.negotiated = negotiated
        families = ", ".join(family_name(f) for f in sorted(negotiated.families))
        log.info(
            "BGP session established with %s (hold time %ss, families: %s)",
            self.name,
            negotiated.hold_time,
            families or "none",
        )
        self._received = self._received_logged = self._withdrawals = 0
        self.rib_in.start(negotiated)
        self.up_since = self.loop.time()
        self.daemon.api.state(self, "up")
        self.rib_out.resend_all()
        self._drain = None
        self._eor_due = not self.neighbor.manual_eor
        self._eorr_due.clear()
        self.pump()

    def _down(self, reason: str) -> None:
        if self.up_since is not None:
            log.info(
                "Session with %s is down: %s (received %d prefixes, %d withdrawals)",
                self.name,
                reason,
                self._received,
                self._withdrawals,
            )
        else:
            log.info("%s: session not established: %s", self.name, reason)
        self.daemon.api.state(self, "down", reason)
        self.negotiated = None
        self.up_since = None
        self._drain = None
        self.rib_in.clear()

    # --- receiving --------------------------------------------------------------------------------
    def _update_received(self, update: Update) -> None:
        announced, withdrawn = self.rib_in.apply(update)
        self._received += announced
        self._withdrawals += withdrawn
        if update.treat_as_withdraw:
            log.warning(
                "%s: malformed UPDATE treated as withdraw (RFC 7606): %s", self.name, update.treat_as_withdraw
            )
        for note in update.discarded:
            log.warning("%s: attribute discarded (RFC 7606): %s", self.name, note)
        if update.eor is not None:
            log.info(
                "%s: End-of-RIB for %s (%d prefixes received so far)",
                self.name,
                family_name(update.eor),
                self._received,
            )
            return
        if log.isEnabledFor(logging.DEBUG) or self._received_logged < ROUTES_LOGGED:
            self._log_update(update)
        self._updates += 1
        if self._count_timer is None:
            self._progress_at = self.loop.time()
            self._count_timer = self.loop.call_later(QUIET, self._log_count)

    def _log_count(self) -> None:
        """Log the received count every PROGRESS_EVERY seconds while UPDATEs arrive, and once quiet."""
        self._count_timer = None
        now = self.loop.time()
        if self._updates != self._updates_seen:
            self._updates_seen = self._updates
            if now - self._progress_at >= PROGRESS_EVERY:
                self._progress_at = now
                self._log_received()
            self._count_timer = self.loop.call_later(QUIET, self._log_count)
        elif self._received != self._counted:
            self._log_received()

    def _log_received(self) -> None:
        self._counted = self._received
        log.info(
            "%s: %d prefixes received so far (%d withdrawn)", self.name, self._received, self._withdrawals
        )

    def _log_update(self, update: Update) -> None:
        debug = log.isEnabledFor(logging.DEBUG)
        ctx = self.negotiated
        for family, next_hop, prefixes in update.announced:
            addpath = ctx is not None and family in ctx.addpath_receive
            for key in prefixes:
                if not debug and self._received_logged >= ROUTES_LOGGED:
                    break
                self._received_logged += 1
                text = route_str(nlri_text(family, key, addpath), next_hop, update.attributes)
                log.log(
                    logging.DEBUG if debug else logging.INFO, "Received route %s from %s", text, self.name
                )
        for family, prefixes in update.withdrawn:
            addpath = ctx is not None and family in ctx.addpath_receive
            for key in prefixes:
                if not debug and self._received_logged >= ROUTES_LOGGED:
                    break
                self._received_logged += 1
                log.log(
                    logging.DEBUG if debug else logging.INFO,
                    "Received withdraw %s from %s",
                    nlri_text(family, key, addpath),
                    self.name,
                )
        if not debug and self._received_logged == ROUTES_LOGGED:
            self._received_logged += 1
            log.info(
                "%s: further received routes are only counted (exabgp.log.level=DEBUG shows each)", self.name
            )

    # --- sending ----------------------------------------------------------------------------------
    def self_address(self, family: Family) -> bytes:
        """What ``next-hop self`` means for routes of ``family`` on this session."""
        local = self.local_address or ""
        cached = self._self_packed
        if cached is None or cached[0] != local:
            cached = self._self_packed = (local, tcp.packed(local) if local else b"\x00\x00\x00\x00")
        packed = cached[1]
        if family[0] != AFI_IPV4 and len(packed) == 4 and family not in self._self_logged:
            self._self_logged.add(family)
            log.info(
                "%s: next-hop self for %s routes is ::ffff:%s (IPv4-mapped local address; "
                "write an IPv6 next hop to choose another)",
                self.name,
                family_name(family),
                local,
            )
        return packed

    def announce_changed(self) -> None:
        """The Adj-RIB-Out has new changes: send them if a session is up."""
        self.pump()

    def pump(self) -> None:
        """Write pending UPDATEs while the established connection's buffer has room."""
        found = self.peer.established
        ctx = self.negotiated
        if found is None or ctx is None:
            return
        conn_id, _ = found
        protocol = self.connections.get(conn_id)
        if protocol is None or protocol.transport is None:
            return
        if self._drain is None:
            if not self.rib_out.has_pending():
                self._finish_initial()
                return
            self._preview_announcements(ctx)
            self._drain = self.rib_out.drain(ctx, self.self_address)
        batch: list[bytes] = []
        size = 0
        while not protocol.paused:
            item = next(self._drain, None)
            if item is None:
                self._drain = None
                break
            _family, announced, withdrawn, message = item
            self._announced += announced
            self._withdrawn += withdrawn
            batch.append(message)
            size += len(message)
            if size >= WRITE_BATCH:
                self._send_updates(batch)
                batch, size = [], 0
        if batch:
            self._send_updates(batch)
        if self._drain is None:
            self._summarise_announcements()
            if self.rib_out.has_pending():
                self.schedule_pump()
            else:
                self._finish_initial()

    def schedule_pump(self, delay: float = 0.0) -> None:
        """Send the pending changes soon: after every command of the current batch is applied.

        Helpers' commands wait ``COALESCE`` seconds, so that lines a helper writes in quick
        succession are applied together (only their net result is sent, packed) even when they
        arrive in separate reads.
        """
        if not self._pump_scheduled:
            self._pump_scheduled = True
            self.loop.call_later(delay, self._scheduled_pump)

    def _scheduled_pump(self) -> None:
        self._pump_scheduled = False
        self.pump()

    def _send_updates(self, messages: list[bytes]) -> None:
        """Hand whole UPDATE messages to the session, and to the helpers that report sent UPDATEs."""
        self.updates_sent += len(messages)
        self.handle(self.peer.send_update(b"".join(messages), self.loop.time()))
        ctx = self.negotiated
        if ctx is not None and self.subs and self.daemon.api.wants(self, "send", UPDATE):
            for message in messages:
                body = message[19:]
                self.daemon.api.message(self, "send", UPDATE, body, decode_update(body, _sent(ctx)))

    def _finish_initial(self) -> None:
        """Everything pending is sent: End-of-RIB after the first table, EoRR after a refresh."""
        ctx = self.negotiated
        if ctx is None or self.peer.established is None:
            return
        for family in sorted(self._eorr_due):
            self.send_route_refresh(family, REFRESH_EORR)
        self._eorr_due.clear()
        if not self._eor_due:
            return
        self._eor_due = False
        messages = [end_of_rib(f) for f in sorted(ctx.families)]
        if messages:
            self._send_updates(messages)
            log.debug(
                "%s: End-of-RIB sent for %s",
                self.name,
                ", ".join(family_name(f) for f in sorted(ctx.families)),
            )

    def _preview_announcements(self, ctx: Negotiated) -> None:
        preview = self.rib_out.pending_preview(ROUTES_LOGGED)
        if preview is None:
            return
        for family, key, path in preview:
            prefix = nlri_text(family, key, True)  # Adj-RIB-Out keys carry a path identifier
            if path is None:
                log.info("Withdrawn route %s from %s", prefix, self.name)
                continue
            attributes, next_hop = path
            if next_hop == b"":
                next_hop = self.self_address(family)
            log.info("Announced route %s to %s", route_str(prefix, next_hop, attributes), self.name)
        self._itemised = True

    def _summarise_announcements(self) -> None:
        """Count what a drain sent; the counts are logged once sending pauses (or every few seconds)."""
        if not self._itemised:
            self._sent_routes += self._announced
            self._sent_withdrawals += self._withdrawn
            if (self._sent_routes or self._sent_withdrawals) and self._sent_timer is None:
                self._sent_timer = self.loop.call_later(QUIET, self._log_sent)
        self._announced = self._withdrawn = 0
        self._itemised = False

    def _log_sent(self) -> None:
        self._sent_timer = None
        now = self.loop.time()
        busy = self._drain is not None or self.rib_out.has_pending()
        if busy and now - self._sent_logged_at < PROGRESS_EVERY:
            self._sent_timer = self.loop.call_later(QUIET, self._log_sent)
            return
        self._sent_logged_at = now
        log.info(
            "%s: sent %d route(s) and %d withdrawal(s)", self.name, self._sent_routes, self._sent_withdrawals
        )
        self._sent_routes = self._sent_withdrawals = 0

    def pause_reading(self) -> None:
        """Stop reading the peer (a helper is behind); its data waits in the socket, TCP slows it."""
        for protocol in self.connections.values():
            if protocol.transport is not None:
                protocol.transport.pause_reading()

    def resume_reading(self) -> None:
        for protocol in self.connections.values():
            if protocol.transport is not None and not protocol.transport.is_closing():
                protocol.transport.resume_reading()

    # --- what helpers ask for ----------------------------------------------------------------------
    def identity(self) -> NeighborIdentity:
        """What API selectors match against (cached: it changes only with the local address)."""
        cached = self._identity
        if cached is not None and self._identity_of == self.local_address:
            return cached
        self._identity_of = self.local_address
        n = self.neighbor
        self._identity = NeighborIdentity(
            peer_address=n.peer_address,
            local_address=self.local_address,
            local_as=n.local_as,
            peer_as=n.peer_as,
            router_id=self.info.router_id,
            families=tuple(n.families),
            multi_session=n.capabilities.multi_session,
        )
        return self._identity

    def _add(self, route: Route, extras: RouteExtras) -> None:
        """A route from the configuration or a helper, with its watchdog group if it has one.

        ``next-hop self`` becomes the configured local address at once, so the same route written
        with that address is the same route (announcing it again sends nothing).
        """
        if route.next_hop == NEXT_HOP_SELF and self.neighbor.local_address is not None:
            route = Route(
                route.family, route.nlri, self.self_address(route.family), route.attributes, route.addpath
            )
        if extras.watchdog is not None:
            group = self.watchdogs.setdefault(extras.watchdog, {})
            group[route] = not extras.withdraw
        if not extras.withdraw:
            self.rib_out.announce(route)

    def _add_configured(self, routes: list[Route], extras: dict[Route, RouteExtras]) -> None:
        """``_add`` for every configured route; consecutive routes of one family and path (without
        extras or path identifier) go to the Adj-RIB-Out together."""
        family: Family | None = None
        attributes: Attributes | None = None
        next_hop: bytes | None = None
        nlris: list[bytes] = []
        for route in routes:
            if route.addpath or (extras and route in extras):
                if nlris and family is not None and attributes is not None:
                    self._add_nlris(family, nlris, attributes, next_hop)
                    nlris = []
                self._add(route, extras.get(route, NO_EXTRAS))
                continue
            if route.attributes is not attributes or route.next_hop != next_hop or route.family != family:
                if nlris and family is not None and attributes is not None:
                    self._add_nlris(family, nlris, attributes, next_hop)
                    nlris = []
                family, attributes, next_hop = route.family, route.attributes, route.next_hop
            nlris.append(route.nlri)
        if nlris and family is not None and attributes is not None:
            self._add_nlris(family, nlris, attributes, next_hop)

    def _add_nlris(
        self, family: Family, nlris: list[bytes], attributes: Attributes, next_hop: bytes | None
    ) -> None:
        """``_add`` for routes of one family and path, without extras or path identifier."""
        if next_hop == NEXT_HOP_SELF and self.neighbor.local_address is not None:
            next_hop = self.self_address(family)
        self.rib_out.announce_nlris(family, nlris, attributes, next_hop)

    def reconfigure(self, neighbor: NeighborConfig) -> None:
        """A reload kept this neighbor: apply the changes of its configured routes only."""
        old = set(self.neighbor.routes)
        new = set(neighbor.routes)
        for route in old - new:
            self.rib_out.withdraw(route)
        for route in neighbor.routes:
            if route not in old or neighbor.route_extras.get(route) != self.neighbor.route_extras.get(route):
                self._add(route, neighbor.route_extras.get(route, NO_EXTRAS))
        self.neighbor = neighbor
        self._identity = None
        self.schedule_pump()

    def announce(self, routes: list[Route], extras: RouteExtras) -> None:
        for route in routes:
            self._add(route, extras)
        self.schedule_pump(COALESCE)

    def announce_nlris(
        self, family: Family, nlris: list[bytes], attributes: Attributes, next_hop: bytes | None
    ) -> None:
        """``announce`` for many routes of one family and one attribute set, none with a watchdog."""
        self._add_nlris(family, nlris, attributes, next_hop)
        self.schedule_pump(COALESCE)

    def withdraw_nlris(self, family: Family, nlris: list[bytes]) -> None:
        """``withdraw`` for many routes of one family."""
        for _ in range(self.rib_out.withdraw_nlris(family, nlris)):
            log.info("%s: withdraw of %s: route not found", self.name, family_name(family))
        if self.watchdogs:
            gone = set(nlris)
            for group in self.watchdogs.values():
                for held in [r for r in group if r.family == family and r.nlri in gone]:
                    del group[held]
        self.schedule_pump(COALESCE)

    def withdraw(self, routes: list[Route]) -> None:
        for route in routes:
            if not self.rib_out.withdraw(route):
                log.info("%s: withdraw of %s: route not found", self.name, family_name(route.family))
            for group in self.watchdogs.values():
                for held in [r for r in group if r.family == route.family and r.nlri == route.nlri]:
                    del group[held]
        self.schedule_pump(COALESCE)

    def watchdog(self, name: str, announce: bool) -> None:
        """``announce|withdraw watchdog NAME``: every route of the group goes up or down."""
        group = self.watchdogs.get(name, {})
        for route in group:
            group[route] = announce
            if announce:
                self.rib_out.announce(route)
            else:
                self.rib_out.withdraw(route)
        self.schedule_pump(COALESCE)

    def send_eor(self, family: Family) -> None:
        if self.peer.established is not None:
            self._send_updates([end_of_rib(family)])

    def send_route_refresh(self, family: Family, subtype: int = REFRESH_NORMAL) -> None:
        if self.peer.established is None:
            return
        self.handle(self.peer.send_route_refresh(family[0], family[1], subtype, self.loop.time()))
        if self.subs:
            refresh = RouteRefresh(family[0], family[1], subtype)
            self.daemon.api.message(self, "send", ROUTE_REFRESH, refresh.encode()[19:], refresh)

    def flush(self) -> None:
        """Send the whole Adj-RIB-Out again (``flush adj-rib out``, a peer's ROUTE-REFRESH).

        With enhanced route refresh (RFC 7313) the routes go between a BoRR and an EoRR per family.
        """
        self.rib_out.resend_all()
        ctx = self.negotiated
        if ctx is not None and ctx.refresh == "enhanced" and self.peer.established is not None:
            for family in sorted(ctx.families):
                self.send_route_refresh(family, REFRESH_BORR)
                self._eorr_due.add(family)
        self.schedule_pump()

    def clear(self, direction: str) -> None:
        if direction == "out":
            count = self.rib_out.withdraw_all()
            for group in self.watchdogs.values():
                group.clear()
            log.info("%s: withdrawing all %d announced routes", self.name, count)
            self.schedule_pump(COALESCE)
        else:
            self.rib_in.clear()

    def teardown(self, subcode: int) -> None:
        """NOTIFICATION Cease with this subcode (its name as shutdown text); the peer reconnects."""
        data = shutdown_communication(subcode_name(ERR_CEASE, subcode)) if subcode in (2, 4) else b""
        log.info("%s: teardown requested (Cease subcode %d)", self.name, subcode)
        self.handle(self.peer.notify(self.loop.time(), Notification(ERR_CEASE, subcode, data)))

    def describe(self) -> dict[str, Any]:
        """What ``show neighbor`` prints."""
        n = self.neighbor
        ctx = self.negotiated if self.up_since is not None else None
        return {
            "peer-address": n.peer_address,
            "state": self.peer.state.value.lower(),
            "duration": _uptime(self.loop.time(), self.up_since),
            "local": {"address": self.local_address, "as": n.local_as, "id": self.info.router_id},
            "peer": {"address": n.peer_address, "as": n.peer_as if n.peer_as is not None else "auto"},
            "hold": ctx.hold_time if ctx is not None else n.hold_time,
            "families": [family_name(f) for f in sorted(ctx.families)]
            if ctx
            else [family_name(f) for f in n.families],
            "sent": self.updates_sent,
            "received": self.updates_received,
            "routes": {"out": len(self.rib_out), "in": self.rib_in.count()},
        }

    # --- timers -----------------------------------------------------------------------------------
    def _schedule(self) -> None:
        deadline = self.peer.next_deadline()
        if deadline == self._deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._deadline = deadline
        if deadline is not None:
            self._timer = self.loop.call_at(deadline, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self._deadline = None
        self.handle(self.peer.tick(self.loop.time()))


def _open_text(message: Open) -> str:
    caps = message.capabilities
    families = ", ".join(family_name(f) for f in caps.families) or "ipv4 unicast (implicit)"
    return (
        f"version {message.version} asn {message.asn} hold time {message.hold_time} "
        f"router-id {message.router_id_str} families [{families}]"
    )


def nlri_text(family: Family, key: bytes, addpath: bool) -> str:
    """A prefix (``10.0.0.0/24``) or a FlowSpec rule (``flow destination-ipv4 ...``) for logs and ``show``."""
    if family in FLOW_FAMILIES:
        rendered = flow_rule(family, key[4:] if addpath else key, None)
        return rendered[1] if rendered is not None else f"flow rule 0x{key.hex()} (malformed)"
    return prefix_str(family[0], key, addpath)


def _uptime(now: float, since: float | None) -> str:
    if since is None:
        return "down"
    seconds = int(now - since)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _sent(ctx: Negotiated) -> Negotiated:
    """The context to decode what we sent: our add-path send families are the receive side."""
    if ctx.addpath_send == ctx.addpath_receive:
        return ctx
    return dataclasses.replace(ctx, addpath_receive=ctx.addpath_send)
