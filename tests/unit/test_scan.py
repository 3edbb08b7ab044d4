"""The C scanner of UPDATE bodies (aiobgp.wire._scan) against the pure-Python decoder it stands in for.

Whenever ``scan`` answers, its (raw_attributes, withdrawn, announced) must be what ``decode_update``
builds without it, and the Update it leads to must equal the Python one once its attributes are
decoded. Typical UPDATEs must be answered (not left to Python). The C tests are skipped when the
module is not built, except under CI=true where that is a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from accelerators import probe, require_built
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.wire import update as update_module
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import (
    AS_CONFED_SEQUENCE,
    AS_CONFED_SET,
    AS_SEQUENCE,
    AS_SET,
    IPV4_UNICAST,
    IPV6_UNICAST,
    Family,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import NotificationError
from aiobgp.wire.nlri import encode_prefix
from aiobgp.wire.update import Update, build_updates, build_withdrawals, decode_update

ROOT = Path(__file__).resolve().parents[2]
IBGP = Negotiated(local_as=65001, peer_as=65001, families=frozenset({IPV4_UNICAST, IPV6_UNICAST}))
EBGP = Negotiated(local_as=65001, peer_as=4_200_000_000, families=frozenset({IPV4_UNICAST, IPV6_UNICAST}))
TWO_OCTET = Negotiated(local_as=65001, peer_as=65002, asn4=False)
ADDPATH = Negotiated(local_as=1, peer_as=1, addpath_receive=frozenset({IPV4_UNICAST}))
CONTEXTS = [IBGP, EBGP, TWO_OCTET]

ScanFunction = Callable[[bytes, bool, bool], object]


def _c_scan() -> ScanFunction | None:
    try:
        from aiobgp.wire import _scan
    except ImportError:
        return None
    return _scan.scan


C_SCAN = _c_scan()


def require_scan() -> ScanFunction:
    """The built C scanner (whatever AIOBGP_PURE_PYTHON says); skip, or fail under CI=true, without it."""
    return require_built(C_SCAN, "aiobgp.wire._scan")


@pytest.fixture
def c_scan() -> ScanFunction:
    return require_scan()


@contextmanager
def scanner(scan: ScanFunction | None) -> Iterator[None]:
    """decode_update with this scanner (None: the pure-Python decoder alone)."""
    kept = update_module.scan
    update_module.scan = scan  # type: ignore[assignment]
    try:
        yield
    finally:
        update_module.scan = kept


def body(withdrawn: str = "", attributes: str = "", nlri: str = "") -> bytes:
    """An UPDATE body from hex parts, the two length fields computed."""
    w, a = bytes.fromhex(withdrawn), bytes.fromhex(attributes)
    return len(w).to_bytes(2, "big") + w + len(a).to_bytes(2, "big") + a + bytes.fromhex(nlri)


def attr(flags: int, code: int, value: str) -> str:
    """One attribute in hex, its length computed (2 bytes with the Extended Length flag)."""
    size = len(bytes.fromhex(value))
    return f"{flags:02x}{code:02x}{size.to_bytes(2 if flags & 0x10 else 1, 'big').hex()}{value}"


def check(scan: ScanFunction, data: bytes, ctx: Negotiated) -> bool:
    """Scan ``data``; when C answers, its answer is the Python decoder's. True when C answered."""
    scanned = scan(data, ctx.asn4, ctx.ibgp)
    with scanner(None):
        try:
            expected: Update | None = decode_update(data, ctx)
        except NotificationError:
            expected = None
    if scanned is None:
        return False
    assert expected is not None, "C accepted an UPDATE Python rejects"
    assert expected.eor is None and expected.treat_as_withdraw == "" and expected.discarded == ()
    assert scanned == (expected.raw_attributes, expected.withdrawn, expected.announced)
    with scanner(scan):
        update = decode_update(data, ctx)
    assert update.raw_attributes == expected.raw_attributes
    assert update.attributes == expected.attributes
    assert update == expected
    return True


