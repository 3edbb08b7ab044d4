"""The rule for tests of an optional C accelerator: skip without it, except under CI=true (CI builds it)."""

from __future__ import annotations

import os
from typing import TypeVar

import pytest

T = TypeVar("T")


def require_built(found: T | None, module: str) -> T:
    """``found`` (the built module or one of its objects); skip the test when it is None, or fail it
    under CI=true."""
    if found is None:
        reason = f"{module} is not built (setup.py build_ext --inplace)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: required)")
        pytest.skip(reason)
    return found
