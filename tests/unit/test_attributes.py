"""Path attribute codec: RFC vectors for every attribute, RFC 7606 faults, ExaBGP's encoding rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.attributes import (
    EMPTY,
    AsPath,
    Attributes,
    decode_attributes,
    encode_attributes,
    merge_as4_path,
)
from aiobgp.wire.constants import AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SEQUENCE, AS_SET, AS_TRANS
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import EncodeError, NotificationError

IBGP = Negotiated(local_as=65533, peer_as=65533)
EBGP = Negotiated(local_as=65533, peer_as=65000)
IBGP2 = Negotiated(local_as=65533, peer_as=65533, asn4=False)
ADDRESS = bytes([219, 118, 225, 189])

# (block hex, asn4, ibgp, expected Attributes fields, next hop hex or None)
DECODE_VECTORS: list[tuple[str, bool, bool, dict[str, Any], str | None]] = [
    ("40010100", True, True, {"origin": 0}, None),
    ("40010101", True, True, {"origin": 1}, None),
    ("40010102", True, True, {"origin": 2}, None),
    ("400200", True, True, {"as_path": ()}, None),
    ("40020602010000fffd", True, True, {"as_path": ((AS_SEQUENCE, (65533,)),)}, None),
    (
        "40021002020000e1dd00001b1b010100030d40",
        True,
        True,
        {"as_path": ((AS_SEQUENCE, (57821, 6939)), (AS_SET, (200000,)))},
        None,
    ),
    (
        "40021603020000fde90000fdea0401000000010201 00000064".replace(" ", ""),
        True,
        True,
        {"as_path": ((AS_CONFED_SEQUENCE, (65001, 65002)), (AS_CONFED_SET, (1,)), (AS_SEQUENCE, (100,)))},
        None,
    ),
    ("40020402010064", False, True, {"as_path": ((AS_SEQUENCE, (100,)),)}, None),
    (
        "40020e0202e1dd1b1b01015ba00301fde9",
        False,
        True,
        {"as_path": ((AS_SEQUENCE, (57821, 6939)), (AS_SET, (AS_TRANS,)), (AS_CONFED_SEQUENCE, (65001,)))},
        None,
    ),
    ("4003040a0001fe", True, True, {}, "0a0001fe"),
    ("80040400000064", True, True, {"med": 100}, None),
    ("400504000000c8", True, True, {"local_pref": 200}, None),
    ("400600", True, True, {"atomic_aggregate": True}, None),
    ("c00708000046e0db76e1bd", True, True, {"aggregator": (18144, ADDRESS)}, None),
    ("c0070646e0db76e1bd", False, True, {"aggregator": (18144, ADDRESS)}, None),
    ("c008087814000078147814", True, True, {"communities": (0x78140000, 0x78147814)}, None),
    ("c00804ffffff01", True, True, {"communities": (0xFFFFFF01,)}, None),
    ("80090401020304", True, True, {"originator_id": bytes([1, 2, 3, 4])}, None),
    (
        "800a080a0000010a000002",
        True,
        True,
        {"cluster_list": (bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))},
        None,
    ),
    (
        "c010100002000a0000000a0102030405060708",
        True,
        True,
        {"ext_communities": (bytes.fromhex("0002000a0000000a"), bytes.fromhex("0102030405060708"))},
        None,
    ),
    (
        "c0201800000b62000000000000029a00000b6200000cf80000007b",
        True,
        True,
        {"large_communities": ((2914, 0, 666), (2914, 3320, 123))},
        None,
    ),
    # RFC 8092 §5: duplicate large communities are removed
    (
        "c0202400000b6200000cf80000007b00000b62000000000000029a00000b6200000cf80000007b",
        True,
        True,
        {"large_communities": ((2914, 3320, 123), (2914, 0, 666))},
        None,
    ),
    # unknown optional transitive: kept, Partial bit set (and Extended Length kept)
    ("c0990400000064", True, True, {"unknown": ((0x99, 0xE0, bytes([0, 0, 0, 100])),)}, None),
    ("f099000400000064", True, True, {"unknown": ((0x99, 0xF0, bytes([0, 0, 0, 100])),)}, None),
    # unknown optional non-transitive: dropped
    ("80990400000064", True, True, {}, None),
    # Extended Length on a known attribute
    ("5002000602010000fffd", True, True, {"as_path": ((AS_SEQUENCE, (65533,)),)}, None),
    ("9004000400000005", True, True, {"med": 5}, None),
    # the Partial bit of a well-known attribute is ignored
    ("60010101", True, True, {"origin": 1}, None),
    # RFC 6793 §4.2.3 merges
    (
        "40020602025ba00064c0110a020200030d4000000064",
        False,
        True,
        {"as_path": ((AS_SEQUENCE, (200000, 100)),)},
        None,
    ),
    (
        "4002080203000a5ba00064c0110a020200030d4000000064",
        False,
        True,
        {"as_path": ((AS_SEQUENCE, (10, 200000, 100)),)},
        None,
    ),
    (  # a set counts as one ASN: keep 1 from AS_PATH, then the AS4_PATH
        "40020c020200015ba0010200020003c0111002010001117001020000000200000003",
        False,
        True,
        {"as_path": ((AS_SEQUENCE, (1, 70000)), (AS_SET, (2, 3)))},
        None,
    ),
    (  # AS4_PATH longer than AS_PATH: ignored
        "40020402015ba0c0110a020200030d4000000064",
        False,
        True,
        {"as_path": ((AS_SEQUENCE, (AS_TRANS,)),)},
        None,
    ),
    (  # leading confederation segments stay in front
        "40020a0301fde902025ba00064c0110a020200030d4000000064",
        False,
        True,
        {"as_path": ((AS_CONFED_SEQUENCE, (65001,)), (AS_SEQUENCE, (200000, 100)))},
        None,
    ),
    (  # confederation segments inside AS4_PATH are dropped
        "40020602025ba00064c0111003010000fde9020200030d4000000064",
        False,
        True,
        {"as_path": ((AS_SEQUENCE, (200000, 100)),)},
        None,
    ),
    (  # AGGREGATOR carrying AS_TRANS: AS4_AGGREGATOR replaces it
        "c007065ba0db76e1bdc0120800030d40db76e1bd",
        False,
        True,
        {"aggregator": (200000, ADDRESS)},
        None,
    ),
]

# (block hex, asn4, ibgp, fault kind: "withdraw" or "discard", expected Attributes fields)
FAULT_VECTORS: list[tuple[str, bool, bool, str, dict[str, Any]]] = [
    ("40010103", True, True, "withdraw", {}),  # undefined ORIGIN
    ("4001020000", True, True, "withdraw", {}),  # ORIGIN length
    ("c0010100", True, True, "withdraw", {}),  # ORIGIN flags: optional
    ("00010100", True, True, "withdraw", {}),  # ORIGIN flags: not transitive
    ("40020602010000fd", True, True, "withdraw", {}),  # attribute overruns the field
    ("40020605010000fffd", True, True, "withdraw", {}),  # unknown segment type 5
    ("40020600010000fffd", True, True, "withdraw", {}),  # segment type 0
    ("4002020200", True, True, "withdraw", {}),  # empty segment
    ("40020602020000fffd", True, True, "withdraw", {}),  # segment overruns AS_PATH
    ("40020702010000fffd02", True, True, "withdraw", {}),  # one byte left
    ("40020502010000ff", True, True, "withdraw", {}),  # 4-octet ASN cut short
    ("400203020100", False, True, "withdraw", {}),  # 2-octet ASN cut short
    ("4003050a0001fe00", True, True, "withdraw", {}),  # NEXT_HOP length
    ("8003040a0001fe", True, True, "withdraw", {}),  # NEXT_HOP flags
    ("800403000064", True, True, "withdraw", {}),  # MED length
    ("40040400000064", True, True, "withdraw", {}),  # MED flags: well-known
    ("4005020064", True, True, "withdraw", {}),  # LOCAL_PREF length
    ("c00504000000c8", True, True, "withdraw", {}),  # LOCAL_PREF flags
    ("c00800", True, True, "withdraw", {}),  # COMMUNITIES empty
    ("c00806780000007814", True, True, "withdraw", {}),  # COMMUNITIES not a multiple of 4
    ("40080478140000", True, True, "withdraw", {}),  # COMMUNITIES flags
    ("8009050102030405", True, True, "withdraw", {}),  # ORIGINATOR_ID length
    ("800a00", True, True, "withdraw", {}),  # CLUSTER_LIST empty
    ("800a030a0000", True, True, "withdraw", {}),  # CLUSTER_LIST not a multiple of 4
    ("c01000", True, True, "withdraw", {}),  # EXTENDED_COMMUNITIES empty
    ("c010040002000a", True, True, "withdraw", {}),  # EXTENDED_COMMUNITIES not a multiple of 8
    ("c02000", True, True, "withdraw", {}),  # LARGE_COMMUNITY empty
    ("c0200800000b6200000000", True, True, "withdraw", {}),  # LARGE_COMMUNITY not a multiple of 12
    ("40", True, True, "withdraw", {}),  # fewer than 3 octets left (RFC 7606 §4)
    ("4001", True, True, "withdraw", {}),
    ("500100", True, True, "withdraw", {}),  # fewer than 4 octets with Extended Length
    ("40010100400105", True, True, "withdraw", {"origin": 0}),  # second attribute overruns
    # attribute discard
    ("40060100", True, True, "discard", {}),  # ATOMIC_AGGREGATE length
    ("c00706000046e0db76", True, True, "discard", {}),  # AGGREGATOR length (4-octet session)
    ("c00708000046e0db76e1bd", False, True, "discard", {}),  # AGGREGATOR length (2-octet session)
    ("400708000046e0db76e1bd", True, True, "discard", {}),  # AGGREGATOR flags
    ("40050400000064", True, False, "discard", {}),  # LOCAL_PREF from an eBGP peer (RFC 7606 §7.5)
    ("c0110602010000fffd", True, True, "discard", {}),  # AS4_PATH from a NEW speaker
    ("c01208000046e0db76e1bd", True, True, "discard", {}),  # AS4_AGGREGATOR from a NEW speaker
    ("c0110605010000fffd", False, True, "discard", {}),  # malformed AS4_PATH
    ("c0120600004ae0db76", False, True, "discard", {}),  # AS4_AGGREGATOR length
    ("4001010040010102", True, True, "discard", {"origin": 0}),  # repeated attribute: first kept
    (  # AGGREGATOR without AS_TRANS: AS4_PATH and AS4_AGGREGATOR ignored
        "40020402015ba0c007060064db76e1bdc0110602010000fffd",
        False,
        True,
        "discard",
        {"as_path": ((AS_SEQUENCE, (AS_TRANS,)),), "aggregator": (100, ADDRESS)},
    ),
]


@pytest.mark.parametrize(("block", "asn4", "ibgp", "fields", "next_hop"), DECODE_VECTORS)
def test_decode_attribute(
    block: str, asn4: bool, ibgp: bool, fields: dict[str, Any], next_hop: str | None
) -> None:
    decoded = decode_attributes(bytes.fromhex(block), asn4, ibgp)
    assert decoded.withdraw_reason == ""
    assert decoded.attributes == Attributes(**fields)
    assert decoded.next_hop == (None if next_hop is None else bytes.fromhex(next_hop))


@pytest.mark.parametrize(("block", "asn4", "ibgp", "kind", "fields"), FAULT_VECTORS)
def test_rfc7606_faults(block: str, asn4: bool, ibgp: bool, kind: str, fields: dict[str, Any]) -> None:
    decoded = decode_attributes(bytes.fromhex(block), asn4, ibgp)
    if kind == "withdraw":
        assert decoded.withdraw_reason
    else:
        assert not decoded.withdraw_reason
        assert decoded.discarded
    if decoded.attributes is not None:
        assert decoded.attributes == Attributes(**fields)
    else:
        assert not fields


def test_unrecognized_well_known_resets_the_session() -> None:
    with pytest.raises(NotificationError) as caught:
        decode_attributes(bytes.fromhex("4001010040990400000064"))
    assert (caught.value.code, caught.value.subcode, caught.value.data.hex()) == (3, 2, "40990400000064")


def test_decoded_attributes_are_interned() -> None:
    first = decode_attributes(bytes.fromhex("40010100400200c008087814000078147814")).attributes
    second = decode_attributes(bytes.fromhex("c00808781400007814781440020040010100")).attributes
    assert first is second


def test_only_next_hop_gives_empty_attributes() -> None:
    decoded = decode_attributes(bytes.fromhex("4003040a000001"))
    assert decoded.attributes == EMPTY
    assert decoded.next_hop == bytes([10, 0, 0, 1])
    assert not decoded.has_origin and not decoded.has_as_path


@pytest.mark.parametrize(
    ("as_path", "as4_path", "merged"),
    [
        (((AS_SEQUENCE, (AS_TRANS, 100)),), ((AS_SEQUENCE, (200000, 100)),), ((AS_SEQUENCE, (200000, 100)),)),
        ((), (), ()),
        (((AS_SET, (1, AS_TRANS)),), ((AS_SET, (1, 70000)),), ((AS_SET, (1, 70000)),)),
        (
            ((AS_SEQUENCE, (1, 2)), (AS_SET, (3, 4)), (AS_SEQUENCE, (AS_TRANS,))),
            ((AS_SEQUENCE, (70000,)),),
            ((AS_SEQUENCE, (1, 2)), (AS_SET, (3, 4)), (AS_SEQUENCE, (70000,))),
        ),
    ],
)
def test_merge_as4_path(as_path: AsPath, as4_path: AsPath, merged: AsPath) -> None:
    assert merge_as4_path(as_path, as4_path) == merged


# (attributes, context, next hop, expected hex): ExaBGP 5.0.15's encoding (from its test vectors)
ENCODE_VECTORS: list[tuple[Attributes, Negotiated, bytes | None, str]] = [
    (EMPTY, IBGP, None, "4001010040020040050400000064"),
    (EMPTY, EBGP, None, "4001010040020602010000fffd"),
    (Attributes(local_pref=200), EBGP, bytes([10, 0, 1, 254]), "4001010040020602010000fffd4003040a0001fe"),
    (
        Attributes(
            as_path=((AS_SEQUENCE, (57821, 6939)),), atomic_aggregate=True, aggregator=(18144, ADDRESS)
        ),
        IBGP,
        bytes([192, 168, 1, 254]),
        "4001010040020a02020000e1dd00001b1b400304c0a801fe40050400000064400600c00708000046e0db76e1bd",
    ),
    (
        Attributes(as_path=((AS_SEQUENCE, (100,)),)),
        IBGP2,
        bytes([10, 0, 255, 254]),
        "40010100400204020100644003040a00fffe40050400000064",
    ),
    (
        Attributes(local_pref=200, communities=(0x78140000, 0x78147814)),
        IBGP,
        None,
        "40010100400200400504000000c8c008087814000078147814",
    ),
    (
        Attributes(large_communities=((2914, 0, 666), (2914, 3320, 123))),
        IBGP,
        bytes([192, 0, 2, 1]),
        "40010100400200400304c000020140050400000064c0201800000b62000000000000029a00000b6200000cf80000007b",
    ),
    (
        Attributes(med=100),
        IBGP,
        bytes([192, 168, 1, 100]),
        "40010100400200400304c0a801648004040000006440050400000064",
    ),
    (
        Attributes(unknown=((0x99, 0x60, bytes([0, 0, 0, 100])),)),
        IBGP,
        bytes([192, 168, 1, 100]),
        "40010100400200400304c0a801644005040000006460990400000064",
    ),
    (
        Attributes(unknown=((0x99, 0x70, bytes([0, 0, 0, 100])),)),
        IBGP,
        bytes([192, 168, 1, 100]),
        "40010100400200400304c0a80164400504000000647099000400000064",
    ),
    (
        Attributes(origin=2, ext_communities=(bytes.fromhex("0002004800000001"),)),
        IBGP,
        bytes([10, 0, 0, 1]),
        "400101024002004003040a00000140050400000064c010080002004800000001",
    ),
    # every attribute, unknown ones sorted in by type code
    (
        Attributes(
            origin=1,
            as_path=((AS_SEQUENCE, (1, 2)), (AS_SET, (3,))),
            med=7,
            local_pref=9,
            atomic_aggregate=True,
            aggregator=(5, ADDRESS),
            communities=(0xFFFFFF02, 1),
            originator_id=bytes([1, 1, 1, 1]),
            cluster_list=(bytes([2, 2, 2, 2]),),
            ext_communities=(bytes(8),),
            large_communities=((1, 2, 3),),
            unknown=((0xFE, 0xE0, b"\x01"), (0x19, 0xE0, b"\x02")),
        ),
        IBGP,
        None,
        "40010101"
        "400210020200000001000000020101"
        "00000003"
        "80040400000007"
        "40050400000009"
        "400600"
        "c0070800000005db76e1bd"
        "c00808ffffff0200000001"
        "80090401010101"
        "800a0402020202"
        "c010080000000000000000"
        "e0190102"
        "c0200c000000010000000200000003"
        "e0fe0101",
    ),
    # 2-octet session, 4-octet ASNs: AS_TRANS in AS_PATH / AGGREGATOR, then AS4_PATH / AS4_AGGREGATOR
    (
        Attributes(as_path=((AS_SEQUENCE, (65001, 200000)),), aggregator=(200000, ADDRESS)),
        IBGP2,
        None,
        "40010100"
        "4002060202fde95ba0"
        "40050400000064"
        "c007065ba0db76e1bd"
        "c0110a020200"
        "00fde900030d40"
        "c0120800030d40db76e1bd",
    ),
    # eBGP default path with a 4-octet local AS on a 2-octet session
    (
        EMPTY,
        Negotiated(local_as=200000, peer_as=1, asn4=False),
        None,
        "4001010040020402015ba0c01106020100030d40",
    ),
]


@pytest.mark.parametrize(("attrs", "ctx", "next_hop", "expected"), ENCODE_VECTORS)
def test_encode_attributes(attrs: Attributes, ctx: Negotiated, next_hop: bytes | None, expected: str) -> None:
    assert encode_attributes(attrs, ctx, next_hop=next_hop).hex() == expected


def test_extended_length_only_when_needed() -> None:
    path = ((AS_SEQUENCE, tuple(range(1, 64))),)  # 2 + 63 * 4 = 254 bytes
    assert encode_attributes(Attributes(as_path=path), IBGP)[4:8].hex() == "4002fe02"
    path = ((AS_SEQUENCE, tuple(range(1, 65))),)  # 258 bytes
    block = encode_attributes(Attributes(as_path=path), IBGP)
    assert block[4:9].hex() == "5002010202"
    assert decode_attributes(block).attributes == Attributes(origin=0, as_path=path, local_pref=100)
    path = ((AS_SEQUENCE, tuple(range(1, 300))),)  # cut into segments of 255
    decoded = decode_attributes(encode_attributes(Attributes(as_path=path), IBGP)).attributes
    assert decoded is not None and decoded.as_path == (
        (AS_SEQUENCE, tuple(range(1, 256))),
        (AS_SEQUENCE, tuple(range(256, 300))),
    )


@pytest.mark.parametrize(
    ("attrs", "next_hop"),
    [
        (Attributes(origin=256), None),
        (Attributes(med=1 << 32), None),
        (Attributes(local_pref=-1), None),
        (Attributes(communities=(1 << 32,)), None),
        (Attributes(aggregator=(1, b"\x01")), None),
        (Attributes(originator_id=b"\x01"), None),
        (Attributes(cluster_list=(b"\x01",)), None),
        (Attributes(ext_communities=(b"\x01",)), None),
        (Attributes(as_path=((AS_SEQUENCE, (1 << 32,)),)), None),
        (Attributes(unknown=((0x99, 0xC0, bytes(70000)),)), None),
        (EMPTY, b"\x01\x02\x03"),
    ],
)
def test_encode_errors(attrs: Attributes, next_hop: bytes | None) -> None:
    with pytest.raises(EncodeError):
        encode_attributes(attrs, IBGP, next_hop=next_hop)


ASN = st.integers(1, 2**32 - 1)
SEGMENT = st.tuples(st.sampled_from([AS_SEQUENCE, AS_SET]), st.lists(ASN, min_size=1, max_size=20).map(tuple))
CONFED = st.tuples(
    st.sampled_from([AS_CONFED_SEQUENCE, AS_CONFED_SET]), st.lists(ASN, min_size=1, max_size=5).map(tuple)
)


@st.composite
def attribute_sets(draw: st.DrawFn, asn4: bool, ibgp: bool) -> Attributes:
    """Sets that decode back to themselves (defaults filled in, no value a decoder would change)."""
    segments = draw(st.lists(SEGMENT, max_size=4))
    if asn4:
        segments = draw(st.lists(CONFED, max_size=2)) + segments
    aggregator = draw(
        st.none()
        | st.tuples(ASN if asn4 else st.integers(65536, 2**32 - 1), st.binary(min_size=4, max_size=4))
    )
    unknown_codes = sorted(
        draw(st.lists(st.sampled_from([19, 21, 25, 26, 35, 40, 99, 255]), unique=True, max_size=3))
    )
    unknown = []
    for code in unknown_codes:
        value = draw(st.binary(max_size=300))
        flags = 0xF0 if len(value) > 255 or draw(st.booleans()) else 0xE0
        unknown.append((code, flags, value))
    return Attributes(
        origin=draw(st.integers(0, 2)),
        as_path=tuple(segments),
        med=draw(st.none() | st.integers(0, 2**32 - 1)),
        local_pref=draw(st.integers(0, 2**32 - 1)) if ibgp else None,
        atomic_aggregate=draw(st.booleans()),
        aggregator=aggregator,
        communities=tuple(draw(st.lists(st.integers(0, 2**32 - 1), max_size=70))),
        originator_id=draw(st.none() | st.binary(min_size=4, max_size=4)),
        cluster_list=tuple(draw(st.lists(st.binary(min_size=4, max_size=4), max_size=3))),
        ext_communities=tuple(draw(st.lists(st.binary(min_size=8, max_size=8), max_size=3))),
        large_communities=tuple(draw(st.lists(st.tuples(ASN, ASN, ASN), unique=True, max_size=25))),
        unknown=tuple(unknown),
    )


@st.composite
def sets_and_contexts(draw: st.DrawFn) -> tuple[Attributes, Negotiated]:
    asn4 = draw(st.booleans())
    ibgp = draw(st.booleans())
    ctx = Negotiated(local_as=65001, peer_as=65001 if ibgp else 65002, asn4=asn4)
    return draw(attribute_sets(asn4, ibgp)), ctx


@given(sets_and_contexts(), st.none() | st.binary(min_size=4, max_size=4))
def test_round_trip(case: tuple[Attributes, Negotiated], next_hop: bytes | None) -> None:
    attrs, ctx = case
    block = encode_attributes(attrs, ctx, next_hop=next_hop)
    decoded = decode_attributes(block, ctx.asn4, ctx.ibgp)
    assert decoded.withdraw_reason == ""
    assert decoded.discarded == ()
    assert decoded.attributes == attrs
    assert decoded.next_hop == next_hop


@given(st.binary(max_size=80), st.booleans(), st.booleans())
def test_decode_never_raises_anything_else(block: bytes, asn4: bool, ibgp: bool) -> None:
    try:
        decode_attributes(block, asn4, ibgp)
    except NotificationError:
        pass
    except ValueError as exc:  # a set does not contain MP attributes
        assert "MP_REACH_NLRI" in str(exc)