BASIC = attr(0x40, 1, "00") + attr(0x40, 2, "0201000000fd") + attr(0x40, 3, "c0000201")
LOCAL_PREF = attr(0x40, 5, "00000064")
NH6 = "20010db8000000000000000000000001"
LL6 = "fe800000000000000000000000000001"
MP_REACH6 = attr(0x80, 14, "00020110" + NH6 + "00" + "2020010db8" + "402001000000000001")
MP_UNREACH6 = attr(0x80, 15, "000201" + "2020010db8")
EVERY_ATTRIBUTE = (
    BASIC
    + attr(0x80, 4, "00000010")
    + LOCAL_PREF
    + attr(0x40, 6, "")
    + attr(0xC0, 7, "0000fde9c0000202")
    + attr(0xC0, 8, "fde90001fde90002")
    + attr(0x80, 9, "0a000001")
    + attr(0x80, 10, "0a0000020a000003")
    + attr(0xC0, 16, "0002fde900000001")
    + attr(0xC0, 32, "0000fde90000000100000002" + "0000fde90000000100000003")
)

# (name, body, context): UPDATEs the C scanner must answer
ANSWERED = [
    ("ipv4 announce", body(attributes=BASIC + LOCAL_PREF, nlri="180a0001180a0002"), IBGP),
    ("ipv4 announce, eBGP", body(attributes=BASIC, nlri="180a0001"), EBGP),
    ("ipv4 withdraw", body(withdrawn="180a0001100b00"), IBGP),
    ("ipv4 withdraw and announce", body(withdrawn="180a0001", attributes=BASIC, nlri="180a0002"), EBGP),
    ("ipv4 withdraw with attributes", body(withdrawn="180a0001", attributes=BASIC), EBGP),
    ("every attribute handled", body(attributes=EVERY_ATTRIBUTE, nlri="180a0001"), IBGP),
    ("host bits set", body(withdrawn="150a0007", attributes=BASIC, nlri="17c0a8ff00"), IBGP),
    ("default route", body(attributes=BASIC, nlri="00"), IBGP),
    ("ipv4 /32", body(attributes=BASIC, nlri="200a000001"), IBGP),
    ("extended lengths", body(attributes=attr(0x50, 1, "02") + attr(0x50, 2, "") + "4003040a000001"), IBGP),
    (
        "empty AS_PATH",
        body(attributes=attr(0x40, 1, "00") + attr(0x40, 2, "") + attr(0x40, 3, "0a000001")),
        IBGP,
    ),
    (
        "AS_PATH of several segment types",
        body(
            attributes=attr(0x40, 1, "01")
            + attr(0x40, 2, "030100000001" + "0402000000020000000302010000fde8" + "010100000005")
            + attr(0x40, 3, "0a000001"),
            nlri="080a",
        ),
        IBGP,
    ),
    ("partial bit ignored", body(attributes=BASIC + attr(0xE0, 8, "fde90001"), nlri="080a"), EBGP),
    (
        "ORIGINATOR_ID and CLUSTER_LIST from eBGP",
        body(attributes=BASIC + attr(0x80, 9, "0a000001") + attr(0x80, 10, "0a000002"), nlri="080a"),
        EBGP,
    ),
    ("ipv6 announce", body(attributes=attr(0x40, 1, "00") + attr(0x40, 2, "0201000000fd") + MP_REACH6), IBGP),
    (
        "ipv6 announce, MP_REACH first",
        body(attributes=MP_REACH6 + attr(0x40, 1, "00") + attr(0x40, 2, "")),
        IBGP,
    ),
    (
        "ipv6 announce, link-local next hop",
        body(
            attributes=attr(0x40, 1, "00")
            + attr(0x40, 2, "")
            + attr(0x80, 14, "00020120" + NH6 + LL6 + "002020010db8")
        ),
        IBGP,
    ),
    (
        "ipv6 announce, extended MP_REACH",
        body(
            attributes=attr(0x40, 1, "00")
            + attr(0x40, 2, "")
            + attr(0x90, 14, "00020110" + NH6 + "002020010db8")
        ),
        IBGP,
    ),
    ("ipv6 withdraw", body(attributes=MP_UNREACH6), IBGP),
    (
        "ipv6 withdraw, extended",
        body(attributes=attr(0x90, 15, "000201" + "2020010db8" + "802001" + "00" * 14)),
        IBGP,
    ),
    ("ipv6 withdraw and announce", body(attributes=MP_UNREACH6 + BASIC + MP_REACH6), IBGP),
    ("ipv6 announce then withdraw", body(attributes=BASIC + MP_REACH6 + MP_UNREACH6), IBGP),
    (
        "ipv4 over MP_REACH",
        body(attributes=BASIC + attr(0x80, 14, "00010104c0000201" + "00" + "180a0001")),
        IBGP,
    ),
    (
        "ipv4 over MP_REACH, ipv6 next hop",
        body(attributes=BASIC + attr(0x80, 14, "00010110" + NH6 + "00180a0001")),
        IBGP,
    ),
    (
        "ipv4 withdraw over MP_UNREACH",
        body(withdrawn="080b", attributes=attr(0x80, 15, "000101180a0001")),
        IBGP,
    ),
    ("MP_REACH without prefixes", body(attributes=BASIC + attr(0x80, 14, "00020110" + NH6 + "00")), IBGP),
    ("classic and MP announces", body(attributes=BASIC + MP_REACH6, nlri="180a0001"), IBGP),
]

