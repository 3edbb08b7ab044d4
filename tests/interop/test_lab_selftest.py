"""Self-test of the interop fixtures: the real daemons peer with each other (no aiobgp involved).

Proves that each fixture starts its daemon, that sessions come up (loopback, namespace, MD5),
that received routes are parsed with their attributes, that routes can be added and withdrawn at
run time, that hold-timer expiry and NOTIFICATIONs are read from the logs, and that everything
is stopped again.  A tiny raw-socket BGP speaker checks that a Cease / Administrative Shutdown
sent by a speaker is recognised by every daemon.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import DaemonFactory, require_daemon
from .netns import Netns
from .peers import Bird, PeerDaemon, ReceivedRoute, _bird_notification

HOLD = 9  # short enough for quick failure detection, long enough for a loaded machine
AS_A, AS_B = 65001, 65002
DOC_NH = "198.51.100.1"  # non-loopback next hop: GoBGP and FRR reject 127/8 next hops

Factories = dict[str, DaemonFactory[Any]]


@pytest.fixture
def factories(bird_factory: Any, gobgp_factory: Any, frr_factory: Any) -> Factories:
    return {"bird": bird_factory, "gobgp": gobgp_factory, "frr": frr_factory}


def summary(route: ReceivedRoute) -> tuple[object, ...]:
    """Everything but the raw daemon output, for comparisons."""
    return (
        route.prefix,
        route.next_hop,
        route.as_path,
        route.origin,
        route.med,
        route.local_pref,
        route.communities,
        route.large_communities,
    )


def expected(sender: PeerDaemon, family: str, next_hop: str) -> list[tuple[object, ...]]:
    """What the receiver of ``sender``'s routes of ``family`` must show (eBGP, no local_pref)."""
    prefixes = sorted(r for r in sender.routes if (":" in r) == (family == "ipv6"))
    med = 0 if sender.med is None and sender.kind == "frr" else sender.med  # FRR: MED 0 on "network"
    return [
        (
            p,
            next_hop,
            [sender.local_as],
            "igp",
            med,
            None,
            sender.communities,
            sender.large_communities,
        )
        for p in prefixes
    ]


def connect_pair(
    factories: Factories,
    kinds: tuple[str, str],
    ips: tuple[str, str],
    options: tuple[dict[str, Any], dict[str, Any]] = ({}, {}),
    **common: Any,
) -> tuple[PeerDaemon, PeerDaemon]:
    """Start daemon kinds[0] on ips[0] (AS 65001) and kinds[1] on ips[1] (AS 65002), peered; options win."""
    common.setdefault("hold", HOLD)
    a = factories[kinds[0]](
        **{"local_ip": ips[0], "peer_ip": ips[1], "local_as": AS_A, "peer_as": AS_B, **common, **options[0]}
    )
    b = factories[kinds[1]](
        **{"local_ip": ips[1], "peer_ip": ips[0], "local_as": AS_B, "peer_as": AS_A, **common, **options[1]}
    )
    return a, b


def check_exchange(a: PeerDaemon, b: PeerDaemon, nh_a: str, nh_b: str, families: tuple[str, ...]) -> None:
    """Both sessions up; each side holds exactly the other's routes with the right attributes."""
    a.wait_established()
    b.wait_established()
    for family in families:
        for sender, receiver, nh in ((a, b, nh_a), (b, a, nh_b)):
            want = expected(sender, family, nh)
            receiver.wait_received(len(want), family)
            assert [summary(r) for r in receiver.received_routes(family)] == want, (receiver, family)


def check_add_del(a: PeerDaemon, b: PeerDaemon, prefix: str) -> None:
    """``a`` originates ``prefix`` at run time, ``b`` receives it; then it is withdrawn again."""
    family = "ipv6" if ":" in prefix else "ipv4"
    before = b.received_count(family)
    a.add_route(prefix)
    b.wait_received(before + 1, family)
    assert prefix in [r.prefix for r in b.received_routes(family)]
    a.del_route(prefix)
    b.wait_received(before, family)


ROUTES_A = ["10.1.0.0/24", "10.1.1.0/24", "2001:db8:1::/48"]
ROUTES_B = ["10.2.0.0/24", "2001:db8:2::/48"]
ATTRS_A = {"med": 10, "communities": ["65001:100", "65001:101"], "large_communities": ["65001:1:2"]}
ATTRS_B = {"communities": ["65002:200"]}


def test_bird_gobgp_loopback(factories: Factories, loopback_pair: tuple[str, str]) -> None:
    # BIRD's routes need a non-loopback next hop for GoBGP; GoBGP's loopback one suits BIRD
    bird, gobgp = connect_pair(
        factories,
        ("bird", "gobgp"),
        loopback_pair,
        ({"routes": ROUTES_A, "next_hop": DOC_NH, **ATTRS_A}, {"routes": ROUTES_B, **ATTRS_B}),
        ipv6=True,
    )
    check_exchange(bird, gobgp, DOC_NH, loopback_pair[1], ("ipv4",))
    check_exchange(bird, gobgp, "2001:db8::1", "2001:db8::1", ("ipv6",))
    check_add_del(bird, gobgp, "10.1.9.0/24")
    check_add_del(gobgp, bird, "10.2.9.0/24")
    check_add_del(gobgp, bird, "2001:db8:9::/48")
    assert bird.state() == "Established" and gobgp.state() == "established"


