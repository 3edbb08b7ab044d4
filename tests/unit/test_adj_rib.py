"""Adj-RIB-Out and Adj-RIB-In: what is sent for a sequence of changes, and what is held."""

from __future__ import annotations

import pytest
from accelerators import require_built

from aiobgp.rib import adj_rib_in
from aiobgp.rib.adj_rib_in import AdjRibIn, pack_path, unpack_path
from aiobgp.rib.adj_rib_out import AdjRibOut
from aiobgp.rib.route import Route
from aiobgp.rib.table import PurePrefixTable
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import IPV4_FLOW, IPV4_UNICAST, IPV6_UNICAST, Family
from aiobgp.wire.context import NEXT_HOP_SELF, Negotiated
from aiobgp.wire.nlri import parse_prefix, prefix_str
from aiobgp.wire.update import Update, decode_update

CTX = Negotiated(local_as=65001, peer_as=65000, families=frozenset({IPV4_UNICAST, IPV6_UNICAST}))
NH = bytes((192, 0, 2, 1))
SELF = bytes((127, 0, 0, 1))


def route(prefix: str, med: int | None = None, next_hop: bytes = NH, path_id: int | None = None) -> Route:
    afi, key = parse_prefix(prefix, path_id)
    family = IPV4_UNICAST if afi == 1 else IPV6_UNICAST
    return Route(family, key, next_hop, Attributes(med=med), addpath=path_id is not None)


def sent(rib: AdjRibOut, ctx: Negotiated = CTX) -> list[tuple[str, str, int | None]]:
    """Drain, decode what would go on the wire: ("+"/"-", prefix, med) in order."""
    out = []
    for _family, _, _, message in rib.drain(ctx, lambda family: SELF):
        update = decode_update(message[19:], ctx)
        for fam, prefixes in update.withdrawn:
            out += [("-", prefix_str(fam[0], p, fam in ctx.addpath_receive), None) for p in prefixes]
        for fam, _, prefixes in update.announced:
            med = update.attributes.med if update.attributes else None
            out += [("+", prefix_str(fam[0], p, fam in ctx.addpath_receive), med) for p in prefixes]
    return out


def test_announce_then_new_session_sends_everything_packed() -> None:
    rib = AdjRibOut()
    for i in range(300):
        rib.announce(route(f"10.{i // 256}.{i % 256}.0/24"))
    rib.resend_all()
    messages = list(rib.drain(CTX, lambda family: SELF))
    assert len(messages) == 1  # 300 prefixes of one path fit one UPDATE
    assert messages[0][1] == 300


def test_only_the_net_result_of_a_batch_is_sent() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("10.0.0.0/24"))
    rib.announce(route("10.0.1.0/24"))
    rib.withdraw(route("10.0.1.0/24"))  # never sent: no withdrawal
    assert sent(rib) == [("+", "10.0.0.0/24", None)]
    rib.announce(route("10.0.0.0/24"))  # the same route again: nothing
    assert sent(rib) == []
    rib.announce(route("10.0.0.0/24", med=5))  # new attributes replace
    assert sent(rib) == [("+", "10.0.0.0/24", 5)]
    rib.withdraw(route("10.0.0.0/24"))
    rib.announce(route("10.0.0.0/24", med=5))  # withdrawn and back as it was: nothing
    assert sent(rib) == []
    rib.withdraw(route("10.0.0.0/24"))
    assert sent(rib) == [("-", "10.0.0.0/24", None)]


def test_clear_withdraws_only_what_was_sent() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("10.0.0.0/24"))
    assert sent(rib) == [("+", "10.0.0.0/24", None)]
    rib.announce(route("10.0.1.0/24"))
    assert rib.withdraw_all() == 2
    assert sent(rib) == [("-", "10.0.0.0/24", None)]
    assert len(rib) == 0


def test_changes_made_while_draining_wait_for_the_next_drain() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("10.0.0.0/24"))
    drain = rib.drain(CTX, lambda family: SELF)
    rib.withdraw(route("10.0.0.0/24"))  # after the plan was made: the peer will hold it
    assert [m[1] for m in drain] == [1]
    assert sent(rib) == [("-", "10.0.0.0/24", None)]


def test_families_not_negotiated_stay_pending() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("2001:db8::/32"))
    v4_only = Negotiated(local_as=65001, peer_as=65000, families=frozenset({IPV4_UNICAST}))
    assert sent(rib, v4_only) == []
    assert rib.has_pending()
    assert sent(rib) == [("+", "2001:db8::/32", None)]


