"""PrefixTable (aiobgp.rib.table): the C class and its pure-Python twin behave the same.

Every test of behaviour runs on both classes; the differential tests drive the two (and a plain
dict as the model) with the same operations and compare every answer. Reference counts, the memory
of many set/pop cycles, shrinking and the GC are checked too. The C tests are skipped when
aiobgp.rib._table is not built, except under CI=true where that is a failure.
"""

from __future__ import annotations

import gc
import random
import sys
import weakref
from typing import Any

import pytest
from accelerators import probe, require_built
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.rib.table import PurePrefixTable

Table = Any  # either class: the same interface


def _c_class() -> type[Any] | None:
    try:
        from aiobgp.rib import _table
    except ImportError:
        return None
    return _table.PrefixTable


C_TABLE = _c_class()


def require_c() -> type[Any]:
    """The built C class (whatever AIOBGP_PURE_PYTHON says); skip, or fail under CI=true, without it."""
    return require_built(C_TABLE, "aiobgp.rib._table")


@pytest.fixture(params=["python", "c"])
def kind(request: pytest.FixtureRequest) -> type[Any]:
    """Each class in turn."""
    return PurePrefixTable if request.param == "python" else require_c()


def key(plen: int, address: bytes = bytes(range(1, 17))) -> bytes:
    """The prefix key of ``address/plen`` (the address bytes beyond the length are dropped)."""
    return bytes((plen,)) + address[: (plen + 7) // 8]


# one key of every prefix length: /0 (a single zero byte) to /128, 1 to 17 bytes
EVERY_LENGTH = [key(plen) for plen in range(129)]


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# --- behaviour, on both classes --------------------------------------------------------------------


def test_keys_of_every_length(kind: type[Any]) -> None:
    table = kind()
    values = [f"value {i}" for i in range(len(EVERY_LENGTH))]
    for prefix, value in zip(EVERY_LENGTH, values, strict=True):
        table.set_many([prefix], value)
    assert len(table) == 129
    assert sorted(table.items()) == sorted(zip(EVERY_LENGTH, values, strict=True))
    assert sorted(table.values()) == sorted(values)
    for prefix, value in zip(EVERY_LENGTH, values, strict=True):
        assert prefix in table
        assert table.get(prefix) is value
        assert table[prefix] is value
    assert table.pop_many(EVERY_LENGTH[::2]) == 65
    assert table.pop_many(EVERY_LENGTH[::2]) == 0
    assert sorted(k for k, _ in table.items()) == sorted(EVERY_LENGTH[1::2])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (b"\x00", b"\x01\x00"),  # /0 and 0.0.0.0/1: both would be 0 without the length byte
        (b"\x08\x00", b"\x09\x00\x00"),
        (key(56, bytes(16)), key(57, bytes(16))),  # the last short key and the first long one
        (key(32), key(32, b"\x01\x02\x03\x05")),
    ],
)
def test_close_keys_stay_apart(kind: type[Any], first: bytes, second: bytes) -> None:
    table = kind()
    table.set_many([first], "first")
    table.set_many([second], "second")
    assert (table[first], table[second], len(table)) == ("first", "second", 2)
    del table[first]
    assert (first in table, second in table) == (False, True)


def test_set_many_replaces_and_pop_many_counts(kind: type[Any]) -> None:
    table = kind()
    keys = [key(24, bytes((10, 0, i))) for i in range(200)]
    table.set_many(keys, "a")
    table.set_many(keys[:100], "b")
    table.set_many((), "c")
    assert len(table) == 200
    assert sorted(table.values()).count("b") == 100
    assert table.pop_many(keys[50:150] + keys[50:60]) == 100  # repeated keys count once
    assert len(table) == 100
    assert table.pop_many([]) == 0
    table.set_many(iter(keys[:3]), "d")  # any iterable
    assert table.get(keys[0]) == "d"


def test_single_key_methods(kind: type[Any]) -> None:
    table = kind()
    prefix = key(24)
    assert table.get(prefix) is None
    assert table.get(prefix, "default") == "default"
    table[prefix] = None  # None is a value like any other
    assert prefix in table and table.get(prefix, "default") is None
    table[prefix] = "x"
    assert (table[prefix], len(table)) == ("x", 1)
    del table[prefix]
    with pytest.raises(KeyError):
        table[prefix]
    with pytest.raises(KeyError):
        del table[prefix]
    with pytest.raises(KeyError):
        table[key(128)]
    assert len(table) == 0


