"""Prefix keys: splitting NLRI fields, encoding, parsing and printing prefixes."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.constants import AFI_IPV4, AFI_IPV6
from aiobgp.wire.nlri import encode_prefix, parse_prefix, path_id, prefix_str, split_prefixes, strip_path_id

SPLIT_VECTORS = [
    # (field hex, afi, addpath, keys hex)
    ("", AFI_IPV4, False, []),
    ("00", AFI_IPV4, False, ["00"]),
    ("180a0001", AFI_IPV4, False, ["180a0001"]),
    ("200a00000a180a0001", AFI_IPV4, False, ["200a00000a", "180a0001"]),
    ("080a10c0a817c0a802", AFI_IPV4, False, ["080a", "10c0a8", "17c0a802"]),
    # host bits beyond the length are cleared: 10.0.1.255/23 -> 10.0.0.0/23
    ("170a0001", AFI_IPV4, False, ["170a0000"]),
    ("01ff", AFI_IPV4, False, ["0180"]),
    ("00000001200a00000a", AFI_IPV4, True, ["00000001200a00000a"]),
    ("0000000100ffffffff180a0001", AFI_IPV4, True, ["0000000100", "ffffffff180a0001"]),
    ("402001000000000000", AFI_IPV6, False, ["402001000000000000"]),
    ("802a020b80000000010000000000000001", AFI_IPV6, False, ["802a020b80000000010000000000000001"]),
    ("0000000a40fc00000100000000", AFI_IPV6, True, ["0000000a40fc00000100000000"]),
]

SPLIT_ERRORS = [
    ("210a00000000", AFI_IPV4, False),  # /33
    ("81" + "00" * 17, AFI_IPV6, False),  # /129
    ("180a00", AFI_IPV4, False),  # truncated address
    ("18", AFI_IPV4, False),
    ("000000", AFI_IPV4, True),  # truncated path identifier
    ("00000001", AFI_IPV4, True),  # path identifier without a prefix
    ("00000001180a", AFI_IPV4, True),
    ("00", 25, False),  # no prefix encoding for l2vpn
]


@pytest.mark.parametrize(("field", "afi", "addpath", "keys"), SPLIT_VECTORS)
def test_split_prefixes(field: str, afi: int, addpath: bool, keys: list[str]) -> None:
    data = bytes.fromhex(field)
    assert split_prefixes(data, afi, addpath) == [bytes.fromhex(key) for key in keys]
    assert split_prefixes(memoryview(data), afi, addpath) == [bytes.fromhex(key) for key in keys]


@pytest.mark.parametrize(("field", "afi", "addpath"), SPLIT_ERRORS)
def test_split_prefixes_rejects_malformed(field: str, afi: int, addpath: bool) -> None:
    with pytest.raises(ValueError):
        split_prefixes(bytes.fromhex(field), afi, addpath)


PREFIX_VECTORS = [
    # (text, path id, afi, key hex, printed)
    ("10.0.0.0/24", None, AFI_IPV4, "180a0000", "10.0.0.0/24"),
    ("10.0.0.1/24", None, AFI_IPV4, "180a0000", "10.0.0.0/24"),
    ("0.0.0.0/0", None, AFI_IPV4, "00", "0.0.0.0/0"),
    ("193.0.2.1", None, AFI_IPV4, "20c1000201", "193.0.2.1/32"),
    ("193.0.2.1/32", 0x01020304, AFI_IPV4, "0102030420c1000201", "193.0.2.1/32"),
    ("2001:db8::/32", None, AFI_IPV6, "2020010db8", "2001:db8::/32"),
    ("2A02:B80:0:1::1/128", None, AFI_IPV6, "802a020b80000000010000000000000001", "2a02:b80:0:1::1/128"),
    ("::/0", None, AFI_IPV6, "00", "::/0"),
    ("::ffff:10.0.0.1", None, AFI_IPV6, "8000000000000000000000ffff0a000001", "::ffff:10.0.0.1/128"),
    ("fc00:1::/64", 10, AFI_IPV6, "0000000a40fc00000100000000", "fc00:1::/64"),
]


@pytest.mark.parametrize(("text", "pid", "afi", "key", "printed"), PREFIX_VECTORS)
def test_parse_and_print_prefix(text: str, pid: int | None, afi: int, key: str, printed: str) -> None:
    assert parse_prefix(text, pid) == (afi, bytes.fromhex(key))
    assert prefix_str(afi, bytes.fromhex(key), pid is not None) == printed
    if pid is not None:
        assert path_id(bytes.fromhex(key)) == pid
        assert prefix_str(afi, strip_path_id(bytes.fromhex(key)), False) == printed


@pytest.mark.parametrize(
    "text",
    ["10.0.0.0/33", "10.0.0/24", "10.0.0.0/", "10.0.0.0/-1", "2001:db8::/129", "nonsense", "1.2.3.4/ 8"],
)
def test_parse_prefix_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_prefix(text)


def test_encode_prefix_checks() -> None:
    assert encode_prefix(bytes([10, 1, 2, 3]), 8) == bytes.fromhex("080a")
    assert encode_prefix(bytes([10, 1, 2, 3]), 9) == bytes.fromhex("090a00")
    assert encode_prefix(bytes([10, 255, 2, 3]), 9) == bytes.fromhex("090a80")
    for address, plen, pid in ((b"\x00" * 5, 8, None), (b"\x00" * 4, 33, None), (b"\x00" * 4, 8, 1 << 32)):
        with pytest.raises(ValueError):
            encode_prefix(address, plen, pid)


@given(
    st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32), st.integers(0, 2**32 - 1)), max_size=20)
)
def test_ipv4_round_trip(items: list[tuple[int, int, int]]) -> None:
    for addpath in (False, True):
        keys = [
            encode_prefix(addr.to_bytes(4, "big"), plen, pid if addpath else None)
            for addr, plen, pid in items
        ]
        assert split_prefixes(b"".join(keys), AFI_IPV4, addpath) == keys
        for key, (addr, plen, _) in zip(keys, items, strict=True):
            network = ipaddress.IPv4Network((addr, plen), strict=False)
            assert prefix_str(AFI_IPV4, key, addpath) == str(network)


@given(st.lists(st.tuples(st.integers(0, 2**128 - 1), st.integers(0, 128)), max_size=20))
def test_ipv6_round_trip(items: list[tuple[int, int]]) -> None:
    keys = [encode_prefix(addr.to_bytes(16, "big"), plen) for addr, plen in items]
    assert split_prefixes(b"".join(keys), AFI_IPV6, False) == keys
    for key, (addr, plen) in zip(keys, items, strict=True):
        network = ipaddress.IPv6Network((addr, plen), strict=False)
        assert parse_prefix(prefix_str(AFI_IPV6, key, False)) == (AFI_IPV6, key)
        assert ipaddress.IPv6Network(prefix_str(AFI_IPV6, key, False)) == network


@given(st.binary(max_size=64), st.sampled_from([AFI_IPV4, AFI_IPV6]), st.booleans())
def test_split_never_raises_anything_else(data: bytes, afi: int, addpath: bool) -> None:
    try:
        keys = split_prefixes(data, afi, addpath)
    except ValueError:
        return
    assert sum(map(len, keys)) == len(data)