# (name, body, context): UPDATEs left to Python (errors, RFC 7606 actions, rare cases)
LEFT = [
    ("ipv4 End-of-RIB", bytes(4), IBGP),
    ("ipv6 End-of-RIB", body(attributes="900f0003000201"), IBGP),
    ("empty MP_UNREACH in a larger UPDATE", body(attributes=BASIC + "800f03000201"), IBGP),
    (
        "2-octet AS session",
        body(
            attributes=attr(0x40, 1, "00") + attr(0x40, 2, "020100fd") + attr(0x40, 3, "0a000001"),
            nlri="080a",
        ),
        TWO_OCTET,
    ),
    ("LOCAL_PREF from eBGP", body(attributes=BASIC + LOCAL_PREF, nlri="080a"), EBGP),
    (
        "repeated attribute",
        body(attributes=BASIC + attr(0x80, 4, "00000001") + attr(0x80, 4, "00000002"), nlri="080a"),
        IBGP,
    ),
    ("repeated MP_REACH", body(attributes=BASIC + MP_REACH6 + MP_REACH6), IBGP),
    ("unknown optional attribute", body(attributes=BASIC + attr(0xC0, 99, "01"), nlri="080a"), IBGP),
    ("unknown well-known attribute", body(attributes=BASIC + attr(0x40, 99, "01"), nlri="080a"), IBGP),
    (
        "AS4_PATH on a 4-octet session",
        body(attributes=BASIC + attr(0xC0, 17, "020100000001"), nlri="080a"),
        IBGP,
    ),
    (
        "wrong flags on ORIGIN",
        body(attributes=attr(0xC0, 1, "00") + attr(0x40, 2, "") + attr(0x40, 3, "0a000001"), nlri="080a"),
        IBGP,
    ),
    ("wrong flags on MED", body(attributes=BASIC + attr(0xC0, 4, "00000001"), nlri="080a"), IBGP),
    ("wrong flags on MP_REACH", body(attributes=BASIC + "c00e" + MP_REACH6[4:]), IBGP),
    (
        "ORIGIN 3",
        body(attributes=attr(0x40, 1, "03") + attr(0x40, 2, "") + attr(0x40, 3, "0a000001"), nlri="080a"),
        IBGP,
    ),
    (
        "empty AS_PATH segment",
        body(attributes=attr(0x40, 1, "00") + attr(0x40, 2, "0200") + attr(0x40, 3, "0a000001"), nlri="080a"),
        IBGP,
    ),
    (
        "AS_PATH segment type 5",
        body(
            attributes=attr(0x40, 1, "00") + attr(0x40, 2, "050100000001") + attr(0x40, 3, "0a000001"),
            nlri="080a",
        ),
        IBGP,
    ),
    (
        "AS_PATH segment overruns",
        body(
            attributes=attr(0x40, 1, "00") + attr(0x40, 2, "0202000000010000") + attr(0x40, 3, "0a000001"),
            nlri="080a",
        ),
        IBGP,
    ),
    (
        "NEXT_HOP of 5 bytes",
        body(attributes=attr(0x40, 1, "00") + attr(0x40, 2, "") + attr(0x40, 3, "0a00000100"), nlri="080a"),
        IBGP,
    ),
    ("ATOMIC_AGGREGATE with a value", body(attributes=BASIC + attr(0x40, 6, "00"), nlri="080a"), IBGP),
    ("AGGREGATOR of 6 bytes", body(attributes=BASIC + attr(0xC0, 7, "fde9c0000202"), nlri="080a"), IBGP),
    ("COMMUNITIES of 3 bytes", body(attributes=BASIC + attr(0xC0, 8, "000001"), nlri="080a"), IBGP),
    ("empty COMMUNITIES", body(attributes=BASIC + attr(0xC0, 8, ""), nlri="080a"), IBGP),
    (
        "LARGE_COMMUNITY of 8 bytes",
        body(attributes=BASIC + attr(0xC0, 32, "0000000100000002"), nlri="080a"),
        IBGP,
    ),
    ("missing ORIGIN", body(attributes=attr(0x40, 2, "") + attr(0x40, 3, "0a000001"), nlri="080a"), IBGP),
    ("missing AS_PATH", body(attributes=attr(0x40, 1, "00") + attr(0x40, 3, "0a000001"), nlri="080a"), IBGP),
    ("missing NEXT_HOP", body(attributes=attr(0x40, 1, "00") + attr(0x40, 2, ""), nlri="080a"), IBGP),
    ("missing everything", body(nlri="080a"), IBGP),
    ("ipv6 announce without ORIGIN", body(attributes=attr(0x40, 2, "") + MP_REACH6), IBGP),
    ("prefix too long", body(attributes=BASIC, nlri="21000000000000"), IBGP),
    ("prefix truncated", body(attributes=BASIC, nlri="180a00"), IBGP),
    ("withdrawn prefix truncated", body(withdrawn="180a00"), IBGP),
    ("withdrawn length overruns", bytes.fromhex("0005000000"), IBGP),
    ("attribute length overruns", bytes.fromhex("00000005400101"), IBGP),
    ("attribute overruns the field", body(attributes=BASIC + "c00810000000", nlri="080a"), IBGP),
    ("attribute header truncated", body(attributes=BASIC + "c008", nlri="080a"), IBGP),
    (
        "MP_REACH next hop of 12 bytes",
        body(attributes=BASIC + attr(0x80, 14, "0002010c" + "00" * 12 + "002020010db8")),
        IBGP,
    ),
    ("MP_REACH next hop overruns", body(attributes=BASIC + attr(0x80, 14, "00020110" + NH6)), IBGP),
    ("MP_REACH too short", body(attributes=BASIC + attr(0x80, 14, "00020100")), IBGP),
    (
        "MP_REACH ipv6 prefix too long",
        body(attributes=BASIC + attr(0x80, 14, "00020110" + NH6 + "00" + "81" + "00" * 17)),
        IBGP,
    ),
    (
        "MP_REACH of ipv4 multicast",
        body(attributes=BASIC + attr(0x80, 14, "00010204c000020100180a0001")),
        IBGP,
    ),
    ("MP_REACH of flowspec", body(attributes=BASIC + attr(0x80, 14, "0001850000" + "0501180a0001")), IBGP),
    ("MP_UNREACH of an unknown family", body(attributes=attr(0x80, 15, "000901" + "00")), IBGP),
    ("MP_UNREACH too short", body(attributes=attr(0x80, 15, "0002")), IBGP),
]


