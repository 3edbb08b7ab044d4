"""Fixtures for interop tests: real BGP daemons as peers, loopback addresses, network namespaces.

* ``bird_factory`` / ``gobgp_factory`` / ``frr_factory``: ``factory(**kwargs)`` builds a
  :class:`peers.Bird` / ``GoBgp`` / ``Frr`` with those keyword arguments (``workdir`` defaults to a
  fresh temporary directory), starts it and returns it; every daemon is stopped at teardown and
  its log tail is attached to the report of a failed test.
* ``loopback_pair``: a fresh ``(speaker_ip, peer_ip)`` in 127.0.0.0/8, unique within the run;
  ``loopback_pairs``: a callable returning more such pairs.
* ``netns_factory``: ``factory(name=None, host_ip=None, ns_ip=None)`` creates a :class:`netns.Netns`
  (198.18.0.0/15 only), removed at teardown.
* ``require_daemon(name)`` / ``require_netns()``: skip, or fail when ``CI=true``, when missing.

Every test under tests/interop is marked ``interop``.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest

from .netns import Netns, netns_unsupported
from .peers import DAEMONS, Bird, Frr, GoBgp, PeerDaemon, stop_all

_HERE = Path(__file__).parent
_STARTED = pytest.StashKey[list[PeerDaemon]]()
_LOG_LINES = 200

D = TypeVar("D", bound=PeerDaemon)


def _missing(reason: str) -> None:
    """Skip the test, or fail it when running under CI (CI=true) where everything must be there."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def require_daemon(name: str) -> None:
    """Skip (fail under CI=true) unless the binaries of daemon ``name`` (bird/gobgp/frr) exist."""
    cls = DAEMONS[name]
    if not cls.available():
        _missing(f"{name}: {' / '.join(cls.binaries)} not installed")


@functools.cache
def _netns_reason() -> str | None:
    return netns_unsupported()


def require_netns() -> None:
    """Skip (fail under CI=true) unless ``ip netns add`` and veth pairs work here (needs root)."""
    reason = _netns_reason()
    if reason is not None:
        _missing(reason)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "interop: runs real BGP daemons (BIRD, GoBGP, FRR)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.interop)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Attach the log tail of every daemon the test started to a failed setup/call report."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        for daemon in item.stash.get(_STARTED, []):
            report.sections.append((f"{daemon!r} log", daemon.log_tail(_LOG_LINES)))
    return report


# ------------------------------------------------------------------ addresses

_PAIR_SPACE = 65536 - 512  # N in 127.(N >> 8).(N & 255).1/.2, above 127.1.0.0 (127.0.x is busy)
_pair_counter = itertools.count((os.getpid() * 40503 + int(time.time())) % _PAIR_SPACE)


def _next_pair() -> tuple[str, str]:
    n = 256 + next(_pair_counter) % _PAIR_SPACE
    return f"127.{n >> 8}.{n & 255}.1", f"127.{n >> 8}.{n & 255}.2"


@pytest.fixture
def loopback_pair() -> tuple[str, str]:
    """A fresh (speaker_ip, peer_ip) pair, e.g. ("127.3.7.1", "127.3.7.2"), unique within the run."""
    return _next_pair()


@pytest.fixture
def loopback_pairs() -> Callable[[], tuple[str, str]]:
    """Callable returning another fresh (speaker_ip, peer_ip) pair on every call."""
    return _next_pair


# ------------------------------------------------------------------ namespaces


@pytest.fixture
def netns_factory() -> Iterator[Callable[..., Netns]]:
    """``factory(name=None, host_ip=None, ns_ip=None) -> Netns`` (already up), removed at teardown."""
    created: list[Netns] = []
    counter = itertools.count()

    def make(name: str | None = None, host_ip: str | None = None, ns_ip: str | None = None) -> Netns:
        require_netns()
        ns = Netns(name or f"aio{os.getpid() % 100000}x{next(counter)}", host_ip, ns_ip)
        created.append(ns)
        return ns.__enter__()

    yield make
    for ns in reversed(created):
        ns.down()


# ------------------------------------------------------------------ daemons


class DaemonFactory(Generic[D]):
    """Builds, starts and remembers daemons of one kind; stops them all in :meth:`close`."""

    def __init__(self, cls: type[D], request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> None:
        self.cls = cls
        self.request = request
        self.tmp = tmp
        self.daemons: list[D] = []

    def __call__(self, **kwargs: Any) -> D:
        require_daemon(self.cls.kind)
        kwargs.setdefault("workdir", self.tmp.mktemp(self.cls.kind))
        daemon = self.cls(**kwargs)
        self.daemons.append(daemon)
        self.request.node.stash.setdefault(_STARTED, []).append(daemon)
        daemon.start()
        return daemon

    def close(self) -> None:
        stop_all(self.daemons)


# The daemon factories depend on netns_factory so that namespaces outlive the daemons inside them.


@pytest.fixture
def bird_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, netns_factory: Any
) -> Iterator[DaemonFactory[Bird]]:
    """``bird_factory(**kwargs) -> Bird`` (started); see :class:`peers.PeerDaemon` for the arguments."""
    factory = DaemonFactory(Bird, request, tmp_path_factory)
    yield factory
    factory.close()


@pytest.fixture
def gobgp_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, netns_factory: Any
) -> Iterator[DaemonFactory[GoBgp]]:
    """``gobgp_factory(**kwargs) -> GoBgp`` (started); also accepts ``api_port``."""
    factory = DaemonFactory(GoBgp, request, tmp_path_factory)
    yield factory
    factory.close()


@pytest.fixture
def frr_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, netns_factory: Any
) -> Iterator[DaemonFactory[Frr]]:
    """``frr_factory(**kwargs) -> Frr`` (started)."""
    factory = DaemonFactory(Frr, request, tmp_path_factory)
    yield factory
    factory.close()
