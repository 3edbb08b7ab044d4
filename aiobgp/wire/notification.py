"""NOTIFICATION messages (RFC 4271 §4.5), their names, and shutdown communications (RFC 9003)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiobgp.wire.constants import NOTIFICATION
from aiobgp.wire.errors import NotificationError
from aiobgp.wire.header import message

CODE_NAMES: Final = {
    1: "Message Header Error",
    2: "OPEN Message Error",
    3: "UPDATE Message Error",
    4: "Hold Timer Expired",
    5: "Finite State Machine Error",
    6: "Cease",
    7: "ROUTE-REFRESH Message Error",
}

SUBCODE_NAMES: Final = {
    1: {
        1: "Connection Not Synchronized",
        2: "Bad Message Length",
        3: "Bad Message Type",
    },
    2: {
        1: "Unsupported Version Number",
        2: "Bad Peer AS",
        3: "Bad BGP Identifier",
        4: "Unsupported Optional Parameter",
        5: "Authentication Failure",
        6: "Unacceptable Hold Time",
        7: "Unsupported Capability",
        11: "Role Mismatch",
    },
    3: {
        1: "Malformed Attribute List",
        2: "Unrecognized Well-known Attribute",
        3: "Missing Well-known Attribute",
        4: "Attribute Flags Error",
        5: "Attribute Length Error",
        6: "Invalid ORIGIN Attribute",
        7: "AS Routing Loop",
        8: "Invalid NEXT_HOP Attribute",
        9: "Optional Attribute Error",
        10: "Invalid Network Field",
        11: "Malformed AS_PATH",
    },
    5: {
        1: "Receive Unexpected Message in OpenSent State",
        2: "Receive Unexpected Message in OpenConfirm State",
        3: "Receive Unexpected Message in Established State",
    },
    6: {
        1: "Maximum Number of Prefixes Reached",
        2: "Administrative Shutdown",
        3: "Peer De-configured",
        4: "Administrative Reset",
        5: "Connection Rejected",
        6: "Other Configuration Change",
        7: "Connection Collision Resolution",
        8: "Out of Resources",
        9: "Hard Reset",
        10: "BFD Down",
    },
    7: {
        1: "Invalid Message Length",
    },
}

SHUTDOWN_SUBCODES: Final = frozenset({(6, 2), (6, 4)})
"""Cease subcodes whose data is a shutdown communication (RFC 9003 §2)."""

MAX_SHUTDOWN_COMMUNICATION: Final = 255


@dataclass(frozen=True, slots=True)
class Notification:
    code: int
    subcode: int
    data: bytes = b""

    def encode(self) -> bytes:
        """The whole NOTIFICATION message."""
        return message(NOTIFICATION, bytes((self.code, self.subcode)) + self.data)


def decode_notification(body: bytes) -> Notification:
    """Decode a NOTIFICATION body (everything after the 19-byte header)."""
    if len(body) < 2:
        raise NotificationError(
            1, 2, data=(19 + len(body)).to_bytes(2, "big"), reason="NOTIFICATION shorter than 21 bytes"
        )
    return Notification(body[0], body[1], bytes(body[2:]))


def subcode_name(code: int, subcode: int) -> str:
    """The name of a subcode alone (``"Administrative Reset"``); ``"Unspecific"`` for 0."""
    name = SUBCODE_NAMES.get(code, {}).get(subcode)
    if name is not None:
        return name
    return "Unspecific" if subcode == 0 else f"Unknown Subcode {subcode}"


def error_name(code: int, subcode: int) -> str:
    """``"Cease / Administrative Shutdown"``; codes without subcodes (Hold Timer Expired) alone."""
    code_name = CODE_NAMES.get(code, f"Unknown Error Code {code}")
    if subcode == 0 and code not in SUBCODE_NAMES:
        return code_name
    return f"{code_name} / {subcode_name(code, subcode)}"


def shutdown_communication(text: str) -> bytes:
    """NOTIFICATION data for Cease 6/2 and 6/4: length octet then UTF-8, cut on a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) > MAX_SHUTDOWN_COMMUNICATION:
        raw = raw[:MAX_SHUTDOWN_COMMUNICATION].decode("utf-8", "ignore").encode("utf-8")
    return bytes((len(raw),)) + raw


def parse_shutdown_communication(data: bytes) -> str | None:
    """The text of a well-formed RFC 9003 shutdown communication, else None."""
    if not data or data[0] + 1 != len(data):
        return None
    try:
        return data[1:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def escape(text: str) -> str:
    """Peer-controlled text made safe for one log or event line (control characters as ``\\xNN``)."""
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable():
            out.append(char)
        else:
            point = ord(char)
            out.append(f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}")
    return "".join(out)


def describe(n: Notification) -> str:
    """One log line: numbers, names, and the shutdown communication or the data."""
    line = f"{n.code}/{n.subcode} ({error_name(n.code, n.subcode)})"
    if (n.code, n.subcode) in SHUTDOWN_SUBCODES and n.data:
        text = parse_shutdown_communication(n.data)
        if text is not None:
            return f'{line} shutdown communication: "{escape(text)}"' if text else line
    if not n.data:
        return line
    try:
        text = n.data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{line} data 0x{n.data.hex().upper()}"
    if text.isprintable():
        return f'{line} data "{escape(text)}"'
    return f"{line} data 0x{n.data.hex().upper()}"
