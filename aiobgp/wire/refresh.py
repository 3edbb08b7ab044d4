"""ROUTE-REFRESH messages (RFC 2918) with the Enhanced Route Refresh subtypes (RFC 7313)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from aiobgp.wire.constants import ROUTE_REFRESH
from aiobgp.wire.errors import NotificationError
from aiobgp.wire.header import message

REFRESH_NORMAL: Final = 0
REFRESH_BORR: Final = 1  # Beginning of Route Refresh
REFRESH_EORR: Final = 2  # End of Route Refresh
SUBTYPE_NAMES: Final = {REFRESH_NORMAL: "query", REFRESH_BORR: "begin", REFRESH_EORR: "end"}

_BODY: Final = struct.Struct("!HBB")


@dataclass(frozen=True, slots=True)
class RouteRefresh:
    afi: int
    safi: int
    subtype: int = REFRESH_NORMAL

    def encode(self) -> bytes:
        """The whole ROUTE-REFRESH message."""
        return message(ROUTE_REFRESH, _BODY.pack(self.afi, self.subtype, self.safi))


def decode_route_refresh(body: bytes) -> RouteRefresh:
    """Decode a ROUTE-REFRESH body.

    A body that is not 4 bytes raises NOTIFICATION 7/1 carrying the whole message (RFC 7313 §5),
    except a longer subtype-0 message, whose trailing bytes are ORF entries (RFC 5291) that aiobgp
    does not negotiate and ignores. Subtypes 3-255 are returned as they are: RFC 7313 §5 says to
    ignore such a message, which is the session's decision.
    """
    if len(body) < 4 or (len(body) > 4 and body[2] != REFRESH_NORMAL):
        raise NotificationError(
            7, 1, data=message(ROUTE_REFRESH, bytes(body)), reason=f"ROUTE-REFRESH body of {len(body)} bytes"
        )
    afi, subtype, safi = _BODY.unpack_from(body)
    return RouteRefresh(afi, safi, subtype)