@pytest.mark.parametrize(("name", "data", "ctx"), ANSWERED, ids=[v[0] for v in ANSWERED])
def test_typical_updates_are_answered(c_scan: ScanFunction, name: str, data: bytes, ctx: Negotiated) -> None:
    assert check(c_scan, data, ctx)


@pytest.mark.parametrize(("name", "data", "ctx"), LEFT, ids=[v[0] for v in LEFT])
def test_rare_or_faulty_updates_are_left_to_python(
    c_scan: ScanFunction, name: str, data: bytes, ctx: Negotiated
) -> None:
    assert c_scan(data, ctx.asn4, ctx.ibgp) is None
    with scanner(c_scan):
        try:
            through_c = decode_update(data, ctx)
        except NotificationError as exc:
            through_c_error: object = (exc.code, exc.subcode)
        else:
            through_c_error = None
    with scanner(None):
        try:
            assert decode_update(data, ctx) == through_c
        except NotificationError as exc:
            assert (exc.code, exc.subcode) == through_c_error


def test_scan_result_shape(c_scan: ScanFunction) -> None:
    data = body(withdrawn="180a0001", attributes=MP_UNREACH6 + BASIC + MP_REACH6, nlri="170a0003")
    assert c_scan(data, True, True) == (
        bytes.fromhex(BASIC),
        [(IPV4_UNICAST, [bytes.fromhex("180a0001")]), (IPV6_UNICAST, [bytes.fromhex("2020010db8")])],
        [
            (IPV4_UNICAST, bytes.fromhex("c0000201"), [bytes.fromhex("170a0002")]),
            (
                IPV6_UNICAST,
                bytes.fromhex(NH6),
                [bytes.fromhex("2020010db8"), bytes.fromhex("402001000000000001")],
            ),
        ],
    )


