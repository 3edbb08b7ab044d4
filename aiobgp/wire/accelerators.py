"""The switch shared by every optional C accelerator (``_scan``, ``_render``, ``_table``, ...).

Each accelerator has a pure-Python twin that gives the same results; the twin runs when the module
is not built, or everywhere when ``AIOBGP_PURE_PYTHON`` is set to anything but "" or "0".
"""

from __future__ import annotations

import os


def pure_python() -> bool:
    """True when ``AIOBGP_PURE_PYTHON`` asks to leave every C accelerator out."""
    return os.environ.get("AIOBGP_PURE_PYTHON", "") not in ("", "0")
