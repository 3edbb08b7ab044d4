"""Optional C accelerators for hot loops; aiobgp runs the same without them (pure-Python twins).

Each module is built only when its source exists and a C compiler is there (``optional=True``):
a failed build leaves the pure-Python code in charge. ``AIOBGP_PURE_PYTHON=1`` at run time ignores
built modules.
"""

from pathlib import Path

from setuptools import Extension, setup

ACCELERATORS = {
    "aiobgp.wire._scan": "aiobgp/wire/_scan.c",
    "aiobgp.api._render": "aiobgp/api/_render.c",
    "aiobgp.rib._table": "aiobgp/rib/_table.c",
    "aiobgp.config._prefixes": "aiobgp/config/_prefixes.c",
}

setup(
    ext_modules=[
        Extension(name, [source], optional=True, extra_compile_args=["-O2"])
        for name, source in ACCELERATORS.items()
        if Path(source).exists()
    ]
)
