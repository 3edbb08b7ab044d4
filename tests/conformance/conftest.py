"""Registers the ``conformance`` marker (ExaBGP's functional vectors run against aiobgp)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: ExaBGP's functional test vectors run against aiobgp")
