"""BGP message framing (RFC 4271 §4.1 and §6.1, RFC 8654 §3): building and splitting messages."""

from __future__ import annotations

import struct
from typing import Final

from aiobgp.wire.constants import (
    HEADER_LEN,
    KEEPALIVE,
    MARKER,
    MAX_EXTENDED_MESSAGE,
    MAX_MESSAGE,
    MIN_LENGTH,
    OPEN,
)
from aiobgp.wire.errors import EncodeError, NotificationError

MESSAGE_TYPES: Final = frozenset(MIN_LENGTH)
"""The message types ``frame`` accepts by default: those of RFC 4271 and RFC 2918 (1 to 5)."""

KEEPALIVE_MESSAGE: Final = MARKER + b"\x00\x13\x04"

_HEADER: Final = struct.Struct("!16sHB")
_LENGTH_TYPE: Final = struct.Struct("!HB")

# Largest length of a type whatever was negotiated: RFC 4271 fixes KEEPALIVE at 19 bytes and
# RFC 8654 §3 keeps OPEN within 4096 bytes even with extended messages.
_FIXED_MAX: Final = {OPEN: MAX_MESSAGE, KEEPALIVE: HEADER_LEN}


def message(msg_type: int, body: bytes) -> bytes:
    """The whole message: marker, 2-byte length, 1-byte type, then ``body``."""
    length = HEADER_LEN + len(body)
    if length > MAX_EXTENDED_MESSAGE:
        raise EncodeError(f"message of {length} bytes is larger than {MAX_EXTENDED_MESSAGE}")
    return MARKER + _LENGTH_TYPE.pack(length, msg_type) + body


def frame(
    buf: bytes | bytearray | memoryview,
    max_size: int,
    types: frozenset[int] = MESSAGE_TYPES,
) -> tuple[list[tuple[int, bytes]], int]:
    """Split the complete messages at the start of ``buf``.

    Returns ``([(type, body), ...], bytes_consumed)``; an incomplete trailing message is left for
    the next call. ``max_size`` is 4096, or 65535 once extended messages are negotiated; ``types``
    lists the accepted types (a session that negotiated ExaBGP's operational capability adds 6).

    A bad header raises ``NotificationError`` (1/1; 1/2 with the length field; 1/3 with the type)
    as soon as its 19 bytes are there. When good messages come before it in ``buf`` they are
    returned first and the bad header is left unconsumed: the caller handles them (a NOTIFICATION
    among them says why the peer is leaving), then calls again and gets the error.
    """
    out: list[tuple[int, bytes]] = []
    append = out.append
    # slicing bytes is the fastest way to cut out each body; other buffers are copied once
    data = buf if isinstance(buf, bytes) else bytes(buf)
    end = len(data)
    pos = 0
    unpack = _HEADER.unpack_from
    min_length = MIN_LENGTH
    fixed_max = _FIXED_MAX
    while end - pos >= HEADER_LEN:
        marker, length, msg_type = unpack(data, pos)
        if (
            marker != MARKER
            or msg_type not in types
            or length < min_length.get(msg_type, HEADER_LEN)
            or length > fixed_max.get(msg_type, max_size)
        ):
            if out:
                break
            raise _header_error(marker, length, msg_type, types, max_size)
        stop = pos + length
        if stop > end:
            break
        append((msg_type, data[pos + HEADER_LEN : stop]))
        pos = stop
    return out, pos


def _header_error(
    marker: bytes, length: int, msg_type: int, types: frozenset[int], max_size: int
) -> NotificationError:
    """The NOTIFICATION a bad header calls for: marker first, then the length, then the type."""
    if marker != MARKER:
        return NotificationError(1, 1, reason="message header marker is not all ones")
    if msg_type not in types:
        if length < HEADER_LEN or length > max_size:
            return _bad_length(length, msg_type)
        return NotificationError(1, 3, data=bytes((msg_type,)), reason=f"unknown message type {msg_type}")
    return _bad_length(length, msg_type)


def _bad_length(length: int, msg_type: int) -> NotificationError:
    return NotificationError(
        1, 2, data=length.to_bytes(2, "big"), reason=f"bad length {length} for a message of type {msg_type}"
    )
