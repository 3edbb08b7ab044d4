"""What a configuration file says, once parsed and checked: plain dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiobgp.rib.route import Route
from aiobgp.wire.constants import IPV4_FLOW, IPV4_UNICAST, IPV6_FLOW, IPV6_UNICAST, Family


@dataclass(frozen=True, slots=True)
class Position:
    """Where a token starts: file name, 1-based line and 1-based column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class ConfigError(Exception):
    """A configuration (or environment) that cannot be used; says where and on which token."""

    def __init__(self, message: str, position: Position | None = None, token: str | None = None) -> None:
        self.message = message
        self.position = position
        self.token = token
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.position}: {self.message}" if self.position is not None else self.message
        if self.token is not None:
            text += f" (at '{self.token}')"
        return text


@dataclass(slots=True)
class ProcessConfig:
    """A helper program speaking the text API (`process NAME { run ...; encoder ...; }`)."""

    name: str
    run: list[str]  # argv; run[0] resolved like ExaBGP (/etc/exabgp, config dir, $PATH), maybe missing
    encoder: str  # "text" | "json"
    respawn: bool = True
    position: Position | None = None


@dataclass(slots=True)
class MessageSelection:
    """Which messages of one direction are reported to the helpers, and how (`receive {}`/`send {}`)."""

    parsed: bool = False
    packets: bool = False
    consolidate: bool = False
    open: bool = False
    update: bool = False
    notification: bool = False
    keepalive: bool = False
    refresh: bool = False
    operational: bool = False

    def reports(self) -> bool:
        """True when a reporting mode is chosen: without one ExaBGP reports nothing at all."""
        return self.parsed or self.packets or self.consolidate

    def selects(self) -> bool:
        """True when at least one message type is chosen."""
        return (
            self.open
            or self.update
            or self.notification
            or self.keepalive
            or self.refresh
            or self.operational
        )


@dataclass(slots=True)
class ApiConfig:
    """One `api [NAME] { ... }` block of a neighbor: these processes get these events."""

    processes: list[str] = field(default_factory=list)
    processes_match: list[str] = field(default_factory=list)  # regular expressions on process names
    neighbor_changes: bool = False
    negotiated: bool = False
    fsm: bool = False
    signal: bool = False
    receive: MessageSelection = field(default_factory=MessageSelection)
    send: MessageSelection = field(default_factory=MessageSelection)
    name: str = ""


@dataclass(slots=True)
class CapabilityConfig:
    """The `capability { ... }` block: what the OPEN offers."""

    asn4: bool = True
    route_refresh: bool = False
    graceful_restart: int | None = None  # restart time in seconds; None = not advertised
    add_path: int = 0  # 0 none, 1 receive, 2 send, 3 send/receive
    extended_message: bool = True
    multi_session: bool = False
    operational: bool = False
    nexthop: bool | None = None  # None = auto: on when a `nexthop {}` block lists something
    aigp: bool = False
    software_version: bool = False


@dataclass(frozen=True, slots=True)
class RouteExtras:
    """What a route line says that is not sent: its name, its watchdog group, whether it starts withdrawn."""

    name: str | None = None
    watchdog: str | None = None
    withdraw: bool = False


NO_EXTRAS = RouteExtras()

# The families a neighbor without a `family {}` block offers: unicast and FlowSpec, IPv4 and IPv6.
# (ExaBGP would offer every family it knows; aiobgp offers what it encodes and decodes, VPN
# FlowSpec aside, which needs route distinguishers nobody configures by accident.)
DEFAULT_FAMILIES: tuple[Family, ...] = (IPV4_UNICAST, IPV6_UNICAST, IPV4_FLOW, IPV6_FLOW)


@dataclass(slots=True)
class NeighborConfig:
    """One `neighbor IP { ... }` block, templates merged in and defaults resolved."""

    peer_address: str  # an IP, or a prefix for passive (dynamic) neighbors
    local_as: int
    peer_as: int | None  # None = `auto`: accept any ASN
    description: str = ""
    router_id: str | None = None
    local_address: str | None = None  # None = auto (taken from the TCP socket)
    hold_time: int = 180
    passive: bool = False
    listen: int = 0
    connect: int = 0
    md5_password: str | None = None
    md5_base64: bool = False
    md5_ip: str | None = None
    outgoing_ttl: int | None = None
    incoming_ttl: int | None = None
    group_updates: bool = True
    adj_rib_in: bool = True
    adj_rib_out: bool = True
    manual_eor: bool = False
    rate_limit: int = 0  # accepted for compatibility; 0 = off
    source_interface: str | None = None
    families: list[Family] = field(default_factory=lambda: list(DEFAULT_FAMILIES))
    capabilities: CapabilityConfig = field(default_factory=CapabilityConfig)
    add_path_families: list[Family] = field(default_factory=list)
    nexthops: list[tuple[int, int, int]] = field(default_factory=list)  # (afi, safi, next-hop afi)
    host_name: str | None = None
    domain_name: str | None = None
    api: list[ApiConfig] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    route_extras: dict[Route, RouteExtras] = field(default_factory=dict)  # only routes with extras
    position: Position | None = None


@dataclass(slots=True)
class Config:
    """A whole configuration file."""

    path: str
    processes: dict[str, ProcessConfig] = field(default_factory=dict)
    neighbors: list[NeighborConfig] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # non-fatal remarks, each "file:line:column: text"
