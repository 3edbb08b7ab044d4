"""One route to announce: a prefix of a family, its next hop and its attribute set."""

from __future__ import annotations

from dataclasses import dataclass

from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import Family


@dataclass(frozen=True, slots=True, init=False)
class Route:
    family: Family
    nlri: bytes  # the prefix's wire encoding (aiobgp.wire.nlri), path identifier first when set
    next_hop: bytes | None  # packed 4/16/32 bytes, NEXT_HOP_SELF (b"") for "self", None when absent
    attributes: Attributes
    addpath: bool = False  # nlri begins with a 4-byte ADD-PATH identifier (path-information)

    def __init__(
        self,
        family: Family,
        nlri: bytes,
        next_hop: bytes | None,
        attributes: Attributes,
        addpath: bool = False,
    ) -> None:
        # the slots' own setters: a frozen dataclass's generated __init__ looks each one up by name
        _SET_FAMILY(self, family)
        _SET_NLRI(self, nlri)
        _SET_NEXT_HOP(self, next_hop)
        _SET_ATTRIBUTES(self, attributes)
        _SET_ADDPATH(self, addpath)


_SLOTS = vars(Route)
_SET_FAMILY = _SLOTS["family"].__set__
_SET_NLRI = _SLOTS["nlri"].__set__
_SET_NEXT_HOP = _SLOTS["next_hop"].__set__
_SET_ATTRIBUTES = _SLOTS["attributes"].__set__
_SET_ADDPATH = _SLOTS["addpath"].__set__
