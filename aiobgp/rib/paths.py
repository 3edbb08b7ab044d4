"""Interning of (attributes, next hop) pairs shared by the prefixes of a RIB."""

from __future__ import annotations

from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import Family

Path = tuple[Attributes, bytes | None]
"""An attribute set and a next hop: what the prefixes of one UPDATE share."""


class PathInterner:
    """Gives one shared object per distinct path, forgetting paths no route uses any more.

    ``routes`` is the RIB's own ``{family: {prefix: path}}`` map; when the intern table grows past
    its limit it is rebuilt from the paths still in use, and the limit doubles (amortised O(1)).
    """

    def __init__(self, routes: dict[Family, dict[bytes, Path]]) -> None:
        self._routes = routes
        self._paths: dict[Path, Path] = {}
        self._limit = 4096

    def __call__(self, path: Path) -> Path:
        held = self._paths.get(path)
        if held is not None:
            return held
        if len(self._paths) >= self._limit:
            self._compact()
        self._paths[path] = path
        return path

    def __len__(self) -> int:
        return len(self._paths)

    def clear(self) -> None:
        self._paths.clear()

    def _compact(self) -> None:
        live: dict[Path, Path] = {}
        for table in self._routes.values():
            for path in table.values():
                live[path] = path
        self._paths = live
        self._limit = max(4096, 2 * len(live))
