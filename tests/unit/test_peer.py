"""The per-neighbor layer: connect-retry back-off, passive peers, attempts, collisions, routing of events."""

from __future__ import annotations

import dataclasses

import pytest

from aiobgp.session.events import (
    Close,
    Connect,
    Down,
    Established,
    Event,
    GaveUp,
    NotificationSent,
    Send,
    State,
    StateChanged,
    UpdateReceived,
)
from aiobgp.session.fsm import Session, SessionStateError
from aiobgp.session.peer import Peer, PeerConfig, Tagged
from aiobgp.wire.capabilities import Capabilities, local_capabilities
from aiobgp.wire.constants import IPV4_UNICAST, UPDATE
from aiobgp.wire.header import message
from aiobgp.wire.notification import Notification, decode_notification, shutdown_communication
from aiobgp.wire.open import encode_open

LOCAL_AS = 65000
PEER_AS = 65001
LOCAL_ID = 0x0A000001
PEER_ID = 0x0A000002
T0 = 500.0
LOCAL_ADDR = b"\x7f\x00\x00\x01"
PEER_ADDR = b"\x7f\x00\x00\x02"

_ATTRS = bytes.fromhex("4001010040020602010000fde9400304c0000201")
UPDATE_MESSAGE = message(
    UPDATE, b"\x00\x00" + len(_ATTRS).to_bytes(2, "big") + _ATTRS + bytes.fromhex("180a0000")
)


def caps(asn: int) -> Capabilities:
    return local_capabilities(
        families=[IPV4_UNICAST],
        asn=asn,
        route_refresh=True,
        graceful_restart=None,
        add_path={},
        extended_message=True,
    )


