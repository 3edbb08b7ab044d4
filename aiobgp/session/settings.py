"""``PeerConfig``: what the session layer needs to know about one configured neighbor."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiobgp.wire.capabilities import Capabilities


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """Filled by the runtime from the configuration (``neighbor`` section and ``exabgp.*`` settings).

    ``peer_as`` None accepts any AS (``peer-as auto``). ``hold_time`` is 0 or 3-65535.
    ``open_wait`` is ``exabgp.bgp.openwait``; ``attempts`` is ``exabgp.tcp.attempts`` (0 = forever).
    The outgoing connect-retry delay starts at ``connect_retry_initial``, is multiplied by
    ``connect_retry_factor`` after each failure, up to ``connect_retry_max``. The addresses are packed
    (4 or 16 bytes), ``b""`` when not known before the connection is up.
    """

    local_as: int
    peer_as: int | None
    router_id: int
    capabilities: Capabilities = field(default_factory=Capabilities)
    hold_time: int = 180
    passive: bool = False
    open_wait: float = 60.0
    connect_retry_initial: float = 1.0
    connect_retry_max: float = 60.0
    connect_retry_factor: float = 1.2
    attempts: int = 0
    local_address: bytes = b""
    peer_address: bytes = b""