def test_frr_bird_loopback(factories: Factories, loopback_pair: tuple[str, str]) -> None:
    frr, bird = connect_pair(
        factories,
        ("frr", "bird"),
        loopback_pair,
        ({"routes": ROUTES_A, **ATTRS_A}, {"routes": ROUTES_B, "next_hop": DOC_NH, **ATTRS_B}),
        ipv6=True,
    )
    check_exchange(frr, bird, loopback_pair[0], DOC_NH, ("ipv4",))
    check_exchange(frr, bird, "2001:db8::1", "2001:db8::1", ("ipv6",))
    check_add_del(frr, bird, "10.1.9.0/24")
    check_add_del(bird, frr, "10.2.9.0/24")
    check_add_del(frr, bird, "2001:db8:9::/48")
    assert frr.state() == "Established"


@pytest.mark.parametrize("kinds", [("bird", "gobgp"), ("frr", "bird")], ids="-".join)
def test_ibgp_local_pref(
    factories: Factories, loopback_pair: tuple[str, str], kinds: tuple[str, str]
) -> None:
    """On iBGP the AS path of originated routes is empty and LOCAL_PREF (default 100) is reported."""
    a, b = connect_pair(
        factories,
        kinds,
        loopback_pair,
        ({"routes": ["10.1.0.0/24"], "peer_as": AS_A}, {"routes": ["10.2.0.0/24"], "local_as": AS_A}),
        next_hop=DOC_NH,
    )
    for sender, receiver in ((a, b), (b, a)):
        receiver.wait_received(1)
        (route,) = receiver.received_routes()
        assert (route.prefix, route.as_path, route.local_pref, route.next_hop) == (
            sender.routes[0],
            [],
            100,
            DOC_NH,
        )


@pytest.mark.parametrize("inside", ["gobgp", "frr"])
def test_gobgp_frr_netns(factories: Factories, netns_factory: Callable[..., Netns], inside: str) -> None:
    """One daemon inside a namespace, the other in the root namespace: next hop self is usable."""
    ns = netns_factory()
    outside = "frr" if inside == "gobgp" else "gobgp"
    a, b = connect_pair(
        factories,
        (outside, inside),
        (ns.host_ip, ns.ns_ip),
        ({"routes": ROUTES_A[:2], **ATTRS_A}, {"routes": ROUTES_B[:1], "netns": ns.name, **ATTRS_B}),
    )
    check_exchange(a, b, ns.host_ip, ns.ns_ip, ("ipv4",))
    check_add_del(b, a, "10.2.9.0/24")


@pytest.mark.parametrize("kinds", [("bird", "gobgp"), ("gobgp", "frr"), ("frr", "bird")], ids="-".join)
def test_md5_same_key(factories: Factories, loopback_pair: tuple[str, str], kinds: tuple[str, str]) -> None:
    a, b = connect_pair(factories, kinds, loopback_pair, md5="lab-secret")
    a.wait_established()
    b.wait_established()


def test_md5_different_keys(factories: Factories, loopback_pair: tuple[str, str]) -> None:
    a, b = connect_pair(
        factories, ("bird", "gobgp"), loopback_pair, ({"md5": "one-secret"}, {"md5": "another-one"})
    )
    deadline = time.monotonic() + 6  # both retry every second: several attempts fail meanwhile
    while time.monotonic() < deadline:
        assert not a.is_established() and not b.is_established()
        time.sleep(0.5)


@pytest.mark.parametrize("watcher,frozen", [("bird", "gobgp"), ("gobgp", "frr"), ("frr", "bird")])
def test_hold_timer_expiry(
    factories: Factories, loopback_pair: tuple[str, str], watcher: str, frozen: str
) -> None:
    """A frozen (SIGSTOP) daemon stops sending KEEPALIVEs: its peer's hold timer expires."""
    w, f = connect_pair(factories, (watcher, frozen), loopback_pair, hold=3)
    w.wait_established()
    f.wait_established()
    assert w.hold_timer_expiries() == 0
    f.freeze()
    try:
        w.wait_for(lambda: w.hold_timer_expiries() >= 1, timeout=10, what="hold timer expiry")
        assert not w.is_established()
    finally:
        f.thaw()
    w.wait_established()
    f.wait_established()


@pytest.mark.parametrize("other", ["gobgp", "frr"])
def test_bird_stop_sends_cease(factories: Factories, loopback_pair: tuple[str, str], other: str) -> None:
    bird, peer = connect_pair(factories, ("bird", other), loopback_pair)
    peer.wait_established()
    assert peer.notifications_received() == []
    bird.stop()
    peer.wait_for(lambda: (6, 2) in peer.notifications_received(), timeout=10, what="Cease received")
    assert not peer.is_established()


