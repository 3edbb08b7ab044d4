"""The rule for tests of an optional C accelerator: skip without it, except under CI=true (CI builds it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent  # the checkout: what PYTHONPATH gets


def require_built(found: T | None, module: str) -> T:
    """``found`` (the built module or one of its objects); skip the test when it is None, or fail it
    under CI=true."""
    if found is None:
        reason = f"{module} is not built (setup.py build_ext --inplace)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: required)")
        pytest.skip(reason)
    return found


def probe(code: str, pure_python: str) -> str:
    """What ``python -c code`` prints (stripped) in a fresh interpreter with ``AIOBGP_PURE_PYTHON``
    set to ``pure_python``: the switch is read when the accelerated modules are imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AIOBGP_PURE_PYTHON": pure_python}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return run.stdout.strip()