def make_config(**changes: object) -> PeerConfig:
    base = PeerConfig(local_as=LOCAL_AS, peer_as=PEER_AS, router_id=LOCAL_ID, capabilities=caps(LOCAL_AS))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def remote_config(peer: Peer, **changes: object) -> PeerConfig:
    """The neighbor's own configuration, facing ``peer``."""
    base = PeerConfig(
        local_as=PEER_AS, peer_as=peer.config.local_as, router_id=PEER_ID, capabilities=caps(PEER_AS)
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def on(conn_id: int | None, events: list[Tagged]) -> list[Event]:
    return [event for cid, event in events if cid == conn_id]


def sent(conn_id: int, events: list[Tagged]) -> list[bytes]:
    return [e.data for e in on(conn_id, events) if isinstance(e, Send)]


def notification_sent(conn_id: int, events: list[Tagged]) -> Notification:
    (note,) = [e.notification for e in on(conn_id, events) if isinstance(e, NotificationSent)]
    assert decode_notification(sent(conn_id, events)[-1][19:]) == note
    assert isinstance(on(conn_id, events)[-1], Close)
    return note


def pump(
    peer: Peer, conn_id: int, remote: Session, peer_out: list[Tagged], remote_out: list[Event]
) -> list[Tagged]:
    """Carry bytes between the peer's connection ``conn_id`` and ``remote`` until both are quiet."""
    seen = list(peer_out)
    to_remote = sent(conn_id, peer_out)
    to_peer = [e.data for e in remote_out if isinstance(e, Send)]
    while to_remote or to_peer:
        if to_peer:
            got = peer.data_received(conn_id, to_peer.pop(0), T0)
            seen.extend(got)
            to_remote.extend(sent(conn_id, got))
        if to_remote:
            to_peer.extend(e.data for e in remote.data_received(to_remote.pop(0), T0) if isinstance(e, Send))
    return seen


def establish(peer: Peer, conn_id: int, inbound: bool, now: float = T0) -> tuple[Session, list[Tagged]]:
    """Bring connection ``conn_id`` up to ESTABLISHED against a remote ``Session``."""
    out = peer.connection_made(conn_id, now, inbound, LOCAL_ADDR, PEER_ADDR)
    remote = Session(remote_config(peer), inbound=not inbound)
    remote.start(now)
    events = pump(peer, conn_id, remote, out, remote.connection_made(now, PEER_ADDR, LOCAL_ADDR))
    assert peer.sessions[conn_id].state is State.ESTABLISHED
    assert remote.state is State.ESTABLISHED
    return remote, events


def retry_delays(peer: Peer, count: int) -> list[float]:
    """Fail ``count`` connection attempts in a row; the waits the peer chose between them."""
    now = T0
    delays = []
    for _ in range(count):
        assert peer.connect_failed(now, "connection refused") == []
        deadline = peer.next_deadline()
        assert deadline is not None
        delays.append(deadline - now)
        assert peer.tick(deadline - 1e-6) == []
        assert peer.tick(deadline) == [(None, Connect())]
        now = deadline
    return delays


# --- connecting ---------------------------------------------------------------------------------


def test_start_connects_at_once() -> None:
    peer = Peer(make_config())
    assert peer.start(T0) == [(None, Connect())]
    assert peer.attempts == 1
    assert peer.next_deadline() is None
    assert peer.start(T0) == []


def test_backoff_grows_to_its_cap() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    delays = retry_delays(peer, 30)
    expected = [min(1.2**i, 60.0) for i in range(30)]
    assert delays == pytest.approx(expected)
    assert delays[-1] == 60.0


def test_backoff_with_other_settings() -> None:
    peer = Peer(make_config(connect_retry_initial=2.0, connect_retry_factor=2.0, connect_retry_max=10.0))
    peer.start(T0)
    assert retry_delays(peer, 5) == pytest.approx([2.0, 4.0, 8.0, 10.0, 10.0])


def test_backoff_resets_once_established() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    assert retry_delays(peer, 4) == pytest.approx([1.0, 1.2, 1.44, 1.728])
    establish(peer, 7, inbound=False)
    out = peer.connection_lost(7, T0 + 100, "connection reset by peer")
    assert [type(e).__name__ for e in on(7, out)] == ["Down", "StateChanged"]
    assert peer.sessions == {}
    assert peer.next_deadline() == T0 + 101.0
    assert peer.tick(T0 + 101.0) == [(None, Connect())]


def test_failed_sessions_keep_growing_the_backoff() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    peer.connection_made(1, T0, False)
    out = peer.data_received(1, encode_open(65099, 90, PEER_ID, caps(65099)), T0)  # bad peer AS
    assert (notification_sent(1, out).code, notification_sent(1, out).subcode) == (2, 2)
    assert peer.next_deadline() == T0 + 1.0
    peer.tick(T0 + 1.0)
    peer.connection_made(2, T0 + 1.0, False)
    peer.connection_lost(2, T0 + 2.0, "reset")
    assert peer.next_deadline() == pytest.approx(T0 + 3.2)


def test_passive_peer_never_connects() -> None:
    peer = Peer(make_config(passive=True))
    assert peer.start(T0) == []
    assert peer.next_deadline() is None
    out = peer.connection_made(3, T0, True)
    changes = [e for e in on(3, out) if isinstance(e, StateChanged)]
    assert [(c.old, c.new) for c in changes] == [(State.IDLE, State.ACTIVE), (State.ACTIVE, State.OPENSENT)]
    out = peer.connection_lost(3, T0, "reset")
    assert peer.next_deadline() is None
    assert all(not isinstance(e, Connect) for _, e in out + peer.tick(T0 + 1e6))
    establish(peer, 4, inbound=True)


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_attempts_limit_gives_up(limit: int) -> None:
    peer = Peer(make_config(attempts=limit))
    assert peer.start(T0) == [(None, Connect())]
    if limit > 1:
        retry_delays(peer, limit - 1)
    assert peer.connect_failed(T0 + 1000, "connection refused") == [(None, GaveUp(limit))]
    assert peer.attempts == limit
    assert peer.next_deadline() is None
    assert peer.tick(T0 + 1e6) == []
    establish(peer, 9, inbound=True)  # still accepts the neighbor's connections


def test_attempts_count_sessions() -> None:
    peer = Peer(make_config(attempts=2))
    peer.start(T0)
    establish(peer, 1, inbound=False)
    peer.connection_lost(1, T0, "closed")
    assert peer.tick(T0 + 1.0) == [(None, Connect())]
    establish(peer, 2, inbound=False)
    assert peer.connection_lost(2, T0 + 5, "closed") == [
        (2, Down("closed")),
        (2, StateChanged(State.ESTABLISHED, State.IDLE)),
        (None, GaveUp(2)),
    ]


def test_no_retry_while_a_connection_is_alive() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    peer.connect_failed(T0, "refused")
    assert peer.next_deadline() == T0 + 1.0
    peer.connection_made(5, T0 + 0.5, True)  # the neighbor connected to us meanwhile
    deadline = peer.next_deadline()
    assert deadline == T0 + 0.5 + 60  # only the OPEN-wait timer remains
    assert on(None, peer.tick(T0 + 1.0)) == []


# --- events and traffic -------------------------------------------------------------------------


def test_handshake_events_are_tagged_with_their_connection() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    _, events = establish(peer, 11, inbound=False)
    assert {cid for cid, _ in events} == {11}
    established = [e for e in on(11, events) if isinstance(e, Established)]
    assert established[0].negotiated.local_address == LOCAL_ADDR
    assert peer.state is State.ESTABLISHED
    assert peer.established == (11, peer.sessions[11])


def test_send_update_uses_the_established_session() -> None:
    peer = Peer(make_config())
    with pytest.raises(SessionStateError):
        peer.send_update(UPDATE_MESSAGE, T0)
    peer.start(T0)
    remote, _ = establish(peer, 2, inbound=False)
    out = peer.send_update(UPDATE_MESSAGE, T0)
    assert out == [(2, Send(UPDATE_MESSAGE))]
    (received,) = remote.data_received(UPDATE_MESSAGE, T0)
    assert isinstance(received, UpdateReceived)
    (refresh,) = sent(2, peer.send_route_refresh(1, 1, 0, T0))
    assert refresh[18] == 5


def test_notify_tears_down_and_reconnects() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    remote, _ = establish(peer, 4, inbound=False)
    reset = Notification(6, 4, shutdown_communication("Administrative Reset"))
    out = peer.notify(T0 + 10, reset)
    assert notification_sent(4, out) == reset
    assert peer.sessions == {}
    assert peer.next_deadline() == T0 + 11.0
    heard = remote.data_received(sent(4, out)[0], T0 + 10)
    assert remote.state is State.IDLE and heard


def test_abort_closes_without_notification_and_reconnects() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    establish(peer, 4, inbound=False)
    out = peer.abort(T0 + 10, "graceful restart negotiated, closing without notification")
    assert [type(e).__name__ for e in on(4, out)] == ["Down", "StateChanged", "Close"]
    assert peer.sessions == {}
    assert peer.next_deadline() == T0 + 11.0


def test_stop_sends_cease_on_every_connection_and_stays_down() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    establish(peer, 1, inbound=False)
    peer.connection_made(2, T0, True)
    out = peer.stop(T0 + 1)
    for conn_id in (1, 2):
        note = notification_sent(conn_id, out)
        assert (note.code, note.subcode) == (6, 2)
    assert peer.sessions == {}
    assert peer.next_deadline() is None
    assert peer.tick(T0 + 1e6) == []


def test_stopped_peer_rejects_connections() -> None:
    peer = Peer(make_config())
    out = peer.connection_made(1, T0, True)
    assert (notification_sent(1, out).code, notification_sent(1, out).subcode) == (6, 5)
    assert peer.sessions == {}


def test_unknown_connection_is_ignored() -> None:
    peer = Peer(make_config())
    peer.start(T0)
    assert peer.data_received(42, UPDATE_MESSAGE, T0) == []
    assert peer.connection_lost(42, T0, "gone") == []
    peer.connection_made(1, T0, False)
    with pytest.raises(SessionStateError):
        peer.connection_made(1, T0, False)


# --- connection collisions (RFC 4271 §6.8) ------------------------------------------------------

OUT, IN = 1, 2

COLLISIONS = [
    # (local id, remote id, local AS, remote AS, connection whose OPEN arrives first, survivor)
    ("local id higher, outbound first", 0x0A000009, 0x0A000002, 65000, 65001, OUT, OUT),
    ("local id higher, inbound first", 0x0A000009, 0x0A000002, 65000, 65001, IN, OUT),
    ("local id lower, outbound first", 0x0A000001, 0x0A000002, 65000, 65001, OUT, IN),
    ("local id lower, inbound first", 0x0A000001, 0x0A000002, 65000, 65001, IN, IN),
    ("same id, local AS higher", 0x0A000002, 0x0A000002, 65002, 65001, IN, OUT),
    ("same id, local AS lower", 0x0A000002, 0x0A000002, 65000, 65001, OUT, IN),
]


@pytest.mark.parametrize("late", [False, True], ids=["both in opensent", "first in openconfirm"])
@pytest.mark.parametrize(
    ("local_id", "remote_id", "local_as", "remote_as", "first", "survivor"),
    [pytest.param(*case[1:], id=case[0]) for case in COLLISIONS],
)
def test_collision_keeps_the_connection_of_the_higher_identifier(
    local_id: int, remote_id: int, local_as: int, remote_as: int, first: int, survivor: int, late: bool
) -> None:
    config = make_config(
        router_id=local_id, local_as=local_as, peer_as=remote_as, capabilities=caps(local_as)
    )
    peer = Peer(config)
    peer.start(T0)
    second = IN if first == OUT else OUT
    loser = IN if survivor == OUT else OUT
    remote_open = encode_open(remote_as, 90, remote_id, caps(remote_as))
    peer.connection_made(first, T0, inbound=first == IN)
    if not late:
        peer.connection_made(second, T0, inbound=second == IN)
    out = peer.data_received(first, remote_open, T0)
    if late:
        assert peer.sessions[first].state is State.OPENCONFIRM
        peer.connection_made(second, T0, inbound=second == IN)
        out = peer.data_received(second, remote_open, T0)
    # resolved as soon as one OPEN tells the peer's identifier
    note = notification_sent(loser, out)
    assert (note.code, note.subcode) == (6, 7)
    assert not any(isinstance(e, NotificationSent) for e in on(survivor, out))
    assert set(peer.sessions) == {survivor}
    if peer.sessions[survivor].state is State.OPENSENT:
        peer.data_received(survivor, remote_open, T0)
    assert peer.sessions[survivor].state is State.OPENCONFIRM


def test_new_connection_loses_against_an_established_one() -> None:
    peer = Peer(make_config(router_id=0x0A000001))  # lower identifier: would keep the inbound one
    peer.start(T0)
    establish(peer, OUT, inbound=False)
    peer.connection_made(IN, T0, inbound=True)
    out = peer.data_received(IN, encode_open(PEER_AS, 90, PEER_ID, caps(PEER_AS)), T0)
    assert (notification_sent(IN, out).code, notification_sent(IN, out).subcode) == (6, 7)
    assert on(OUT, out) == []
    assert set(peer.sessions) == {OUT}
    assert peer.sessions[OUT].state is State.ESTABLISHED


def test_newer_connection_wins_in_the_same_direction() -> None:
    peer = Peer(make_config(passive=True))
    peer.start(T0)
    peer.connection_made(1, T0, inbound=True)
    peer.connection_made(2, T0 + 1, inbound=True)
    remote_open = encode_open(PEER_AS, 90, PEER_ID, caps(PEER_AS))
    out = peer.data_received(1, remote_open, T0 + 1)  # the OPEN arrives on the older one first
    assert (notification_sent(1, out).code, notification_sent(1, out).subcode) == (6, 7)
    assert set(peer.sessions) == {2}
    peer.data_received(2, remote_open, T0 + 2)
    assert peer.sessions[2].state is State.OPENCONFIRM


@pytest.mark.parametrize("a_higher", [True, False], ids=["a higher", "b higher"])
def test_simultaneous_connections_between_two_peers_agree(a_higher: bool) -> None:
    """Both speakers connect at once; both keep the same connection: the higher identifier's."""
    high, low = 0x0A000009, 0x0A000001
    a = Peer(make_config(router_id=high if a_higher else low))
    b = Peer(
        PeerConfig(
            local_as=PEER_AS,
            peer_as=LOCAL_AS,
            router_id=low if a_higher else high,
            capabilities=caps(PEER_AS),
        )
    )
    other = {id(a): b, id(b): a}
    assert a.start(T0) == b.start(T0) == [(None, Connect())]
    # connection 1 is started by a, connection 2 by b; both sides use the same ids
    queue: list[tuple[Peer, int, bytes | None]] = []

    def route(source: Peer, events: list[Tagged]) -> None:
        for conn_id, event in events:
            if isinstance(event, Send):
                queue.append((other[id(source)], conn_id or 0, event.data))
            elif isinstance(event, Close):
                queue.append((other[id(source)], conn_id or 0, None))

    route(a, a.connection_made(1, T0, False))
    route(b, b.connection_made(1, T0, True))
    route(b, b.connection_made(2, T0, False))
    route(a, a.connection_made(2, T0, True))
    while queue:
        target, conn_id, data = queue.pop(0)
        if data is None:
            route(target, target.connection_lost(conn_id, T0, "closed by the other end"))
        else:
            route(target, target.data_received(conn_id, data, T0))
    winner = 1 if a_higher else 2
    for peer in (a, b):
        assert set(peer.sessions) == {winner}
        assert peer.sessions[winner].state is State.ESTABLISHED
