"""The BGP finite state machine of one transport connection (RFC 4271 §8), without any I/O.

Rules of the protocol object (read these before calling it):

* A ``Session`` never reads a clock, a socket or a timer. Every input takes ``now`` (seconds, any
  monotonic origin); every input returns the list of events it caused, in order (see events.py).
* The runtime writes every ``Send``'s bytes, and closes the transport on ``Close`` after writing
  the ``Send`` events before it. It calls ``tick(now)`` no later than ``next_deadline()``.
* Life of a session: ``start`` (IDLE -> CONNECT, or ACTIVE when passive or inbound), then
  ``connection_made`` (sends our OPEN -> OPENSENT), then bytes through ``data_received``
  (OPEN -> OPENCONFIRM, KEEPALIVE -> ESTABLISHED). Any error, NOTIFICATION, timer expiry, ``stop``,
  ``notify``, ``abort`` or ``connection_lost`` brings it back to IDLE; it is then finished (a new
  connection gets a new Session, or ``start`` again). Once IDLE, data and ticks are ignored.
* Errors the codec raises (``NotificationError``) become the NOTIFICATION they name, followed by
  ``Close``. RFC 6608 FSM errors: a message unexpected in OPENSENT/OPENCONFIRM/ESTABLISHED is
  answered with 5/1, 5/2, 5/3.
* Timers (RFC 4271 §10): while waiting for the OPEN, the OPEN-wait timer (``open_wait``; expiry
  closes without NOTIFICATION) and a 240 s hold timer; then the hold time is the smaller of both
  OPENs, keepalives every hold/3 seconds after the last message we sent (any message sent re-arms
  it), hold expiry sends NOTIFICATION 4/0. A hold time of 0 disables both timers. The hold timer
  restarts on every whole message received.
* Calling an input the current state does not allow (``send_update`` outside ESTABLISHED,
  ``connection_made`` twice...) is a bug of the caller and raises ``SessionStateError``.
* Transitions live in ``_TABLE``: state -> input -> handler. Message inputs use the message type
  numbers, so a received message is dispatched with one dictionary lookup.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, cast

from aiobgp.session.events import (
    KEEPALIVE_RECEIVED,
    KEEPALIVE_SENT,
    Close,
    Down,
    Established,
    Event,
    NotificationReceived,
    NotificationSent,
    OpenReceived,
    OpenSent,
    RouteRefreshReceived,
    Send,
    State,
    StateChanged,
    UpdateReceived,
)
from aiobgp.session.settings import PeerConfig
from aiobgp.wire.constants import (
    CEASE_ADMIN_SHUTDOWN,
    ERR_CEASE,
    ERR_FSM,
    ERR_HOLD_TIMER,
    HEADER_LEN,
    KEEPALIVE,
    MAX_MESSAGE,
    NOTIFICATION,
    OPEN,
    ROUTE_REFRESH,
    UPDATE,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import NotificationError
from aiobgp.wire.header import KEEPALIVE_MESSAGE, frame
from aiobgp.wire.notification import Notification, decode_notification, describe, shutdown_communication
from aiobgp.wire.open import Open, check_open, decode_open, encode_open, negotiate
from aiobgp.wire.refresh import RouteRefresh, decode_route_refresh
from aiobgp.wire.update import decode_update

__all__ = ["OPEN_HOLD_TIME", "OpenHook", "Session", "SessionStateError", "State", "default_stop"]

OPEN_HOLD_TIME: Final = 240.0
"""Hold timer while waiting for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes)."""

CONNECTED: Final = frozenset({State.OPENSENT, State.OPENCONFIRM, State.ESTABLISHED})
"""States with a live transport connection."""

_FSM_SUBCODE: Final = {State.OPENSENT: 1, State.OPENCONFIRM: 2, State.ESTABLISHED: 3}

OpenHook = Callable[[Open, float], Notification | None]
"""Called with the peer's accepted OPEN before we answer it: return a NOTIFICATION to refuse it
(the ``Peer`` uses it for connection collision resolution, RFC 4271 §6.8)."""


def default_stop() -> Notification:
    """Cease / Administrative Shutdown carrying its name as RFC 9003 shutdown communication."""
    return Notification(ERR_CEASE, CEASE_ADMIN_SHUTDOWN, shutdown_communication("Administrative Shutdown"))


class SessionStateError(RuntimeError):
    """An input was given in a state that does not accept it (a bug of the caller)."""


class Input(enum.IntEnum):
    """What drives the FSM: received messages (numbered as their type) and local inputs."""

    OPEN = OPEN
    UPDATE = UPDATE
    NOTIFICATION = NOTIFICATION
    KEEPALIVE = KEEPALIVE
    ROUTE_REFRESH = ROUTE_REFRESH
    START = 100
    STOP = 101
    CONNECTION_MADE = 102
    CONNECTION_LOST = 103
    ABORT = 104
    NOTIFY = 105
    SEND_UPDATE = 106
    SEND_ROUTE_REFRESH = 107
    OPEN_WAIT_EXPIRED = 108
    HOLD_EXPIRED = 109
    KEEPALIVE_DUE = 110


Payload = bytes | str | Notification | None
"""The argument of an input: a message body, a reason, a NOTIFICATION to send, or nothing."""

Handler = Callable[["Session", float, Payload], None]


class Session:
    """The FSM of one BGP transport connection; see the rules at the top of this module."""

    __slots__ = (
        "_buffer",
        "_hold_deadline",
        "_hold_time",
        "_keepalive_deadline",
        "_keepalive_interval",
        "_local_open_message",
        "_max_size",
        "_on_open",
        "_open_wait_deadline",
        "_out",
        "config",
        "inbound",
        "local_address",
        "local_open",
        "negotiated",
        "peer_address",
        "remote_open",
        "state",
    )

    def __init__(self, config: PeerConfig, *, inbound: bool = False, on_open: OpenHook | None = None) -> None:
        self.config = config
        self.inbound = inbound
        self.state = State.IDLE
        self.local_address = config.local_address
        self.peer_address = config.peer_address
        self.local_open: Open | None = None
        self.remote_open: Open | None = None
        self.negotiated: Negotiated | None = None
        self._on_open = on_open
        self._out: list[Event] = []
        self._buffer = b""
        self._max_size = MAX_MESSAGE
        self._local_open_message = b""
        self._hold_time = 0.0
        self._keepalive_interval = 0.0
        self._hold_deadline: float | None = None
        self._keepalive_deadline: float | None = None
        self._open_wait_deadline: float | None = None

    def __repr__(self) -> str:
        return f"<Session {self.state.value} inbound={self.inbound}>"

    # --- inputs ---------------------------------------------------------------------------------

    def start(self, now: float) -> list[Event]:
        """Manual start: IDLE -> CONNECT (ACTIVE when the session is inbound or the peer passive)."""
        return self._input(Input.START, now, None)

    def stop(self, now: float, notification: Notification | None = None) -> list[Event]:
        """Administrative stop: NOTIFICATION (Cease 6/2 by default) and close when connected."""
        return self._input(Input.STOP, now, notification)

    def connection_made(
        self, now: float, local_address: bytes = b"", peer_address: bytes = b""
    ) -> list[Event]:
        """The transport is up: send our OPEN and wait for the peer's (-> OPENSENT)."""
        if local_address:
            self.local_address = local_address
        if peer_address:
            self.peer_address = peer_address
        return self._input(Input.CONNECTION_MADE, now, None)

    def connection_lost(self, now: float, reason: str) -> list[Event]:
        """The transport closed or failed (also a failed outgoing connect, in CONNECT)."""
        return self._input(Input.CONNECTION_LOST, now, reason)

    def abort(self, now: float, reason: str) -> list[Event]:
        """Close the connection without a NOTIFICATION (graceful restart teardown)."""
        return self._input(Input.ABORT, now, reason)

    def notify(self, now: float, notification: Notification) -> list[Event]:
        """Send ``notification`` and close (teardown)."""
        return self._input(Input.NOTIFY, now, notification)

    def send_update(self, message: bytes, now: float) -> list[Event]:
        """Send one or more whole UPDATE messages (ESTABLISHED only)."""
        return self._input(Input.SEND_UPDATE, now, message)

    def send_route_refresh(self, afi: int, safi: int, subtype: int, now: float) -> list[Event]:
        """Send a ROUTE-REFRESH (ESTABLISHED only); ``subtype`` as RFC 7313 (0 = normal request)."""
        return self._input(Input.SEND_ROUTE_REFRESH, now, RouteRefresh(afi, safi, subtype).encode())

    def tick(self, now: float) -> list[Event]:
        """Fire the timers that are due at ``now``."""
        out: list[Event] = []
        self._out = out
        deadline = self._open_wait_deadline
        if deadline is not None and now >= deadline:
            self._dispatch(Input.OPEN_WAIT_EXPIRED, now, None)
        deadline = self._hold_deadline
        if deadline is not None and now >= deadline:
            self._dispatch(Input.HOLD_EXPIRED, now, None)
        deadline = self._keepalive_deadline
        if deadline is not None and now >= deadline:
            self._dispatch(Input.KEEPALIVE_DUE, now, None)
        return out

    def next_deadline(self) -> float | None:
        """When ``tick`` must next be called; None when no timer runs."""
        deadlines = [
            d
            for d in (self._open_wait_deadline, self._hold_deadline, self._keepalive_deadline)
            if d is not None
        ]
        return min(deadlines) if deadlines else None

    def data_received(self, data: bytes, now: float) -> list[Event]:
        """Handle every whole message in ``data`` (plus what an earlier call left incomplete)."""
        out: list[Event] = []
        self._out = out
        state = self.state
        if state not in CONNECTED or not data:
            return out
        buf = self._buffer + data if self._buffer else data
        received = False
        try:
            messages, used = frame(buf, self._max_size)
            while messages:
                received = True
                buf = buf[used:] if used < len(buf) else b""
                self._buffer = buf
                row = _TABLE[state]
                for msg_type, body in messages:
                    row[msg_type](self, now, body)
                    if self.state is not state:
                        state = self.state
                        if state not in CONNECTED:
                            return out
                        row = _TABLE[state]
                if len(buf) < HEADER_LEN:
                    break
                # a bad header after good messages, or a size limit changed by an OPEN
                messages, used = frame(buf, self._max_size)
            self._buffer = buf
        except NotificationError as error:
            self._send_notification(now, Notification(error.code, error.subcode, error.data), error.reason)
            return out
        if received and self._hold_deadline is not None and state is not State.OPENSENT:
            self._hold_deadline = now + self._hold_time
        return out

    # --- dispatch -------------------------------------------------------------------------------

    def _input(self, what: Input, now: float, payload: Payload) -> list[Event]:
        out: list[Event] = []
        self._out = out
        self._dispatch(what, now, payload)
        return out

    def _dispatch(self, what: Input, now: float, payload: Payload) -> None:
        handler = _TABLE[self.state].get(what)
        if handler is None:
            raise SessionStateError(f"{what.name.lower()} is not allowed in state {self.state.value}")
        handler(self, now, payload)

    def _become(self, new: State) -> None:
        self._out.append(StateChanged(self.state, new))
        self.state = new

    def _send_keepalive(self, now: float) -> None:
        self._out.append(Send(KEEPALIVE_MESSAGE))
        self._out.append(KEEPALIVE_SENT)
        if self._keepalive_interval:
            self._keepalive_deadline = now + self._keepalive_interval

    def _finish(self, down_reason: str, close_reason: str | None) -> None:
        """Leave the connection: Down, back to IDLE, then Close unless the transport is gone."""
        self._hold_deadline = self._keepalive_deadline = self._open_wait_deadline = None
        self._buffer = b""
        self._out.append(Down(down_reason))
        self._become(State.IDLE)
        if close_reason is not None:
            self._out.append(Close(close_reason))

    def _send_notification(self, now: float, notification: Notification, reason: str = "") -> None:
        self._out.append(Send(notification.encode()))
        self._out.append(NotificationSent(notification))
        text = f"notification sent {describe(notification)}"
        self._finish(f"{text}: {reason}" if reason else text, text)

    # --- handlers: local inputs -----------------------------------------------------------------

    def _start(self, now: float, payload: Payload) -> None:
        self.local_open = self.remote_open = self.negotiated = None
        self._max_size = MAX_MESSAGE
        self._become(State.ACTIVE if self.inbound or self.config.passive else State.CONNECT)

    def _ignore(self, now: float, payload: Payload) -> None:
        return None

    def _to_idle(self, now: float, payload: Payload) -> None:
        self._become(State.IDLE)

    def _connection_made(self, now: float, payload: Payload) -> None:
        config = self.config
        if not self._local_open_message:
            self._local_open_message = encode_open(
                config.local_as, config.hold_time, config.router_id, config.capabilities
            )
        self.local_open = decode_open(self._local_open_message[19:])
        self._out.append(Send(self._local_open_message))
        self._out.append(OpenSent(self.local_open))
        self._open_wait_deadline = now + config.open_wait
        self._hold_time = OPEN_HOLD_TIME
        self._hold_deadline = now + OPEN_HOLD_TIME
        self._become(State.OPENSENT)

    def _stop(self, now: float, payload: Payload) -> None:
        self._send_notification(now, cast(Notification | None, payload) or default_stop())

    def _notify(self, now: float, payload: Payload) -> None:
        self._send_notification(now, cast(Notification, payload))

    def _abort(self, now: float, payload: Payload) -> None:
        reason = cast(str, payload)
        self._finish(reason, reason)

    def _lost(self, now: float, payload: Payload) -> None:
        self._finish(cast(str, payload), None)

    def _send(self, now: float, payload: Payload) -> None:
        self._out.append(Send(cast(bytes, payload)))
        if self._keepalive_interval:
            self._keepalive_deadline = now + self._keepalive_interval

    def _open_wait_expired(self, now: float, payload: Payload) -> None:
        reason = f"no OPEN received within {self.config.open_wait:g} seconds"
        self._finish(reason, reason)

    def _hold_expired(self, now: float, payload: Payload) -> None:
        self._send_notification(
            now, Notification(ERR_HOLD_TIMER, 0), f"nothing received for {self._hold_time:g} seconds"
        )

    def _keepalive_due(self, now: float, payload: Payload) -> None:
        self._send_keepalive(now)

    # --- handlers: received messages ------------------------------------------------------------

    def _unexpected(self, now: float, payload: Payload) -> None:
        raise NotificationError(
            ERR_FSM, _FSM_SUBCODE[self.state], reason=f"unexpected message in state {self.state.value}"
        )

    def _open(self, now: float, payload: Payload) -> None:
        body = cast(bytes, payload)
        config = self.config
        remote = decode_open(body)
        check_open(remote, peer_as=config.peer_as, local_as=config.local_as, local_router_id=config.router_id)
        assert self.local_open is not None  # set on entering OPENSENT
        negotiated = negotiate(
            self.local_open,
            remote,
            local_as=config.local_as,
            peer_as=remote.asn,
            local_address=self.local_address,
            peer_address=self.peer_address,
        )
        if self._on_open is not None:
            refusal = self._on_open(remote, now)
            if refusal is not None:
                self._send_notification(now, refusal, "connection collision")
                return
        self.remote_open = remote
        self.negotiated = negotiated
        self._max_size = negotiated.max_message
        self._open_wait_deadline = None
        hold = negotiated.hold_time
        self._hold_time = float(hold)
        self._keepalive_interval = hold / 3
        self._hold_deadline = now + hold if hold else None
        self._keepalive_deadline = None
        self._out.append(OpenReceived(remote, negotiated, body))
        self._become(State.OPENCONFIRM)
        self._send_keepalive(now)

    def _keepalive_confirm(self, now: float, payload: Payload) -> None:
        self._out.append(KEEPALIVE_RECEIVED)
        self._become(State.ESTABLISHED)
        assert self.negotiated is not None  # set on entering OPENCONFIRM
        self._out.append(Established(self.negotiated))

    def _keepalive(self, now: float, payload: Payload) -> None:
        self._out.append(KEEPALIVE_RECEIVED)

    def _update(self, now: float, payload: Payload) -> None:
        body = cast(bytes, payload)
        assert self.negotiated is not None
        self._out.append(UpdateReceived(decode_update(body, self.negotiated), body))

    def _route_refresh(self, now: float, payload: Payload) -> None:
        body = cast(bytes, payload)
        self._out.append(RouteRefreshReceived(decode_route_refresh(body), body))

    def _notification(self, now: float, payload: Payload) -> None:
        body = cast(bytes, payload)
        notification = decode_notification(body)
        self._out.append(NotificationReceived(notification, body))
        text = f"notification received {describe(notification)}"
        self._finish(text, text)