# ---------------------------------------------------------------- a minimal speaker


def _message(kind: int, body: bytes = b"") -> bytes:
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body


def _open(asn: int, router_id: str, hold: int = 30) -> bytes:
    caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + asn.to_bytes(4, "big")  # IPv4 unicast, AS4
    params = bytes([2, len(caps)]) + caps
    my_as = asn if asn <= 0xFFFF else 23456
    return _message(
        1, struct.pack("!BHH4sB", 4, my_as, hold, socket.inet_aton(router_id), len(params)) + params
    )


def _read_message(sock: socket.socket) -> tuple[int, bytes]:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("connection closed by the daemon")
            data += chunk
        return data

    length, kind = struct.unpack("!HB", exactly(19)[16:])
    return kind, exactly(length - 19)


def send_notification(
    daemon: PeerDaemon, code: int, subcode: int, data: bytes = b"", timeout: float = 20
) -> None:
    """Open a session to ``daemon`` from its peer_ip as peer_as, then send a NOTIFICATION."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(
                (daemon.local_ip, daemon.port), timeout=5, source_address=(daemon.peer_ip, 0)
            ) as sock:
                sock.sendall(_open(daemon.peer_as, daemon.peer_ip))
                kind, _ = _read_message(sock)
                assert kind == 1, f"expected OPEN, got message type {kind}"
                sock.sendall(_message(4))
                while kind != 4:  # up to the daemon's KEEPALIVE: the session is Established
                    kind, body = _read_message(sock)
                    if kind == 3:
                        raise ConnectionError(f"NOTIFICATION {body[0]}/{body[1]} from the daemon")
                sock.sendall(_message(3, bytes([code, subcode]) + data))
                time.sleep(0.3)  # let the daemon read it before the FIN
                return
        except OSError:  # refused while the daemon waits after the previous error: retry
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.parametrize("kind", ["bird", "gobgp", "frr"])
def test_notifications_from_speaker(factories: Factories, loopback_pair: tuple[str, str], kind: str) -> None:
    """Cease / Administrative Shutdown (with an RFC 9003 message) and Administrative Reset."""
    speaker_ip, peer_ip = loopback_pair
    daemon = factories[kind](
        local_ip=peer_ip, peer_ip=speaker_ip, local_as=AS_B, peer_as=AS_A, hold=HOLD, passive=True
    )
    shutdown_message = b"lab self-test"
    send_notification(daemon, 6, 2, bytes([len(shutdown_message)]) + shutdown_message)
    daemon.wait_for(lambda: daemon.notifications_received() == [(6, 2)], timeout=10, what="6/2 logged")
    send_notification(daemon, 6, 4)
    daemon.wait_for(
        lambda: daemon.notifications_received() == [(6, 2), (6, 4)], timeout=10, what="6/4 logged"
    )
    assert daemon.notifications_sent() == []


# ---------------------------------------------------------------- no daemon needed


@pytest.mark.parametrize(
    "text,codes",
    [
        ("Hold timer expired", (4, 0)),
        ('Administrative shutdown: "maintenance"', (6, 2)),
        ("Peer de-configured", (6, 3)),
        ("Invalid ROUTE-REFRESH message length", (7, 1)),
        ("Invalid ROUTE-REFRESH message", (7, 0)),
        ("No supported AFI/SAFI", (2, 8)),
        ("Unknown error 6.10", (6, 10)),
        ("Connection lost", None),
    ],
)
def test_bird_notification_words(text: str, codes: tuple[int, int] | None) -> None:
    assert _bird_notification(text) == codes


@pytest.mark.parametrize(
    "host,ns",
    [("192.0.2.1/30", "192.0.2.2/30"), ("198.18.0.1/30", "127.0.0.2/30"), ("198.18.0.1/30", "198.18.0.9/30")],
)
def test_netns_refuses_other_addresses(host: str, ns: str) -> None:
    with pytest.raises(AssertionError):
        Netns("aioaddr", host, ns)


def test_netns_name_length() -> None:
    with pytest.raises(ValueError):
        Netns("a-name-too-long-for-ifnames", "198.18.0.1/30", "198.18.0.2/30")


def test_require_daemon_skips_or_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Bird, "binaries", ("/nonexistent/bird",))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_daemon("bird")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        require_daemon("bird")


def test_loopback_pairs_are_fresh(loopback_pairs: Callable[[], tuple[str, str]]) -> None:
    pairs = [loopback_pairs() for _ in range(300)]
    addresses = [ip for pair in pairs for ip in pair]
    assert len(set(addresses)) == len(addresses)
    for speaker_ip, peer_ip in pairs:
        assert speaker_ip.startswith("127.") and not speaker_ip.startswith("127.0.")
        assert peer_ip.rsplit(".", 1)[0] == speaker_ip.rsplit(".", 1)[0]
