"""The daemon's open-files limit: raised to the hard limit so that a thousand neighbors fit."""

from __future__ import annotations

import resource

import pytest

from aiobgp.runtime import tcp


class FakeLimits:
    """Stands in for getrlimit/setrlimit; remembers what was set, can refuse."""

    def __init__(self, soft: int, hard: int, refuse: bool = False) -> None:
        self.limits = (soft, hard)
        self.refuse = refuse
        self.set: list[tuple[int, int]] = []

    def getrlimit(self, which: int) -> tuple[int, int]:
        assert which == resource.RLIMIT_NOFILE
        return self.limits

    def setrlimit(self, which: int, limits: tuple[int, int]) -> None:
        assert which == resource.RLIMIT_NOFILE
        if self.refuse:
            raise ValueError("not allowed")
        self.set.append(limits)
        self.limits = limits


def _install(monkeypatch: pytest.MonkeyPatch, fake: FakeLimits) -> None:
    monkeypatch.setattr(resource, "getrlimit", fake.getrlimit)
    monkeypatch.setattr(resource, "setrlimit", fake.setrlimit)


def test_soft_limit_raised_to_hard(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLimits(1024, 524288)
    _install(monkeypatch, fake)
    assert tcp.raise_open_files_limit() == (1024, 524288)
    assert fake.set == [(524288, 524288)]


def test_unlimited_hard_limit_asks_for_a_finite_soft_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLimits(1024, resource.RLIM_INFINITY)
    _install(monkeypatch, fake)
    assert tcp.raise_open_files_limit() == (1024, tcp.OPEN_FILES_UNLIMITED)
    assert fake.set == [(tcp.OPEN_FILES_UNLIMITED, resource.RLIM_INFINITY)]


def test_nothing_to_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLimits(20000, 20000)
    _install(monkeypatch, fake)
    assert tcp.raise_open_files_limit() == (20000, 20000)
    assert fake.set == []


def test_refused_raise_keeps_the_soft_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLimits(1024, 4096, refuse=True)
    _install(monkeypatch, fake)
    assert tcp.raise_open_files_limit() == (1024, 1024)


def test_real_limit_is_at_least_the_soft_one() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    before, after = tcp.raise_open_files_limit()
    assert before == soft
    assert after >= before
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == after
