"""Numbers of the BGP protocol, and the names ExaBGP prints for them.

A family is a plain ``(afi, safi)`` tuple of ints everywhere in aiobgp.
"""

from __future__ import annotations

from typing import Final

# --- message header (RFC 4271 §4.1) -------------------------------------------------------------
MARKER: Final = b"\xff" * 16
HEADER_LEN: Final = 19
MAX_MESSAGE: Final = 4096
MAX_EXTENDED_MESSAGE: Final = 65535  # RFC 8654

# message types
OPEN: Final = 1
UPDATE: Final = 2
NOTIFICATION: Final = 3
KEEPALIVE: Final = 4
ROUTE_REFRESH: Final = 5

MESSAGE_NAMES: Final = {
    OPEN: "open",
    UPDATE: "update",
    NOTIFICATION: "notification",
    KEEPALIVE: "keepalive",
    ROUTE_REFRESH: "route-refresh",
}

# smallest legal length per type, header included (RFC 4271 §6.1)
MIN_LENGTH: Final = {OPEN: 29, UPDATE: 23, NOTIFICATION: 21, KEEPALIVE: 19, ROUTE_REFRESH: 23}

# --- AFI / SAFI ---------------------------------------------------------------------------------
AFI_IPV4: Final = 1
AFI_IPV6: Final = 2
AFI_L2VPN: Final = 25
AFI_BGPLS: Final = 16388

SAFI_UNICAST: Final = 1
SAFI_MULTICAST: Final = 2
SAFI_NLRI_MPLS: Final = 4
SAFI_MCAST_VPN: Final = 5
SAFI_VPLS: Final = 65
SAFI_EVPN: Final = 70
SAFI_BGPLS: Final = 71
SAFI_BGPLS_VPN: Final = 72
SAFI_MUP: Final = 85
SAFI_MPLS_VPN: Final = 128
SAFI_RTC: Final = 132
SAFI_FLOW: Final = 133
SAFI_FLOW_VPN: Final = 134

Family = tuple[int, int]

IPV4_UNICAST: Final[Family] = (AFI_IPV4, SAFI_UNICAST)
IPV6_UNICAST: Final[Family] = (AFI_IPV6, SAFI_UNICAST)
IPV4_FLOW: Final[Family] = (AFI_IPV4, SAFI_FLOW)
IPV6_FLOW: Final[Family] = (AFI_IPV6, SAFI_FLOW)

AFI_NAMES: Final = {AFI_IPV4: "ipv4", AFI_IPV6: "ipv6", AFI_L2VPN: "l2vpn", AFI_BGPLS: "bgp-ls"}
SAFI_NAMES: Final = {
    SAFI_UNICAST: "unicast",
    SAFI_MULTICAST: "multicast",
    SAFI_NLRI_MPLS: "nlri-mpls",
    SAFI_MCAST_VPN: "mcast-vpn",
    SAFI_VPLS: "vpls",
    SAFI_EVPN: "evpn",
    SAFI_BGPLS: "bgp-ls",
    SAFI_BGPLS_VPN: "bgp-ls-vpn",
    SAFI_MUP: "mup",
    SAFI_MPLS_VPN: "mpls-vpn",
    SAFI_RTC: "rtc",
    SAFI_FLOW: "flow",
    SAFI_FLOW_VPN: "flow-vpn",
}
AFI_BY_NAME: Final = {v: k for k, v in AFI_NAMES.items()}
SAFI_BY_NAME: Final = {v: k for k, v in SAFI_NAMES.items()}


def afi_name(afi: int) -> str:
    return AFI_NAMES.get(afi, f"unknown afi {afi}")


def safi_name(safi: int) -> str:
    return SAFI_NAMES.get(safi, f"unknown safi {safi}")


def family_name(family: Family) -> str:
    """``(1, 1)`` -> ``"ipv4 unicast"`` (the JSON key and config spelling)."""
    return f"{afi_name(family[0])} {safi_name(family[1])}"


def family_slash(family: Family) -> str:
    """``(1, 1)`` -> ``"ipv4/unicast"`` (the spelling of OPEN capability JSON)."""
    return f"{afi_name(family[0])}/{safi_name(family[1])}"


# --- path attributes ----------------------------------------------------------------------------
FLAG_OPTIONAL: Final = 0x80
FLAG_TRANSITIVE: Final = 0x40
FLAG_PARTIAL: Final = 0x20
FLAG_EXTENDED_LENGTH: Final = 0x10

