"""The session FSM (RFC 4271 §8): transitions, handshakes, timers and errors, with a fake clock."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.session.events import (
    Close,
    Down,
    Established,
    Event,
    KeepaliveReceived,
    KeepaliveSent,
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
from aiobgp.session.fsm import OPEN_HOLD_TIME, Session, SessionStateError
from aiobgp.session.settings import PeerConfig
from aiobgp.wire.capabilities import Capabilities, local_capabilities
from aiobgp.wire.constants import IPV4_UNICAST, MARKER, UPDATE
from aiobgp.wire.header import KEEPALIVE_MESSAGE, message
from aiobgp.wire.notification import Notification, decode_notification, shutdown_communication
from aiobgp.wire.open import encode_open
from aiobgp.wire.refresh import RouteRefresh

LOCAL_AS = 65000
PEER_AS = 65001
LOCAL_ID = 0x01010101
PEER_ID = 0x02020202
T0 = 1000.0


def caps(asn: int, extended_message: bool = True) -> Capabilities:
    return local_capabilities(
        families=[IPV4_UNICAST],
        asn=asn,
        route_refresh=True,
        graceful_restart=None,
        add_path={},
        extended_message=extended_message,
    )


def make_config(**changes: object) -> PeerConfig:
    base = PeerConfig(local_as=LOCAL_AS, peer_as=PEER_AS, router_id=LOCAL_ID, capabilities=caps(LOCAL_AS))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def mirror(config: PeerConfig) -> PeerConfig:
    """The configuration of the speaker at the other end of ``config``."""
    assert config.peer_as is not None
    return dataclasses.replace(
        config,
        local_as=config.peer_as,
        peer_as=config.local_as,
        router_id=PEER_ID if config.router_id != PEER_ID else LOCAL_ID,
        capabilities=caps(config.peer_as),
    )


def peer_open(asn: int = PEER_AS, hold: int = 90, router_id: int = PEER_ID) -> bytes:
    return encode_open(asn, hold, router_id, caps(asn))


def notification_message(code: int, subcode: int, data: bytes = b"") -> bytes:
    return Notification(code, subcode, data).encode()


# An UPDATE announcing 10.0.0.0/24: ORIGIN IGP, AS_PATH [65001] (4-byte), NEXT_HOP 192.0.2.1.
_ATTRS = bytes.fromhex("4001010040020602010000fde9400304c0000201")
UPDATE_BODY = b"\x00\x00" + len(_ATTRS).to_bytes(2, "big") + _ATTRS + bytes.fromhex("180a0000")
UPDATE_MESSAGE = message(UPDATE, UPDATE_BODY)
REFRESH_MESSAGE = RouteRefresh(1, 1, 0).encode()


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


def sent_notification(events: list[Event]) -> Notification:
    """The NOTIFICATION the events sent (exactly one)."""
    notes = [e.notification for e in events if isinstance(e, NotificationSent)]
    assert len(notes) == 1, events
    sends = [e for e in events if isinstance(e, Send)]
    assert decode_notification(sends[-1].data[19:]) == notes[0]
    return notes[0]


def session_in(state: State, **changes: object) -> Session:
    """A session driven into ``state`` by a scripted peer (OPEN hold 90, local hold 180)."""
    session = Session(make_config(**changes))
    if state is State.IDLE:
        return session
    session.start(T0)
    if state is State.CONNECT:
        return session
    session.connection_made(T0, b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x02")
    if state is State.OPENSENT:
        return session
    session.data_received(peer_open(), T0)
    if state is State.OPENCONFIRM:
        return session
    session.data_received(KEEPALIVE_MESSAGE, T0)
    assert session.state is State.ESTABLISHED
    return session


# --- the transition table ----------------------------------------------------------------------

Step = Callable[[Session], list[Event]]


def feed(data: bytes) -> Step:
    return lambda session: session.data_received(data, T0)


TRANSITIONS: list[tuple[str, State, Step, State, list[str]]] = [
    ("start", State.IDLE, lambda s: s.start(T0), State.CONNECT, ["StateChanged"]),
    ("stop in idle", State.IDLE, lambda s: s.stop(T0), State.IDLE, []),
    ("data in idle", State.IDLE, lambda s: s.data_received(KEEPALIVE_MESSAGE, T0), State.IDLE, []),
    ("tick in idle", State.IDLE, lambda s: s.tick(T0 + 1e6), State.IDLE, []),
    ("start again", State.CONNECT, lambda s: s.start(T0), State.CONNECT, []),
    ("stop", State.CONNECT, lambda s: s.stop(T0), State.IDLE, ["StateChanged"]),
    (
        "connect fails",
        State.CONNECT,
        lambda s: s.connection_lost(T0, "refused"),
        State.IDLE,
        ["StateChanged"],
    ),
    (
        "tcp up",
        State.CONNECT,
        lambda s: s.connection_made(T0),
        State.OPENSENT,
        ["Send", "OpenSent", "StateChanged"],
    ),
    (
        "open",
        State.OPENSENT,
        lambda s: s.data_received(peer_open(), T0),
        State.OPENCONFIRM,
        ["OpenReceived", "StateChanged", "Send", "KeepaliveSent"],
    ),
    *[
        (
            f"{name} in opensent",
            State.OPENSENT,
            feed(data),
            State.IDLE,
            ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
        )
        for name, data in (
            ("keepalive", KEEPALIVE_MESSAGE),
            ("update", UPDATE_MESSAGE),
            ("rr", REFRESH_MESSAGE),
        )
    ],
    (
        "notification in opensent",
        State.OPENSENT,
        lambda s: s.data_received(notification_message(6, 2), T0),
        State.IDLE,
        ["NotificationReceived", "Down", "StateChanged", "Close"],
    ),
    (
        "tcp lost in opensent",
        State.OPENSENT,
        lambda s: s.connection_lost(T0, "reset"),
        State.IDLE,
        ["Down", "StateChanged"],
    ),
    (
        "stop in opensent",
        State.OPENSENT,
        lambda s: s.stop(T0),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
    (
        "open-wait expires",
        State.OPENSENT,
        lambda s: s.tick(T0 + 60),
        State.IDLE,
        ["Down", "StateChanged", "Close"],
    ),
    ("open-wait not yet", State.OPENSENT, lambda s: s.tick(T0 + 59.999), State.OPENSENT, []),
    (
        "keepalive",
        State.OPENCONFIRM,
        lambda s: s.data_received(KEEPALIVE_MESSAGE, T0),
        State.ESTABLISHED,
        ["KeepaliveReceived", "StateChanged", "Established"],
    ),
    *[
        (
            f"{name} in openconfirm",
            State.OPENCONFIRM,
            feed(data),
            State.IDLE,
            ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
        )
        for name, data in (("open", peer_open()), ("update", UPDATE_MESSAGE), ("rr", REFRESH_MESSAGE))
    ],
    (
        "notification in openconfirm",
        State.OPENCONFIRM,
        lambda s: s.data_received(notification_message(6, 4), T0),
        State.IDLE,
        ["NotificationReceived", "Down", "StateChanged", "Close"],
    ),
    (
        "keepalive timer in openconfirm",
        State.OPENCONFIRM,
        lambda s: s.tick(T0 + 30),
        State.OPENCONFIRM,
        ["Send", "KeepaliveSent"],
    ),
    (
        "hold expires in openconfirm",
        State.OPENCONFIRM,
        lambda s: s.tick(T0 + 90),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
    (
        "tcp lost in openconfirm",
        State.OPENCONFIRM,
        lambda s: s.connection_lost(T0, "reset"),
        State.IDLE,
        ["Down", "StateChanged"],
    ),
    (
        "stop in openconfirm",
        State.OPENCONFIRM,
        lambda s: s.stop(T0),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
    (
        "update",
        State.ESTABLISHED,
        lambda s: s.data_received(UPDATE_MESSAGE, T0),
        State.ESTABLISHED,
        ["UpdateReceived"],
    ),
    (
        "keepalive in established",
        State.ESTABLISHED,
        lambda s: s.data_received(KEEPALIVE_MESSAGE, T0),
        State.ESTABLISHED,
        ["KeepaliveReceived"],
    ),
    (
        "route refresh",
        State.ESTABLISHED,
        lambda s: s.data_received(REFRESH_MESSAGE, T0),
        State.ESTABLISHED,
        ["RouteRefreshReceived"],
    ),
    (
        "open in established",
        State.ESTABLISHED,
        lambda s: s.data_received(peer_open(), T0),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
    (
        "notification in established",
        State.ESTABLISHED,
        lambda s: s.data_received(notification_message(6, 2, shutdown_communication("bye")), T0),
        State.IDLE,
        ["NotificationReceived", "Down", "StateChanged", "Close"],
    ),
    (
        "keepalive timer",
        State.ESTABLISHED,
        lambda s: s.tick(T0 + 30),
        State.ESTABLISHED,
        ["Send", "KeepaliveSent"],
    ),
    (
        "hold expires",
        State.ESTABLISHED,
        lambda s: s.tick(T0 + 90),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
    (
        "send update",
        State.ESTABLISHED,
        lambda s: s.send_update(UPDATE_MESSAGE, T0),
        State.ESTABLISHED,
        ["Send"],
    ),
    (
        "send route refresh",
        State.ESTABLISHED,
        lambda s: s.send_route_refresh(1, 1, 0, T0),
        State.ESTABLISHED,
        ["Send"],
    ),
    (
        "notify",
        State.ESTABLISHED,
        lambda s: s.notify(T0, Notification(6, 4, shutdown_communication("Administrative Reset"))),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
    (
        "abort",
        State.ESTABLISHED,
        lambda s: s.abort(T0, "graceful restart"),
        State.IDLE,
        ["Down", "StateChanged", "Close"],
    ),
    (
        "tcp lost in established",
        State.ESTABLISHED,
        lambda s: s.connection_lost(T0, "reset"),
        State.IDLE,
        ["Down", "StateChanged"],
    ),
    (
        "stop in established",
        State.ESTABLISHED,
        lambda s: s.stop(T0),
        State.IDLE,
        ["Send", "NotificationSent", "Down", "StateChanged", "Close"],
    ),
]


@pytest.mark.parametrize(
    ("start", "step", "end", "expected"),
    [pytest.param(start, step, end, expected, id=name) for name, start, step, end, expected in TRANSITIONS],
)
def test_transition(start: State, step: Step, end: State, expected: list[str]) -> None:
    session = session_in(start)
    events = step(session)
    assert kinds(events) == expected
    assert session.state is end
    changes = [e for e in events if isinstance(e, StateChanged)]
    if changes:
        assert changes[0].old is start
        assert changes[-1].new is end
    if end is State.IDLE:
        assert session.next_deadline() is None


@pytest.mark.parametrize(
    ("changes", "inbound"), [({"passive": True}, False), ({}, True)], ids=["passive", "inbound"]
)
def test_start_goes_active_when_waiting_for_the_peer(changes: dict[str, object], inbound: bool) -> None:
    session = Session(make_config(**changes), inbound=inbound)
    assert session.start(T0) == [StateChanged(State.IDLE, State.ACTIVE)]
    assert kinds(session.connection_made(T0)) == ["Send", "OpenSent", "StateChanged"]
    assert session.state is State.OPENSENT


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (State.IDLE, lambda s: s.connection_made(T0)),
        (State.OPENSENT, lambda s: s.connection_made(T0)),
        (State.CONNECT, lambda s: s.send_update(UPDATE_MESSAGE, T0)),
        (State.OPENSENT, lambda s: s.send_update(UPDATE_MESSAGE, T0)),
        (State.OPENCONFIRM, lambda s: s.send_route_refresh(1, 1, 0, T0)),
    ],
)
def test_inputs_refused_in_the_wrong_state(state: State, step: Step) -> None:
    session = session_in(state)
    with pytest.raises(SessionStateError):
        step(session)
    assert session.state is state


# --- errors answered with a NOTIFICATION ---------------------------------------------------------

FSM_ERRORS = [
    (State.OPENSENT, KEEPALIVE_MESSAGE, (5, 1)),
    (State.OPENSENT, UPDATE_MESSAGE, (5, 1)),
    (State.OPENCONFIRM, peer_open(), (5, 2)),
    (State.OPENCONFIRM, UPDATE_MESSAGE, (5, 2)),
    (State.ESTABLISHED, peer_open(), (5, 3)),
]

OPEN_ERRORS = [
    ("version 3", b"\x03" + peer_open()[20:], (2, 1)),
    ("wrong peer AS", peer_open(asn=65002)[19:], (2, 2)),
    ("identifier 0", peer_open(router_id=0)[19:], (2, 3)),
    ("hold time 2", peer_open(hold=2)[19:], (2, 6)),
    ("hold time 1", peer_open(hold=1)[19:], (2, 6)),
]

FRAMING_ERRORS = [
    ("marker", b"\x00" * 16 + b"\x00\x13\x04", (1, 1)),
    ("length 18", MARKER + b"\x00\x12\x04", (1, 2)),
    ("keepalive of 20 bytes", MARKER + b"\x00\x14\x04\x00", (1, 2)),
    ("type 9", MARKER + b"\x00\x13\x09", (1, 3)),
    ("update over 4096 bytes", MARKER + b"\x10\x01\x02", (1, 2)),
]


@pytest.mark.parametrize(("state", "data", "expected"), FSM_ERRORS)
def test_unexpected_message_is_an_fsm_error(state: State, data: bytes, expected: tuple[int, int]) -> None:
    session = session_in(state)
    events = session.data_received(data, T0)
    notification = sent_notification(events)
    assert (notification.code, notification.subcode) == expected
    assert isinstance(events[-1], Close)
    assert session.state is State.IDLE


@pytest.mark.parametrize(("body", "expected"), [pytest.param(b, e, id=n) for n, b, e in OPEN_ERRORS])
def test_open_errors(body: bytes, expected: tuple[int, int]) -> None:
    session = session_in(State.OPENSENT)
    events = session.data_received(message(1, body), T0)
    notification = sent_notification(events)
    assert (notification.code, notification.subcode) == expected
    assert session.state is State.IDLE
    assert not any(isinstance(e, OpenReceived) for e in events)


def test_unsupported_version_names_version_4() -> None:
    session = session_in(State.OPENSENT)
    events = session.data_received(message(1, b"\x03" + peer_open()[20:]), T0)
    assert sent_notification(events).data == b"\x00\x04"


def test_peer_as_auto_accepts_any_as() -> None:
    session = session_in(State.OPENSENT, peer_as=None)
    events = session.data_received(peer_open(asn=4200000000), T0)
    assert session.state is State.OPENCONFIRM
    received = [e for e in events if isinstance(e, OpenReceived)]
    assert received[0].negotiated.peer_as == 4200000000


@pytest.mark.parametrize(("data", "expected"), [pytest.param(d, e, id=n) for n, d, e in FRAMING_ERRORS])
def test_framing_errors(data: bytes, expected: tuple[int, int]) -> None:
    session = session_in(State.ESTABLISHED, capabilities=caps(LOCAL_AS, extended_message=False))
    events = session.data_received(data, T0)
    notification = sent_notification(events)
    assert (notification.code, notification.subcode) == expected
    assert session.state is State.IDLE


def test_extended_message_allows_large_updates_once_negotiated() -> None:
    session = session_in(State.ESTABLISHED)
    assert session.negotiated is not None and session.negotiated.max_message == 65535
    big = MARKER + b"\x10\x01\x02"  # 4097 bytes: framing accepts it, the message is incomplete
    assert session.data_received(big, T0) == []
    assert session.state is State.ESTABLISHED


def test_malformed_update_sends_an_update_error() -> None:
    session = session_in(State.ESTABLISHED)
    # the total path attribute length says 255 bytes but none follow
    events = session.data_received(message(UPDATE, b"\x00\x00\x00\xff"), T0)
    notification = sent_notification(events)
    assert notification.code == 3
    assert isinstance(events[-1], Close)
    assert session.state is State.IDLE


def test_malformed_route_refresh() -> None:
    session = session_in(State.ESTABLISHED)
    events = session.data_received(message(5, b"\x00\x01\x01\x01\x00"), T0)  # subtype 1 with extra bytes
    assert (sent_notification(events).code, sent_notification(events).subcode) == (7, 1)


def test_notification_received_goes_down_with_its_text() -> None:
    session = session_in(State.ESTABLISHED)
    body = b"\x06\x02" + shutdown_communication("maintenance")
    events = session.data_received(message(3, body), T0)
    assert events[0] == NotificationReceived(Notification(6, 2, shutdown_communication("maintenance")), body)
    down = [e for e in events if isinstance(e, Down)]
    assert "maintenance" in down[0].reason and "6/2" in down[0].reason
    assert not any(isinstance(e, Send) for e in events)


def test_messages_after_a_notification_are_ignored() -> None:
    session = session_in(State.ESTABLISHED)
    events = session.data_received(notification_message(6, 3) + UPDATE_MESSAGE, T0)
    assert not any(isinstance(e, UpdateReceived) for e in events)
    assert session.data_received(UPDATE_MESSAGE, T0) == []


def test_notification_followed_by_garbage_is_read_first() -> None:
    session = session_in(State.ESTABLISHED)
    events = session.data_received(notification_message(6, 2) + b"\x00" * 19, T0)
    assert isinstance(events[0], NotificationReceived)
    assert (events[0].notification.code, events[0].notification.subcode) == (6, 2)
    assert not any(isinstance(e, Send) for e in events)  # nothing answered to the garbage


def test_good_messages_before_a_bad_header_are_handled_then_1_1() -> None:
    session = session_in(State.ESTABLISHED)
    events = session.data_received(UPDATE_MESSAGE + KEEPALIVE_MESSAGE + b"\x00" * 19, T0)
    assert isinstance(events[0], UpdateReceived)
    notification = sent_notification(events)
    assert (notification.code, notification.subcode) == (1, 1)
    assert session.state is State.IDLE


# --- administrative stop ------------------------------------------------------------------------


def test_stop_sends_administrative_shutdown_with_communication() -> None:
    session = session_in(State.ESTABLISHED)
    events = session.stop(T0)
    notification = sent_notification(events)
    assert (notification.code, notification.subcode) == (6, 2)
    assert notification.data == b"\x17Administrative Shutdown"
    assert isinstance(events[-1], Close)


def test_stop_with_a_given_notification() -> None:
    session = session_in(State.OPENCONFIRM)
    wanted = Notification(6, 2, shutdown_communication("closing session because we can"))
    assert sent_notification(session.stop(T0, wanted)) == wanted


# --- timers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("local", "remote", "hold"), [(180, 90, 90), (30, 90, 30), (9, 9, 9), (3, 180, 3)])
def test_hold_time_is_the_smaller_one(local: int, remote: int, hold: int) -> None:
    session = session_in(State.OPENSENT, hold_time=local)
    session.data_received(peer_open(hold=remote), T0)
    session.data_received(KEEPALIVE_MESSAGE, T0)
    assert session.negotiated is not None and session.negotiated.hold_time == hold
    assert session.next_deadline() == T0 + hold / 3


@pytest.mark.parametrize("hold", [3, 9, 10, 90, 180])
def test_keepalive_at_a_third_of_hold_never_late(hold: int) -> None:
    session = session_in(State.OPENSENT, hold_time=hold)
    session.data_received(peer_open(hold=hold), T0)
    session.data_received(KEEPALIVE_MESSAGE, T0)
    now = T0
    for _ in range(5):
        deadline = session.next_deadline()
        assert deadline == now + hold / 3
        assert session.tick(deadline - 1e-6) == []
        # what the peer hears keeps its hold timer satisfied, and ours is fed by its keepalives
        assert session.tick(deadline) == [Send(KEEPALIVE_MESSAGE), KeepaliveSent()]
        session.data_received(KEEPALIVE_MESSAGE, deadline)
        now = deadline
    assert session.state is State.ESTABLISHED


def test_sending_an_update_postpones_the_keepalive() -> None:
    session = session_in(State.ESTABLISHED)  # hold 90: keepalive every 30 s
    session.send_update(UPDATE_MESSAGE, T0 + 20)
    assert session.tick(T0 + 30) == []
    assert session.next_deadline() == T0 + 50
    assert kinds(session.tick(T0 + 50)) == ["Send", "KeepaliveSent"]


def test_hold_timer_expiry_sends_4_0() -> None:
    session = session_in(State.ESTABLISHED)
    session.tick(T0 + 30)
    session.tick(T0 + 60)
    events = session.tick(T0 + 90)
    notification = sent_notification(events)
    assert (notification.code, notification.subcode) == (4, 0)
    assert session.state is State.IDLE


def test_received_messages_restart_the_hold_timer() -> None:
    session = session_in(State.ESTABLISHED)
    session.data_received(UPDATE_MESSAGE, T0 + 80)
    assert session.state is State.ESTABLISHED
    for t in (T0 + 30, T0 + 60, T0 + 90, T0 + 110):
        session.tick(t)
    assert session.state is State.ESTABLISHED
    assert kinds(session.tick(T0 + 170))[:2] == ["Send", "NotificationSent"]


def test_hold_time_zero_disables_both_timers() -> None:
    session = session_in(State.OPENSENT, hold_time=0)
    session.data_received(peer_open(hold=90), T0)
    assert session.next_deadline() is None
    session.data_received(KEEPALIVE_MESSAGE, T0)
    assert session.next_deadline() is None
    assert session.tick(T0 + 1e9) == []
    assert session.state is State.ESTABLISHED


def test_hold_timer_while_waiting_for_open() -> None:
    session = session_in(State.OPENSENT, open_wait=1000.0)
    assert session.next_deadline() == T0 + OPEN_HOLD_TIME
    notification = sent_notification(session.tick(T0 + OPEN_HOLD_TIME))
    assert (notification.code, notification.subcode) == (4, 0)


def test_open_wait_closes_without_notification() -> None:
    session = session_in(State.OPENSENT, open_wait=5.0)
    assert session.next_deadline() == T0 + 5
    events = session.tick(T0 + 5)
    assert kinds(events) == ["Down", "StateChanged", "Close"]


# --- two sessions talking to each other ---------------------------------------------------------


def pump(a: Session, b: Session, events_a: list[Event], events_b: list[Event], now: float) -> None:
    """Deliver what each side sends to the other until both are quiet; collect every event."""
    pending = [(a, b, events_a), (b, a, events_b)]
    seen_a: list[Event] = []
    seen_b: list[Event] = []
    while pending:
        source, target, events = pending.pop(0)
        (seen_a if source is a else seen_b).extend(events)
        for event in events:
            if isinstance(event, Send):
                reply = target.data_received(event.data, now)
                pending.append((target, source, reply))
    events_a[:] = seen_a
    events_b[:] = seen_b


def connected_pair(hold_a: int = 180, hold_b: int = 90) -> tuple[Session, Session, list[Event], list[Event]]:
    config_a = make_config(hold_time=hold_a)
    config_b = dataclasses.replace(mirror(config_a), hold_time=hold_b)
    a = Session(config_a)
    b = Session(config_b, inbound=True)
    a.start(T0)
    b.start(T0)
    first_a = a.connection_made(T0, b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x02")
    first_b = b.connection_made(T0, b"\x7f\x00\x00\x02", b"\x7f\x00\x00\x01")
    pump(a, b, first_a, first_b, T0)
    return a, b, first_a, first_b


def test_full_handshake_both_ways() -> None:
    a, b, events_a, events_b = connected_pair()
    for session, events in ((a, events_a), (b, events_b)):
        assert session.state is State.ESTABLISHED
        changes = [(e.old, e.new) for e in events if isinstance(e, StateChanged)]
        assert changes[-2:] == [(State.OPENSENT, State.OPENCONFIRM), (State.OPENCONFIRM, State.ESTABLISHED)]
        established = [e for e in events if isinstance(e, Established)]
        assert len(established) == 1 and established[0].negotiated.hold_time == 90
        assert any(isinstance(e, OpenSent) for e in events)
        assert any(isinstance(e, KeepaliveReceived) for e in events)
    assert a.negotiated is not None and b.negotiated is not None
    assert (a.negotiated.local_as, a.negotiated.peer_as) == (LOCAL_AS, PEER_AS)
    assert (b.negotiated.local_as, b.negotiated.peer_as) == (PEER_AS, LOCAL_AS)
    assert a.negotiated.local_address == b"\x7f\x00\x00\x01"
    assert a.negotiated.refresh == "enhanced"
    assert a.remote_open is not None and a.remote_open.router_id == b.config.router_id


def test_update_and_refresh_cross_the_pair() -> None:
    a, b, _, _ = connected_pair()
    (sent,) = a.send_update(UPDATE_MESSAGE, T0)
    assert isinstance(sent, Send)
    (received,) = b.data_received(sent.data, T0)
    assert isinstance(received, UpdateReceived) and received.raw_body == UPDATE_BODY
    (sent,) = b.send_route_refresh(1, 1, 0, T0)
    assert isinstance(sent, Send)
    assert a.data_received(sent.data, T0) == [RouteRefreshReceived(RouteRefresh(1, 1, 0), sent.data[19:])]


def test_stop_is_heard_by_the_other_side() -> None:
    a, b, _, _ = connected_pair()
    stop = a.stop(T0)
    data = b"".join(e.data for e in stop if isinstance(e, Send))
    events = b.data_received(data, T0)
    assert isinstance(events[0], NotificationReceived)
    assert events[0].notification == Notification(6, 2, b"\x17Administrative Shutdown")
    assert b.state is State.IDLE


# --- the same events however the bytes are split ------------------------------------------------

STREAM = (
    peer_open()
    + KEEPALIVE_MESSAGE
    + UPDATE_MESSAGE * 5
    + KEEPALIVE_MESSAGE
    + REFRESH_MESSAGE
    + UPDATE_MESSAGE * 3
    + notification_message(6, 2, shutdown_communication("done"))
)


def _feed(chunks: list[bytes]) -> list[Event]:
    session = session_in(State.OPENSENT)
    events: list[Event] = []
    for chunk in chunks:
        events.extend(session.data_received(chunk, T0))
    return events


REFERENCE = _feed([STREAM])


def test_reference_stream_events() -> None:
    assert kinds(REFERENCE) == [
        "OpenReceived",
        "StateChanged",
        "Send",
        "KeepaliveSent",
        "KeepaliveReceived",
        "StateChanged",
        "Established",
        *["UpdateReceived"] * 5,
        "KeepaliveReceived",
        "RouteRefreshReceived",
        *["UpdateReceived"] * 3,
        "NotificationReceived",
        "Down",
        "StateChanged",
        "Close",
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=40))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    edges = [0, *points, len(STREAM)]
    chunks = [STREAM[start:stop] for start, stop in itertools.pairwise(edges)]
    assert _feed(chunks) == REFERENCE
