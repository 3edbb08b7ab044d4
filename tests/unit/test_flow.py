"""FlowSpec NLRI codec (RFC 8955, RFC 8956) and FlowSpec UPDATEs.

Vectors in, components out, and back; hypothesis round trips; malformed input only ever raises
ValueError; UPDATE decoding (RFC 7606 / RFC 8955 error handling) and building.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.wire.attributes import Attributes
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import EncodeError, NotificationError
from aiobgp.wire.flow import (
    BITMASK_TYPES,
    decode_flow,
    decode_rule,
    encode_flow,
    split_flows,
)
from aiobgp.wire.update import build_updates, build_withdrawals, decode_update, end_of_rib

V4 = 1
V6 = 2
FLOW4 = (1, 133)
FLOW6 = (2, 133)
FLOW4_VPN = (1, 134)
RD = bytes.fromhex("0000FDE800000064")  # 65000:100


def v4(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET, text)


def v6(text: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, text)


# (afi, rd, wire hex after the length octet, components)
VECTORS: list[tuple[int, bytes | None, str, list[tuple[int, Any]]]] = [
    # RFC 8955 §4.2.3 example 1: packets to 192.0.2.0/24 and TCP port 25
    (V4, None, "0118c00002 038106 048119", [(1, (v4("192.0.2.0"), 24, 0)), (3, ((1, 6),)), (4, ((1, 25),))]),
    # RFC 8955 §4.2.3 example 2: to 192.0.2.0/24 from 203.0.113.0/24, port [137, 139] or 8080
    (
        V4,
        None,
        "0118c00002 0218cb0071 04038945 8b 911f90",
        [
            (1, (v4("192.0.2.0"), 24, 0)),
            (2, (v4("203.0.113.0"), 24, 0)),
            (4, ((0x03, 137), (0x45, 139), (0x01, 8080))),
        ],
    ),
    # RFC 8956 §3.8 example 1: to 2001:db8::/32, from offset 64 length 104, next header TCP
    (
        V6,
        None,
        "0120002001 0db8 026840123456789a 038106",
        [
            (1, (v6("2001:db8::"), 32, 0)),
            (2, (v6("::1234:5678:9a00:0"), 104, 64)),
            (3, ((1, 6),)),
        ],
    ),
    # RFC 8956 §3.8 example 2: offset 65, the pattern carries one bit of padding
    (
        V6,
        None,
        "0120002001 0db8 02684124 68acf134",
        [(1, (v6("2001:db8::"), 32, 0)), (2, (v6("::1234:5678:9a00:0"), 104, 65))],
    ),
    # every numeric operator, with and without AND, 1/2/4-octet values
    (
        V4,
        None,
        "03 0006 4101 0206 4311 0404 0550 4606 c7ff",
        [(3, ((0x00, 6), (0x41, 1), (0x02, 6), (0x43, 17), (0x04, 4), (0x05, 80), (0x46, 6), (0x47, 255)))],
    ),
    (V6, None, "0d 21 00010000 91 ffff", [(13, ((0x01, 0x10000), (0x01, 0xFFFF)))]),
    (V4, None, "06 12 0400 d4 0800", [(6, ((0x02, 1024), (0x44, 2048)))]),
    (V4, None, "0701 08 8100 ", [(7, ((0x01, 8), (0x01, 0)))]),
    (V4, None, "088103", [(8, ((0x01, 3),))]),
    # bitmask operators: none, match, not, not+match, AND, 2-octet flags
    (
        V4,
        None,
        "09 00 02 01 10 42 04 43 01 90 0100",
        [(9, ((0x00, 2), (0x01, 0x10), (0x42, 4), (0x43, 1), (0x00, 0x100)))],
    ),
    (V4, None, "0a 9205dc", [(10, ((0x02, 1500),))]),
    (V4, None, "0b 012e 812f", [(11, ((0x01, 46), (0x01, 47)))]),
    (V4, None, "0c 0001 8208", [(12, ((0x00, 1), (0x02, 8)))]),
    (V6, None, "0b8165", [(11, ((1, 101),))]),
    (V6, None, "0d9107dd", [(13, ((1, 2013),))]),
    (V6, None, "0da1000fffff", [(13, ((1, 0xFFFFF),))]),
    (V6, None, "010000", [(1, (bytes(16), 0, 0))]),
    (V6, None, "02807801", [(2, (v6("::1"), 128, 120))]),
    (V4, None, "0100", [(1, (bytes(4), 0, 0))]),
    # flow-vpn: the route distinguisher first
    (V4, RD, "0000fde800000064 0220 0a000001", [(2, (v4("10.0.0.1"), 32, 0))]),
    (V6, RD, "0000fde800000064 038111", [(3, ((1, 17),))]),
]


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


@pytest.mark.parametrize(("afi", "rd", "wire", "components"), VECTORS)
def test_vectors(afi: int, rd: bytes | None, wire: str, components: list[tuple[int, Any]]) -> None:
    body = _hex(wire)
    raw = bytes((len(body),)) + body
    assert decode_flow(raw, afi, rd is not None) == [(rd, components)]
    assert encode_flow(afi, components, rd) == raw


def test_two_octet_length_and_several_rules() -> None:
    ports = tuple((0x01, port) for port in range(1000, 1100))
    big = encode_flow(V4, [(5, ports)])
    assert big[:2] == (0xF000 | (len(big) - 2)).to_bytes(2, "big") and len(big) - 2 >= 240
    small = encode_flow(V4, [(3, ((1, 6),))])
    field = big + small
    assert split_flows(field, False) == [big, small]
    assert decode_flow(field, V4, False) == [(None, [(5, ports)]), (None, [(3, ((1, 6),))])]
    assert decode_flow(b"", V4, False) == []


def test_components_are_sorted_and_host_bits_cleared() -> None:
    rule = encode_flow(V4, [(5, ((1, 80),)), (1, (v4("10.1.2.3"), 16, 0))])
    assert rule == _hex("07 01100a01 058150")
    # only the bits from the offset (8) to the length (120) are sent: 14 bytes
    assert encode_flow(V6, [(2, (v6("ffff::ff"), 120, 8))]) == _hex("11 027808 ff") + bytes(13)


def test_legacy_ipv6_offset_accepted_only_when_unambiguous() -> None:
    """The pre-RFC 8956 form (every address byte up to the length) is read when the RFC form fails."""
    legacy = _hex("13 02807800000000000000000000000000000001")
    assert decode_flow(legacy, V6, False) == [(None, [(2, (v6("::1"), 128, 120))])]
    assert encode_flow(V6, [(2, (v6("::1"), 128, 120))]) == _hex("04 02807801")  # RFC 8956 when sending
    # both forms agree when the offset is 0; RFC 8956 wins whenever its reading is valid
    assert decode_flow(_hex("04 02807801"), V6, False) == [(None, [(2, (v6("::1"), 128, 120))])]
    with pytest.raises(ValueError, match="too long for IPv4"):
        decode_flow(legacy, V4, False)


MALFORMED = [
    (V4, False, "03 0e8101", "unknown"),  # component type 14
    (V4, False, "04 0d910001", "unknown"),  # flow label in an IPv4 rule
    (V4, False, "06 038106 038111", "order"),  # repeated
    (V4, False, "06 048150 038106", "order"),  # descending
    (V4, False, "03 030106", "not terminated"),
    (V4, False, "03 039106", "truncated"),
    (V4, False, "03 01210a", "too long"),
    (V4, False, "03 01180a", "truncated"),
    (V6, False, "04 01208100", "offset"),
    (V6, False, "03 018080", "not below"),
    (V6, False, "04 01810000", "too long"),
    (V4, False, "00", "without component"),
    (V4, True, "08 0000fde800000064", "without component"),
    (V4, True, "04 0000fde8", "route distinguisher"),
    (V4, False, "05 038106", "overruns"),
    (V4, False, "f1", "truncated"),
]


@pytest.mark.parametrize(("afi", "vpn", "wire", "why"), MALFORMED)
def test_malformed(afi: int, vpn: bool, wire: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decode_flow(_hex(wire), afi, vpn)


ENCODE_ERRORS: list[tuple[int, list[tuple[int, Any]], bytes | None, str]] = [
    (V4, [], None, "at least one component"),
    (V4, [(1, (v6("::1"), 128, 0))], None, "IPv6 prefix in an IPv4"),
    (V6, [(1, (v4("10.0.0.1"), 32, 0))], None, "IPv4 prefix in an IPv6"),
    (V4, [(3, ((1, 6),)), (3, ((1, 17),))], None, "repeated"),
    (V4, [(13, ((1, 1),))], None, "invalid for afi"),
    (V4, [(1, (v4("10.0.0.1"), 33, 0))], None, "out of range"),
    (V4, [(1, (v4("10.0.0.1"), 32, 8))], None, "no offset"),
    (V6, [(1, (v6("::1"), 64, 65))], None, "not below"),
    (V6, [(1, (v6("::1"), 64, 64))], None, "not below"),
    (V4, [(3, ((1, 256),))], None, "out of range"),
    (V4, [(3, ((0x80, 6),))], None, "invalid operator"),
    (V4, [(9, ((0x04, 2),))], None, "invalid operator"),
    (V4, [(3, ())], None, "at least one"),
    (V4, [(3, ((1,),))], None, r"not an \(operator"),
    (V4, [(1, "10.0.0.0/8")], None, "address, length, offset"),
    (V4, [(3, ((1, 6),))], b"\x00" * 7, "8 bytes"),
    (V4, [(5, tuple((1, p) for p in range(1000, 2400)))], None, "4095"),
    (3, [(3, ((1, 6),))], None, "afi 3"),
]


@pytest.mark.parametrize(("afi", "components", "rd", "why"), ENCODE_ERRORS)
def test_encode_errors(afi: int, components: list[tuple[int, Any]], rd: bytes | None, why: str) -> None:
    with pytest.raises(EncodeError, match=why):
        encode_flow(afi, components, rd)


# --- round trips --------------------------------------------------------------------------------

_LIMITS = {3: 0xFF, 4: 0xFFFF, 5: 0xFFFF, 6: 0xFFFF, 7: 0xFF, 8: 0xFF, 9: 0xFFFF, 10: 0xFFFF, 11: 0xFF}
_LIMITS |= {12: 0xFF, 13: 0xFFFFF}
_NUMERIC_OPERATORS = [and_bit | bits for and_bit in (0, 0x40) for bits in range(8)]
_BITMASK_OPERATORS = [and_bit | bits for and_bit in (0, 0x40) for bits in range(4)]


@st.composite
def prefixes(draw: st.DrawFn, afi: int) -> tuple[bytes, int, int]:
    """A canonical prefix: only the bits from offset to length may be set."""
    bits = 32 if afi == V4 else 128
    plen = draw(st.integers(0, bits))
    offset = 0 if afi == V4 or not plen else draw(st.integers(0, plen - 1))
    pattern = draw(st.integers(0, (1 << (plen - offset)) - 1)) if plen > offset else 0
    return ((pattern << (bits - plen)).to_bytes(bits // 8, "big"), plen, offset)


@st.composite
def rules(draw: st.DrawFn, afi: int) -> list[tuple[int, Any]]:
    kinds = draw(st.sets(st.integers(1, 13 if afi == V6 else 12), min_size=1, max_size=6))
    components: list[tuple[int, Any]] = []
    for kind in sorted(kinds):
        if kind in (1, 2):
            components.append((kind, draw(prefixes(afi))))
            continue
        operators = _BITMASK_OPERATORS if kind in BITMASK_TYPES else _NUMERIC_OPERATORS
        pairs = st.tuples(st.sampled_from(operators), st.integers(0, _LIMITS[kind]))
        components.append((kind, tuple(draw(st.lists(pairs, min_size=1, max_size=5)))))
    return components


@settings(max_examples=300)
@given(st.sampled_from([V4, V6]).flatmap(lambda afi: st.tuples(st.just(afi), rules(afi))), st.booleans())
def test_round_trip(case: tuple[int, list[tuple[int, Any]]], vpn: bool) -> None:
    afi, components = case
    rd = RD if vpn else None
    wire = encode_flow(afi, components, rd)
    assert decode_flow(wire, afi, vpn) == [(rd, components)]
    assert split_flows(wire, vpn) == [wire]


@settings(max_examples=500)
@given(st.binary(max_size=60), st.sampled_from([V4, V6]), st.booleans())
def test_fuzz_raises_value_error_only(data: bytes, afi: int, vpn: bool) -> None:
    try:
        decoded = decode_flow(data, afi, vpn)
    except ValueError:
        return
    for rd, components in decoded:  # whatever decodes re-encodes
        assert decode_flow(encode_flow(afi, components, rd), afi, vpn)[0][1] == components


def test_decode_rule_is_cached_and_checks_its_length() -> None:
    key = _hex("03 038106")
    assert decode_rule(key, V4, False) is decode_rule(key, V4, False)
    with pytest.raises(ValueError, match="does not match"):
        decode_rule(key + b"\x00", V4, False)
    with pytest.raises(ValueError, match="empty"):
        decode_rule(b"", V4, False)


# --- UPDATE messages ----------------------------------------------------------------------------

CTX = Negotiated(1, 1, families=frozenset({FLOW4, FLOW6, FLOW4_VPN}))
BASIC = "4001010040020040050400000064"
DISCARD = Attributes(
    origin=0, as_path=(), local_pref=100, ext_communities=(bytes.fromhex("8006000000000000"),)
)


def _body(attributes: str) -> bytes:
    raw = bytes.fromhex(attributes)
    return b"\x00\x00" + len(raw).to_bytes(2, "big") + raw


def _mp(code: int, value: str) -> str:
    size = len(bytes.fromhex(value))
    return f"80{code:02x}{size:02x}{value}"


def test_build_and_decode_announcements() -> None:
    first = encode_flow(V4, [(1, (v4("100.10.0.0"), 24, 0))])
    second = encode_flow(V4, [(2, (v4("10.0.0.1"), 32, 0)), (3, ((1, 6),))])
    messages = build_updates(FLOW4, DISCARD, None, [first, second], CTX)
    assert len(messages) == 2  # one rule per UPDATE, as ExaBGP sends them
    assert messages[0][19:] == _body(
        BASIC + "c01008" + "8006000000000000" + _mp(14, "000185" + "00" + "00" + first.hex())
    )
    update = decode_update(messages[1][19:], CTX)
    assert update.announced == [(FLOW4, None, [second])] and update.attributes == DISCARD
    # a redirect / copy next hop goes in MP_REACH_NLRI
    (message,) = build_updates(FLOW4, DISCARD, v4("1.2.3.4"), [first], CTX)
    assert _mp(14, "00018504010203040" + "0" + first.hex()) in message.hex()
    assert decode_update(message[19:], CTX).announced == [(FLOW4, v4("1.2.3.4"), [first])]
    with pytest.raises(EncodeError):
        build_updates(FLOW4, DISCARD, b"\x01\x02", [first], CTX)
    with pytest.raises(EncodeError, match="self"):
        build_updates(FLOW4, DISCARD, b"", [first], CTX)
    with pytest.raises(EncodeError, match="fit"):
        build_updates(
            FLOW4, DISCARD, None, [encode_flow(V4, [(5, tuple((1, p) for p in range(1000, 2364)))])], CTX
        )


def test_build_and_decode_withdrawals_and_eor() -> None:
    rule = encode_flow(V4, [(1, (v4("100.10.0.0"), 24, 0))], RD)
    (message,) = build_withdrawals(FLOW4_VPN, [rule], CTX, DISCARD)
    assert message[19:] == _body(BASIC + "c010088006000000000000" + _mp(15, "000186" + rule.hex()))
    update = decode_update(message[19:], CTX)
    assert update.withdrawn == [(FLOW4_VPN, [rule])] and not update.announced
    assert decode_update(end_of_rib(FLOW6)[19:], CTX).eor == FLOW6
    assert end_of_rib(FLOW4).hex().upper().endswith("900F0003000185")


def test_malformed_rule_is_treat_as_withdraw() -> None:
    good = encode_flow(V4, [(3, ((1, 6),))])
    bad = _hex("03 0e8101")
    update = decode_update(_body(BASIC + _mp(14, "000185" + "0000" + good.hex() + bad.hex())), CTX)
    assert not update.announced
    assert update.withdrawn == [(FLOW4, [good, bad])]
    assert "malformed flow rule" in update.treat_as_withdraw and "unknown" in update.treat_as_withdraw
    # in MP_UNREACH_NLRI the malformed rule is dropped, the others withdrawn
    update = decode_update(_body(_mp(15, "000185" + bad.hex() + good.hex())), CTX)
    assert update.withdrawn == [(FLOW4, [good])] and "malformed flow rule" in update.discarded[0]


@pytest.mark.parametrize(
    ("attribute", "why"),
    [
        (_mp(14, "000185" + "0000" + "05038106"), "overruns"),
        (_mp(15, "000185" + "05038106"), "overruns"),
        (_mp(14, "000185" + "02aaaa" + "00" + "03038106"), "next hop length 2"),
    ],
)
def test_undelimited_rules_reset_the_session(attribute: str, why: str) -> None:
    with pytest.raises(NotificationError, match=why) as caught:
        decode_update(_body(BASIC + attribute), CTX)
    assert (caught.value.code, caught.value.subcode) == (3, 9)
