"""JSON events as ExaBGP 5.0.15 writes them: envelope, every event type, attribute rendering, escaping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiobgp.api.events import PARSED, EventMode, NeighborInfo
from aiobgp.api.json import JsonEncoder, attributes_json
from aiobgp.config.model import MessageSelection
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.capabilities import local_capabilities
from aiobgp.wire.constants import AS_CONFED_SEQUENCE, AS_SEQUENCE, AS_SET, IPV4_UNICAST, IPV6_UNICAST
from aiobgp.wire.context import Negotiated
from aiobgp.wire.nlri import parse_prefix
from aiobgp.wire.notification import Notification, shutdown_communication
from aiobgp.wire.open import Open, decode_open, encode_open
from aiobgp.wire.refresh import RouteRefresh
from aiobgp.wire.update import Update

IP = bytes.fromhex


def key(text: str, path_id: int | None = None) -> bytes:
    return parse_prefix(text, path_id)[1]


def neighbor() -> NeighborInfo:
    return NeighborInfo("127.0.0.1", "127.0.0.2", 65000, 65001, "1.2.3.4")


def encoder() -> JsonEncoder:
    return JsonEncoder(clock=lambda: 1700000000.5)


def event(line: str) -> dict[str, Any]:
    assert line.endswith("\n") and line.count("\n") == 1
    parsed: dict[str, Any] = json.loads(line)
    return parsed


NEGOTIATED = Negotiated(
    local_as=65000,
    peer_as=65001,
    families=frozenset({IPV4_UNICAST, IPV6_UNICAST}),
    addpath_send=frozenset({IPV4_UNICAST}),
    addpath_receive=frozenset({IPV4_UNICAST}),
    max_message=65535,
    hold_time=30,
    refresh="enhanced",
    extended_nexthop=frozenset({(1, 1, 2)}),
)
NEGOTIATED_JSON = {
    "message_size": 65535,
    "hold_time": 30,
    "asn4": True,
    "multisession": False,
    "operational": False,
    "refresh": "enhanced",
    "families": ["ipv4 unicast", "ipv6 unicast"],
    "nexthop": ["ipv4 unicast ipv6"],
    "add_path": {"send": ["ipv4 unicast"], "receive": ["ipv4 unicast"]},
}

# --- path attributes: Attributes -> the members of "attribute" ---------------------------------

ATTRIBUTE_CASES: list[tuple[Attributes, dict[str, Any]]] = [
    (Attributes(origin=0), {"origin": "igp"}),
    (Attributes(origin=1), {"origin": "egp"}),
    (Attributes(origin=2), {"origin": "incomplete"}),
    (Attributes(as_path=()), {}),  # an empty AS_PATH shows nothing
    (
        Attributes(as_path=((AS_SEQUENCE, (1, 2)), (AS_SET, (5, 4)))),
        {
            "as-path": {
                "0": {"element": "as-sequence", "value": [1, 2]},
                "1": {"element": "as-set", "value": [5, 4]},
            }
        },
    ),
    (
        Attributes(as_path=((AS_CONFED_SEQUENCE, (7,)), (AS_SEQUENCE, (4200000000,)))),
        {
            "as-path": {
                "0": {"element": "as-sequence", "value": [7]},
                "1": {"element": "as-sequence", "value": [4200000000]},
            }
        },
    ),
    (Attributes(med=0), {"med": 0}),
    (Attributes(local_pref=4294967295), {"local-preference": 4294967295}),
    (Attributes(atomic_aggregate=True), {"atomic-aggregate": True}),
    (Attributes(aggregator=(65000, IP("01010101"))), {"aggregator": "65000:1.1.1.1"}),
    (
        Attributes(communities=(0xFFFFFF01, 0x00010002, 0x00010002, 0xFFFF0000)),
        {"community": [[1, 2], [1, 2], [65535, 0], [65535, 65281]]},
    ),
    (Attributes(originator_id=IP("09090909")), {"originator-id": "9.9.9.9"}),
    (Attributes(cluster_list=(IP("02020202"), IP("01010101"))), {"cluster-list": ["2.2.2.2", "1.1.1.1"]}),
    (
        Attributes(large_communities=((3, 2, 1), (1, 2, 3), (1, 2, 3))),
        {"large-community": [[1, 2, 3], [3, 2, 1]]},
    ),
    (
        Attributes(unknown=((0x99, 0xE0, IP("0102")), (0x23, 0xF0, IP("000000AB")))),
        {"attribute-0x23-0xF0": "0x000000ab", "attribute-0x99-0xE0": "0x0102"},
    ),
]

EXTENDED_CASES = [
    ("0002FDE800000001", "target:65000:1"),
    ("4002FDE800000001", "target:65000:1"),  # non-transitive bit ignored
    ("0102C0A8000100FF", "target:192.168.0.1:255"),
    ("02020000FDE80005", "target:65000:5"),
    ("00130001000000FF", "rtrecord:1:255"),
    ("00031A8502030405", "origin:6789:2.3.4.5"),  # 5.0.15: number first (2-octet AS type)
    ("010302030405FDE8", "origin:65000:2.3.4.5"),  # and for the IPv4-address type
    ("02030000FDE80007", "origin:65000:7"),
    ("8006000047C35000", "rate-limit:100000"),
    ("800C0000C47A0000", "rate-limit:0:packets"),  # negative rates read as 0
    ("8007000000000003", "action sample-terminal"),
    ("8007000000000000", "action "),
    ("80080001000004D2", "redirect:1:1234"),
    ("82080001000004D2", "0x82080001000004D2"),  # no text for the 4-octet AS redirect in 5.0.15
    ("800900000000002E", "mark 46"),
    ("010C0A0000010001", "copy-to-nexthop-ietf 10.0.0.1 (with copy)"),
    ("010C0A0000010000", "redirect-to-nexthop-ietf 10.0.0.1"),
    ("0800000000000001", "copy-to-nexthop"),
    ("4004FDE84B189680", "bandwith:65000:10000000"),
    ("030C000000000008", "encap:VXLAN"),
    ("030C0000000000FF", "encap:encap:UNKNOWN-255"),
    ("800A130005DC006F", "l2info:19:0:1500:111"),
    ("0600010000000007", "mac-mobility:7:sticky"),
    ("070200000001C00A", "interface-set:input-output:1:10"),
    ("0314000000070000", "consistentHashSortOrder:7"),
    ("0C00000A00000014", "mup:10:20"),
    ("0F0F000000000000", ""),  # an unregistered type has no text
]


@pytest.mark.parametrize(("attrs", "expected"), ATTRIBUTE_CASES)
def test_attribute_members(attrs: Attributes, expected: dict[str, Any]) -> None:
    assert json.loads("{" + attributes_json(attrs) + "}") == expected


@pytest.mark.parametrize(("raw", "text"), EXTENDED_CASES)
def test_extended_community_text(raw: str, text: str) -> None:
    rendered = json.loads("{" + attributes_json(Attributes(ext_communities=(IP(raw),))) + "}")
    (only,) = rendered["extended-community"]
    assert only["string"] == text
    if not raw.startswith("06"):  # MAC mobility is shown re-encoded
        assert only["value"] == int(raw, 16)


def test_extended_communities_sorted_by_value() -> None:
    attrs = Attributes(ext_communities=(IP("0002FDE800000002"), IP("0002000100000001")))
    rendered = json.loads("{" + attributes_json(attrs) + "}")
    assert [c["string"] for c in rendered["extended-community"]] == ["target:1:1", "target:65000:2"]


def test_attribute_order_is_by_type_code() -> None:
    attrs = Attributes(
        origin=0,
        med=5,
        local_pref=100,
        communities=(1,),
        large_communities=((1, 1, 1),),
        unknown=((0x11 + 3, 0xC0, b"\x01"), (0xFF, 0xC0, b"")),
    )
    members = list(json.loads("{" + attributes_json(attrs) + "}"))
    assert members == [
        "origin",
        "med",
        "local-preference",
        "community",
        "attribute-0x14-0xC0",
        "large-community",
        "attribute-0xFF-0xC0",
    ]


# --- the envelope and each event ---------------------------------------------------------------


def test_envelope_order_and_counter() -> None:
    n = neighbor()
    enc = encoder()
    first = enc.state(n, "connected")
    assert first.startswith('{ "exabgp": "5.0.0", "time": 1700000000.5, "host" : ')
    parsed = event(first)
    assert list(parsed) == ["exabgp", "time", "host", "pid", "ppid", "counter", "type", "neighbor"]
    assert parsed["neighbor"] == {
        "address": {"local": "127.0.0.2", "peer": "127.0.0.1"},
        "asn": {"local": 65000, "peer": 65001},
        "router-id": "1.2.3.4",
        "state": "connected",
    }
    # one counter per neighbor, shared by every encoder (helper)
    assert event(JsonEncoder().fsm(n, "IDLE"))["counter"] == 2
    assert event(enc.fsm(neighbor(), "IDLE"))["counter"] == 1


def test_neighbor_without_router_id_and_changed_address() -> None:
    n = NeighborInfo("::1", "::2", 1, 2, None)
    assert "router-id" not in event(encoder().state(n, "up"))["neighbor"]
    n.local_address = "::3"
    assert event(encoder().state(n, "up"))["neighbor"]["address"]["local"] == "::3"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda e, n: e.state(n, "up"), ("state", {"state": "up"})),
        (
            lambda e, n: e.state(n, "down", 'peer said "bye"\n'),
            ("state", {"state": "down", "reason": 'peer said "bye"\n'}),
        ),
        (lambda e, n: e.fsm(n, "OPENSENT"), ("fsm", {"state": "OPENSENT"})),
        (lambda e, n: e.signal(n, 15), ("signal", {"code": "15", "name": "SIGTERM"})),
        (lambda e, n: e.negotiated(n, NEGOTIATED), ("negotiated", {"negotiated": NEGOTIATED_JSON})),
        (
            lambda e, n: e.keepalive(n, "send", IP("FF" * 16 + "001304"), b"", EventMode(raw=True)),
            ("keepalive", {"direction": "send"}),
        ),
        (
            lambda e, n: e.refresh(n, "receive", RouteRefresh(1, 1, 2), b"", b"", PARSED),
            (
                "refresh",
                {
                    "direction": "receive",
                    "route-refresh": {"afi": "ipv4", "safi": "unicast", "subtype": "end"},
                },
            ),
        ),
        (
            lambda e, n: e.packet(n, "send", 5, IP("FF" * 16 + "001705"), IP("00010001"), None),
            (
                "route-refresh",
                {
                    "direction": "send",
                    "message": {"category": 5, "header": "0x" + "FF" * 16 + "001705", "body": "0x00010001"},
                },
            ),
        ),
        (
            lambda e, n: e.packet(n, "receive", 4, IP("FF" * 16 + "001304"), b"", NEGOTIATED),
            (
                "keepalive",
                {
                    "direction": "receive",
                    "message": {"category": 4, "header": "0x" + "FF" * 16 + "001304", "body": "0x"},
                    "negotiated": NEGOTIATED_JSON,
                },
            ),
        ),
    ],
)
def test_events(call: Any, expected: tuple[str, dict[str, Any]]) -> None:
    kind, members = expected
    parsed = event(call(encoder(), neighbor()))
    assert parsed["type"] == kind
    body = {k: v for k, v in parsed["neighbor"].items() if k not in ("address", "asn", "router-id")}
    assert body == members


def test_consolidate_puts_raw_bytes_in_the_envelope() -> None:
    header = IP("FF" * 16 + "001304")
    parsed = event(encoder().keepalive(neighbor(), "receive", header, b"", EventMode(raw=True)))
    assert list(parsed)[6:8] == ["type", "header"]  # an empty body is left out
    assert parsed["header"] == "0x" + "FF" * 16 + "001304"
    assert "header" not in event(encoder().keepalive(neighbor(), "receive", header, b"", PARSED))


def test_shutdown() -> None:
    parsed = event(encoder().shutdown())
    assert list(parsed) == ["exabgp", "time", "host", "pid", "ppid", "type", "notification"]
    assert parsed["notification"] == "shutdown"


# --- NOTIFICATION ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notification", "data_text", "message"),
    [
        (
            Notification(6, 2, shutdown_communication("going down")),
            'Shutdown Communication: "going down"',
            None,
        ),
        (
            Notification(6, 4, shutdown_communication('a "quoted"\r\nline\\')),
            'Shutdown Communication: "a "quoted"  line\\"',
            None,
        ),
        (Notification(6, 2), "", None),
        (Notification(6, 2, b"\x00"), "empty Shutdown Communication.", None),
        (
            Notification(6, 4, b"\x05ab"),
            "invalid Shutdown Communication (buffer underrun) length : 5 [0x6162]",
            None,
        ),
        (
            Notification(6, 2, b"\x02\xff\xfe"),
            "invalid Shutdown Communication (invalid UTF-8) length : 2 [0xFFFE]",
            None,
        ),
        (
            Notification(6, 2, shutdown_communication("é" * 100)),
            'Shutdown Communication: "' + "é" * 100 + '"',
            None,
        ),
        (Notification(3, 1, b"\xff\x00ab"), None, "\ufffd\x00ab"),
        (Notification(4, 0), "", ""),
    ],
)
def test_notification(notification: Notification, data_text: str | None, message: str | None) -> None:
    parsed = event(encoder().notification(neighbor(), "receive", notification, b"", b"", PARSED))
    body = parsed["neighbor"]["notification"]
    assert (body["code"], body["subcode"]) == (notification.code, notification.subcode)
    if data_text is not None:
        assert body["message"] == data_text
        assert body["data"] == "0x" + data_text.encode().hex().upper()
    else:
        assert body["data"] == "0x" + notification.data.hex().upper()
        assert body["message"] == message


# --- OPEN --------------------------------------------------------------------------------------

HOSTILE = 'evil"\n{"type": "x"}\\'


def _open(**kwargs: Any) -> Open:
    caps = local_capabilities(
        families=[IPV4_UNICAST, IPV6_UNICAST],
        asn=4200000000,
        route_refresh=True,
        graceful_restart=120,
        add_path={IPV4_UNICAST: 3, IPV6_UNICAST: 1},
        extended_message=True,
        **kwargs,
    )
    return decode_open(encode_open(4200000000, 180, 0x01020305, caps)[19:])


def test_received_open() -> None:
    message = _open(hostname=(HOSTILE, "example.com"), software_version="aiobgp/1 \x00")
    parsed = event(encoder().open(neighbor(), "receive", message, b"", b"", PARSED))
    assert parsed["neighbor"]["open"] == {
        "version": 4,
        "asn": 23456,
        "hold_time": 180,
        "router_id": "1.2.3.5",
        "capabilities": {
            "1": {"name": "multiprotocol", "families": ["ipv4/unicast", "ipv6/unicast"]},
            "65": {"name": "asn4", "asn4": 4200000000},
            "69": {"name": "addpath", "ipv4/unicast": "send/receive", "ipv6/unicast": "receive"},
            "64": {
                "name": "graceful restart",
                "time": 120,
                "address-family-flags": {"ipv4/unicast": ["restart"], "ipv6/unicast": ["restart"]},
                "restart-flags": ["forwarding"],
            },
            "2": {"name": "route-refresh", "variant": "RFC"},
            "70": {"name": "enhanced-route-refresh"},
            "6": {"name": "extended-message", "size": 65535},
            "73": {"host-name": HOSTILE, "domain-name": "example.com"},
            "75": {"software": "aiobgp/1 \x00"},
        },
    }


def test_sent_open_keys_by_name_with_a_hostname_entry() -> None:
    message = Open(4, 65000, 90, 0x0A000001, _open().capabilities)
    message.capabilities.raw = []  # as built locally, before any wire round trip
    parsed = event(encoder().open(neighbor(), "send", message, b"", b"", PARSED))
    assert list(parsed["neighbor"]["open"]["capabilities"]) == [
        "multiprotocol",
        "asn4",
        "add-path",
        "graceful-restart",
        "route-refresh",
        "enhanced-route-refresh",
        "extended-message",
        "hostname",
    ]
    assert parsed["neighbor"]["open"]["capabilities"]["hostname"] == {"host-name": None, "domain-name": None}


def test_unknown_capabilities() -> None:
    caps = local_capabilities(
        families=[(1, 73)],
        asn=1,
        route_refresh=False,
        graceful_restart=None,
        add_path={},
        extended_message=False,
    )
    caps.unknown = [(66, b"lorem"), (128 + 3, b""), (200, b"\x01")]
    caps.multisession_cisco = False
    parsed = event(
        encoder().open(neighbor(), "receive", decode_open(encode_open(1, 3, 1, caps)[19:]), b"", b"", PARSED)
    )
    assert parsed["neighbor"]["open"]["capabilities"] == {
        "1": {"name": "multiprotocol", "families": ["ipv4/unknown safi 73"]},
        "65": {"name": "asn4", "asn4": 1},
        "66": {"name": "unknown", "iana": "unknown", "value": 66, "raw": "6C6F72656D"},
        "131": {"name": "multisession", "variant": "Cisco", "capabilities": []},
        "200": {"name": "unknown", "iana": "reserved", "value": 200, "raw": "01"},
    }


# --- UPDATE ------------------------------------------------------------------------------------


def _update(update: Update, negotiated: Negotiated | None = None, mode: EventMode = PARSED) -> dict[str, Any]:
    parsed = event(encoder().update(neighbor(), "receive", update, b"", b"", mode, negotiated))
    assert parsed["type"] == "update"
    message: dict[str, Any] = parsed["neighbor"]["message"]
    return message


def test_update_eor() -> None:
    assert _update(Update([], [], None, IPV6_UNICAST)) == {"eor": {"afi": "ipv6", "safi": "unicast"}}


def test_update_announce_and_withdraw() -> None:
    attrs = Attributes(origin=0, local_pref=100)
    update = Update(
        [
            (IPV4_UNICAST, [key("20.0.0.0/24")]),
            (IPV6_UNICAST, [key("2001:db8::/32")]),
            (IPV4_UNICAST, [key("1.0.0.0/8")]),
        ],
        [
            (IPV4_UNICAST, IP("01020304"), [key("10.0.0.0/24"), key("10.0.1.0/25")]),
            (
                IPV6_UNICAST,
                IP("20010db8" + "00" * 11 + "01" + "fe80" + "00" * 13 + "02"),
                [key("::ffff:1.2.3.0/120")],
            ),
        ],
        attrs,
    )
    assert _update(update) == {
        "update": {
            "attribute": {"origin": "igp", "local-preference": 100},
            "announce": {
                "ipv4 unicast": {"1.2.3.4": [{"nlri": "10.0.0.0/24"}, {"nlri": "10.0.1.0/25"}]},
                "ipv6 unicast": {
                    "2001:db8::1": [{"nlri": "::ffff:1.2.3.0/120"}],
                    "fe80::2": [{"nlri": "::ffff:1.2.3.0/120"}],
                },
            },
            "withdraw": {
                "ipv4 unicast": [{"nlri": "20.0.0.0/24"}, {"nlri": "1.0.0.0/8"}],
                "ipv6 unicast": [{"nlri": "2001:db8::/32"}],
            },
        }
    }


def test_update_withdraw_only_and_attributes_only() -> None:
    assert _update(Update([(IPV4_UNICAST, [key("20.0.0.0/24")])], [], None)) == {
        "update": {"withdraw": {"ipv4 unicast": [{"nlri": "20.0.0.0/24"}]}}
    }
    assert _update(Update([(IPV4_UNICAST, [key("20.0.0.0/24")])], [], Attributes())) == {
        "update": {"attribute": {}, "withdraw": {"ipv4 unicast": [{"nlri": "20.0.0.0/24"}]}}
    }
    assert _update(Update([], [], Attributes(med=1))) == {"update": {"attribute": {"med": 1}}}


def test_update_no_next_hop_and_unsupported_family() -> None:
    update = Update(
        [((1, 133), [b"\x01"])],
        [(IPV4_UNICAST, None, [key("10.0.0.0/8")]), ((25, 65), b"", [b""])],
        Attributes(origin=0),
    )
    assert _update(update) == {
        "update": {
            "attribute": {"origin": "igp"},
            "announce": {"ipv4 unicast": {"no-nexthop": [{"nlri": "10.0.0.0/8"}]}},
        }
    }


def test_update_path_information_and_negotiated() -> None:
    update = Update(
        [],
        [(IPV4_UNICAST, IP("01020304"), [key("10.0.0.0/24", 0), key("10.0.0.0/24", 0x01020304)])],
        Attributes(origin=0),
    )
    message = _update(update, NEGOTIATED)
    assert message["update"]["announce"]["ipv4 unicast"]["1.2.3.4"] == [
        {"nlri": "10.0.0.0/24", "path-information": "0.0.0.0"},
        {"nlri": "10.0.0.0/24", "path-information": "1.2.3.4"},
    ]
    line = encoder().update(neighbor(), "receive", update, b"", b"", EventMode(negotiated=True), NEGOTIATED)
    assert list(event(line)["neighbor"])[-2:] == ["message", "negotiated"]
    assert event(line)["neighbor"]["negotiated"] == NEGOTIATED_JSON


def test_update_compact() -> None:
    update = Update(
        [(IPV4_UNICAST, [key("20.0.0.0/24")])],
        [(IPV4_UNICAST, IP("01020304"), [key("10.0.0.0/24")])],
        Attributes(origin=0),
    )
    line = JsonEncoder(compact=True).update(neighbor(), "receive", update, b"", b"", PARSED, None)
    assert json.loads(line)["neighbor"]["message"]["update"] == {
        "attribute": {"origin": "igp"},
        "announce": {"ipv4 unicast": {"1.2.3.4": ["10.0.0.0/24"]}},
        "withdraw": {"ipv4 unicast": ["20.0.0.0/24"]},
    }


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("mode", [PARSED, EventMode(negotiated=True)])
@pytest.mark.parametrize("negotiated", [None, NEGOTIATED])
@pytest.mark.parametrize("direction", ["receive", "send"])
def test_updates_read_together_are_the_lines_of_update_one_by_one(
    compact: bool, mode: EventMode, negotiated: Negotiated | None, direction: str
) -> None:
    pid = None if negotiated is None else 7  # NEGOTIATED has ADD-PATH for ipv4 unicast
    updates = [
        Update(
            [], [(IPV4_UNICAST, IP("01020304"), [key("10.0.0.0/24", pid), key("10.0.1.0/25", pid)])], None
        ),
        Update([], [(IPV4_UNICAST, IP("01020304"), [key("10.0.2.0/24", pid)])], Attributes(med=5)),
        Update([(IPV4_UNICAST, [key("20.0.0.0/24", pid)])], [], None),
        Update(
            [], [(IPV6_UNICAST, IP("20010db8" + "00" * 12), [key("2001:db8::/32")])], Attributes(origin=0)
        ),
        Update([], [], None, IPV6_UNICAST),
    ]
    together, alone = (
        JsonEncoder(compact=compact, clock=lambda: 5.25),
        JsonEncoder(compact=compact, clock=lambda: 5.25),
    )
    n, m = neighbor(), neighbor()
    lines = together.updates(n, direction, updates, mode, negotiated)
    assert lines == [alone.update(m, direction, u, b"", b"", mode, negotiated) for u in updates]
    assert n.counter == m.counter == len(updates)
    assert [event(line)["counter"] for line in lines] == [1, 2, 3, 4, 5]


def test_key_value_spacing_scripts_match() -> None:
    update = Update([], [(IPV4_UNICAST, IP("0A000000"), [key("192.168.0.0/32")])], Attributes(origin=0))
    assert '"nlri": "192.168.0.0/32"' in encoder().update(
        neighbor(), "receive", update, b"", b"", PARSED, None
    )


@pytest.mark.parametrize(
    ("parsed", "packets", "consolidate", "raw"),
    [
        (True, False, False, False),
        (False, True, True, True),
        (False, False, True, False),
        (True, True, False, False),
    ],
)
def test_event_mode_of_selection(parsed: bool, packets: bool, consolidate: bool, raw: bool) -> None:
    selection = MessageSelection(parsed=parsed, packets=packets, consolidate=consolidate, update=True)
    assert EventMode.of(selection, negotiated=True) == EventMode(raw=raw, negotiated=True)


# --- FlowSpec (RFC 8955 / RFC 8956) ---------------------------------------------------------------
# expected objects as `exabgp decode` (5.0.15) prints the same rules

FLOW_CASES: list[tuple[tuple[int, int], str, str | None, dict[str, Any]]] = [
    (
        (1, 133),
        "0120c0a80001 02200a000009 030111 8106 040150 911f90 05121f90 541f98 910c38 06920400",
        None,
        {
            "destination-ipv4": ["192.168.0.1/32"],
            "source-ipv4": ["10.0.0.9/32"],
            "protocol": ["=udp", "=tcp"],
            "port": ["=80", "=8080"],
            "destination-port": [">8080&<8088", "=3128"],
            "source-port": [">1024"],
            "string": "flow destination-ipv4 192.168.0.1/32 source-ipv4 10.0.0.9/32 protocol [ =udp =tcp ] "
            "port [ =80 =8080 ] destination-port [ >8080&<8088 =3128 ] source-port >1024",
        },
    ),
    # every numeric operator; 5.0.15 writes the value after an AND-ed true/false only
    (
        (1, 133),
        "03 0006 0106 0206 0306 0406 0506 0606 0706 4711 8181",
        None,
        {
            "protocol": ["false", "=tcp", ">tcp", ">=tcp", "<tcp", "<=tcp", "!=tcp", "true&trueudp", "=129"],
            "string": "flow protocol [ false =tcp >tcp >=tcp <tcp <=tcp !=tcp true&trueudp =129 ]",
        },
    ),
    (
        (1, 133),
        "0701 03 01 08 4100 81ff 08 8101 09 40 02 01 10 43 02 00 09 c1 ff",
        None,
        {
            "icmp-type": ["=unreachable", "=echo-request&=echo-reply", "=255"],
            "icmp-code": ["=1"],
            "tcp-flags": ["syn", "=ack&!=syn", "fin+push&=fin+syn+rst+push+ack+urg+ece+cwr"],
            "string": "flow icmp-type [ =unreachable =echo-request&=echo-reply =255 ] icmp-code =1 "
            "tcp-flags [ syn =ack&!=syn fin+push&=fin+syn+rst+push+ack+urg+ece+cwr ]",
        },
    ),
    (
        (1, 133),
        "09 91ff00 0a 1205dc d405dd 0b 8130 0c 00 0f 02 01 c1 10",
        None,
        {
            "tcp-flags": ["=ns+unknown tcp flag type 65280"],
            "packet-length": [">1500&<1501"],
            "dscp": ["=48"],
            "fragment": ["dont-fragment+is-fragment+first-fragment+last-fragment", "!dont-fragment&="],
            "string": "flow tcp-flags =ns+unknown tcp flag type 65280 packet-length [ >1500&<1501 ] dscp =48 "
            "fragment [ dont-fragment+is-fragment+first-fragment+last-fragment !dont-fragment&= ]",
        },
    ),
    (
        (2, 133),
        "018000 20010000000000000000000000000001 02807801 038111 0b8165 0c810f 0d9107dd",
        None,
        {
            "destination-ipv6": ["2001::1/128/0"],
            "source-ipv6": ["::1/128/120"],
            "next-header": ["=udp"],
            "traffic-class": ["=101"],
            "fragment": ["=is-fragment+first-fragment+last-fragment"],
            "flow-label": ["=2013"],
            "string": "flow destination-ipv6 2001::1/128/0 source-ipv6 ::1/128/120 next-header =udp "
            "traffic-class =101 fragment =is-fragment+first-fragment+last-fragment flow-label =2013",
        },
    ),
    (
        (2, 133),
        "01402000000db8",
        "20010db8000000000000000000000001",
        {
            "destination-ipv6": ["0:0:0:db8::/64/32"],
            "next-hop": "2001:db8::1",
            "string": "flow destination-ipv6 0:0:0:db8::/64/32 next-hop 2001:db8::1",
        },
    ),
    (
        (1, 134),
        "0000ffff00010000 0120c0a80001 022001020304",
        "05060708",
        {
            "destination-ipv4": ["192.168.0.1/32"],
            "source-ipv4": ["1.2.3.4/32"],
            "rd": "65535:65536",
            "next-hop": "5.6.7.8",
            "string": "flow destination-ipv4 192.168.0.1/32 source-ipv4 1.2.3.4/32 rd 65535:65536 "
            "next-hop 5.6.7.8",
        },
    ),
    (
        (1, 134),
        "00010102030400ff 038106",
        None,
        {"protocol": ["=tcp"], "rd": "1.2.3.4:255", "string": "flow protocol =tcp rd 1.2.3.4:255"},
    ),
    (
        (1, 134),
        "0002ffffffff0001 0117c0a801",
        None,
        {
            "destination-ipv4": ["192.168.1.0/23"],
            "rd": "4294967295:1",
            "string": "flow destination-ipv4 192.168.1.0/23 rd 4294967295:1",
        },
    ),
    (
        (1, 134),
        "0003000100020003 0100",
        None,
        {
            "destination-ipv4": ["0.0.0.0/0"],
            "rd": "0x0003000100020003",
            "string": "flow destination-ipv4 0.0.0.0/0 rd 0x0003000100020003",
        },
    ),
]


def _rule(body: str) -> bytes:
    raw = IP(body.replace(" ", ""))
    return bytes((len(raw),)) + raw


@pytest.mark.parametrize(("family", "body", "hop", "expected"), FLOW_CASES)
def test_flow_rules(family: tuple[int, int], body: str, hop: str | None, expected: dict[str, Any]) -> None:
    attrs = Attributes(origin=0, local_pref=100)
    next_hop = None if hop is None else IP(hop)
    announced = _update(Update([], [(family, next_hop, [_rule(body)])], attrs))
    hop_key = "no-nexthop" if next_hop is None else expected["next-hop"]
    family_key = f"{'ipv4' if family[0] == 1 else 'ipv6'} {'flow' if family[1] == 133 else 'flow-vpn'}"
    assert announced["update"]["announce"] == {family_key: {hop_key: [expected]}}
    withdrawn = _update(Update([(family, [_rule(body)])], [], None))
    without_hop = {k: v for k, v in expected.items() if k != "next-hop"}
    without_hop["string"] = expected["string"].split(" next-hop ")[0]
    assert withdrawn["update"]["withdraw"] == {family_key: [without_hop]}


def test_flow_rule_spacing_and_malformed_rules() -> None:
    line = encoder().update(
        neighbor(),
        "receive",
        Update([((1, 133), [_rule("0e8101"), _rule("0120c0a80001")])], [], None),
        b"",
        b"",
        PARSED,
        None,
    )
    assert (
        '"withdraw": { "ipv4 flow": [ { "destination-ipv4": [ "192.168.0.1/32" ], '
        '"string": "flow destination-ipv4 192.168.0.1/32" } ] }' in line
    )
    # a rule that cannot be decoded is not shown (5.0.15 drops it), nor is its family when alone
    update = Update([((1, 133), [_rule("0e8101")])], [((1, 133), None, [_rule("030106")])], Attributes())
    assert _update(update) == {"update": {"attribute": {}}}


def test_ipv6_extended_communities() -> None:
    redirect = "000c" + "2a020b80000000010000000000000001" + "0000"
    copy = "000c" + "2a020b80000000010000000000000001" + "0001"
    others = "000d" + "2a020b80000000010000000000000001" + "1234" + "000b" + "00" * 18
    attrs = Attributes(origin=0, unknown=((25, 0xE0, IP(others + copy + redirect)), (99, 0xC0, IP("01"))))
    assert json.loads("{" + attributes_json(attrs) + "}") == {
        "origin": "igp",
        "extended-community-ipv6": [
            {"value": int("000b" + "00" * 18, 16), "string": "0x000B" + "00" * 18},
            {"value": int(redirect, 16), "string": "redirect-to-nexthop-ietf 2a02:b80:0:1::1"},
            {"value": int(copy, 16), "string": "copy-to-nexthop-ietf 2a02:b80:0:1::1 (with copy)"},
            {"value": int(others[:40], 16), "string": ""},
        ],
        "attribute-0x63-0xC0": "0x01",
    }
    odd = Attributes(unknown=((25, 0xC0, IP("0102")),))
    assert json.loads("{" + attributes_json(odd) + "}") == {"attribute-0x19-0xC0": "0x0102"}