def test_scan_arguments(c_scan: ScanFunction) -> None:
    with pytest.raises(TypeError):
        c_scan(bytearray(4), True, True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c_scan(b"", True)  # type: ignore[call-arg]


def test_add_path_sessions_skip_the_scanner(c_scan: ScanFunction) -> None:
    data = body(attributes=BASIC, nlri="00000001180a0001")  # path id 1, then 10.0.1.0/24
    with scanner(c_scan):
        update = decode_update(data, ADDPATH)
    assert update.announced == [
        (IPV4_UNICAST, bytes.fromhex("c0000201"), [bytes.fromhex("00000001180a0001")])
    ]


# --- the lazy attributes ---------------------------------------------------------------------------


def test_attributes_are_decoded_on_first_access(c_scan: ScanFunction) -> None:
    data = body(attributes=EVERY_ATTRIBUTE, nlri="180a0001")
    with scanner(c_scan):
        update = decode_update(data, IBGP)
    assert update._mode == 3  # asn4, iBGP: not decoded yet
    attributes = update.attributes
    assert update._mode == -1
    assert attributes is not None and attributes.origin == 0 and attributes.local_pref == 100
    assert attributes.as_path == ((AS_SEQUENCE, (253,)),)
    assert update.attributes is attributes
    assert "attributes=Attributes(" in repr(update)


def test_withdrawal_only_has_no_attributes(c_scan: ScanFunction) -> None:
    with scanner(c_scan):
        update = decode_update(body(withdrawn="180a0001"), IBGP)
    assert update.raw_attributes == b"" and update.attributes is None


def test_python_path_fills_raw_attributes() -> None:
    with scanner(None):
        first = decode_update(body(attributes=MP_REACH6 + BASIC + MP_UNREACH6), IBGP)
        later = decode_update(body(attributes=BASIC + MP_REACH6 + LOCAL_PREF + MP_UNREACH6), IBGP)
        again = decode_update(body(attributes=BASIC + LOCAL_PREF, nlri="080a"), IBGP)  # a cache hit
        eor = decode_update(body(attributes="900f0003000201"), IBGP)
    assert first.raw_attributes == bytes.fromhex(BASIC)
    assert later.raw_attributes == again.raw_attributes == bytes.fromhex(BASIC + LOCAL_PREF)
    assert eor.raw_attributes == b""


def test_updates_built_by_hand() -> None:
    attrs = Attributes(origin=0)
    update = Update([], [(IPV4_UNICAST, b"\x0a\x00\x00\x01", [b"\x08\x0a"])], attrs)
    assert update.attributes is attrs and update.raw_attributes == b""
    assert update == Update(
        [], [(IPV4_UNICAST, b"\x0a\x00\x00\x01", [b"\x08\x0a"])], attrs, None, "", (), b"x"
    )
    assert update != Update([], [], attrs)
    assert update != "update"
    with pytest.raises(TypeError):
        hash(update)
    with pytest.raises(AttributeError):
        update.other = 1  # type: ignore[attr-defined]


# --- generated UPDATEs -----------------------------------------------------------------------------

ASNS = st.integers(0, 0xFFFFFFFF)
U32 = st.integers(0, 0xFFFFFFFF)
SEGMENTS = st.tuples(
    st.sampled_from((AS_SEQUENCE, AS_SEQUENCE, AS_SET, AS_CONFED_SEQUENCE, AS_CONFED_SET)),
    st.lists(ASNS, min_size=1, max_size=12).map(tuple),
)


@st.composite
def attribute_sets(draw: st.DrawFn) -> Attributes:
    """Any attribute set the project's encoder writes (unknown attributes now and then)."""
    optional = st.none() | U32
    return Attributes(
        origin=draw(st.sampled_from((None, 0, 1, 2))),
        as_path=draw(st.none() | st.lists(SEGMENTS, max_size=3).map(tuple)),
        med=draw(optional),
        local_pref=draw(optional),
        atomic_aggregate=draw(st.booleans()),
        aggregator=draw(st.none() | st.tuples(ASNS, st.binary(min_size=4, max_size=4))),
        communities=tuple(draw(st.lists(U32, max_size=8))),
        originator_id=draw(st.none() | st.binary(min_size=4, max_size=4)),
        cluster_list=tuple(draw(st.lists(st.binary(min_size=4, max_size=4), max_size=3))),
        ext_communities=tuple(draw(st.lists(st.binary(min_size=8, max_size=8), max_size=3))),
        large_communities=tuple(draw(st.lists(st.tuples(U32, U32, U32), max_size=3))),
        unknown=draw(
            st.sampled_from(((), (), (), ((99, 0xC0, b"\x01"),), ((17, 0xC0, b"\x02\x01\x00\x00\x00\x01"),)))
        ),
    )


@st.composite
def prefixes(draw: st.DrawFn, family: Family) -> list[bytes]:
    bits = 32 if family == IPV4_UNICAST else 128
    size = bits // 8
    pairs = draw(
        st.lists(
            st.tuples(st.binary(min_size=size, max_size=size), st.integers(0, bits)), min_size=1, max_size=40
        )
    )
    return [encode_prefix(address, plen) for address, plen in pairs]


@st.composite
def messages(draw: st.DrawFn) -> tuple[bytes, Negotiated, bool]:
    """(UPDATE body, context, whether the scanner must answer it) built with the project's encoders."""
    family = draw(st.sampled_from((IPV4_UNICAST, IPV6_UNICAST)))
    ctx = draw(st.sampled_from(CONTEXTS))
    keys = draw(prefixes(family))
    if draw(st.booleans()):
        message = build_withdrawals(family, keys, ctx)[0]
        return message[19:], ctx, ctx.asn4
    attrs = draw(attribute_sets())
    if family == IPV4_UNICAST:
        hop = draw(st.sampled_from((b"\xc0\x00\x02\x01", bytes.fromhex(NH6))))
    else:
        hop = draw(st.sampled_from((bytes.fromhex(NH6), bytes.fromhex(NH6 + LL6), b"\xc0\x00\x02\x01")))
    message = build_updates(family, attrs, hop, keys, ctx)[0]
    return message[19:], ctx, ctx.asn4 and not attrs.unknown


@given(messages())
@settings(max_examples=400, deadline=None)
def test_encoded_updates(message: tuple[bytes, Negotiated, bool]) -> None:
    scan = require_scan()
    data, ctx, answered = message
    assert check(scan, data, ctx) == answered


@given(
    messages(),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 255), st.sampled_from("sitd")),
        min_size=1,
        max_size=4,
    ),
)
@settings(max_examples=1500, deadline=None)
def test_mutated_updates(
    message: tuple[bytes, Negotiated, bool], changes: list[tuple[int, int, str]]
) -> None:
    scan = require_scan()
    data = bytearray(message[0])
    for where, value, how in changes:
        at = where % (len(data) + 1)
        if how == "s" and at < len(data):
            data[at] = value  # set a byte
        elif how == "i":
            data.insert(at, value)
        elif how == "t":
            del data[at:]  # truncate
        else:
            del data[at : at + 1 + value % 4]
    check(scan, bytes(data), message[1])


