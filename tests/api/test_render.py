"""The C accelerator aiobgp.api._render against its pure-Python twins in aiobgp.api.json.

``attributes_json(raw, ibgp)`` must give None or exactly what ``attributes_json`` renders for the
attributes ``parse_attributes`` decodes from ``raw`` (and not None for the common attributes);
``prefixes_json(afi, keys)`` must give exactly ``prefixes_json_python``. Garbage goes through both.
Whole UPDATE events must be identical whichever path renders them.

The C-only tests are skipped when the module is not built (``python setup.py build_ext --inplace``),
and fail instead under CI=true.
"""

from __future__ import annotations

import importlib
import socket
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import ModuleType

import pytest
from accelerators import probe, require_built
from hypothesis import given, settings
from hypothesis import strategies as st

from aiobgp.api import json as json_module
from aiobgp.api.events import EventMode, NeighborInfo
from aiobgp.api.json import JsonEncoder, attributes_json, prefixes_json_python, update_message
from aiobgp.wire.attributes import Attributes, encode_attributes, parse_attributes
from aiobgp.wire.constants import (
    AS_CONFED_SEQUENCE,
    AS_CONFED_SET,
    AS_SEQUENCE,
    AS_SET,
    IPV4_UNICAST,
    IPV6_UNICAST,
    Family,
)
from aiobgp.wire.context import Negotiated
from aiobgp.wire.errors import NotificationError
from aiobgp.wire.nlri import encode_prefix
from aiobgp.wire.update import build_updates, build_withdrawals, decode_update

IBGP = Negotiated(local_as=65000, peer_as=65000)
EBGP = Negotiated(local_as=65000, peer_as=65001)


def _load() -> ModuleType | None:
    try:
        return importlib.import_module("aiobgp.api._render")
    except ImportError:
        return None


RENDER = _load()


def c_module() -> ModuleType:
    """The built C module (whatever AIOBGP_PURE_PYTHON says: these tests compare both paths); skip
    the test when it is not built, or fail it under CI=true."""
    return require_built(RENDER, "aiobgp.api._render")


@pytest.fixture
def render() -> ModuleType:
    return c_module()


def python_text(raw: bytes, ibgp: bool) -> str | None:
    """The pure-Python rendering of a raw field: decoded as a 4-octet-AS session does, then rendered."""
    try:
        block, mp = parse_attributes(raw, 0, len(raw), True, ibgp)
    except NotificationError:
        return None
    if block.attributes is None or mp:
        return None
    return attributes_json(block.attributes)


def same_or_none(render: ModuleType, raw: bytes, ibgp: bool) -> str | None:
    """The C result, checked to be None or the pure-Python text."""
    text: str | None = render.attributes_json(raw, ibgp)
    if text is not None:
        assert text == python_text(raw, ibgp)
    return text


def raw_of(attrs: Attributes, ctx: Negotiated = IBGP, next_hop: bytes | None = b"\x0a\x00\x00\x01") -> bytes:
    return encode_attributes(attrs, ctx, next_hop=next_hop)


def attr(flags: int, code: int, value: bytes) -> bytes:
    if flags & 0x10:
        return struct.pack(">BBH", flags, code, len(value)) + value
    return struct.pack(">BBB", flags, code, len(value)) + value


ORIGIN_IGP = attr(0x40, 1, b"\x00")
PATH = attr(0x40, 2, b"\x02\x02" + struct.pack(">II", 65001, 4200000000))

# --- attributes_json: vectors ----------------------------------------------------------------------

