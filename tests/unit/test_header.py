"""Message framing: building messages, splitting a stream, and every header error of RFC 4271 §6.1."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.constants import KEEPALIVE
from aiobgp.wire.errors import EncodeError, NotificationError
from aiobgp.wire.header import KEEPALIVE_MESSAGE, frame, message

MARKER = "ff" * 16


def test_keepalive_message() -> None:
    assert bytes.fromhex(MARKER + "001304") == KEEPALIVE_MESSAGE
    assert message(4, b"") == KEEPALIVE_MESSAGE


@pytest.mark.parametrize(
    ("msg_type", "body", "expected"),
    [
        (2, bytes.fromhex("00000000"), MARKER + "001702" + "00000000"),
        (3, bytes.fromhex("0602"), MARKER + "001503" + "0602"),
        (5, bytes.fromhex("00010001"), MARKER + "001705" + "00010001"),
        (2, b"\x00" * (65535 - 19), MARKER + "ffff02" + "00" * (65535 - 19)),
    ],
)
def test_message(msg_type: int, body: bytes, expected: str) -> None:
    assert message(msg_type, body) == bytes.fromhex(expected)


def test_message_too_large() -> None:
    with pytest.raises(EncodeError):
        message(2, b"\x00" * (65535 - 18))


def test_frame_splits_complete_messages_and_keeps_the_rest() -> None:
    update = message(2, b"\x00\x00\x00\x00")
    refresh = message(5, b"\x00\x01\x00\x01")
    stream = KEEPALIVE_MESSAGE + update + refresh
    for cut in range(len(stream) + 1):
        msgs, used = frame(stream[:cut], 4096)
        complete = [m for m, end in ((KEEPALIVE_MESSAGE, 19), (update, 42), (refresh, 65)) if end <= cut]
        assert used == sum(len(m) for m in complete)
        assert [message(t, b) for t, b in msgs] == complete


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_frame_accepts_any_buffer(kind: type) -> None:
    msgs, used = frame(kind(KEEPALIVE_MESSAGE * 3 + b"\xff\xff"), 4096)
    assert msgs == [(4, b"")] * 3
    assert used == 57
    assert all(type(body) is bytes for _, body in msgs)


def test_frame_releases_a_bytearray() -> None:
    buf = bytearray(KEEPALIVE_MESSAGE * 2)
    _, used = frame(buf, 4096)
    del buf[:used]  # raises BufferError if frame() kept a view on the buffer
    assert buf == b""


def test_frame_extended_message() -> None:
    big = message(2, b"\x00" * 5000)
    with pytest.raises(NotificationError):
        frame(big, 4096)
    assert frame(big, 65535) == ([(2, b"\x00" * 5000)], len(big))


def _header(length: int, msg_type: int, marker: str = MARKER) -> bytes:
    return bytes.fromhex(marker) + length.to_bytes(2, "big") + bytes((msg_type,))


@pytest.mark.parametrize(
    ("data", "max_size", "subcode", "error_data"),
    [
        # Connection Not Synchronized: any marker bit cleared
        (_header(19, 4, "fe" + "ff" * 15), 4096, 1, b""),
        (_header(19, 4, "ff" * 15 + "7f"), 4096, 1, b""),
        (_header(19, 4, "00" * 16), 4096, 1, b""),
        # Bad Message Length: outside 19..max, below a type's minimum, wrong fixed size
        (_header(18, 2), 4096, 2, b"\x00\x12"),
        (_header(0, 2), 4096, 2, b"\x00\x00"),
        (_header(4097, 2), 4096, 2, b"\x10\x01"),
        (_header(28, 1), 4096, 2, b"\x00\x1c"),
        (_header(4097, 1), 65535, 2, b"\x10\x01"),  # RFC 8654 §3: OPEN stays within 4096
        (_header(22, 2), 4096, 2, b"\x00\x16"),
        (_header(20, 3), 4096, 2, b"\x00\x14"),
        (_header(20, 4), 4096, 2, b"\x00\x14"),
        (_header(18, 4), 4096, 2, b"\x00\x12"),
        (_header(22, 5), 4096, 2, b"\x00\x16"),
        (_header(5000, 3), 4096, 2, b"\x13\x88"),
        (_header(18, 255), 4096, 2, b"\x00\x12"),
        # Bad Message Type
        (_header(19, 0), 4096, 3, b"\x00"),
        (_header(19, 6), 4096, 3, b"\x06"),
        (_header(19, 255), 4096, 3, b"\xff"),
        (_header(100, 255), 4096, 3, b"\xff"),
    ],
)
def test_frame_errors(data: bytes, max_size: int, subcode: int, error_data: bytes) -> None:
    # the header alone is enough: the error comes before the body has arrived
    with pytest.raises(NotificationError) as error:
        frame(data, max_size)
    assert (error.value.code, error.value.subcode, error.value.data) == (1, subcode, error_data)
    # after valid messages: those come first, the bad header stays for the next call
    assert frame(KEEPALIVE_MESSAGE + data, max_size) == ([(KEEPALIVE, b"")], len(KEEPALIVE_MESSAGE))


def test_frame_extra_types() -> None:
    assert frame(_header(23, 6) + b"\x00" * 4, 4096, frozenset({1, 2, 3, 4, 5, 6})) == (
        [(6, b"\x00" * 4)],
        23,
    )


def test_frame_short_buffer_is_not_an_error() -> None:
    # fewer than 19 bytes are never checked, whatever they are
    assert frame(b"\x00" * 18, 4096) == ([], 0)
    assert frame(b"", 4096) == ([], 0)


messages_strategy = st.lists(
    st.one_of(
        st.just(KEEPALIVE_MESSAGE),
        st.binary(min_size=4, max_size=200).map(lambda b: message(2, b)),
        st.binary(min_size=2, max_size=50).map(lambda b: message(3, b)),
        st.binary(min_size=10, max_size=50).map(lambda b: message(1, b)),
        st.binary(min_size=4, max_size=4).map(lambda b: message(5, b)),
    ),
    max_size=20,
)


@given(messages_strategy, st.integers(min_value=0, max_value=200))
def test_frame_round_trip(msgs: list[bytes], extra: int) -> None:
    stream = b"".join(msgs)
    trailing = (msgs[0] if msgs else KEEPALIVE_MESSAGE)[: extra % 19]
    out, used = frame(stream + trailing, 4096)
    assert used == len(stream)
    assert [message(t, b) for t, b in out] == msgs


@given(st.binary(max_size=300), st.sampled_from([4096, 65535]))
def test_frame_fuzz(data: bytes, max_size: int) -> None:
    try:
        out, used = frame(data, max_size)
    except NotificationError as error:
        assert error.code == 1
        assert error.subcode in (1, 2, 3)
        return
    assert 0 <= used <= len(data)
    assert b"".join(message(t, b) for t, b in out) == data[:used]


@given(st.binary(max_size=300))
def test_frame_fuzz_after_marker(tail: bytes) -> None:
    # arbitrary bytes after a valid marker reach the length and type checks
    data = bytes.fromhex(MARKER) + tail
    try:
        out, used = frame(data, 4096)
    except NotificationError as error:
        assert (error.code, error.subcode) in ((1, 1), (1, 2), (1, 3))
        return
    assert b"".join(message(t, b) for t, b in out) == data[:used]
