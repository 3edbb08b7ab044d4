"""Adj-RIB-Out bulk changes (``announce_nlris``/``withdraw_nlris``): the same as route by route."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.rib.adj_rib_out import AdjRibOut
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.nlri import encode_prefix
from aiobgp.wire.update import decode_update

CTX = Negotiated(local_as=65001, peer_as=65000, families=frozenset({IPV4_UNICAST, IPV6_UNICAST}))
SELF = bytes((127, 0, 0, 1))
PATHS = [(Attributes(), NEXT_HOP_SELF), (Attributes(med=5), bytes((192, 0, 2, 1))), (Attributes(med=5), SELF)]


def nlri(n: int) -> bytes:
    return encode_prefix(bytes((10, 0, n, 0)), 24)


def wire(rib: AdjRibOut) -> list[bytes]:
    return [message for _, _, _, message in rib.drain(CTX, lambda family: SELF)]


# a change: (announce with path index | withdraw: -1, prefixes)
CHANGES = st.lists(
    st.tuples(st.integers(-1, len(PATHS) - 1), st.lists(st.integers(0, 20), max_size=12)), max_size=12
)


@settings(max_examples=200, deadline=None)
@given(CHANGES, st.sets(st.integers(0, 11), max_size=4))
def test_bulk_changes_send_what_single_changes_send(
    changes: list[tuple[int, list[int]]], drains: set[int]
) -> None:
    """Both tables see the same changes (drained at the same points): same counts, same messages."""
    bulk, single = AdjRibOut(), AdjRibOut()
    bulk.resend_all()
    single.resend_all()
    for step, (path, prefixes) in enumerate(changes):
        nlris = [nlri(n) for n in prefixes]
        if path < 0:
            missing = bulk.withdraw_nlris(IPV4_UNICAST, nlris)
            found = [single.withdraw(Route(IPV4_UNICAST, key, None, Attributes())) for key in nlris]
            assert missing == found.count(False)
        else:
            attributes, next_hop = PATHS[path]
            changed = bulk.announce_nlris(IPV4_UNICAST, nlris, attributes, next_hop)
            added = [single.announce(Route(IPV4_UNICAST, key, next_hop, attributes)) for key in nlris]
            assert changed == added.count(True)
        if step in drains:
            assert wire(bulk) == wire(single)
    assert list(bulk.routes(IPV4_UNICAST)) == list(single.routes(IPV4_UNICAST))
    assert wire(bulk) == wire(single)


def test_withdrawing_from_an_empty_family() -> None:
    rib = AdjRibOut()
    assert rib.withdraw_nlris(IPV6_UNICAST, [nlri(1), nlri(2)]) == 2
    assert not rib.has_pending()


def peer_view(rib: AdjRibOut, view: dict[bytes, tuple[int | None, bytes | None]]) -> None:
    """Apply what a drain sends to ``view`` (prefix -> (MED, next hop)), as the peer would; nothing
    is sent that the peer already knows (no withdrawal of what it lacks, no route it holds as is)."""
    for message in wire(rib):
        update = decode_update(message[19:], CTX)
        for _, keys in update.withdrawn:
            for key in keys:
                assert view.pop(key, None) is not None
        for _, next_hop, keys in update.announced:
            assert update.attributes is not None
            for key in keys:
                held = view.get(key)
                view[key] = (update.attributes.med, next_hop)
                assert held != view[key]


@settings(max_examples=200, deadline=None)
@given(CHANGES, st.sets(st.integers(0, 11), max_size=4), st.booleans())
def test_the_peer_ends_up_holding_the_table(
    changes: list[tuple[int, list[int]]], drains: set[int], resend: bool
) -> None:
    """Whatever the changes and wherever the drains (and a new session in the middle), what the
    messages tell the peer adds up to the table: every route with its path, nothing else."""
    rib = AdjRibOut()
    rib.resend_all()
    view: dict[bytes, tuple[int | None, bytes | None]] = {}
    for step, (path, prefixes) in enumerate(changes):
        nlris = [nlri(n) for n in prefixes]
        if path < 0:
            rib.withdraw_nlris(IPV4_UNICAST, nlris)
        else:
            attributes, next_hop = PATHS[path]
            rib.announce_nlris(IPV4_UNICAST, nlris, attributes, next_hop)
        if step in drains:
            peer_view(rib, view)
        if resend and step == len(changes) // 2:
            view = {}  # a new session: the peer holds nothing
            rib.resend_all()
    peer_view(rib, view)
    expected = {
        key[4:]: (path[0].med, SELF if path[1] == NEXT_HOP_SELF else path[1])
        for key, path in rib.routes(IPV4_UNICAST)
    }
    assert view == expected


def test_new_routes_of_one_path_go_out_packed_in_the_order_they_came() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    order = [nlri(n) for n in (7, 3, 250, 1, 9)]
    rib.announce_nlris(IPV4_UNICAST, order, Attributes(med=5), SELF)
    (message,) = wire(rib)
    update = decode_update(message[19:], CTX)
    assert update.announced == [(IPV4_UNICAST, SELF, order)]