def test_path_identifiers_are_sent_only_with_add_path() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("10.0.0.0/24", path_id=1))
    rib.announce(route("10.0.0.0/24", med=2, path_id=2))
    addpath = Negotiated(
        local_as=65001,
        peer_as=65000,
        addpath_send=frozenset({IPV4_UNICAST}),
        addpath_receive=frozenset({IPV4_UNICAST}),
    )
    keys = [(sign, med) for sign, _, med in sent(rib, addpath)]
    assert sorted(keys, key=str) == [("+", 2), ("+", None)]  # two paths of one prefix
    rib.resend_all()
    assert [prefix for _, prefix, _ in sent(rib)] == ["10.0.0.0/24", "10.0.0.0/24"]


def test_next_hop_self_is_resolved_when_sent() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("10.0.0.0/24", next_hop=NEXT_HOP_SELF))
    ((_, _, _, message),) = rib.drain(CTX, lambda family: SELF)
    ((_, next_hop, _),) = decode_update(message[19:], CTX).announced
    assert next_hop == SELF


def test_ipv6_withdrawals_repeat_the_attributes_they_were_sent_with() -> None:
    rib = AdjRibOut()
    rib.resend_all()
    rib.announce(route("2001:db8::/32", med=7))
    sent(rib)
    rib.withdraw(route("2001:db8::/32"))
    ((_, _, withdrawn, message),) = rib.drain(CTX, lambda family: SELF)
    update = decode_update(message[19:], CTX)
    assert withdrawn == 1 and update.attributes is not None and update.attributes.med == 7


def test_intern_table_forgets_unused_paths() -> None:
    rib = AdjRibOut()
    for i in range(10_000):
        rib.announce(route("10.0.0.0/24", med=i))
    assert len(rib._intern) < 10_000  # compacted: only the live path is kept for long


def test_adj_rib_in_counts_and_forgets() -> None:
    rib = AdjRibIn()
    out = AdjRibOut()
    out.resend_all()
    for i in range(5):
        out.announce(route(f"10.0.{i}.0/24"))
    for _, _, _, message in out.drain(CTX, lambda family: SELF):
        assert rib.apply(decode_update(message[19:], CTX)) == (5, 0)
    assert rib.count(IPV4_UNICAST) == 5
    out.withdraw(route("10.0.0.0/24"))
    for _, _, _, message in out.drain(CTX, lambda family: SELF):
        assert rib.apply(decode_update(message[19:], CTX)) == (0, 1)
    assert rib.count() == 4
    rib.clear()
    assert rib.count() == 0


@pytest.mark.parametrize("next_hop", [None, b"", b"\x0a\x00\x00\x01", bytes(range(16)), bytes(range(32))])
def test_adj_rib_in_path_packing(next_hop: bytes | None) -> None:
    raw = b"\x40\x01\x01\x00"
    assert unpack_path(pack_path(raw, next_hop)) == (raw, next_hop)


def test_adj_rib_in_keeps_raw_paths_and_decodes_on_demand() -> None:
    rib = AdjRibIn()
    rib.start(CTX)
    out = AdjRibOut()
    out.resend_all()
    for i in range(3):
        out.announce(route(f"10.0.{i}.0/24", med=i))
    v6_hop = bytes.fromhex("20010db8000000000000000000000001")
    out.announce(route("2001:db8::/32", med=9, next_hop=v6_hop))
    for _, _, _, message in out.drain(CTX, lambda family: SELF):
        rib.apply(decode_update(message[19:], CTX))
    got = {
        (prefix_str(family[0], key, False), path[0].med, path[1])
        for family in rib.families()
        for key, path in rib.routes(family)
    }
    assert got == {
        ("10.0.0.0/24", 0, NH),
        ("10.0.1.0/24", 1, NH),
        ("10.0.2.0/24", 2, NH),
        ("2001:db8::/32", 9, v6_hop),
    }
    assert rib.count() == 4


def _c_table() -> type[object] | None:
    try:
        from aiobgp.rib import _table
    except ImportError:
        return None
    return _table.PrefixTable


