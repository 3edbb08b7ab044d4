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
