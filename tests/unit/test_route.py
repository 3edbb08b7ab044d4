"""Route, the frozen value the configuration, the API and the Adj-RIB-Out pass around."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import IPV4_UNICAST, IPV6_UNICAST

NLRI = bytes((24, 10, 0, 0))


def test_fields_defaults_and_keywords() -> None:
    route = Route(IPV4_UNICAST, NLRI, b"", Attributes(med=5))
    assert (route.family, route.nlri, route.next_hop, route.attributes, route.addpath) == (
        IPV4_UNICAST,
        NLRI,
        b"",
        Attributes(med=5),
        False,
    )
    named = Route(family=IPV4_UNICAST, nlri=NLRI, next_hop=b"", attributes=Attributes(med=5), addpath=False)
    assert named == route and hash(named) == hash(route)
    assert Route(IPV4_UNICAST, NLRI, b"", Attributes(med=5), True) != route
    assert Route(IPV6_UNICAST, NLRI, b"", Attributes(med=5)) != route
    assert repr(route).startswith("Route(family=(1, 1), nlri=b'\\x18\\n\\x00\\x00', next_hop=b''")


def test_frozen_replace_and_pickle() -> None:
    route = Route(IPV4_UNICAST, NLRI, None, Attributes())
    with pytest.raises(dataclasses.FrozenInstanceError):
        route.nlri = b""  # type: ignore[misc]
    assert dataclasses.replace(route, next_hop=b"\x01\x02\x03\x04").next_hop == b"\x01\x02\x03\x04"
    assert pickle.loads(pickle.dumps(route)) == route
    assert {route: 1}[Route(IPV4_UNICAST, NLRI, None, Attributes())] == 1