TYPICAL = [
    Attributes(origin=0, as_path=((AS_SEQUENCE, (65001, 3356, 4200000000)),), local_pref=100),
    Attributes(origin=2, as_path=((AS_SEQUENCE, (1,)),), med=0, local_pref=0, communities=(0xFFFFFFFF, 1, 0)),
    Attributes(
        origin=1,
        as_path=(
            (AS_CONFED_SEQUENCE, (64512, 64513)),
            (AS_CONFED_SET, (64514,)),
            (AS_SEQUENCE, (65001, 65002)),
            (AS_SET, (7, 5, 6)),
        ),
        med=4294967295,
        local_pref=200,
        atomic_aggregate=True,
        aggregator=(4200000000, b"\xc0\x00\x02\x01"),
        communities=(65001 << 16 | 100, 1 << 16 | 2, 65001 << 16 | 100),
        originator_id=b"\x01\x02\x03\x04",
        cluster_list=(b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x01"),
        large_communities=((65001, 2, 3), (1, 2, 3), (65001, 1, 4294967295)),
    ),
    Attributes(origin=0, as_path=(), local_pref=100),  # iBGP: an empty AS_PATH renders nothing
    Attributes(origin=0, as_path=((AS_SEQUENCE, tuple(range(1, 300))),), local_pref=100),  # 2 on the wire
    Attributes(origin=0, as_path=((AS_SEQUENCE, (1,)),), local_pref=1, communities=tuple(range(200))),
]


@pytest.mark.parametrize("attrs", TYPICAL)
def test_typical_sets_are_rendered_by_c(render: ModuleType, attrs: Attributes) -> None:
    raw = raw_of(attrs)
    text = render.attributes_json(raw, True)
    assert text is not None
    assert text == python_text(raw, True)


def test_specific_text(render: ModuleType) -> None:
    attrs = Attributes(
        origin=0,
        as_path=((AS_SEQUENCE, (65001, 4200000000)), (AS_SET, (3, 2))),
        med=20,
        local_pref=100,
        atomic_aggregate=True,
        aggregator=(65001, b"\xc0\x00\x02\x01"),
        communities=(65001 << 16 | 200, 65001 << 16 | 100),
        originator_id=b"\x0a\x00\x00\x09",
        cluster_list=(b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x01"),
        large_communities=((65001, 2, 3), (1, 2, 3)),
    )
    assert render.attributes_json(raw_of(attrs), True) == (
        '"origin": "igp", "as-path": {"0": {"element": "as-sequence", "value": [65001, 4200000000]}, '
        '"1": {"element": "as-set", "value": [3, 2]}}, "med": 20, "local-preference": 100, '
        '"atomic-aggregate": true, "aggregator": "65001:192.0.2.1", '
        '"community": [ [ 65001, 100 ], [ 65001, 200 ] ], "originator-id": "10.0.0.9", '
        '"cluster-list": [ "10.0.0.2", "10.0.0.1" ], "large-community": [ [ 1, 2 , 3 ], [ 65001, 2 , 3 ] ]'
    )


def test_ebgp_leaves_local_pref_out(render: ModuleType) -> None:
    raw = ORIGIN_IGP + PATH + attr(0x40, 5, struct.pack(">I", 300))
    assert render.attributes_json(raw, True) == python_text(raw, True)
    assert '"local-preference": 300' in render.attributes_json(raw, True)
    assert render.attributes_json(raw, False) == python_text(raw, False)
    assert "local-preference" not in render.attributes_json(raw, False)


def test_extended_length_headers_and_any_order(render: ModuleType) -> None:
    raw = (
        attr(0xD0, 8, struct.pack(">II", 7, 3))
        + attr(0x50, 2, b"\x02\x01" + struct.pack(">I", 9))
        + attr(0x50, 1, b"\x02")
        + attr(0x90, 4, struct.pack(">I", 5))
        + attr(0x50, 3, b"\x01\x02\x03\x04")
    )
    assert same_or_none(render, raw, True) == (
        '"origin": "incomplete", "as-path": {"0": {"element": "as-sequence", "value": [9]}}, "med": 5, '
        '"community": [ [ 0, 3 ], [ 0, 7 ] ]'
    )


def test_partial_bit_and_large_community_duplicates(render: ModuleType) -> None:
    large = struct.pack(">9I", 5, 6, 7, 1, 2, 3, 5, 6, 7)
    raw = attr(0x60, 1, b"\x00") + attr(0xE0, 32, large)
    assert same_or_none(render, raw, True) == (
        '"origin": "igp", "large-community": [ [ 1, 2 , 3 ], [ 5, 6 , 7 ] ]'
    )


def test_next_hop_alone_renders_no_member(render: ModuleType) -> None:
    raw = attr(0x40, 3, b"\x01\x02\x03\x04")
    assert render.attributes_json(raw, True) == "" == python_text(raw, True)


NOT_RENDERED = {
    "empty field": b"",
    "extended communities": ORIGIN_IGP + attr(0xC0, 16, bytes(8)),
    "unknown transitive": ORIGIN_IGP + attr(0xC0, 99, b"\x01"),
    "unknown non-transitive": ORIGIN_IGP + attr(0x80, 99, b"\x01"),
    "unknown well-known": ORIGIN_IGP + attr(0x40, 99, b"\x01"),
    "AS4_PATH": ORIGIN_IGP + attr(0xC0, 17, b"\x02\x01\x00\x00\x00\x01"),
    "AS4_AGGREGATOR": ORIGIN_IGP + attr(0xC0, 18, bytes(8)),
    "MP_REACH_NLRI": ORIGIN_IGP + attr(0x80, 14, b"\x00\x01\x01\x04\x01\x02\x03\x04\x00"),
    "MP_UNREACH_NLRI": ORIGIN_IGP + attr(0x80, 15, b"\x00\x01\x01"),
    "IPv6 extended communities": ORIGIN_IGP + attr(0xC0, 25, bytes(20)),
    "repeated ORIGIN": ORIGIN_IGP + ORIGIN_IGP,
    "repeated NEXT_HOP": attr(0x40, 3, bytes(4)) + attr(0x40, 3, bytes(4)),
    "ORIGIN 3": attr(0x40, 1, b"\x03"),
    "ORIGIN of 2 bytes": attr(0x40, 1, b"\x00\x00"),
    "ORIGIN optional": attr(0xC0, 1, b"\x00"),
    "AS_PATH optional": attr(0x80, 2, b""),
    "MED transitive": attr(0xC0, 4, bytes(4)),
    "MED of 3 bytes": attr(0x80, 4, bytes(3)),
    "LOCAL_PREF of 5 bytes": attr(0x40, 5, bytes(5)),
    "LOCAL_PREF optional": attr(0x80, 5, bytes(4)),
    "ATOMIC_AGGREGATE with a value": attr(0x40, 6, b"\x00"),
    "AGGREGATOR of 6 bytes": attr(0xC0, 7, bytes(6)),
    "AGGREGATOR well-known": attr(0x40, 7, bytes(8)),
    "COMMUNITIES empty": attr(0xC0, 8, b""),
    "COMMUNITIES of 6 bytes": attr(0xC0, 8, bytes(6)),
    "ORIGINATOR_ID of 16 bytes": attr(0x80, 9, bytes(16)),
    "CLUSTER_LIST of 5 bytes": attr(0x80, 10, bytes(5)),
    "CLUSTER_LIST empty": attr(0x80, 10, b""),
    "LARGE_COMMUNITY of 8 bytes": attr(0xC0, 32, bytes(8)),
    "NEXT_HOP of 16 bytes": attr(0x40, 3, bytes(16)),
    "NEXT_HOP optional": attr(0xC0, 3, bytes(4)),
    "AS_PATH segment type 0": attr(0x40, 2, b"\x00\x01" + bytes(4)),
    "AS_PATH segment type 5": attr(0x40, 2, b"\x05\x01" + bytes(4)),
    "AS_PATH empty segment": attr(0x40, 2, b"\x02\x00"),
    "AS_PATH overrun": attr(0x40, 2, b"\x02\x02" + bytes(4)),
    "AS_PATH with 2-octet ASNs": attr(0x40, 2, b"\x02\x02\x00\x01\x00\x02"),
    "AS_PATH trailing byte": attr(0x40, 2, b"\x02\x01" + bytes(4) + b"\x02"),
    "header truncated": ORIGIN_IGP + b"\x40\x02",
    "extended header truncated": ORIGIN_IGP + b"\x50\x02\x00",
    "value overrun": ORIGIN_IGP + b"\x40\x02\x09\x02\x01",
    "extended value overrun": ORIGIN_IGP + b"\x50\x02\x01\x00\x02\x01",
}


@pytest.mark.parametrize("raw", NOT_RENDERED.values(), ids=NOT_RENDERED.keys())
def test_left_to_python(render: ModuleType, raw: bytes) -> None:
    assert render.attributes_json(raw, True) is None
    assert render.attributes_json(raw, False) is None


def test_argument_errors(render: ModuleType) -> None:
    with pytest.raises(TypeError):
        render.attributes_json(bytearray(ORIGIN_IGP), True)
    with pytest.raises(TypeError):
        render.attributes_json(ORIGIN_IGP)
    with pytest.raises(TypeError):
        render.prefixes_json(1)
    with pytest.raises(TypeError):
        render.prefixes_json(1, [b"\x00", "x"])
    with pytest.raises(TypeError):
        render.prefixes_json(1, 5)
    with pytest.raises(OverflowError):
        render.prefixes_json(1 << 80, [])
    for afi, key in ((1, b""), (1, b"\x20" + bytes(5)), (2, b""), (2, b"\x80" + bytes(17))):
        with pytest.raises(ValueError):
            render.prefixes_json(afi, [key])


def test_references_are_returned(render: ModuleType) -> None:
    """No reference leaked or lost on None, on the inputs, or on an error."""
    raw = ORIGIN_IGP + attr(0xC0, 16, bytes(8))
    keys = [b"\x18\x0a\x00\x01", b"\x00"]
    before = sys.getrefcount(None), sys.getrefcount(raw)
    for _ in range(2000):
        render.attributes_json(raw, True)
    after = sys.getrefcount(None), sys.getrefcount(raw)
    assert after[1] == before[1]
    assert abs(after[0] - before[0]) < 100  # a lost or leaked reference to None per call would be 2000
    bad = [*keys, b""]
    before = sys.getrefcount(keys), sys.getrefcount(keys[0]), sys.getrefcount(bad)
    for _ in range(2000):
        render.prefixes_json(1, keys)
        with suppress(ValueError):
            render.prefixes_json(1, bad)
    assert (sys.getrefcount(keys), sys.getrefcount(keys[0]), sys.getrefcount(bad)) == before


# --- attributes_json: generated sets and garbage ----------------------------------------------------

ASN = st.integers(0, 2**32 - 1)
U32 = st.integers(0, 2**32 - 1)
ADDRESS4 = st.binary(min_size=4, max_size=4)


@st.composite
def attribute_sets(draw: st.DrawFn, common: bool) -> Attributes:
    """Sets of every attribute kind; ``common``: only those the C accelerator renders."""
    segments = draw(
        st.lists(
            st.tuples(
                st.sampled_from((AS_SEQUENCE, AS_SET, AS_CONFED_SEQUENCE, AS_CONFED_SET)),
                st.lists(ASN, min_size=1, max_size=12).map(tuple),
            ),
            max_size=4,
        )
    )
    extended: tuple[bytes, ...] = ()
    unknown: tuple[tuple[int, int, bytes], ...] = ()
    if not common:
        extended = tuple(draw(st.lists(st.binary(min_size=8, max_size=8), max_size=2)))
        codes = draw(st.lists(st.sampled_from((19, 25, 40, 99)), unique=True, max_size=2))
        unknown = tuple((code, 0xC0, draw(st.binary(max_size=40))) for code in sorted(codes))
    return Attributes(
        origin=draw(st.integers(0, 2)),
        as_path=tuple(segments),
        med=draw(st.none() | U32),
        local_pref=draw(st.none() | U32),
        atomic_aggregate=draw(st.booleans()),
        aggregator=draw(st.none() | st.tuples(ASN, ADDRESS4)),
        communities=tuple(draw(st.lists(U32, max_size=12))),
        originator_id=draw(st.none() | ADDRESS4),
        cluster_list=tuple(draw(st.lists(ADDRESS4, max_size=3))),
        ext_communities=extended,
        large_communities=tuple(draw(st.lists(st.tuples(U32, U32, U32), max_size=6))),
        unknown=unknown,
    )


@settings(max_examples=300)
@given(attribute_sets(common=True), st.booleans(), st.none() | ADDRESS4)
def test_common_sets_rendered_like_python(attrs: Attributes, ibgp: bool, next_hop: bytes | None) -> None:
    render = c_module()
    raw = raw_of(attrs, IBGP if ibgp else EBGP, next_hop)
    text = render.attributes_json(raw, ibgp)
    assert text is not None
    assert text == python_text(raw, ibgp)


@settings(max_examples=300)
@given(attribute_sets(common=False), st.booleans())
def test_any_set_is_python_or_none(attrs: Attributes, ibgp: bool) -> None:
    render = c_module()
    raw = raw_of(attrs, IBGP if ibgp else EBGP)
    text = same_or_none(render, raw, ibgp)
    if attrs.ext_communities or attrs.unknown:
        assert text is None


@settings(max_examples=500)
@given(attribute_sets(common=True), st.data())
def test_damaged_fields(attrs: Attributes, data: st.DataObject) -> None:
    """Truncated, cut and bit-flipped fields: no read past the end, and never a wrong text."""
    render = c_module()
    raw = bytearray(raw_of(attrs))
    at = data.draw(st.integers(0, len(raw) - 1))
    how = data.draw(st.sampled_from(("truncate", "cut", "flip", "insert")))
    if how == "truncate":
        del raw[at:]
    elif how == "cut":
        del raw[at]
    elif how == "flip":
        raw[at] ^= 1 << data.draw(st.integers(0, 7))
    else:
        raw.insert(at, data.draw(st.integers(0, 255)))
    for ibgp in (True, False):
        same_or_none(render, bytes(raw), ibgp)


@settings(max_examples=500)
@given(st.binary(max_size=64), st.booleans())
def test_garbage(raw: bytes, ibgp: bool) -> None:
    render = c_module()
    same_or_none(render, raw, ibgp)


# --- prefixes_json ----------------------------------------------------------------------------------


@st.composite
def prefix_keys(draw: st.DrawFn, afi: int) -> list[bytes]:
    bits = 32 if afi == 1 else 128
    words = st.sampled_from((0, 0, 0, 0xFFFF, 1)) | st.integers(0, 0xFFFF)  # zero runs of every shape
    entries = draw(st.lists(st.tuples(st.integers(0, bits), st.lists(words, min_size=8, max_size=8))))
    keys = []
    for plen, address in entries:
        packed = struct.pack(">8H", *address)[: bits // 8]
        keys.append(encode_prefix(packed, plen))
    return keys


@settings(max_examples=400)
@given(st.sampled_from((1, 2)).flatmap(lambda afi: st.tuples(st.just(afi), prefix_keys(afi))))
def test_prefixes_like_python(case: tuple[int, list[bytes]]) -> None:
    render = c_module()
    afi, keys = case
    assert render.prefixes_json(afi, keys) == prefixes_json_python(afi, keys)


@settings(max_examples=300)
@given(st.integers(0, 255), st.binary(max_size=16))
def test_prefix_keys_of_any_content(plen: int, address: bytes) -> None:
    """Host bits, any length octet: rendered as the Python twin does (it reads only the bytes there)."""
    render = c_module()
    key = bytes((plen,)) + address
    assert render.prefixes_json(2, [key]) == prefixes_json_python(2, [key])
    if len(address) <= 4:
        assert render.prefixes_json(1, [key]) == prefixes_json_python(1, [key])


IPV6_TEXTS = [
    "::",
    "::1",
    "1::",
    "::ffff:1.2.3.4",
    "::1.2.3.4",
    "::0.2.0.3",
    "::1:0:0:0:0:0",
    "1:0:0:1::",
    "1:0:0:1:0:0:1:1",
    "1:0:1:0:0:1:1:1",
    "1:2:3:4:5:6:7:8",
    "2001:db8::1:0:0:1",
    "ffff::ffff:0:0",
    "::ffff:0:1.2.3.4",
    "0:0:0:0:0:fffe:102:304",
]


@pytest.mark.parametrize("address", IPV6_TEXTS)
def test_ipv6_text_as_glibc(render: ModuleType, address: str) -> None:
    packed = socket.inet_pton(socket.AF_INET6, address)
    expected = socket.inet_ntop(socket.AF_INET6, packed)
    assert render.prefixes_json(2, [b"\x80" + packed]) == f'{{ "nlri": "{expected}/128" }}'


def test_prefixes_vectors(render: ModuleType) -> None:
    keys = [b"\x18\x0a\x00\x01", b"\x00", b"\x20\xff\xff\xff\xff", b"\x11\x80\x01\x80"]
    assert render.prefixes_json(1, keys) == (
        '{ "nlri": "10.0.1.0/24" }, { "nlri": "0.0.0.0/0" }, { "nlri": "255.255.255.255/32" }, '
        '{ "nlri": "128.1.128.0/17" }'
    )
    assert render.prefixes_json(2, [b"\x20\x20\x01\x0d\xb8"]) == '{ "nlri": "2001:db8::/32" }'
    assert render.prefixes_json(1, ()) == prefixes_json_python(1, []) == '{ "nlri": "" }'


# --- whole UPDATE events ------------------------------------------------------------------------------


@contextmanager
def pure_python() -> Iterator[None]:
    """The pure-Python twins in charge inside the block (empty text caches on both sides)."""
    saved = json_module.raw_attributes_json, json_module.prefixes_json
    json_module.raw_attributes_json = None
    json_module.prefixes_json = prefixes_json_python
    for cache in json_module._TEXTS:
        cache.clear()
    try:
        yield
    finally:
        json_module.raw_attributes_json, json_module.prefixes_json = saved
        for cache in json_module._TEXTS:
            cache.clear()


def events(messages: list[bytes], ctx: Negotiated, compact: bool) -> list[str]:
    """Every event of the messages, received and sent, with and without raw bytes and negotiated."""
    for cache in json_module._TEXTS:
        cache.clear()
    encoder = JsonEncoder(compact=compact, clock=lambda: 1700000000.25)
    neighbor = NeighborInfo("127.0.0.1", "127.0.0.2", ctx.local_as, ctx.peer_as, "1.2.3.4")
    lines = []
    for message in messages:
        update = decode_update(message[19:], ctx)
        for direction, mode in (("receive", EventMode()), ("send", EventMode(raw=True, negotiated=True))):
            lines.append(encoder.update(neighbor, direction, update, message[:19], message[19:], mode, ctx))
        # without the session's context the attributes are rendered from the decoded set: the same text
        message_object = update_message(update, ctx.addpath_receive, compact, ctx)
        assert message_object == update_message(update, ctx.addpath_receive, compact)
        lines.append(message_object)
    return lines


@st.composite
def sessions_and_messages(draw: st.DrawFn) -> tuple[Negotiated, list[bytes], bool]:
    family: Family = draw(st.sampled_from((IPV4_UNICAST, IPV6_UNICAST)))
    addpath = draw(st.sampled_from((frozenset(), frozenset({family}))))
    ctx = Negotiated(
        local_as=65000,
        peer_as=draw(st.sampled_from((65000, 65001))),
        asn4=draw(st.booleans()),
        families=frozenset({IPV4_UNICAST, IPV6_UNICAST}),
        addpath_receive=addpath,
        addpath_send=addpath,
        max_message=4096,
    )
    keys = draw(prefix_keys(family[0]).filter(bool))
    if addpath:
        keys = [bytes((0, 0, 0, n)) + key for n, key in enumerate(keys)]
    attrs = draw(attribute_sets(common=draw(st.booleans())))
    hop = b"\x0a\x00\x00\x01" if family == IPV4_UNICAST else bytes(15) + b"\x01"
    messages = build_updates(family, attrs, hop, keys, ctx)
    if draw(st.booleans()):
        messages += build_withdrawals(family, keys, ctx)
    return ctx, messages, draw(st.booleans())


@settings(max_examples=150, deadline=None)
@given(sessions_and_messages())
def test_events_identical_with_and_without_c(case: tuple[Negotiated, list[bytes], bool]) -> None:
    ctx, messages, compact = case
    accelerated = events(messages, ctx, compact)
    with pure_python():
        assert events(messages, ctx, compact) == accelerated


def test_one_raw_field_two_sessions() -> None:
    """The same raw bytes on an iBGP and an eBGP session: each keeps its own rendering."""
    attrs = Attributes(origin=0, as_path=((AS_SEQUENCE, (65001,)),), local_pref=300)
    message = build_updates(IPV4_UNICAST, attrs, b"\x0a\x00\x00\x01", [b"\x08\x0a"], IBGP)[0]
    for ctx in (IBGP, EBGP, IBGP, EBGP):
        text = update_message(decode_update(message[19:], ctx), frozenset(), False, ctx)
        assert ('"local-preference": 300' in text) is ctx.ibgp


def test_field_without_attributes() -> None:
    """A raw field that decodes to no attribute at all (a truncated header): no ``attribute`` member."""
    body = b"\x00\x02\x08\x0a" + b"\x00\x02" + b"\x40\x01"
    update = decode_update(body, IBGP)
    assert update.attributes is None
    expected = '{ "update": { "withdraw": { "ipv4 unicast": [ { "nlri": "10.0.0.0/8" } ] } } }'
    assert update_message(update, frozenset(), False, IBGP) == expected
    with pure_python():
        assert update_message(update, frozenset(), False, IBGP) == expected


def test_pure_python_setting_ignores_the_module() -> None:
    code = (
        "import aiobgp.api.json as j; "
        "print(j.raw_attributes_json is None, j.prefixes_json is j.prefixes_json_python)"
    )
    assert probe(code, "1") == "True True"