@given(st.binary(max_size=300), st.sampled_from(CONTEXTS))
@settings(max_examples=1500, deadline=None)
def test_garbage(data: bytes, ctx: Negotiated) -> None:
    scan = require_scan()
    check(scan, data, ctx)
    check(scan, b"\x00\x00" + len(data).to_bytes(2, "big") + data, ctx)  # garbage in the attributes


@given(st.binary(max_size=120), st.binary(max_size=120))
@settings(max_examples=800, deadline=None)
def test_prefix_fields(withdrawn: bytes, nlri: bytes) -> None:
    """Arbitrary withdrawn / NLRI fields around valid attributes: host bits, lengths, truncation."""
    scan = require_scan()
    check(scan, body(withdrawn.hex(), BASIC, nlri.hex()), IBGP)
    mp = (
        attr(0x90, 15, "000201" + withdrawn.hex())
        + BASIC
        + attr(0x90, 14, "00020110" + NH6 + "00" + nlri.hex())
    )
    check(scan, body(attributes=mp), IBGP)


def test_realistic_table(c_scan: ScanFunction) -> None:
    """Every UPDATE of the benchmark's synthetic table (varied paths, communities, MEDs) is answered."""
    sys.path.insert(0, str(ROOT / "bench" / "micro"))
    try:
        import codec
    finally:
        sys.path.remove(str(ROOT / "bench" / "micro"))
    for family, hop in ((IPV4_UNICAST, b"\xc0\x00\x02\x01"), (IPV6_UNICAST, bytes.fromhex(NH6))):
        for ctx in (IBGP, EBGP):
            for attrs, keys in codec.table(3000, family, False, 7):
                for message in build_updates(family, attrs, hop, keys, ctx):
                    assert check(c_scan, message[19:], ctx)


# --- memory and the switch -------------------------------------------------------------------------


def test_no_reference_leak(c_scan: ScanFunction) -> None:
    """Answers, refusals and the result objects of many scans leave no block allocated behind."""
    vectors = [data for _, data, _ in ANSWERED + LEFT]
    for data in vectors:  # warm up the interpreter's own caches
        c_scan(data, True, True)
    counts = [sys.getrefcount(data) for data in vectors]
    before = sys.getallocatedblocks()
    for _ in range(300):
        for data in vectors:
            c_scan(data, True, True)
            c_scan(data, True, False)
    assert sys.getallocatedblocks() - before < 50
    assert [sys.getrefcount(data) for data in vectors] == counts


def test_pure_python_switch() -> None:
    """AIOBGP_PURE_PYTHON=1 leaves the C scanner out; 0 or unset does not."""
    code = "from aiobgp.wire import update; print(update.scan is None)"
    assert probe(code, "1") == "True"
    assert probe(code, "0") == str(C_SCAN is None)
