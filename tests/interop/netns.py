"""Network namespace joined to the root namespace by a veth pair, for peers on a "real" subnet.

``Netns("aio1")`` creates namespace ``aio1`` whose ``eth0`` holds ``ns_ip`` and a root-namespace
interface ``aio1-h`` holding ``host_ip``; both addresses must lie in 198.18.0.0/15 (RFC 2544
benchmarking range), so nothing can leave the machine.  A daemon runs inside with
``netns="aio1"``, the speaker in the root namespace bound to ``host_ip``.  Needs root.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import subprocess
import time
from collections.abc import Sequence
from types import TracebackType

BENCH_NET = ipaddress.ip_network("198.18.0.0/15")
MAX_NAME = 13  # interface names "<name>-h" / "<name>-n" must fit in 15 characters

# /30 subnets handed out when no address is given: start from a per-process base so that two
# runs on one machine rarely pick the same subnet
_SUBNETS = itertools.count((os.getpid() * 7919) % (BENCH_NET.num_addresses // 4 - 1024))


def next_subnet() -> tuple[str, str]:
    """A fresh (host_ip, ns_ip) pair of a /30 in 198.18.0.0/15, with prefix lengths."""
    index = next(_SUBNETS) % (BENCH_NET.num_addresses // 4)
    base = int(BENCH_NET.network_address) + 4 * index
    return f"{ipaddress.IPv4Address(base + 1)}/30", f"{ipaddress.IPv4Address(base + 2)}/30"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=15, check=check)


def netns_unsupported() -> str | None:
    """Why namespaces + veth cannot be used here (None when they can): tries to create one."""
    probe = Netns(f"aiochk{os.getpid() % 100000}")
    try:
        probe.up()
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        return f"ip netns / veth not usable here: {exc}"
    finally:
        probe.down()
    return None


class Netns:
    """A network namespace plus a veth pair; a context manager that always cleans up."""

    def __init__(self, name: str, host_ip: str | None = None, ns_ip: str | None = None) -> None:
        if not 0 < len(name) <= MAX_NAME or not name.replace("-", "").isalnum():
            raise ValueError(f"netns name {name!r}: 1-{MAX_NAME} letters, digits or '-'")
        if host_ip is None or ns_ip is None:
            host_ip, ns_ip = next_subnet()
        host = ipaddress.ip_interface(host_ip)
        ns = ipaddress.ip_interface(ns_ip)
        for addr in (host, ns):
            assert addr.ip in BENCH_NET, f"{addr} is outside {BENCH_NET}: only benchmarking addresses"
        assert host.network == ns.network and host.ip != ns.ip, f"{host} and {ns} must share one subnet"
        self.name = name
        self.host_if = f"{name}-h"
        self.ns_if = f"{name}-n"
        self.host_cidr = str(host)
        self.ns_cidr = str(ns)
        self.created = False

    @property
    def host_ip(self) -> str:
        """Root-namespace side address (without prefix length): where the speaker binds."""
        return str(ipaddress.ip_interface(self.host_cidr).ip)

    @property
    def ns_ip(self) -> str:
        """Namespace side address (without prefix length): where the daemon inside binds."""
        return str(ipaddress.ip_interface(self.ns_cidr).ip)

    def __repr__(self) -> str:
        return f"<Netns {self.name} host {self.host_cidr} ns {self.ns_cidr}>"

    def up(self) -> None:
        """Create the namespace and the veth pair, configure both ends, wait for the link."""
        if self.name in _ip("netns", "list").stdout.split():
            raise RuntimeError(f"network namespace {self.name} already exists")
        res = _ip("netns", "add", self.name, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"ip netns add {self.name}: {res.stderr.strip()}")
        self.created = True
        _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        _ip("link", "set", self.ns_if, "netns", self.name)
        _ip("addr", "add", self.host_cidr, "dev", self.host_if)
        _ip("link", "set", self.host_if, "up")
        self.run_in(["ip", "link", "set", "lo", "up"])
        self.run_in(["ip", "link", "set", self.ns_if, "name", "eth0"])
        self.run_in(["ip", "addr", "add", self.ns_cidr, "dev", "eth0"])
        self.run_in(["ip", "link", "set", "eth0", "up"])
        deadline = time.monotonic() + 5
        while "LOWER_UP" not in self.run_in(["ip", "-o", "link", "show", "eth0"]).stdout:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self!r}: veth link did not come up")
            time.sleep(0.05)

    def down(self) -> None:
        """Remove the veth pair and the namespace (idempotent, never raises)."""
        if self.created:
            _ip("link", "del", self.host_if, check=False)
            _ip("netns", "del", self.name, check=False)
            self.created = False

    def run_in(
        self, cmd: Sequence[str], *, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` inside the namespace; stdout/stderr captured as text."""
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def __enter__(self) -> Netns:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()
