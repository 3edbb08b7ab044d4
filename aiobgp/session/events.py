"""What the session layer tells the runtime: FSM states and the events its inputs produce.

Every event is a small frozen dataclass. The runtime acts on ``Send`` (write the bytes), ``Close``
(close the transport, after writing what came before it) and ``Connect`` (open an outgoing TCP
connection); the other events are reports for the RIB and the helper API.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aiobgp.wire.context import Negotiated
from aiobgp.wire.notification import Notification
from aiobgp.wire.open import Open
from aiobgp.wire.refresh import RouteRefresh
from aiobgp.wire.update import Update


class State(enum.Enum):
    """RFC 4271 §8.2.2 states; the values are the strings ExaBGP prints in its ``fsm`` events."""

    IDLE = "IDLE"
    CONNECT = "CONNECT"
    ACTIVE = "ACTIVE"
    OPENSENT = "OPENSENT"
    OPENCONFIRM = "OPENCONFIRM"
    ESTABLISHED = "ESTABLISHED"


@dataclass(frozen=True, slots=True)
class Send:
    """Write ``data`` (one or more whole BGP messages) to the transport."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Close:
    """Close the transport once every earlier ``Send`` is written."""

    reason: str


@dataclass(frozen=True, slots=True)
class Connect:
    """Open an outgoing TCP connection to the peer (``Peer`` only)."""


@dataclass(frozen=True, slots=True)
class GaveUp:
    """The peer made its ``attempts`` outgoing connections and will not try again (``Peer`` only)."""

    attempts: int


@dataclass(frozen=True, slots=True)
class StateChanged:
    old: State
    new: State


@dataclass(frozen=True, slots=True)
class OpenSent:
    open: Open


@dataclass(frozen=True, slots=True)
class OpenReceived:
    """The peer's OPEN was accepted; ``negotiated`` is what both OPENs agreed on."""

    open: Open
    negotiated: Negotiated
    raw_body: bytes


@dataclass(frozen=True, slots=True)
class Established:
    negotiated: Negotiated


@dataclass(frozen=True, slots=True)
class UpdateReceived:
    update: Update
    raw_body: bytes


@dataclass(frozen=True, slots=True)
class KeepaliveReceived:
    pass


@dataclass(frozen=True, slots=True)
class KeepaliveSent:
    pass


@dataclass(frozen=True, slots=True)
class RouteRefreshReceived:
    refresh: RouteRefresh
    raw_body: bytes


@dataclass(frozen=True, slots=True)
class NotificationSent:
    notification: Notification


@dataclass(frozen=True, slots=True)
class NotificationReceived:
    notification: Notification
    raw_body: bytes


@dataclass(frozen=True, slots=True)
class Down:
    """The session left OPENSENT, OPENCONFIRM or ESTABLISHED; ``reason`` says why."""

    reason: str


KEEPALIVE_RECEIVED = KeepaliveReceived()
KEEPALIVE_SENT = KeepaliveSent()

Event = (
    Send
    | Close
    | Connect
    | GaveUp
    | StateChanged
    | OpenSent
    | OpenReceived
    | Established
    | UpdateReceived
    | KeepaliveReceived
    | KeepaliveSent
    | RouteRefreshReceived
    | NotificationSent
    | NotificationReceived
    | Down
)
"""Any event of the session layer."""
