"""OPEN codec, capabilities, checks and negotiation (RFC 4271, 5492, 9072 and the capability RFCs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.capabilities import GR_FORWARDING_STATE, GR_RESTART_STATE
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import EncodeError, NotificationError
from aiobgp.wire.header import frame
from aiobgp.wire.open import (
    Capabilities,
    GracefulRestart,
    Open,
    check_open,
    decode_open,
    encode_open,
    local_capabilities,
    negotiate,
)

MARKER = "ff" * 16
FIXED = "04" + "fde8" + "00b4" + "01020304"  # version 4, AS 65000, hold time 180, 1.2.3.4
QA = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "exabgp-qa"


def body(*params: str) -> bytes:
    """An OPEN body with AS 65000, hold time 180, router id 1.2.3.4 and these optional parameters."""
    raw = bytes.fromhex("".join(params))
    return bytes.fromhex(FIXED) + bytes((len(raw),)) + raw


def param(*caps: str) -> str:
    """One Capabilities optional parameter holding ``caps`` (each already code + length + value)."""
    raw = bytes.fromhex("".join(caps))
    return "02" + f"{len(raw):02x}" + raw.hex()


def cap(code: int, value: str = "") -> str:
    raw = bytes.fromhex(value)
    return f"{code:02x}{len(raw):02x}" + raw.hex()


def opened(**caps: Any) -> Open:
    return Open(4, 65000, 180, 0x01020304, Capabilities(**caps))


# --- decoding: hand-built vectors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        # RFC 4271 OPEN without optional parameters
        (body(), opened()),
        # RFC 4760 multiprotocol, one capability per parameter; a repeated family is listed once
        (
            body(param(cap(1, "00010001")), param(cap(1, "00020001")), param(cap(1, "00010001"))),
            opened(families=[(1, 1), (2, 1)]),
        ),
        # RFC 5492 §4: several capabilities in one parameter
        (
            body(param(cap(1, "00010085"), cap(2), cap(70), cap(6))),
            opened(
                families=[(1, 133)], route_refresh=True, enhanced_route_refresh=True, extended_message=True
            ),
        ),
        # RFC 6793 four-octet AS
        (body(param(cap(65, "fa56ea00"))), opened(asn4=4200000000)),
        # RFC 4724 graceful restart: R bit, time 120, ipv4 unicast with F bit; and an empty one
        (
            body(param(cap(64, "8078" + "00010180" + "00020100"))),
            opened(graceful_restart=GracefulRestart(8, 120, {(1, 1): 0x80, (2, 1): 0})),
        ),
        (body(param(cap(64, "0000"))), opened(graceful_restart=GracefulRestart(0, 0, {}))),
        # RFC 7911 add-path: ipv4 unicast both, ipv6 unicast receive
        (body(param(cap(69, "00010103" + "00020101"))), opened(add_path={(1, 1): 3, (2, 1): 1})),
        # RFC 7911 §4: a Send/Receive value outside 1-3 makes the capability ignored
        (body(param(cap(69, "00010104"))), opened(unknown=[(69, bytes.fromhex("00010104"))])),
        # RFC 8950 extended next hop: ipv4 unicast and ipv4 mpls-vpn over ipv6
        (
            body(param(cap(5, "000100010002" + "000100800002"))),
            opened(extended_nexthop=[(1, 1, 2), (1, 128, 2)]),
        ),
        # Cisco route refresh (128), multisession (68 and 131), ExaBGP operational (185)
        (
            body(param(cap(128)), param(cap(68, "01")), param(cap(131)), param(cap(185))),
            opened(route_refresh_cisco=True, multisession=(1,), multisession_cisco=True, operational=True),
        ),
        # FQDN (73) and software version (75)
        (
            body(
                param(cap(73, "02" + b"rr".hex() + "07" + b"example".hex())),
                param(cap(75, "03" + b"v/1".hex())),
            ),
            opened(hostname=("rr", "example"), software_version="v/1"),
        ),
        # malformed draft capabilities are kept as unknown
        (body(param(cap(73, "05" + b"rr".hex()))), opened(unknown=[(73, b"\x05rr")])),
        (body(param(cap(73, "02" + b"rr".hex()))), opened(unknown=[(73, b"\x02rr")])),
        (body(param(cap(75, "03" + b"v".hex()))), opened(unknown=[(75, b"\x03v")])),
        (body(param(cap(75))), opened(unknown=[(75, b"")])),
        # unknown capability (the conformance peer's "loremipsum") and an empty parameter
        (body(param(cap(66, b"loremipsum".hex())), param()), opened(unknown=[(66, b"loremipsum")])),
        # flag capabilities with an unexpected value still count
        (body(param(cap(2, "00"))), opened(route_refresh=True)),
        # RFC 9072 extended optional parameters, even when short, and whatever the Non-Ext OP Len
        (
            bytes.fromhex(FIXED + "ff" + "ff" + "0009" + "02" + "0006" + cap(1, "00010001")),
            opened(families=[(1, 1)]),
        ),
        (
            bytes.fromhex(FIXED + "0c" + "ff" + "000b" + "02" + "0008" + cap(1, "00020001") + cap(2)),
            opened(families=[(2, 1)], route_refresh=True),
        ),
    ],
)
def test_decode(wire: bytes, expected: Open) -> None:
    assert decode_open(wire) == expected


def test_decode_keeps_raw_capabilities_in_wire_order() -> None:
    o = decode_open(body(param(cap(2), cap(1, "00010001")), param(cap(66, "ab")), param(cap(1, "00010001"))))
    raw = [(2, b""), (1, b"\x00\x01\x00\x01"), (66, b"\xab"), (1, b"\x00\x01\x00\x01")]
    assert o.capabilities.raw == raw


def test_asn_and_router_id() -> None:
    o = decode_open(bytes.fromhex("04" + "5ba0" + "005a" + "c0000201" + "00"))
    assert (o.my_as, o.asn, o.hold_time, o.router_id_str) == (23456, 23456, 90, "192.0.2.1")
    o = decode_open(
        bytes.fromhex("04" + "5ba0" + "005a" + "c0000201")
        + bytes((8,))
        + bytes.fromhex(param(cap(65, "00010000")))
    )
    assert (o.my_as, o.asn) == (23456, 65536)


# --- decoding errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "code", "subcode", "data"),
    [
        (bytes.fromhex("04fde800b4"), 1, 2, b"\x00\x18"),
        (bytes.fromhex("03" + "fde8" + "00b4" + "01020304" + "00"), 2, 1, b"\x00\x04"),
        (bytes.fromhex("05" + "fde8" + "00b4" + "01020304" + "00"), 2, 1, b"\x00\x04"),
        # optional parameters length does not match what follows
        (bytes.fromhex(FIXED + "05" + "0200"), 2, 0, b""),
        (bytes.fromhex(FIXED + "00" + "00"), 2, 0, b""),
        (bytes.fromhex(FIXED + "01" + "0200"), 2, 0, b""),
        # optional parameter header or value truncated
        (bytes.fromhex(FIXED + "01" + "02"), 2, 0, b""),
        (bytes.fromhex(FIXED + "02" + "0205"), 2, 0, b""),
        # unsupported optional parameter (1 was authentication, RFC 5492 deprecates it)
        (body("01020000"), 2, 4, b""),
        (body(param(cap(1, "00010001")), "8000"), 2, 4, b""),
        # capability header or value truncated
        (body("0201" + "01"), 2, 0, b""),
        (body("0203" + "010500"), 2, 0, b""),
        # RFC capabilities with a wrong length
        (body(param(cap(1, "000100"))), 2, 0, b""),
        (body(param(cap(1, "0001000100"))), 2, 0, b""),
        (body(param(cap(65, "0001"))), 2, 0, b""),
        (body(param(cap(69, "000101"))), 2, 0, b""),
        (body(param(cap(64, "00"))), 2, 0, b""),
        (body(param(cap(64, "0078000101"))), 2, 0, b""),
        (body(param(cap(5, "00010001"))), 2, 0, b""),
        # RFC 9072: truncated extended length, length mismatch, truncated or overrunning parameter
        (bytes.fromhex(FIXED + "ff" + "ff00"), 2, 0, b""),
        (bytes.fromhex(FIXED + "ff" + "ff" + "0005" + "0200"), 2, 0, b""),
        (bytes.fromhex(FIXED + "ff" + "ff" + "0002" + "0200"), 2, 0, b""),
        (bytes.fromhex(FIXED + "ff" + "ff" + "0004" + "02000501"), 2, 0, b""),
        (bytes.fromhex(FIXED + "ff" + "ff" + "0003" + "010000"), 2, 4, b""),
    ],
)
def test_decode_errors(wire: bytes, code: int, subcode: int, data: bytes) -> None:
    with pytest.raises(NotificationError) as error:
        decode_open(wire)
    assert (error.value.code, error.value.subcode, error.value.data) == (code, subcode, data)


# --- encoding -----------------------------------------------------------------------------------


def test_encode_everything() -> None:
    caps = local_capabilities(
        families=[(2, 1), (1, 1), (2, 1)],
        asn=4200000000,
        route_refresh=True,
        graceful_restart=120,
        add_path={(1, 1): 3, (2, 1): 0},
        extended_message=True,
        hostname=("h", "d"),
        software_version="v1",
        extended_nexthop=[(1, 1, 2)],
        operational=True,
        multisession=True,
    )
    params = [
        cap(1, "00010001"),
        cap(1, "00020001"),
        cap(65, "fa56ea00"),
        cap(5, "000100010002"),
        cap(69, "00010103"),
        cap(64, "8078" + "00010180" + "00020180"),
        cap(2),
        cap(70),
        cap(185),
        cap(6),
        cap(73, "0168" + "0164"),
        cap(75, "027631"),
        cap(68, "01"),
    ]
    opt = "".join(param(c) for c in params)
    assert len(opt) // 2 == 92
    expected = MARKER + "0079" + "01" + "04" + "5ba0" + "00b4" + "0a000001" + "5c" + opt
    wire = encode_open(4200000000, 180, 0x0A000001, caps)
    assert wire.hex() == expected
    o = decode_open(wire[19:])
    assert o.capabilities == caps
    assert o.asn == 4200000000
    assert caps.graceful_restart == GracefulRestart(
        GR_RESTART_STATE, 120, {(1, 1): GR_FORWARDING_STATE, (2, 1): GR_FORWARDING_STATE}
    )


def test_encode_minimal() -> None:
    caps = local_capabilities(
        families=[],
        asn=65000,
        route_refresh=False,
        graceful_restart=None,
        add_path={},
        extended_message=False,
        asn4=False,
    )
    assert caps == Capabilities()
    assert (
        encode_open(65000, 0, 1, caps).hex() == MARKER + "001d" + "01" + "04fde8" + "0000" + "00000001" + "00"
    )


def test_encode_extended_optional_parameters() -> None:
    # RFC 9072: over 255 bytes of parameters -> Non-Ext OP Len 255, type 255, 2-byte lengths
    value = bytes(range(200))
    caps = Capabilities(unknown=[(66, value), (67, value)])
    wire = encode_open(65000, 180, 0x01020304, caps)
    param_hex = "00ca" + "42c8" + value.hex(), "00ca" + "43c8" + value.hex()
    expected = FIXED + "ff" + "ff" + "019a" + "02" + param_hex[0] + "02" + param_hex[1]
    assert wire.hex() == MARKER + f"{19 + len(expected) // 2:04x}" + "01" + expected
    assert decode_open(wire[19:]).capabilities == caps


def test_encode_255_bytes_stays_classic() -> None:
    caps = Capabilities(unknown=[(66, b"\x00" * 251)])  # 2 + 2 + 251 = 255 bytes of parameters
    wire = encode_open(65000, 180, 1, caps)
    assert wire[28] == 255 and wire[29] == 2
    assert decode_open(wire[19:]).capabilities == caps


@pytest.mark.parametrize(
    ("asn", "hold_time", "router_id", "caps"),
    [
        (-1, 180, 1, Capabilities()),
        (1 << 32, 180, 1, Capabilities()),
        (65000, 65536, 1, Capabilities()),
        (65000, 180, 1 << 32, Capabilities()),
        (65000, 180, 1, Capabilities(unknown=[(66, b"\x00" * 256)])),
        (65000, 180, 1, Capabilities(software_version="x" * 256)),
        (65000, 180, 1, Capabilities(hostname=("é" * 128, "d"))),
        (65000, 180, 1, Capabilities(unknown=[(66, b"\x00" * 255)] * 16)),  # over 4096 bytes
    ],
)
def test_encode_errors(asn: int, hold_time: int, router_id: int, caps: Capabilities) -> None:
    with pytest.raises(EncodeError):
        encode_open(asn, hold_time, router_id, caps)


# --- round trips and fuzzing --------------------------------------------------------------------

KNOWN_CODES = (1, 2, 5, 6, 64, 65, 68, 69, 70, 73, 75, 128, 131, 185)
u16 = st.integers(0, 0xFFFF)
u8 = st.integers(0, 0xFF)
families = st.tuples(u16, u8)
short_text = st.text(max_size=20)


@st.composite
def capabilities(draw: st.DrawFn) -> Capabilities:
    return Capabilities(
        families=sorted(draw(st.sets(families, max_size=12))),
        route_refresh=draw(st.booleans()),
        route_refresh_cisco=draw(st.booleans()),
        enhanced_route_refresh=draw(st.booleans()),
        asn4=draw(st.none() | st.integers(0, 0xFFFFFFFF)),
        extended_message=draw(st.booleans()),
        graceful_restart=draw(
            st.none()
            | st.builds(
                GracefulRestart,
                st.integers(0, 15),
                st.integers(0, 0xFFF),
                st.dictionaries(families, u8, max_size=5),
            )
        ),
        add_path=draw(st.dictionaries(families, st.integers(1, 3), max_size=5)),
        extended_nexthop=draw(st.lists(st.tuples(u16, u16, u16), unique=True, max_size=5)),
        hostname=draw(st.none() | st.tuples(short_text, short_text)),
        software_version=draw(st.none() | short_text),
        multisession=draw(st.none() | st.lists(u8, max_size=5).map(tuple)),
        multisession_cisco=draw(st.booleans()),
        operational=draw(st.booleans()),
        unknown=draw(
            st.lists(st.tuples(u8.filter(lambda c: c not in KNOWN_CODES), st.binary(max_size=40)), max_size=4)
        ),
    )


@given(capabilities(), u16, st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFFFF))
def test_round_trip(caps: Capabilities, hold_time: int, router_id: int, two_octet_as: int) -> None:
    asn = two_octet_as if caps.asn4 is None else caps.asn4
    wire = encode_open(asn, hold_time, router_id, caps)
    msgs, used = frame(wire, 4096)
    assert used == len(wire)
    [(msg_type, payload)] = msgs
    o = decode_open(payload)
    assert msg_type == 1
    assert o.capabilities == caps
    assert (o.version, o.asn, o.hold_time, o.router_id) == (4, asn, hold_time, router_id)
    assert o.my_as == (asn if asn <= 0xFFFF else 23456)
    assert encode_open(o.asn, o.hold_time, o.router_id, o.capabilities) == wire


OPEN_ERRORS = {(1, 2), (2, 0), (2, 1), (2, 4)}


def _decode_or_error(wire: bytes) -> None:
    try:
        o = decode_open(wire)
    except NotificationError as error:
        assert (error.code, error.subcode) in OPEN_ERRORS
        return
    assert isinstance(o.capabilities, Capabilities)


@given(st.binary(max_size=120))
def test_fuzz(wire: bytes) -> None:
    _decode_or_error(wire)


@given(st.binary(max_size=120))
def test_fuzz_parameters(params: bytes) -> None:
    _decode_or_error(bytes.fromhex(FIXED) + bytes((min(len(params), 255),)) + params)


@given(st.lists(st.tuples(st.sampled_from(KNOWN_CODES), st.binary(max_size=12)), max_size=8))
def test_fuzz_known_capabilities(caps: list[tuple[int, bytes]]) -> None:
    _decode_or_error(body(*(param(cap(code, value.hex())) for code, value in caps)))


# --- checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "peer_as", "error"),
    [
        (Open(4, 65001, 180, 2), 65001, None),
        (Open(4, 65001, 180, 2), None, None),
        (Open(4, 65001, 0, 2), 65001, None),
        (Open(4, 65001, 3, 2), 65001, None),
        (Open(4, 65001, 180, 2), 65002, (2, 2)),
        (Open(4, 23456, 180, 2, Capabilities(asn4=4200000000)), 4200000000, None),
        (Open(4, 23456, 180, 2, Capabilities(asn4=4200000000)), 23456, (2, 2)),
        (Open(4, 0, 180, 2), None, (2, 2)),  # RFC 7607
        (Open(4, 65001, 180, 0), 65001, (2, 3)),
        (Open(4, 65000, 180, 1), 65000, (2, 3)),  # RFC 6286: same id inside one AS
        (Open(4, 65001, 180, 1), 65001, None),  # the same id is fine across ASes
        (Open(4, 65000, 180, 2), 65000, None),
        (Open(4, 65001, 1, 2), 65001, (2, 6)),
        (Open(4, 65001, 2, 2), 65001, (2, 6)),
    ],
)
def test_check_open(remote: Open, peer_as: int | None, error: tuple[int, int] | None) -> None:
    if error is None:
        check_open(remote, peer_as=peer_as, local_as=65000, local_router_id=1)
        return
    with pytest.raises(NotificationError) as raised:
        check_open(remote, peer_as=peer_as, local_as=65000, local_router_id=1)
    assert (raised.value.code, raised.value.subcode) == error


# --- negotiation --------------------------------------------------------------------------------

V4 = (1, 1)
V6 = (2, 1)
FLOW = (1, 133)


@pytest.mark.parametrize(
    ("ours", "theirs", "hold", "expected"),
    [
        # nothing advertised: ipv4 unicast only (RFC 4760 §8), 2-octet AS, small messages
        (
            Capabilities(),
            Capabilities(),
            (180, 90),
            {"families": frozenset({V4}), "asn4": False, "hold_time": 90},
        ),
        # a peer without multiprotocol only gets ipv4 unicast
        (
            Capabilities(families=[V4, V6]),
            Capabilities(),
            (0, 180),
            {"families": frozenset({V4}), "hold_time": 0},
        ),
        (
            Capabilities(families=[V6]),
            Capabilities(),
            (180, 180),
            {"families": frozenset()},
        ),
        (
            Capabilities(families=[V4, V6, FLOW], asn4=65000, extended_message=True),
            Capabilities(families=[V6, FLOW], asn4=65001, extended_message=True),
            (30, 180),
            {"families": frozenset({V6, FLOW}), "asn4": True, "max_message": 65535, "hold_time": 30},
        ),
        (
            Capabilities(asn4=65000, extended_message=True),
            Capabilities(extended_message=False),
            (180, 180),
            {"asn4": False, "max_message": 4096},
        ),
        # add-path: we send where we said send and they said receive, and the other way round
        (
            Capabilities(families=[V4, V6, FLOW], add_path={V4: 3, V6: 2, FLOW: 1}),
            Capabilities(families=[V4, V6, FLOW], add_path={V4: 1, V6: 3, FLOW: 2}),
            (180, 180),
            {
                "families": frozenset({V4, V6, FLOW}),
                "addpath_send": frozenset({V4, V6}),
                "addpath_receive": frozenset({FLOW}),
            },
        ),
        # add-path for a family that was not negotiated is dropped
        (
            Capabilities(families=[V4], add_path={V4: 3, V6: 3}),
            Capabilities(families=[V4, V6], add_path={V4: 3, V6: 3}),
            (180, 180),
            {
                "families": frozenset({V4}),
                "addpath_send": frozenset({V4}),
                "addpath_receive": frozenset({V4}),
            },
        ),
        # route refresh
        (
            Capabilities(route_refresh=True),
            Capabilities(route_refresh=True),
            (180, 180),
            {"refresh": "normal"},
        ),
        (
            Capabilities(route_refresh=True),
            Capabilities(route_refresh_cisco=True),
            (180, 180),
            {"refresh": "normal"},
        ),
        (Capabilities(route_refresh=True), Capabilities(), (180, 180), {"refresh": "absent"}),
        (
            Capabilities(route_refresh=True, enhanced_route_refresh=True),
            Capabilities(route_refresh=True, enhanced_route_refresh=True),
            (180, 180),
            {"refresh": "enhanced"},
        ),
        (
            Capabilities(route_refresh=True, enhanced_route_refresh=True),
            Capabilities(route_refresh=True),
            (180, 180),
            {"refresh": "normal"},
        ),
        (
            Capabilities(enhanced_route_refresh=True),
            Capabilities(enhanced_route_refresh=True),
            (180, 180),
            {"refresh": "absent"},
        ),
        # extended next hop: both sides, negotiated families only
        (
            Capabilities(families=[V4, (1, 128)], extended_nexthop=[(1, 1, 2), (1, 128, 2)]),
            Capabilities(families=[V4], extended_nexthop=[(1, 1, 2), (1, 128, 2), (1, 2, 2)]),
            (180, 180),
            {"extended_nexthop": frozenset({(1, 1, 2)})},
        ),
    ],
)
def test_negotiate(
    ours: Capabilities, theirs: Capabilities, hold: tuple[int, int], expected: dict[str, Any]
) -> None:
    local = Open(4, 65000, hold[0], 1, ours)
    remote = Open(4, 65001, hold[1], 2, theirs)
    result = negotiate(
        local,
        remote,
        local_as=65000,
        peer_as=65001,
        local_address=b"\x7f\x00\x00\x01",
        peer_address=b"\x7f\x00\x00\x02",
    )
    defaults: dict[str, Any] = {
        "local_as": 65000,
        "peer_as": 65001,
        "asn4": False,
        "families": frozenset({V4}),
        "hold_time": 180,
        "local_address": b"\x7f\x00\x00\x01",
        "peer_address": b"\x7f\x00\x00\x02",
    }
    assert result == Negotiated(**(defaults | expected))


def test_negotiate_with_an_echo() -> None:
    # the conformance peer answers with a copy of our OPEN: everything we offer is negotiated
    caps = local_capabilities(
        families=[V4, V6],
        asn=65000,
        route_refresh=True,
        graceful_restart=120,
        add_path={V4: 3, V6: 3},
        extended_message=True,
    )
    ours = decode_open(encode_open(65000, 180, 1, caps)[19:])
    theirs = decode_open(encode_open(65000, 180, 2, caps)[19:])
    check_open(theirs, peer_as=65000, local_as=65000, local_router_id=1)
    result = negotiate(ours, theirs, local_as=65000, peer_as=65000, local_address=b"", peer_address=b"")
    assert result == Negotiated(
        local_as=65000,
        peer_as=65000,
        asn4=True,
        families=frozenset({V4, V6}),
        addpath_send=frozenset({V4, V6}),
        addpath_receive=frozenset({V4, V6}),
        max_message=65535,
        hold_time=180,
        refresh="enhanced",
    )


# --- conformance vectors (ExaBGP's own OPENs) ---------------------------------------------------


def _qa() -> Path:
    if not QA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"conformance vectors missing: {QA}")
        pytest.skip(f"conformance vectors not found at {QA}")
    return QA


def _hex(line: str) -> bytes:
    return bytes.fromhex(line.replace(":", "").replace(" ", ""))


def _inspected_open(name: str) -> bytes:
    """The first ``raw`` line of an inspect-open-message test: the OPEN ExaBGP sent."""
    lines = [line.strip() for line in (_qa() / "encoding" / f"{name}.ci").read_text().splitlines()]
    lines = [line for line in lines if line and "#" not in line]
    assert "option:open:inspect-open-message" in lines
    first = next(line for line in lines if line.split(":", 2)[1:2] == ["raw"])
    return _hex(first.split(":", 2)[2])


# what etc/<name>.conf asks for (router-id 10.0.0.2, AS 65533, hold time 180, ipv4 unicast)
CONFORMANCE_OPENS: dict[str, dict[str, Any]] = {
    "conf-cap-software-version": {"software_version": "ExaBGP/5.0.0-0+test"},
    "conf-hostname": {"hostname": ("my-host-name", "my-domain-name.com")},
}


@pytest.mark.parametrize("name", sorted(CONFORMANCE_OPENS))
def test_conformance_open(name: str) -> None:
    wire = _inspected_open(name)
    [(msg_type, payload)], _ = frame(wire, 4096)
    assert msg_type == 1
    o = decode_open(payload)
    assert encode_open(o.asn, o.hold_time, o.router_id, o.capabilities) == wire
    caps = local_capabilities(
        families=[(1, 1)],
        asn=65533,
        route_refresh=False,
        graceful_restart=None,
        add_path={},
        extended_message=True,
        **CONFORMANCE_OPENS[name],
    )
    assert encode_open(65533, 180, 0x0A000002, caps) == wire


def test_conformance_all_inspected_opens_round_trip() -> None:
    names = [p.stem for p in sorted((_qa() / "encoding").glob("*.ci")) if "inspect-open" in p.read_text()]
    assert set(CONFORMANCE_OPENS) <= set(names)
    for name in names:
        wire = _inspected_open(name)
        o = decode_open(frame(wire, 4096)[0][0][1])
        assert encode_open(o.asn, o.hold_time, o.router_id, o.capabilities) == wire, name


def test_conformance_decoding_vectors() -> None:
    vectors = [p for p in sorted((_qa() / "decoding").iterdir()) if p.read_text().split()[0] == "open"]
    assert vectors
    for path in vectors:
        wire = _hex(path.read_text().splitlines()[1])
        o = decode_open(frame(wire, 4096)[0][0][1])
        assert encode_open(o.asn, o.hold_time, o.router_id, o.capabilities) == wire, path.name
