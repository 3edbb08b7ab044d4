"""One configured neighbor: its connections, connect-retry back-off and collision resolution.

Rules (sans-IO, like ``Session``):

* The runtime names every transport connection with an int ``conn_id`` of its choice and reports it
  with ``connection_made(conn_id, now, inbound)``; outgoing connections are opened only when the
  peer asks with a ``Connect`` event, and a failed attempt is reported with ``connect_failed``.
* Every input returns ``[(conn_id, event), ...]`` in order; peer-level events (``Connect``,
  ``GaveUp``) carry ``None``. ``Send``/``Close`` act on the connection they are tagged with.
* One ``Session`` per live connection. The first outgoing attempt is made at ``start``; after a
  failure or the end of the last session the next one waits ``connect_retry_initial`` seconds, the
  wait growing by ``connect_retry_factor`` up to ``connect_retry_max`` and going back to the initial
  value once a session is ESTABLISHED. Passive peers never connect. With ``attempts`` N > 0 the peer
  gives up (``GaveUp``) instead of making attempt N + 1; it still accepts incoming connections.
* Collisions (RFC 4271 §6.8, RFC 6286 §2.3): when an OPEN arrives on one connection while another
  is in OPENSENT or OPENCONFIRM, the connection started by the side with the higher BGP identifier
  (then the higher AS) survives; when the other one is ESTABLISHED, the new one is closed. The loser
  gets NOTIFICATION Cease / Connection Collision Resolution (6/7, RFC 4486). Between two connections
  in the same direction the newer one wins (the older one is presumably stale).
"""

from __future__ import annotations

from functools import partial
from typing import Final

from aiobgp.session.events import Close, Connect, Event, GaveUp, NotificationSent, Send, State
from aiobgp.session.fsm import CONNECTED, Session, SessionStateError
from aiobgp.session.settings import PeerConfig
from aiobgp.wire.constants import CEASE_COLLISION, CEASE_CONNECTION_REJECTED, ERR_CEASE
from aiobgp.wire.notification import Notification, describe
from aiobgp.wire.open import Open

__all__ = ["Peer", "PeerConfig", "Tagged"]

Tagged = tuple[int | None, Event]
"""An event and the connection it concerns (None: the peer itself)."""

COLLISION: Final = Notification(ERR_CEASE, CEASE_COLLISION)
REJECTED: Final = Notification(ERR_CEASE, CEASE_CONNECTION_REJECTED)


