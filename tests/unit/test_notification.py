"""NOTIFICATION codec, names, RFC 9003 shutdown communications, log and ExaBGP JSON rendering."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.errors import NotificationError
from aiobgp.wire.notification import (
    Notification,
    decode_notification,
    describe,
    error_name,
    shutdown_communication,
    subcode_name,
)

MARKER = "ff" * 16


@pytest.mark.parametrize(
    ("notification", "wire"),
    [
        (Notification(4, 0), MARKER + "0015" + "03" + "0400"),
        (Notification(1, 2, b"\x00\x12"), MARKER + "0017" + "03" + "0102" + "0012"),
        (Notification(2, 1, b"\x00\x04"), MARKER + "0017" + "03" + "0201" + "0004"),
        (
            Notification(6, 2, b"\x03bye"),
            MARKER + "0019" + "03" + "0602" + "03" + b"bye".hex(),
        ),
    ],
)
def test_encode_decode_vectors(notification: Notification, wire: str) -> None:
    raw = bytes.fromhex(wire)
    assert notification.encode() == raw
    assert decode_notification(raw[19:]) == notification


@pytest.mark.parametrize("body", [b"", b"\x06"])
def test_decode_too_short(body: bytes) -> None:
    with pytest.raises(NotificationError) as error:
        decode_notification(body)
    assert (error.value.code, error.value.subcode) == (1, 2)
    assert error.value.data == (19 + len(body)).to_bytes(2, "big")


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=100))
def test_round_trip(code: int, subcode: int, data: bytes) -> None:
    n = Notification(code, subcode, data)
    assert decode_notification(n.encode()[19:]) == n


@given(st.binary(max_size=100))
def test_decode_fuzz(body: bytes) -> None:
    try:
        n = decode_notification(body)
    except NotificationError as error:
        assert (error.code, error.subcode) == (1, 2)
        return
    assert n.encode()[19:] == body


@pytest.mark.parametrize(
    ("code", "subcode", "name"),
    [
        (1, 1, "Message Header Error / Connection Not Synchronized"),
        (1, 2, "Message Header Error / Bad Message Length"),
        (1, 3, "Message Header Error / Bad Message Type"),
        (2, 0, "OPEN Message Error / Unspecific"),
        (2, 1, "OPEN Message Error / Unsupported Version Number"),
        (2, 2, "OPEN Message Error / Bad Peer AS"),
        (2, 3, "OPEN Message Error / Bad BGP Identifier"),
        (2, 4, "OPEN Message Error / Unsupported Optional Parameter"),
        (2, 6, "OPEN Message Error / Unacceptable Hold Time"),
        (2, 7, "OPEN Message Error / Unsupported Capability"),
        (2, 11, "OPEN Message Error / Role Mismatch"),
        (3, 1, "UPDATE Message Error / Malformed Attribute List"),
        (3, 2, "UPDATE Message Error / Unrecognized Well-known Attribute"),
        (3, 3, "UPDATE Message Error / Missing Well-known Attribute"),
        (3, 4, "UPDATE Message Error / Attribute Flags Error"),
        (3, 5, "UPDATE Message Error / Attribute Length Error"),
        (3, 6, "UPDATE Message Error / Invalid ORIGIN Attribute"),
        (3, 8, "UPDATE Message Error / Invalid NEXT_HOP Attribute"),
        (3, 9, "UPDATE Message Error / Optional Attribute Error"),
        (3, 10, "UPDATE Message Error / Invalid Network Field"),
        (3, 11, "UPDATE Message Error / Malformed AS_PATH"),
        (4, 0, "Hold Timer Expired"),
        (5, 0, "Finite State Machine Error / Unspecific"),
        (5, 1, "Finite State Machine Error / Receive Unexpected Message in OpenSent State"),
        (5, 2, "Finite State Machine Error / Receive Unexpected Message in OpenConfirm State"),
        (5, 3, "Finite State Machine Error / Receive Unexpected Message in Established State"),
        (6, 1, "Cease / Maximum Number of Prefixes Reached"),
        (6, 2, "Cease / Administrative Shutdown"),
        (6, 3, "Cease / Peer De-configured"),
        (6, 4, "Cease / Administrative Reset"),
        (6, 5, "Cease / Connection Rejected"),
        (6, 6, "Cease / Other Configuration Change"),
        (6, 7, "Cease / Connection Collision Resolution"),
        (6, 8, "Cease / Out of Resources"),
        (6, 9, "Cease / Hard Reset"),
        (6, 10, "Cease / BFD Down"),
        (7, 1, "ROUTE-REFRESH Message Error / Invalid Message Length"),
        (6, 99, "Cease / Unknown Subcode 99"),
        (4, 5, "Hold Timer Expired / Unknown Subcode 5"),
        (9, 0, "Unknown Error Code 9"),
        (9, 1, "Unknown Error Code 9 / Unknown Subcode 1"),
    ],
)
def test_error_name(code: int, subcode: int, name: str) -> None:
    assert error_name(code, subcode) == name


def test_subcode_name() -> None:
    assert subcode_name(6, 4) == "Administrative Reset"
    assert subcode_name(6, 0) == "Unspecific"


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("", b"\x00"),
        ("bye", b"\x03bye"),
        ("Administrative Reset", b"\x14Administrative Reset"),
        ("a" * 255, b"\xff" + b"a" * 255),
        ("a" * 300, b"\xff" + b"a" * 255),
        # 2-byte characters: 127 fit in 254 bytes, the 128th would be cut in half
        ("é" * 200, bytes((254,)) + "é".encode() * 127),
        ("a" + "€" * 100, bytes((253,)) + b"a" + "€".encode() * 84),
    ],
)
def test_shutdown_communication(text: str, data: bytes) -> None:
    assert shutdown_communication(text) == data


@given(st.text(max_size=400))
def test_shutdown_communication_is_valid_utf8(text: str) -> None:
    data = shutdown_communication(text)
    assert data[0] == len(data) - 1 <= 255
    assert text.startswith(data[1:].decode("utf-8"))


@pytest.mark.parametrize(
    ("notification", "line"),
    [
        (Notification(4, 0), "4/0 (Hold Timer Expired)"),
        (
            Notification(6, 2, shutdown_communication("maintenance")),
            '6/2 (Cease / Administrative Shutdown) shutdown communication: "maintenance"',
        ),
        (Notification(6, 4, b"\x00"), "6/4 (Cease / Administrative Reset)"),
        (
            Notification(6, 2, shutdown_communication("evil\nline\x1b[31m")),
            '6/2 (Cease / Administrative Shutdown) shutdown communication: "evil\\x0aline\\x1b[31m"',
        ),
        (
            Notification(1, 2, b"\x00\x12"),
            "1/2 (Message Header Error / Bad Message Length) data 0x0012",
        ),
        (
            Notification(6, 4, b"\x10short"),  # length octet larger than the text: shown as data
            "6/4 (Cease / Administrative Reset) data 0x1073686F7274",
        ),
        (
            Notification(2, 0, b"no good"),
            '2/0 (OPEN Message Error / Unspecific) data "no good"',
        ),
        (
            Notification(6, 2, b"\x06a\\b\x7f\xc2\x85"),
            '6/2 (Cease / Administrative Shutdown) shutdown communication: "a\\\\b\\x7f\\x85"',
        ),
    ],
)
def test_describe(notification: Notification, line: str) -> None:
    assert describe(notification) == line


@given(
    st.integers(0, 255), st.integers(0, 255), st.binary(max_size=60) | st.text(max_size=60).map(str.encode)
)
def test_describe_is_one_safe_line(code: int, subcode: int, data: bytes) -> None:
    for n in (Notification(code, subcode, data), Notification(6, 2, bytes((len(data),)) + data)):
        assert describe(n).isprintable()