@pytest.fixture(params=["python", "c"])
def either_table(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Adj-RIB-In on the pure-Python PrefixTable, then on the C one (when it is built)."""
    kind = PurePrefixTable if request.param == "python" else require_built(_c_table(), "aiobgp.rib._table")
    monkeypatch.setattr(adj_rib_in, "PrefixTable", kind)


ORIGIN_IGP = b"\x40\x01\x01\x00"
V4_KEYS = [b"\x00", b"\x08\x0a", b"\x18\x0a\x00\x01", b"\x20\xc0\x00\x02\x01"]
V6_KEYS = [b"\x30" + bytes.fromhex("20010db80001"), b"\x40" + bytes(8), b"\x80" + bytes(range(16))]
FLOW_KEY = b"\x05\x01\x18\x0a\x00\x00"  # destination 10.0.0.0/24 as a flow rule


def held(rib: AdjRibIn, family: Family) -> set[tuple[bytes, bytes | None]]:
    return {(key, next_hop) for key, (_, next_hop) in rib.routes(family)}


@pytest.mark.usefixtures("either_table")
def test_adj_rib_in_keys_of_every_family_kind() -> None:
    """Prefix families (short and long keys), ADD-PATH keys and flow rules all come back as sent."""
    addpath = Negotiated(
        local_as=65001, peer_as=65000, families=CTX.families, addpath_receive=frozenset({IPV6_UNICAST})
    )
    rib = AdjRibIn()
    rib.start(addpath)
    v6_hop = bytes(range(16))
    with_ids = [b"\x00\x00\x00\x01" + key for key in V6_KEYS] + [b"\x00\x00\x00\x02" + V6_KEYS[0]]
    update = Update(
        [],
        [(IPV4_UNICAST, NH, V4_KEYS), (IPV6_UNICAST, v6_hop, with_ids), (IPV4_FLOW, None, [FLOW_KEY])],
        None,
        raw_attributes=ORIGIN_IGP,
    )
    assert rib.apply(update) == (len(V4_KEYS) + len(with_ids) + 1, 0)
    assert rib.families() == sorted([IPV4_UNICAST, IPV6_UNICAST, IPV4_FLOW])
    assert held(rib, IPV4_UNICAST) == {(key, NH) for key in V4_KEYS}
    assert held(rib, IPV6_UNICAST) == {(key, v6_hop) for key in with_ids}
    assert held(rib, IPV4_FLOW) == {(FLOW_KEY, None)}
    withdraw = Update(
        [
            (IPV4_UNICAST, [*V4_KEYS[:2], b"\x18\x0a\x00\x09"]),
            (IPV6_UNICAST, with_ids[-1:]),
            (IPV4_FLOW, [FLOW_KEY]),
        ],
        [],
        None,
    )
    assert rib.apply(withdraw) == (0, 5)
    assert held(rib, IPV4_UNICAST) == {(key, NH) for key in V4_KEYS[2:]}
    assert held(rib, IPV6_UNICAST) == {(key, v6_hop) for key in with_ids[:-1]}
    assert (rib.count(IPV4_UNICAST), rib.count(IPV6_UNICAST), rib.count(IPV4_FLOW), rib.count()) == (
        2,
        3,
        0,
        5,
    )
    rib.clear()
    assert (rib.count(), rib.families()) == (0, [])


@pytest.mark.usefixtures("either_table")
def test_adj_rib_in_without_add_path_keeps_long_ipv6_prefixes() -> None:
    rib = AdjRibIn()
    rib.start(CTX)
    v6_hop = bytes(range(16))
    rib.apply(Update([], [(IPV6_UNICAST, v6_hop, V6_KEYS)], None, raw_attributes=ORIGIN_IGP))
    rib.apply(Update([], [(IPV6_UNICAST, v6_hop, V6_KEYS[:1])], None, raw_attributes=b""))  # new path
    paths = {key: path for key, path in rib.routes(IPV6_UNICAST)}
    assert sorted(paths) == sorted(V6_KEYS)
    assert paths[V6_KEYS[0]][0] == Attributes() and paths[V6_KEYS[1]][0].origin == 0
    assert rib.apply(Update([(IPV6_UNICAST, V6_KEYS[1:])], [], None)) == (0, 2)
    assert rib.count(IPV6_UNICAST) == 1


def test_adj_rib_in_that_only_counts() -> None:
    rib = AdjRibIn(keep=False)
    rib.apply(Update([], [(IPV4_UNICAST, NH, V4_KEYS)], None, raw_attributes=ORIGIN_IGP))
    assert rib.apply(Update([(IPV4_UNICAST, V4_KEYS[:1])], [], None)) == (0, 1)
    assert (rib.count(), rib.families(), list(rib.routes(IPV4_UNICAST))) == (3, [IPV4_UNICAST], [])
