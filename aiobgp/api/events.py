"""What the helper-API encoders share: the neighbor an event is about, and how a message is reported.

``NeighborInfo`` is created once per configured neighbor by the runtime and handed to every encoder
call; it carries the neighbor's JSON ``counter`` (ExaBGP numbers the events of one neighbor, across
all helpers) and caches the rendered ``neighbor`` prefix. ``EventMode`` is what a helper's
``receive {}`` / ``send {}`` selection asks for one message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

from aiobgp.config.model import MessageSelection
from aiobgp.wire.attributes import Attributes

_NeighborKey = tuple[str, str, int, int, str | None]


@dataclass(slots=True, eq=False)
class NeighborInfo:
    """The neighbor of an event, as the envelope shows it (``neighbor.address/asn/router-id``)."""

    peer_address: str
    local_address: str
    local_as: int
    peer_as: int
    router_id: str | None
    counter: int = 0  # last JSON event number given out for this neighbor
    _key: _NeighborKey | None = field(default=None, repr=False)
    _json: str = field(default="", repr=False)

    def next_counter(self) -> int:
        """The ``counter`` of the next JSON event about this neighbor."""
        self.counter += 1
        return self.counter

    def json_prefix(self) -> str:
        """``"neighbor": { "address": …, "asn": …, "router-id": …`` (object left open).

        Cached; recomputed when a field changes (the runtime learns ``local_address`` on connect).
        """
        key = (self.local_address, self.peer_address, self.local_as, self.peer_as, self.router_id)
        if key != self._key:
            router = f', "router-id": {json.dumps(self.router_id)}' if self.router_id else ""
            self._json = (
                f'"neighbor": {{ "address": {{ "local": {json.dumps(self.local_address)}, '
                f'"peer": {json.dumps(self.peer_address)} }}, '
                f'"asn": {{ "local": {self.local_as}, "peer": {self.peer_as} }}{router}'
            )
            self._key = key
        return self._json


@dataclass(frozen=True, slots=True)
class EventMode:
    """How one decoded message is reported to a helper.

    ``raw``: the message's hex ``header`` / ``body`` go at the top level of the JSON envelope (and at
    the end of the text line): ExaBGP's ``consolidate`` together with ``packets``.
    ``negotiated``: the ``negotiated`` object is appended to UPDATE events (the ``negotiated`` flag).
    """

    raw: bool = False
    negotiated: bool = False

    @classmethod
    def of(cls, selection: MessageSelection, negotiated: bool) -> EventMode:
        """The mode of a decoded event for one ``receive {}`` / ``send {}`` selection."""
        return cls(selection.consolidate and selection.packets, negotiated)


PARSED = EventMode()
"""A decoded event without raw bytes or negotiated object (``parsed`` alone; ``exabgp decode``)."""


def hexstring(data: bytes) -> str:
    """``0x`` and upper-case hex, as ExaBGP writes raw bytes (``0x`` for none)."""
    return "0x" + data.hex().upper()


class Rendered:
    """Text rendered once per attribute set: a bounded cache (the older half is forgotten when full).

    A received table repeats its attribute sets (interned by the decoder), so each is rendered once
    however many prefixes and helpers it reaches.
    """

    def __init__(self, render: Callable[[Attributes], str], size: int) -> None:
        self._render = render
        self._size = size
        self._cache: dict[Attributes, str] = {}

    def __call__(self, attrs: Attributes) -> str:
        text = self._cache.get(attrs)
        if text is None:
            text = self._render(attrs)
            if len(self._cache) >= self._size:
                for key in list(islice(self._cache, self._size // 2)):
                    del self._cache[key]
            self._cache[attrs] = text
        return text