def _connected_row(**messages: Handler) -> dict[int, Handler]:
    """The inputs every connected state shares, then its own message handlers (others: FSM error)."""
    row: dict[int, Handler] = {
        Input.START: Session._ignore,
        Input.STOP: Session._stop,
        Input.NOTIFY: Session._notify,
        Input.ABORT: Session._abort,
        Input.CONNECTION_LOST: Session._lost,
        Input.HOLD_EXPIRED: Session._hold_expired,
        Input.NOTIFICATION: Session._notification,
    }
    for kind in (Input.OPEN, Input.UPDATE, Input.KEEPALIVE, Input.ROUTE_REFRESH):
        row[kind] = messages.get(kind.name, Session._unexpected)
    return row


_TABLE: Final[dict[State, dict[int, Handler]]] = {
    State.IDLE: {
        Input.START: Session._start,
        Input.STOP: Session._ignore,
        Input.ABORT: Session._ignore,
        Input.CONNECTION_LOST: Session._ignore,
        Input.NOTIFY: Session._ignore,
    },
    State.CONNECT: {
        Input.START: Session._ignore,
        Input.STOP: Session._to_idle,
        Input.ABORT: Session._to_idle,
        Input.CONNECTION_MADE: Session._connection_made,
        Input.CONNECTION_LOST: Session._to_idle,
        Input.NOTIFY: Session._to_idle,
    },
    State.OPENSENT: {
        **_connected_row(OPEN=Session._open),
        Input.OPEN_WAIT_EXPIRED: Session._open_wait_expired,
    },
    State.OPENCONFIRM: {
        **_connected_row(KEEPALIVE=Session._keepalive_confirm),
        Input.KEEPALIVE_DUE: Session._keepalive_due,
    },
    State.ESTABLISHED: {
        **_connected_row(
            UPDATE=Session._update, KEEPALIVE=Session._keepalive, ROUTE_REFRESH=Session._route_refresh
        ),
        Input.KEEPALIVE_DUE: Session._keepalive_due,
        Input.SEND_UPDATE: Session._send,
        Input.SEND_ROUTE_REFRESH: Session._send,
    },
}
_TABLE[State.ACTIVE] = _TABLE[State.CONNECT]
