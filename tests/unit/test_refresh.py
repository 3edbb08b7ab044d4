"""ROUTE-REFRESH codec (RFC 2918, RFC 7313 subtypes and error handling)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.errors import NotificationError
from aiobgp.wire.refresh import RouteRefresh, decode_route_refresh

MARKER = "ff" * 16


@pytest.mark.parametrize(
    ("refresh", "wire"),
    [
        (RouteRefresh(1, 1), MARKER + "0017" + "05" + "00010001"),  # ipv4 unicast query
        (RouteRefresh(1, 1, 1), MARKER + "0017" + "05" + "00010101"),  # BoRR
        (RouteRefresh(1, 1, 2), MARKER + "0017" + "05" + "00010201"),  # EoRR
        (RouteRefresh(2, 133), MARKER + "0017" + "05" + "00020085"),  # ipv6 flow
        (RouteRefresh(25, 70, 2), MARKER + "0017" + "05" + "00190246"),  # l2vpn evpn EoRR
    ],
)
def test_vectors(refresh: RouteRefresh, wire: str) -> None:
    raw = bytes.fromhex(wire)
    assert refresh.encode() == raw
    assert decode_route_refresh(raw[19:]) == refresh


@pytest.mark.parametrize(
    "body",
    [
        "",
        "000100",
        "0001010100",  # BoRR with a trailing byte
        "00010201" + "00" * 8,  # EoRR too long
        "0001ff01ab",  # unknown subtype, too long
    ],
)
def test_invalid_length(body: str) -> None:
    raw = bytes.fromhex(body)
    with pytest.raises(NotificationError) as error:
        decode_route_refresh(raw)
    assert (error.value.code, error.value.subcode) == (7, 1)
    # RFC 7313 §5: the data is the complete ROUTE-REFRESH message
    assert error.value.data == bytes.fromhex(MARKER) + (19 + len(raw)).to_bytes(2, "big") + b"\x05" + raw


def test_orf_entries_are_ignored() -> None:
    # RFC 5291: a subtype-0 message may carry ORF entries after the AFI/SAFI
    assert decode_route_refresh(bytes.fromhex("00010001" + "0140000501")) == RouteRefresh(1, 1)


def test_unknown_subtype_is_returned() -> None:
    # RFC 7313 §5: the receiver ignores it; the session decides
    assert decode_route_refresh(bytes.fromhex("00010301")) == RouteRefresh(1, 1, 3)


@given(st.integers(0, 0xFFFF), st.integers(0, 255), st.integers(0, 255))
def test_round_trip(afi: int, safi: int, subtype: int) -> None:
    refresh = RouteRefresh(afi, safi, subtype)
    assert decode_route_refresh(refresh.encode()[19:]) == refresh


@given(st.binary(max_size=20))
def test_fuzz(body: bytes) -> None:
    try:
        refresh = decode_route_refresh(body)
    except NotificationError as error:
        assert (error.code, error.subcode) == (7, 1)
        return
    assert refresh.encode()[19:] == body[:4]