def test_clear(kind: type[Any]) -> None:
    table = kind()
    table.set_many(EVERY_LENGTH, "v")
    table.clear()
    assert len(table) == 0 and list(table.items()) == [] and EVERY_LENGTH[0] not in table
    table.clear()
    table.set_many(EVERY_LENGTH[:3], "w")
    assert len(table) == 3


@pytest.mark.parametrize("bad", ["10.0.0.0/8", 24, None, bytearray(b"\x08\x0a"), memoryview(b"\x08\x0a")])
def test_a_key_that_is_not_bytes_is_a_type_error(kind: type[Any], bad: object) -> None:
    table = kind()
    table.set_many([b"\x08\x0a"], "kept")
    for call in (
        lambda: table.set_many([b"\x08\x0b", bad], "v"),
        lambda: table.pop_many([b"\x08\x0a", bad]),
        lambda: table.get(bad),
        lambda: bad in table,
        lambda: table[bad],
    ):
        with pytest.raises(TypeError):
            call()
    assert sorted(table.items()) == [(b"\x08\x0a", "kept")]  # nothing was done


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x00\x00",  # /0 with an address byte
        b"\x18\x0a\x00",  # /24 with two address bytes
        b"\x18\x0a\x00\x00\x00",  # and with four
        b"\x81" + bytes(17),  # /129
        b"\xff" + bytes(32),
        bytes(18),
    ],
)
def test_a_malformed_key_is_a_value_error(kind: type[Any], bad: bytes) -> None:
    table = kind()
    table.set_many([b"\x08\x0a"], "kept")
    for call in (
        lambda: table.set_many([b"\x08\x0b", bad], "v"),
        lambda: table.pop_many([b"\x08\x0a", bad]),
        lambda: table.get(bad),
        lambda: bad in table,
        lambda: table[bad],
    ):
        with pytest.raises(ValueError, match="malformed prefix key"):
            call()
    with pytest.raises(ValueError):
        table[bad] = "v"
    assert sorted(table.items()) == [(b"\x08\x0a", "kept")]


def test_keys_must_be_a_sequence_of_keys(kind: type[Any]) -> None:
    table = kind()
    with pytest.raises(TypeError):
        table.set_many(5, "v")
    with pytest.raises(TypeError):
        table.set_many(b"\x08\x0a", "v")  # one key is not a list of keys
    assert len(table) == 0


@pytest.mark.parametrize("change", ["add", "remove", "replace-key", "clear"])
@pytest.mark.parametrize("view", ["items", "values"])
def test_adding_or_removing_during_iteration_raises(kind: type[Any], change: str, view: str) -> None:
    table = kind()
    keys = [key(24, bytes((10, 0, i))) for i in range(10)] + [key(128)]
    table.set_many(keys, "v")
    iterator = getattr(table, view)()
    next(iterator)
    if change == "add":
        table.set_many([key(32)], "new")
    elif change == "remove":
        table.pop_many([keys[5]])
    elif change == "replace-key":  # as many keys as before, not the same ones
        table.pop_many([keys[5]])
        table[key(32)] = "new"
    else:
        table.clear()
    with pytest.raises(RuntimeError):
        next(iterator)


@pytest.mark.parametrize("view", ["items", "values"])
def test_replacing_values_or_removing_nothing_during_iteration_is_allowed(kind: type[Any], view: str) -> None:
    table = kind()
    keys = [key(24, bytes((10, 0, i))) for i in range(10)] + [key(100)]
    table.set_many(keys, "old")
    seen = []
    for item in getattr(table, view)():
        seen.append(item)
        table.set_many(keys, "new")
        table.pop_many([key(8)])
        table[keys[0]] = "new"
    assert len(seen) == 11
    assert set(table.values()) == {"new"}


def test_an_iterator_that_ended_stays_ended(kind: type[Any]) -> None:
    table = kind()
    table.set_many([key(8)], "v")
    iterator = table.items()
    assert list(iterator) == [(key(8), "v")]
    table.set_many([key(16)], "v")
    assert list(iterator) == []


def test_generic_alias(kind: type[Any]) -> None:
    assert kind[bytes] is not None


@pytest.mark.parametrize("where", [24, 100])  # a short key, a long key
def test_a_cycle_through_the_table_is_collected(kind: type[Any], where: int) -> None:
    class Node:
        table: Table

    gc.collect()
    node = Node()
    node.table = kind()
    node.table.set_many([key(where)], node)
    alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is None


