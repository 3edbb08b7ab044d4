"""Errors raised by the codec.

``NotificationError`` means "this session must end with this NOTIFICATION" (RFC 4271 §6).
Errors that RFC 7606 lets a speaker survive (treat-as-withdraw, attribute discard) are not
exceptions: the UPDATE decoder reports them on the decoded message instead.
"""

from __future__ import annotations


class WireError(Exception):
    """Base class of every codec error."""


class NotificationError(WireError):
    """A protocol error that is answered with NOTIFICATION ``code``/``subcode`` carrying ``data``."""

    def __init__(self, code: int, subcode: int, data: bytes = b"", reason: str = "") -> None:
        self.code = code
        self.subcode = subcode
        self.data = bytes(data)
        self.reason = reason or f"notification {code}/{subcode}"
        super().__init__(self.reason)


class EncodeError(WireError):
    """What was asked cannot be put on the wire (a value out of range, a message too large...)."""
