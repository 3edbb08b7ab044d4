"""PrefixTable: a compact map from prefix keys to objects, for the Adj-RIB-In.

A key is a prefix key of aiobgp.wire.nlri without a path identifier: a length byte L <= 128 then
ceil(L / 8) address bytes (1 to 17 bytes). ``PrefixTable`` is the C class of ``aiobgp.rib._table``
when it is built and ``AIOBGP_PURE_PYTHON`` is unset, "0" or empty, else ``PurePrefixTable`` below;
both behave the same:

* ``set_many(keys, value)`` maps every key of a sequence to ``value``; ``pop_many(keys)`` removes
  the keys that are present and returns how many were; ``get``, ``len``, ``in``, ``[]``, ``del``,
  ``clear`` as for a dict.
* Every key of a call is checked before anything changes: TypeError for a key that is not bytes,
  ValueError for a malformed one (a dict would take it, so a bad key never goes unnoticed).
* ``items()`` and ``values()`` are iterators in no set order (different between the two classes).
  Adding or removing a key while one is live makes its next step raise RuntimeError; replacing the
  value of a key does not.

The C class keeps a key of up to 8 bytes (every IPv4 prefix, IPv6 up to /56) as a uint64 in an
open-addressing table: 16 bytes a slot, no Python object per key. The pure-Python twin keeps the
key as an int (``int.from_bytes``, 32 bytes where bytes cost 40) in a dict, the first byte being the
prefix length making the int map back to exactly one key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from aiobgp.wire.accelerators import pure_python

V = TypeVar("V")
D = TypeVar("D")

# key size (length byte + address bytes) by prefix length; 0: no such prefix
_SIZE = bytes(1 + (plen + 7) // 8 if plen <= 128 else 0 for plen in range(256))


def _number(key: bytes) -> int:
    """The int of a key, once checked (TypeError, ValueError)."""
    if not isinstance(key, bytes):
        raise TypeError(f"a prefix key is bytes, not {type(key).__name__}")
    if not key or len(key) != _SIZE[key[0]]:
        raise ValueError("malformed prefix key")
    return int.from_bytes(key)


def _numbers(keys: Iterable[bytes]) -> list[int]:
    """The ints of keys, all checked before any is converted."""
    for key in keys:
        if not isinstance(key, bytes) or not key or len(key) != _SIZE[key[0]]:
            _number(key)  # raises the error of this key
    return list(map(int.from_bytes, keys))


def _key(number: int) -> bytes:
    return number.to_bytes(max(1, (number.bit_length() + 7) >> 3))


class PurePrefixTable(Generic[V]):
    """The pure-Python PrefixTable (see the module docstring)."""

    __slots__ = ("_map", "_stamp")

    def __init__(self) -> None:
        self._map: dict[int, V] = {}
        self._stamp = 0  # bumped by every change that adds or removes a key

    def set_many(self, keys: Iterable[bytes], value: V, /) -> None:
        """Map every key to ``value``."""
        if type(keys) is not list and type(keys) is not tuple:
            keys = list(keys)
        table = self._map
        before = len(table)
        table.update(zip(_numbers(keys), repeat(value)))
        if len(table) != before:
            self._stamp += 1

    def pop_many(self, keys: Iterable[bytes], /) -> int:
        """Remove the keys that are present; how many were."""
        if type(keys) is not list and type(keys) is not tuple:
            keys = list(keys)
        table = self._map
        before = len(table)
        pop = table.pop
        for number in _numbers(keys):
            pop(number, None)
        removed = before - len(table)
        if removed:
            self._stamp += 1
        return removed

    @overload
    def get(self, key: bytes, /) -> V | None: ...
    @overload
    def get(self, key: bytes, default: D, /) -> V | D: ...
    def get(self, key: bytes, default: object = None, /) -> object:
        """The value of ``key``, or ``default``."""
        return self._map.get(_number(key), default)

    def clear(self) -> None:
        """Remove every key."""
        if self._map:
            self._stamp += 1
        self._map = {}

    def items(self) -> Iterator[tuple[bytes, V]]:
        """``(key, value)`` of every key, in no set order."""
        return self._items(self._stamp)

    def values(self) -> Iterator[V]:
        """The value of every key, in no set order."""
        return self._values(self._stamp)

    def _items(self, stamp: int) -> Iterator[tuple[bytes, V]]:
        for number, value in self._map.items():
            self._check(stamp)
            yield _key(number), value
        self._check(stamp)

    def _values(self, stamp: int) -> Iterator[V]:
        for value in self._map.values():
            self._check(stamp)
            yield value
        self._check(stamp)

    def _check(self, stamp: int) -> None:
        if self._stamp != stamp:
            raise RuntimeError("PrefixTable changed size during iteration")

    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, key: bytes) -> bool:
        return _number(key) in self._map

    def __getitem__(self, key: bytes) -> V:
        number = _number(key)
        try:
            return self._map[number]
        except KeyError:
            raise KeyError(key) from None

    def __setitem__(self, key: bytes, value: V) -> None:
        number = _number(key)
        table = self._map
        if number not in table:
            self._stamp += 1
        table[number] = value

    def __delitem__(self, key: bytes) -> None:
        number = _number(key)
        try:
            del self._map[number]
        except KeyError:
            raise KeyError(key) from None
        self._stamp += 1


def _load() -> type[PurePrefixTable[object]]:
    """The C PrefixTable when it is built and allowed, else the pure-Python one."""
    if pure_python():
        return PurePrefixTable
    try:
        from aiobgp.rib import _table
    except ImportError:  # not built
        return PurePrefixTable
    return _table.PrefixTable  # type: ignore[return-value]  # the same interface (aiobgp/rib/_table.pyi)


if TYPE_CHECKING:
    PrefixTable = PurePrefixTable
else:
    PrefixTable = _load()