ATTR_ORIGIN: Final = 1
ATTR_AS_PATH: Final = 2
ATTR_NEXT_HOP: Final = 3
ATTR_MED: Final = 4
ATTR_LOCAL_PREF: Final = 5
ATTR_ATOMIC_AGGREGATE: Final = 6
ATTR_AGGREGATOR: Final = 7
ATTR_COMMUNITIES: Final = 8
ATTR_ORIGINATOR_ID: Final = 9
ATTR_CLUSTER_LIST: Final = 10
ATTR_MP_REACH_NLRI: Final = 14
ATTR_MP_UNREACH_NLRI: Final = 15
ATTR_EXTENDED_COMMUNITIES: Final = 16
ATTR_AS4_PATH: Final = 17
ATTR_AS4_AGGREGATOR: Final = 18
ATTR_LARGE_COMMUNITY: Final = 32

ORIGIN_IGP: Final = 0
ORIGIN_EGP: Final = 1
ORIGIN_INCOMPLETE: Final = 2
ORIGIN_NAMES: Final = {ORIGIN_IGP: "igp", ORIGIN_EGP: "egp", ORIGIN_INCOMPLETE: "incomplete"}

AS_SET: Final = 1
AS_SEQUENCE: Final = 2
AS_CONFED_SEQUENCE: Final = 3
AS_CONFED_SET: Final = 4

AS_TRANS: Final = 23456

# well-known communities (RFC 1997, RFC 3765, RFC 7999, RFC 8326)
COMMUNITY_NAMES: Final = {
    0xFFFFFF01: "no-export",
    0xFFFFFF02: "no-advertise",
    0xFFFFFF03: "no-export-subconfed",
    0xFFFFFF04: "nopeer",
    0xFFFF029A: "blackhole",
    0xFFFF0000: "graceful-shutdown",
}

# --- capabilities (IANA registry) ---------------------------------------------------------------
CAP_MULTIPROTOCOL: Final = 1
CAP_ROUTE_REFRESH: Final = 2
CAP_EXTENDED_NEXTHOP: Final = 5
CAP_EXTENDED_MESSAGE: Final = 6
CAP_ROLE: Final = 9
CAP_GRACEFUL_RESTART: Final = 64
CAP_ASN4: Final = 65
CAP_MULTISESSION: Final = 68
CAP_ADD_PATH: Final = 69
CAP_ENHANCED_ROUTE_REFRESH: Final = 70
CAP_HOSTNAME: Final = 73
CAP_SOFTWARE_VERSION: Final = 75
CAP_ROUTE_REFRESH_CISCO: Final = 128
CAP_MULTISESSION_CISCO: Final = 131
CAP_OPERATIONAL: Final = 185

# --- NOTIFICATION codes (RFC 4271, 4486, 7313, 8203, 9003, 9234) ---------------------------------
ERR_HEADER: Final = 1
ERR_OPEN: Final = 2
ERR_UPDATE: Final = 3
ERR_HOLD_TIMER: Final = 4
ERR_FSM: Final = 5
ERR_CEASE: Final = 6
ERR_ROUTE_REFRESH: Final = 7

# header subcodes
HDR_NOT_SYNCHRONIZED: Final = 1
HDR_BAD_LENGTH: Final = 2
HDR_BAD_TYPE: Final = 3

# OPEN subcodes
OPEN_UNSUPPORTED_VERSION: Final = 1
OPEN_BAD_PEER_AS: Final = 2
OPEN_BAD_BGP_ID: Final = 3
OPEN_UNSUPPORTED_OPTIONAL_PARAMETER: Final = 4
OPEN_UNACCEPTABLE_HOLD_TIME: Final = 6
OPEN_UNSUPPORTED_CAPABILITY: Final = 7
OPEN_ROLE_MISMATCH: Final = 11

# UPDATE subcodes
UPD_MALFORMED_ATTRIBUTE_LIST: Final = 1
UPD_UNRECOGNIZED_WELLKNOWN: Final = 2
UPD_MISSING_WELLKNOWN: Final = 3
UPD_ATTRIBUTE_FLAGS: Final = 4
UPD_ATTRIBUTE_LENGTH: Final = 5
UPD_INVALID_ORIGIN: Final = 6
UPD_INVALID_NEXT_HOP: Final = 8
UPD_OPTIONAL_ATTRIBUTE: Final = 9
UPD_INVALID_NETWORK: Final = 10
UPD_MALFORMED_AS_PATH: Final = 11

# CEASE subcodes
CEASE_MAX_PREFIXES: Final = 1
CEASE_ADMIN_SHUTDOWN: Final = 2
CEASE_PEER_DECONFIGURED: Final = 3
CEASE_ADMIN_RESET: Final = 4
CEASE_CONNECTION_REJECTED: Final = 5
CEASE_OTHER_CONFIG_CHANGE: Final = 6
CEASE_COLLISION: Final = 7
CEASE_OUT_OF_RESOURCES: Final = 8
CEASE_HARD_RESET: Final = 9
CEASE_BFD_DOWN: Final = 10
