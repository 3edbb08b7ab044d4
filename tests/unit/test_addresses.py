"""The codec's own address text must be exactly what glibc's inet_ntop / inet_pton give."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.wire.addresses import address_text, ipv4_packed, ipv4_text, ipv6_packed, ipv6_text

# words drawn so that runs of zeros, ffff and IPv4-mapped/compatible forms are frequent
WORD = st.sampled_from([0, 0, 0, 1, 0xFFFF, 0x2001, 0xDB8]) | st.integers(0, 0xFFFF)


@given(st.lists(WORD, min_size=8, max_size=8))
def test_ipv6_text_is_glibc_inet_ntop(words: list[int]) -> None:
    packed = b"".join(w.to_bytes(2, "big") for w in words)
    text = socket.inet_ntop(socket.AF_INET6, packed)
    assert ipv6_text(packed) == text
    assert ipv6_packed(text) == packed


@given(st.binary(min_size=4, max_size=4))
def test_ipv4_text_is_inet_ntoa(packed: bytes) -> None:
    assert ipv4_text(packed) == address_text(packed) == socket.inet_ntoa(packed)
    assert ipv4_packed(ipv4_text(packed)) == packed


@pytest.mark.parametrize(
    ("packed", "text"),
    [
        (bytes(10) + b"\xff\xff" + bytes((127, 0, 0, 1)), "::ffff:127.0.0.1"),
        (bytes(12) + bytes((10, 0, 0, 1)), "::10.0.0.1"),
        (bytes(15) + b"\x01", "::1"),
        (bytes(16), "::"),
        (bytes.fromhex("20010db8000000010000000000000001"), "2001:db8:0:1::1"),
        (bytes.fromhex("20010db8000000000001000000000001"), "2001:db8::1:0:0:1"),
    ],
)
def test_ipv6_forms(packed: bytes, text: str) -> None:
    assert ipv6_text(packed) == text


@pytest.mark.parametrize("text", ["1.2.3", "1.2.3.256", "01.2.3.4", " 1.2.3.4", "1.2.3.4.5", "a.b.c.d", ""])
def test_bad_ipv4_text(text: str) -> None:
    with pytest.raises(ValueError):
        ipv4_packed(text)


@pytest.mark.parametrize("text", ["1::2::3", "12345::", "fe80::1%eth0", "::g"])
def test_bad_ipv6_text(text: str) -> None:
    with pytest.raises(ValueError):
        ipv6_packed(text)