def test_a_cycle_through_an_iterator_is_collected(kind: type[Any]) -> None:
    class Node:
        iterator: Any

    node = Node()
    table = kind()
    table.set_many([key(24), key(100)], node)
    node.iterator = table.items()
    alive = weakref.ref(node)
    del node, table
    gc.collect()
    assert alive() is None


def test_values_that_change_the_table_when_released(kind: type[Any]) -> None:
    """A value's __del__ may add and remove keys while set_many and pop_many run."""
    table = kind()
    calls = []

    class Meddler:
        def __del__(self) -> None:
            calls.append(1)
            table.set_many([key(32, bytes((192, 0, 2, len(calls))))], "added")
            table.pop_many([key(24, bytes((10, 0, 1)))])

    keys = [key(24, bytes((10, 0, i))) for i in range(20)]
    table.set_many(keys, Meddler())
    table.set_many(keys[:10], "plain")  # releases the Meddler only after the last replacement
    assert calls == []
    table.pop_many(keys[10:])  # the last reference goes: __del__ runs once, the table is sound
    assert calls == [1]
    assert sorted(table.items()) == sorted(
        [(k, "plain") for k in keys[:10] if k != key(24, bytes((10, 0, 1)))]
        + [(key(32, bytes((192, 0, 2, 1))), "added")]
    )
    assert len(table) == len(list(table.items()))


# --- differential: the two classes and a dict, driven alike ----------------------------------------

POOL = [*EVERY_LENGTH[::7], b"\x00", b"\x01\x80", b"\x01\x00", key(56), key(57), key(128), key(64)]
keys_strategy = st.one_of(
    st.sampled_from(POOL),
    st.builds(key, st.integers(0, 128), st.binary(min_size=16, max_size=16)),
)
VALUES = [f"value {i}" for i in range(4)]
operation = st.one_of(
    st.tuples(st.just("set_many"), st.lists(keys_strategy, max_size=6), st.integers(0, 3)),
    st.tuples(st.just("pop_many"), st.lists(keys_strategy, max_size=6)),
    st.tuples(st.just("get"), keys_strategy),
    st.tuples(st.just("contains"), keys_strategy),
    st.tuples(st.just("setitem"), keys_strategy, st.integers(0, 3)),
    st.tuples(st.just("delitem"), keys_strategy),
    st.tuples(st.just("clear")),
)


def apply(table: Table, step: tuple[Any, ...]) -> object:
    """What ``step`` returns on ``table`` (a KeyError counts as the answer "KeyError")."""
    name, *args = step
    if name == "set_many":
        return table.set_many(args[0], VALUES[args[1]])
    if name == "pop_many":
        return table.pop_many(args[0])
    if name == "get":
        return table.get(args[0], "absent")
    if name == "contains":
        return args[0] in table
    if name == "setitem":
        table[args[0]] = VALUES[args[1]]
        return None
    if name == "delitem":
        try:
            del table[args[0]]
        except KeyError:
            return "KeyError"
        return None
    return table.clear()


class Model:
    """The semantics in a plain dict."""

    def __init__(self) -> None:
        self.map: dict[bytes, str] = {}

    def set_many(self, keys: list[bytes], value: str) -> None:
        self.map.update(dict.fromkeys(keys, value))

    def pop_many(self, keys: list[bytes]) -> int:
        return sum(self.map.pop(k, None) is not None for k in keys)

    def get(self, k: bytes, default: object) -> object:
        return self.map.get(k, default)

    def __contains__(self, k: bytes) -> bool:
        return k in self.map

    def __setitem__(self, k: bytes, value: str) -> None:
        self.map[k] = value

    def __delitem__(self, k: bytes) -> None:
        del self.map[k]

    def clear(self) -> None:
        self.map.clear()


def tables() -> list[Table]:
    return [PurePrefixTable()] + ([C_TABLE()] if C_TABLE is not None else [])


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=60))
def test_random_operations_match_a_dict(steps: list[tuple[Any, ...]]) -> None:
    model = Model()
    implementations = tables()
    for step in steps:
        want = apply(model, step)
        for table in implementations:
            assert apply(table, step) == want, (type(table), step)
            assert len(table) == len(model.map)
    for table in implementations:
        assert sorted(table.items()) == sorted(model.map.items())
        assert sorted(table.values()) == sorted(model.map.values())