class Peer:
    """The session layer of one neighbor; see the rules at the top of this module."""

    def __init__(self, config: PeerConfig) -> None:
        self.config = config
        self.sessions: dict[int, Session] = {}
        self.attempts = 0  # outgoing connections asked for so far
        self._running = False
        self._gave_up = False
        self._connecting = False
        self._retry_at: float | None = None
        self._retry_delay = config.connect_retry_initial
        self._established: int | None = None
        self._side: list[Tagged] = []  # events of other sessions caused while handling one

    def __repr__(self) -> str:
        states = ", ".join(f"{cid}:{s.state.value}" for cid, s in self.sessions.items())
        return f"<Peer running={self._running} sessions=[{states}]>"

    # --- queries --------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The most advanced state among the sessions (IDLE without any)."""
        order = list(State)
        return max((s.state for s in self.sessions.values()), key=order.index, default=State.IDLE)

    @property
    def established(self) -> tuple[int, Session] | None:
        """The ESTABLISHED connection and its session, if any."""
        for conn_id, session in self.sessions.items():
            if session.state is State.ESTABLISHED:
                return conn_id, session
        return None

    def next_deadline(self) -> float | None:
        """When ``tick`` must next be called; None when nothing is timed."""
        deadlines = [d for s in self.sessions.values() if (d := s.next_deadline()) is not None]
        if self._retry_at is not None:
            deadlines.append(self._retry_at)
        return min(deadlines) if deadlines else None

    # --- inputs ---------------------------------------------------------------------------------

    def start(self, now: float) -> list[Tagged]:
        """Begin: connect at once unless passive."""
        out: list[Tagged] = []
        if self._running:
            return out
        self._running = True
        self._gave_up = False
        if not self.config.passive:
            self._connect(out)
        return out

    def stop(self, now: float, notification: Notification | None = None) -> list[Tagged]:
        """Stop for good: every connection gets ``notification`` (Cease 6/2 by default), no retries."""
        self._running = False
        self._retry_at = None
        out: list[Tagged] = []
        for conn_id, session in list(self.sessions.items()):
            self._tag(out, conn_id, session.stop(now, notification))
        self._reap(now, out)
        return out

    def notify(self, now: float, notification: Notification) -> list[Tagged]:
        """Tear every connection down with ``notification``; reconnect afterwards as usual."""
        out: list[Tagged] = []
        for conn_id, session in list(self.sessions.items()):
            self._tag(out, conn_id, session.notify(now, notification))
        self._reap(now, out)
        return out

    def abort(self, now: float, reason: str) -> list[Tagged]:
        """Close every connection without a NOTIFICATION (graceful restart); reconnect as usual."""
        out: list[Tagged] = []
        for conn_id, session in list(self.sessions.items()):
            self._tag(out, conn_id, session.abort(now, reason))
        self._reap(now, out)
        return out

    def connect_failed(self, now: float, reason: str) -> list[Tagged]:
        """The outgoing connection asked for by ``Connect`` could not be made."""
        out: list[Tagged] = []
        self._connecting = False
        self._reap(now, out)
        return out

    def connection_made(
        self, conn_id: int, now: float, inbound: bool, local_address: bytes = b"", peer_address: bytes = b""
    ) -> list[Tagged]:
        """A transport connection is up (outgoing after ``Connect``, or accepted): send our OPEN."""
        out: list[Tagged] = []
        if conn_id in self.sessions:
            raise SessionStateError(f"connection {conn_id} is already known")
        if not inbound:
            self._connecting = False
        if not self._running:
            out.append((conn_id, Send(REJECTED.encode())))
            out.append((conn_id, NotificationSent(REJECTED)))
            out.append((conn_id, Close(f"notification sent {describe(REJECTED)}: peer is stopped")))
            return out
        self._retry_at = None
        session = Session(self.config, inbound=inbound, on_open=partial(self._collision, conn_id))
        self.sessions[conn_id] = session
        self._tag(out, conn_id, session.start(now))
        self._tag(out, conn_id, session.connection_made(now, local_address, peer_address))
        return out

    def data_received(self, conn_id: int, data: bytes, now: float) -> list[Tagged]:
        """Bytes read from connection ``conn_id``."""
        session = self.sessions.get(conn_id)
        if session is None:
            return []
        events = session.data_received(data, now)
        out = self._side
        if out:
            self._side = []
        else:
            out = []
        self._tag(out, conn_id, events)
        if session.state is not State.ESTABLISHED or self._established != conn_id:
            self._reap(now, out)
        return out

    def connection_lost(self, conn_id: int, now: float, reason: str) -> list[Tagged]:
        """Connection ``conn_id`` closed or failed (ignored when the peer already closed it)."""
        out: list[Tagged] = []
        session = self.sessions.get(conn_id)
        if session is not None:
            self._tag(out, conn_id, session.connection_lost(now, reason))
            self._reap(now, out)
        return out

    def tick(self, now: float) -> list[Tagged]:
        """Fire what is due: the connect-retry timer and every session's timers."""
        out: list[Tagged] = []
        if self._retry_at is not None and now >= self._retry_at:
            self._retry_at = None
            self._connect(out)
        for conn_id, session in list(self.sessions.items()):
            self._tag(out, conn_id, session.tick(now))
        self._reap(now, out)
        return out

    def send_update(self, message: bytes, now: float) -> list[Tagged]:
        """Send whole UPDATE message(s) on the ESTABLISHED connection."""
        found = self.established
        if found is None:
            raise SessionStateError("no ESTABLISHED session to send an UPDATE on")
        conn_id, session = found
        return [(conn_id, event) for event in session.send_update(message, now)]

    def send_route_refresh(self, afi: int, safi: int, subtype: int, now: float) -> list[Tagged]:
        """Send a ROUTE-REFRESH on the ESTABLISHED connection."""
        found = self.established
        if found is None:
            raise SessionStateError("no ESTABLISHED session to send a ROUTE-REFRESH on")
        conn_id, session = found
        return [(conn_id, event) for event in session.send_route_refresh(afi, safi, subtype, now)]

    # --- internals ------------------------------------------------------------------------------

    @staticmethod
    def _tag(out: list[Tagged], conn_id: int, events: list[Event]) -> None:
        out.extend([(conn_id, event) for event in events])

    def _connect(self, out: list[Tagged]) -> None:
        limit = self.config.attempts
        if limit and self.attempts >= limit:
            if not self._gave_up:
                self._gave_up = True
                out.append((None, GaveUp(self.attempts)))
            return
        self.attempts += 1
        self._connecting = True
        out.append((None, Connect()))

    def _reap(self, now: float, out: list[Tagged]) -> None:
        """Forget finished sessions, note an ESTABLISHED one, and arm the retry when none is left."""
        for conn_id, session in list(self.sessions.items()):
            if session.state is State.IDLE:
                del self.sessions[conn_id]
                if self._established == conn_id:
                    self._established = None
            elif session.state is State.ESTABLISHED and self._established != conn_id:
                self._established = conn_id
                self._retry_delay = self.config.connect_retry_initial
        if self.sessions or self._connecting or not self._running or self.config.passive:
            return
        if self._retry_at is not None or self._gave_up:
            return
        limit = self.config.attempts
        if limit and self.attempts >= limit:
            self._connect(out)  # reports GaveUp
            return
        self._retry_at = now + self._retry_delay
        self._retry_delay = min(
            self._retry_delay * self.config.connect_retry_factor, self.config.connect_retry_max
        )

    def _collision(self, conn_id: int, remote: Open, now: float) -> Notification | None:
        """The OPEN hook of connection ``conn_id``: refuse it, or close the connections it beats.

        The OPEN tells the peer's BGP identifier, so connections still in OPENSENT are resolved
        too (RFC 4271 §6.8 allows it when the identifier is known).
        """
        order = list(self.sessions)
        mine = self.sessions[conn_id]
        for other_id in order:
            other = self.sessions[other_id]
            if other_id == conn_id or other.state not in CONNECTED:
                continue
            newer = order.index(conn_id) > order.index(other_id)
            if other.state is State.ESTABLISHED or not self._wins(mine, other, remote, newer):
                return COLLISION
            self._tag(self._side, other_id, other.notify(now, COLLISION))
        return None

    def _wins(self, mine: Session, other: Session, remote: Open, newer: bool) -> bool:
        if mine.inbound == other.inbound:
            return newer
        # RFC 4271 §6.8: the higher BGP identifier keeps the connection it started; RFC 6286 §2.3:
        # with equal identifiers, the higher AS number does.
        local_higher = (self.config.router_id, self.config.local_as) > (remote.router_id, remote.asn)
        return mine.inbound != local_higher