def test_many_keys_match_a_dict() -> None:
    """Enough keys for many resizes both ways, and long probe runs."""
    rng = random.Random(4)
    keys = list(
        {key(rng.choice((8, 16, 22, 24, 32, 48, 56, 64, 128)), rng.randbytes(16)) for _ in range(60_000)}
    )
    model: dict[bytes, str] = {}
    implementations = tables()
    for start in range(0, len(keys), 7):
        batch = keys[start : start + 7]
        value = VALUES[start % 4]
        model.update(dict.fromkeys(batch, value))
        for table in implementations:
            table.set_many(batch, value)
    gone = keys[::3] + keys[1::3]
    for table in implementations:
        assert table.pop_many(gone) == len(gone)
    for k in gone:
        del model[k]
    for table in implementations:
        assert len(table) == len(model)
        assert dict(table.items()) == model
        assert all(table.get(k) == v for k, v in model.items())
        assert not any(k in table for k in gone)


# --- C only -----------------------------------------------------------------------------------------


def test_c_reference_counts_are_exact() -> None:
    kind = require_c()
    value = object()
    other = object()
    base = sys.getrefcount(value)
    table = kind()
    keys = [key(24, i.to_bytes(3)) for i in range(1000)] + [key(100), key(128)]
    table.set_many(keys, value)
    assert sys.getrefcount(value) == base + len(keys)
    table.set_many(keys, value)  # the same value again
    assert sys.getrefcount(value) == base + len(keys)
    table.set_many(keys[:500], other)
    assert sys.getrefcount(value) == base + len(keys) - 500
    table[keys[0]] = value
    assert sys.getrefcount(value) == base + len(keys) - 499
    assert table.pop_many(keys[-10:]) == 10
    assert sys.getrefcount(value) == base + len(keys) - 509
    del table[keys[0]]
    assert sys.getrefcount(value) == base + len(keys) - 510
    for _ in range(3):
        assert table.get(keys[600]) is value
        assert keys[600] in table
        assert table[keys[600]] is value
    assert sys.getrefcount(value) == base + len(keys) - 510
    pairs = list(table.items())
    assert sys.getrefcount(value) == base + 2 * (len(keys) - 510)
    del pairs
    table.clear()
    assert sys.getrefcount(value) == base
    table.set_many(keys, value)
    del table
    assert sys.getrefcount(value) == base


def test_c_million_set_pop_cycles_do_not_leak() -> None:
    kind = require_c()
    value = b"shared path"
    base = sys.getrefcount(value)
    table = kind()
    keys = [[key(24, (i * 3 + j).to_bytes(3)) for j in range(3)] for i in range(1000)]
    long_keys = [key(100, i.to_bytes(16)) for i in range(10)]
    for batch in keys:  # warm: the table at its working size
        table.set_many(batch, value)
    gc.collect()
    before = rss_kib()
    for _ in range(333):
        for batch in keys:
            table.pop_many(batch)
            table.set_many(batch, value)
        table.set_many(long_keys, value)
        table.pop_many(long_keys)
    assert sys.getrefcount(value) == base + 3000
    assert rss_kib() - before < 4096  # a leak of 16 bytes per cycle would be 16 MiB
    table.clear()
    assert sys.getrefcount(value) == base


def test_c_memory_per_key_and_shrinking() -> None:
    kind = require_c()
    table = kind()
    keys = [key(24, i.to_bytes(3)) for i in range(100_000)]
    table.set_many(keys, "v")
    per_key = sys.getsizeof(table) / len(keys)
    assert per_key <= 24
    table.pop_many(keys[1000:])
    assert sys.getsizeof(table) / 1000 <= 64  # shrunk: at least a quarter full
    assert sorted(k for k, _ in table.items()) == keys[:1000]


def test_c_table_of_bytes_costs_the_collector_nothing() -> None:
    """Not tracked until a value the collector tracks comes in (as CPython does for dicts)."""
    kind = require_c()
    table = kind()
    table.set_many([key(24)], b"bytes")
    table[key(100)] = "text"
    assert not gc.is_tracked(table)
    table.set_many([key(8)], [])
    assert gc.is_tracked(table)


def test_pure_python_switch() -> None:
    """AIOBGP_PURE_PYTHON=1 makes PrefixTable the Python class; 0 or unset the C one when built."""
    code = "from aiobgp.rib.table import PrefixTable; print(PrefixTable.__module__)"
    assert probe(code, "1") == "aiobgp.rib.table"
    require_c()
    assert probe(code, "0") == "aiobgp.rib._table"
