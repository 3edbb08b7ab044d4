"""The helper processes' text commands (ExaBGP 5.0.15 "v4" dialect), parsed into command objects.

`parse_command(line)` turns one line a helper wrote into one frozen dataclass of the `Command` union, or
raises `ParseError`. Nothing here does I/O or knows the neighbors: the runtime executes the commands and
matches their selectors (aiobgp.api.selectors) against its neighbors. Routes go through the configuration's
route grammar (aiobgp.config.routes); flow routes are only cut into their match/then/scope statements.
`announce route P ...` and `withdraw route P ...` lines take a fast path that reuses the parsed attributes
of an identical tail seen before, so a helper can stream millions of them. `parse_lines(lines)` parses
the lines of one read at once: runs of such lines come back as one `RouteRun` each.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from aiobgp.api.selectors import Selector, canonical_ip
from aiobgp.config.model import NO_EXTRAS, ConfigError, RouteExtras
from aiobgp.config.routes import (
    RouteList,
    ipv4_nlri,
    ipv6_nlri,
    parse_attributes_nlri,
    parse_route,
    read_prefix_run,
)
from aiobgp.config.tokenizer import Token, tokenize_line
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import (
    AFI_BY_NAME,
    AFI_IPV4,
    AFI_IPV6,
    AFI_L2VPN,
    IPV4_UNICAST,
    IPV6_UNICAST,
    SAFI_BY_NAME,
    SAFI_FLOW,
    SAFI_FLOW_VPN,
    SAFI_MPLS_VPN,
    SAFI_MULTICAST,
    SAFI_NLRI_MPLS,
    SAFI_UNICAST,
    Family,
)
from aiobgp.wire.nlri import parse_prefix


class ParseError(Exception):
    """A command line that cannot be executed: what is wrong and, when known, at which word (1-based)."""

    def __init__(self, message: str, word: int | None = None, token: str | None = None) -> None:
        self.message = message
        self.word = word
        self.token = token
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.word is None:
            return self.message
        return f"{self.message} (word {self.word}: '{self.token}')"


Selectors: TypeAlias = tuple[Selector, ...]
Action: TypeAlias = Literal["announce", "withdraw"]
FlowStatement: TypeAlias = tuple[Token, ...]
"""One flow statement: its keyword token, then its value tokens (brackets included, `;` excluded)."""


# --- the commands -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Announce:
    """`announce route ...`, `announce ipv4|ipv6 unicast|multicast ...`, `announce attributes ...`."""

    selectors: Selectors
    routes: list[Route]
    extras: RouteExtras = NO_EXTRAS


@dataclass(frozen=True, slots=True)
class Withdraw:
    """The withdraw forms of the route commands; routes are to be found by family and NLRI (next-hop and
    attributes, optional, are not part of the identity)."""

    selectors: Selectors
    routes: list[Route]


@dataclass(frozen=True, slots=True)
class FlowCommand:
    """`announce|withdraw flow route ...` or `... ipv4|ipv6 flow|flow-vpn ...`, split into statements.

    `family` is None when the line did not say it (`flow route`: inferred from the match prefixes).
    `other` holds the route-level statements (`rd`, `route-distinguisher`, `next-hop`); `tokens` everything
    after `route` (or after the family), for error messages.
    """

    selectors: Selectors
    action: Action
    tokens: tuple[Token, ...]
    family: Family | None = None
    match: tuple[FlowStatement, ...] = ()
    then: tuple[FlowStatement, ...] = ()
    scope: tuple[FlowStatement, ...] = ()
    other: tuple[FlowStatement, ...] = ()


@dataclass(frozen=True, slots=True)
class EndOfRib:
    """`announce eor [AFI SAFI]`."""

    selectors: Selectors
    family: Family = IPV4_UNICAST


@dataclass(frozen=True, slots=True)
class RouteRefresh:
    """`announce route-refresh AFI SAFI`."""

    selectors: Selectors
    family: Family


@dataclass(frozen=True, slots=True)
class Teardown:
    """`neighbor IP teardown SUBCODE`: a NOTIFICATION Cease with that subcode (ExaBGP 5.0.15 tears nothing
    down when no selector is given)."""

    selectors: Selectors
    subcode: int


@dataclass(frozen=True, slots=True)
class Watchdog:
    """`announce|withdraw watchdog [NAME]`; `name` None means the helper process's own name."""

    selectors: Selectors
    action: Action
    name: str | None


OperationalKind: TypeAlias = Literal["asm", "adm", "rpcq", "apcq", "lpcq", "rpcp", "apcp", "lpcp"]


@dataclass(frozen=True, slots=True)
class Operational:
    """`announce operational KIND afi AFI safi SAFI ...` (draft-ietf-idr-operational-message).

    Advisories (`asm`, `adm`) carry `advisory`; queries (`*cq`) a `sequence`; replies (`*cp`) a `sequence`
    and a `counter`."""

    selectors: Selectors
    kind: OperationalKind
    family: Family
    advisory: str | None = None
    sequence: int | None = None
    counter: int | None = None


ShowMode: TypeAlias = Literal["", "summary", "extensive", "configuration"]
_SHOW_MODES: dict[str, ShowMode] = {
    "summary": "summary",
    "extensive": "extensive",
    "configuration": "configuration",
}


@dataclass(frozen=True, slots=True)
class ShowNeighbor:
    """`show neighbor [summary|extensive|configuration] [IP] [json]`; mode "" is the plain form."""

    ip: str | None = None
    mode: ShowMode = ""
    json: bool = False


# what each `show adj-rib` family filter word keeps: address family identifiers, subsequent ones
_ADJ_RIB_FILTERS: dict[str, tuple[frozenset[int] | None, frozenset[int] | None]] = {
    "inet": (
        frozenset({AFI_IPV4, AFI_IPV6}),
        frozenset({SAFI_UNICAST, SAFI_MULTICAST, SAFI_NLRI_MPLS, SAFI_MPLS_VPN}),
    ),
    "flow": (None, frozenset({SAFI_FLOW, SAFI_FLOW_VPN})),
    "l2vpn": (frozenset({AFI_L2VPN}), None),
}


@dataclass(frozen=True, slots=True)
class ShowAdjRib:
    """`show adj-rib in|out [extensive] [inet|flow|l2vpn] [IP] [json]`."""

    direction: Literal["in", "out"]
    extensive: bool = False
    family: str | None = None  # the filter word: "inet", "flow" or "l2vpn"
    ip: str | None = None
    json: bool = False

    def covers(self, family: Family) -> bool:
        """True when routes of this family are shown under the command's family filter."""
        if self.family is None:
            return True
        afis, safis = _ADJ_RIB_FILTERS[self.family]
        return (afis is None or family[0] in afis) and (safis is None or family[1] in safis)


@dataclass(frozen=True, slots=True)
class FlushAdjRibOut:
    """`flush adj-rib out`: send the Adj-RIB-Out again."""

    selectors: Selectors


@dataclass(frozen=True, slots=True)
class ClearAdjRib:
    """`clear adj-rib in|out`: withdraw everything announced (out) or forget what was received (in)."""

    selectors: Selectors
    direction: Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class Shutdown:
    """`shutdown`: stop the daemon."""


@dataclass(frozen=True, slots=True)
class Reload:
    """`reload`: read the configuration again, keeping the helpers."""


@dataclass(frozen=True, slots=True)
class Restart:
    """`restart`: read the configuration again and restart helpers and peers."""


@dataclass(frozen=True, slots=True)
class Version:
    """`version`."""


@dataclass(frozen=True, slots=True)
class Help:
    """`help`: answered with `help_text()`."""


@dataclass(frozen=True, slots=True)
class Reset:
    """`reset`: drop the helper's queue of pending multi-step commands (never answered)."""


@dataclass(frozen=True, slots=True)
class EnableAck:
    """`enable-ack`."""


@dataclass(frozen=True, slots=True)
class DisableAck:
    """`disable-ack` (answered once, then silent)."""


@dataclass(frozen=True, slots=True)
class SilenceAck:
    """`silence-ack` (silent at once)."""


@dataclass(frozen=True, slots=True)
class Comment:
    """A line starting with `#` (logged, answered `done`); `text` follows the `#`."""

    text: str


@dataclass(frozen=True, slots=True)
class Debug:
    """A line starting with `debug ` (logged only, never answered); `text` follows `debug `."""

    text: str


Command: TypeAlias = (
    Announce
    | Withdraw
    | FlowCommand
    | EndOfRib
    | RouteRefresh
    | Teardown
    | Watchdog
    | Operational
    | ShowNeighbor
    | ShowAdjRib
    | FlushAdjRibOut
    | ClearAdjRib
    | Shutdown
    | Reload
    | Restart
    | Version
    | Help
    | Reset
    | EnableAck
    | DisableAck
    | SilenceAck
    | Comment
    | Debug
)


# --- help ---------------------------------------------------------------------------------------

_ANY = "[neighbor <ip> [filters]] "
_HELP = (
    _ANY + "announce attribute <attributes> nlri <prefix> [<prefix> ...]",
    _ANY + "announce attributes <attributes> nlri <prefix> [<prefix> ...]",
    _ANY + "announce eor [<afi> <safi>]",
    _ANY + "announce flow route { match { ... } then { ... } }",
    _ANY + "announce ipv4 unicast|multicast|flow <prefix or flow> <attributes>",
    _ANY + "announce ipv6 unicast|multicast|flow <prefix or flow> <attributes>",
    _ANY + "announce operational asm|adm|rpcq|rpcp|apcq|apcp|lpcq|lpcp afi <afi> safi <safi> ...",
    _ANY + "announce route <prefix> next-hop <ip>|self <attributes>",
    _ANY + "announce route-refresh <afi> <safi>",
    _ANY + "announce watchdog [<name>]",
    _ANY + "clear adj-rib in|out",
    _ANY + "flush adj-rib out",
    _ANY + "teardown <cease subcode>",
    _ANY + "withdraw attribute <attributes> nlri <prefix> [<prefix> ...]",
    _ANY + "withdraw attributes <attributes> nlri <prefix> [<prefix> ...]",
    _ANY + "withdraw flow route { match { ... } }",
    _ANY + "withdraw ipv4 unicast|multicast|flow <prefix or flow> [<attributes>]",
    _ANY + "withdraw ipv6 unicast|multicast|flow <prefix or flow> [<attributes>]",
    _ANY + "withdraw route <prefix> [<attributes>]",
    _ANY + "withdraw watchdog [<name>]",
    "disable-ack",
    "enable-ack",
    "help",
    "reload",
    "reset",
    "restart",
    "shutdown",
    "silence-ack",
    "version",
    "show adj-rib in [extensive] [inet|flow|l2vpn] [<ip>] [json]",
    "show adj-rib out [extensive] [inet|flow|l2vpn] [<ip>] [json]",
    "show neighbor [summary|extensive|configuration] [<ip>] [json]",
    "filters: [local-ip <ip>] [local-as <asn>] [peer-as <asn>] [router-id <ip>] [family-allowed <families>]",
    "several neighbors: neighbor <ip> [filters] , neighbor <ip> [filters] ...; neighbor * is every neighbor",
)


def help_text() -> str:
    """The answer to `help`: one command per line (no final newline)."""
    return "\n".join(_HELP)


# --- errors -------------------------------------------------------------------------------------


def _located(error: ConfigError, tokens: Sequence[Token]) -> ParseError:
    """The ParseError for a ConfigError raised on one of `tokens` (found again by its column)."""
    if error.position is not None:
        column = error.position.column
        for index, token in enumerate(tokens):
            if token.column == column:
                return ParseError(error.message, index + 1, token.text)
    return ParseError(error.message)


def _after(tokens: Sequence[Token], i: int, what: str) -> ConfigError:
    """`what` is missing after the word before `i` (the line ended early)."""
    return tokens[i - 1].error(f"{what} expected after '{tokens[i - 1].text}'")


# --- selectors ----------------------------------------------------------------------------------

_SELECTOR_KEYS = frozenset({"neighbor", "local-ip", "local-as", "peer-as", "router-id", "family-allowed"})


def _asn(token: Token) -> int:
    text = token.text
    high, dot, low = text.partition(".")
    if dot and high.isdigit() and low.isdigit() and int(high) <= 0xFFFF and int(low) <= 0xFFFF:
        return (int(high) << 16) | int(low)
    if text.isdigit() and int(text) <= 0xFFFFFFFF:
        return int(text)
    raise token.error("invalid AS number")


def _address(token: Token) -> str:
    try:
        return str(ipaddress.ip_address(token.text))
    except ValueError:
        raise token.error("invalid IP address") from None


def _family_list(token: Token) -> tuple[Family, ...]:
    """`in-open` -> (); `ipv4-unicast/ipv6-unicast` -> those families."""
    text = token.text.lower()
    if text == "in-open":
        return ()
    families: list[Family] = []
    for part in text.split("/"):
        for afi_name, afi in AFI_BY_NAME.items():
            if part.startswith(afi_name + "-") and part[len(afi_name) + 1 :] in SAFI_BY_NAME:
                families.append((afi, SAFI_BY_NAME[part[len(afi_name) + 1 :]]))
                break
        else:
            raise token.error("family-allowed is in-open or AFI-SAFI names joined by '/'")
    return tuple(families)


def _selectors(tokens: Sequence[Token]) -> tuple[Selectors, int]:
    """The selector groups at the start of `tokens` (which begin with `neighbor`) and where they end."""
    groups: list[Selector] = []
    values: dict[str, Any] = {}
    keys: set[str] = set()  # of the current group (`neighbor *` is a key that sets no value)
    i, end = 0, len(tokens)
    while i < end:
        token = tokens[i]
        key = token.text
        if token.is_punct(","):
            if not keys:
                raise token.error("a neighbor selector is empty")
            groups.append(Selector(**values))
            values, keys = {}, set()
            i += 1
            continue
        if token.quoted or key not in _SELECTOR_KEYS:
            break
        if key in keys:
            raise token.error(f"'{key}' twice in one neighbor selector")
        if i + 1 >= end:
            raise _after(tokens, i + 1, "a value")
        value = tokens[i + 1]
        if value.text in (",", "[", "]", "(", ")", "{", "}", ";") and not value.quoted:
            raise value.error(f"'{key}' needs a value")
        if key == "neighbor":
            if value.text != "*":
                values["peer"] = canonical_ip(value.text)
        elif key == "local-ip":
            values["local_ip"] = _address(value)
        elif key == "router-id":
            values["router_id"] = _address(value)
        elif key == "local-as":
            values["local_as"] = _asn(value)
        elif key == "peer-as":
            values["peer_as"] = _asn(value)
        else:
            values["family_allowed"] = _family_list(value)
        keys.add(key)
        i += 2
    if i < end and tokens[i - 1].is_punct(","):
        raise tokens[i].error("a neighbor selector is expected after ','")
    if i >= end:
        raise tokens[-1].error("a command is expected after the neighbor selector")
    groups.append(Selector(**values))
    return tuple(groups), i


# --- route commands -----------------------------------------------------------------------------

_UNSUPPORTED_SAFIS = frozenset({"nlri-mpls", "mpls-vpn", "mcast-vpn", "mup", "vpls", "evpn", "rtc", "bgp-ls"})
_UNSUPPORTED_VERBS = {
    "vpls": "vpls routes",
    "l2vpn": "l2vpn routes",
    "evpn": "evpn routes",
    "vpn": "vpn routes",
}


def _routes(action: Action, selectors: Selectors, routes: RouteList, at: Token) -> Announce | Withdraw:
    if action == "withdraw":
        return Withdraw(selectors, list(routes))
    for route in routes:
        if route.next_hop is None:
            raise at.error("a route to announce needs a next-hop (an address or self)")
    return Announce(selectors, list(routes), routes.extras)


def _family(tokens: Sequence[Token], i: int) -> Family:
    """`AFI SAFI` at `i` (names as ExaBGP prints them)."""
    if i + 1 >= len(tokens):
        raise _after(tokens, len(tokens), "a SAFI" if i < len(tokens) else "an AFI and a SAFI")
    afi = AFI_BY_NAME.get(tokens[i].text)
    if afi is None:
        raise tokens[i].error("unknown AFI (ipv4, ipv6, l2vpn, bgp-ls)")
    safi = SAFI_BY_NAME.get(tokens[i + 1].text)
    if safi is None:
        raise tokens[i + 1].error("unknown SAFI")
    return (afi, safi)


def _route_command(tokens: Sequence[Token], i: int, selectors: Selectors, action: Action) -> Command:
    """`announce ...` / `withdraw ...`; `i` indexes the word after the action."""
    end = len(tokens)
    if i >= end:
        raise _after(tokens, i, "what to " + action)
    verb = tokens[i]
    word = verb.text
    if word == "route":
        if i + 1 >= end:
            raise _after(tokens, i + 1, "a prefix")
        return _routes(action, selectors, parse_route(tokens[i + 1 :]), tokens[i + 1])
    if word in ("attribute", "attributes"):
        if i + 1 >= end:
            raise _after(tokens, i + 1, "attributes and nlri")
        return _routes(action, selectors, parse_attributes_nlri(tokens[i + 1 :]), verb)
    if word in ("ipv4", "ipv6"):
        if i + 1 >= end:
            raise _after(tokens, i + 1, "a SAFI")
        safi_token = tokens[i + 1]
        safi = safi_token.text
        afi = AFI_BY_NAME[word]
        if safi in ("unicast", "multicast"):
            if i + 2 >= end:
                raise _after(tokens, i + 2, "a prefix")
            family = (afi, SAFI_UNICAST if safi == "unicast" else SAFI_MULTICAST)
            return _routes(action, selectors, parse_route(tokens[i + 2 :], family), tokens[i + 2])
        if safi in ("flow", "flow-vpn"):
            return _flow(tokens, i + 2, selectors, action, (afi, SAFI_BY_NAME[safi]))
        if safi in _UNSUPPORTED_SAFIS:
            raise safi_token.error(f"{word} {safi} routes are not supported yet")
        raise safi_token.error(f"unknown SAFI for {word} (unicast, multicast, flow, flow-vpn)")
    if word == "flow":
        if i + 1 >= end or tokens[i + 1].text != "route":
            raise (tokens[i + 1] if i + 1 < end else verb).error("'flow' is followed by 'route'")
        return _flow(tokens, i + 2, selectors, action, None)
    if word == "watchdog":
        if i + 2 < end:
            raise tokens[i + 2].error("watchdog takes one name")
        name = tokens[i + 1].text if i + 1 < end else None
        return Watchdog(selectors, action, name)
    if action == "announce":
        if word == "eor":
            if i + 1 == end:
                return EndOfRib(selectors)
            _end(tokens, i + 3)
            return EndOfRib(selectors, _family(tokens, i + 1))
        if word == "route-refresh":
            _end(tokens, i + 3)
            return RouteRefresh(selectors, _family(tokens, i + 1))
        if word == "operational":
            return _operational(tokens, i + 1, selectors)
    if word in _UNSUPPORTED_VERBS:
        raise verb.error(f"{_UNSUPPORTED_VERBS[word]} are not supported yet")
    raise verb.error(f"unknown {action} command")


def _end(tokens: Sequence[Token], i: int) -> None:
    """Nothing may follow index `i - 1`."""
    if i < len(tokens):
        raise tokens[i].error("unexpected word at the end of the command")


# --- flow routes --------------------------------------------------------------------------------

_FLOW_MATCH = (
    frozenset({"source", "destination", "source-ipv4", "destination-ipv4", "source-ipv6"})
    | frozenset({"destination-ipv6", "port", "source-port", "destination-port", "protocol"})
    | frozenset({"next-header", "packet-length", "tcp-flags", "icmp-type", "icmp-code", "fragment"})
    | frozenset({"dscp", "traffic-class", "flow-label"})
)
_FLOW_THEN = frozenset(
    {"accept", "discard", "rate-limit", "redirect", "redirect-to-nexthop", "copy", "mark"}
) | frozenset({"redirect-to-nexthop-ietf", "action", "community", "large-community", "extended-community"})
_FLOW_NO_VALUE = frozenset({"accept", "discard", "redirect-to-nexthop"})
_FLOW_SECTION_OF = (
    dict.fromkeys(_FLOW_MATCH, "match")
    | dict.fromkeys(_FLOW_THEN, "then")
    | {"interface-set": "scope", "rd": "other", "route-distinguisher": "other", "next-hop": "other"}
)
_FLOW_BLOCKS = frozenset({"match", "then", "scope"})
_CLOSING = {"[": "]", "(": ")"}


def _flow(
    tokens: Sequence[Token], start: int, selectors: Selectors, action: Action, family: Family | None
) -> FlowCommand:
    """A flow route: block form `{ match { ...; } then { ...; } }` or keywords in any order, or a mix."""
    end = len(tokens)
    if start >= end:
        raise _after(tokens, start, "match components")
    sections: dict[str, list[FlowStatement]] = {"match": [], "then": [], "scope": [], "other": []}
    i = start
    if i + 1 < end and tokens[i + 1].is_punct("{") and tokens[i].text not in _FLOW_BLOCKS:
        i += 1  # a route name, as in the configuration's `route NAME {`: not used
    stop = end
    if tokens[i].is_punct("{"):
        stop = _closing_brace(tokens, i)
        _end(tokens, stop + 1)
        i += 1
    while i < stop:
        token = tokens[i]
        if token.is_punct(";"):
            i += 1
        elif token.text in _FLOW_BLOCKS and i + 1 < stop and tokens[i + 1].is_punct("{"):
            i = _flow_block(tokens, i + 2, stop, token.text, sections[token.text])
        else:
            section = None if token.quoted else _FLOW_SECTION_OF.get(token.text)
            if section is None:
                raise token.error("unknown flow route keyword")
            i = _flow_statement(tokens, i, stop, sections[section])
    if not sections["match"]:
        raise tokens[start].error("a flow route needs at least one match component (RFC 8955)")
    return FlowCommand(
        selectors,
        action,
        tuple(tokens[start:]),
        family,
        tuple(sections["match"]),
        tuple(sections["then"]),
        tuple(sections["scope"]),
        tuple(sections["other"]),
    )


def _closing_brace(tokens: Sequence[Token], i: int) -> int:
    """The index of the `}` closing the `{` at `i`."""
    depth = 0
    for j in range(i, len(tokens)):
        token = tokens[j]
        if token.is_punct("{"):
            depth += 1
        elif token.is_punct("}"):
            depth -= 1
            if not depth:
                return j
    raise tokens[i].error("missing '}' to close this flow route")


def _flow_block(tokens: Sequence[Token], i: int, stop: int, name: str, out: list[FlowStatement]) -> int:
    """The statements of `match { ... }` (or then, scope) from `i`; returns the index after its `}`."""
    opening = tokens[i - 1]
    while i < stop:
        token = tokens[i]
        if token.is_punct("}"):
            return i + 1
        if token.is_punct(";"):
            i += 1
            continue
        if token.quoted or _FLOW_SECTION_OF.get(token.text) != name:
            raise token.error(f"not a flow '{name}' keyword")
        i = _flow_statement(tokens, i, stop, out)
    raise opening.error(f"missing '}}' to close this '{name}' block")


def _flow_statement(tokens: Sequence[Token], i: int, stop: int, out: list[FlowStatement]) -> int:
    """One keyword and its values, up to `;`, `}` or the next keyword; returns where it stopped."""
    keyword = tokens[i]
    j = i + 1
    while j < stop:
        token = tokens[j]
        text = token.text
        if not token.quoted:
            if text in (";", "}") or text in _FLOW_SECTION_OF:
                break
            if text in _CLOSING:
                j = _skip_group(tokens, j, stop)
                continue
            if text in ("{", "]", ")", ","):
                raise token.error("unexpected punctuation in a flow route")
        j += 1
    if j == i + 1 and keyword.text not in _FLOW_NO_VALUE:
        raise keyword.error(f"'{keyword.text}' needs a value")
    if j > i + 1 and keyword.text in _FLOW_NO_VALUE:
        raise tokens[i + 1].error(f"'{keyword.text}' takes no value")
    out.append(tuple(tokens[i:j]))
    return j


def _skip_group(tokens: Sequence[Token], j: int, stop: int) -> int:
    """The index after the `]` or `)` closing the group opened at `j`."""
    opening = tokens[j]
    closing = _CLOSING[opening.text]
    for k in range(j + 1, stop):
        if tokens[k].is_punct(closing):
            return k + 1
    raise opening.error(f"missing '{closing}' to close this list")


# --- operational messages -----------------------------------------------------------------------

_OPERATIONAL_KINDS: dict[str, OperationalKind] = {
    "asm": "asm",
    "adm": "adm",
    "rpcq": "rpcq",
    "apcq": "apcq",
    "lpcq": "lpcq",
    "rpcp": "rpcp",
    "apcp": "apcp",
    "lpcp": "lpcp",
}
_ADVISORY_MAX = 2048


def _operational(tokens: Sequence[Token], i: int, selectors: Selectors) -> Operational:
    """`KIND afi AFI safi SAFI` then `advisory "TEXT"`, `sequence N` or `sequence N counter N`."""
    end = len(tokens)
    if i >= end:
        raise _after(tokens, i, "an operational message type")
    kind = _OPERATIONAL_KINDS.get(tokens[i].text)
    if kind is None:
        raise tokens[i].error("unknown operational message type (asm adm rpcq rpcp apcq apcp lpcq lpcp)")
    values: dict[str, Token] = {}
    j = i + 1
    while j < end:
        key = tokens[j]
        if key.text not in ("afi", "safi", "advisory", "sequence", "counter") or key.text in values:
            raise key.error("unexpected word in an operational message")
        if j + 1 >= end:
            raise _after(tokens, j + 1, "a value")
        values[key.text] = tokens[j + 1]
        j += 2
    if "afi" not in values or "safi" not in values:
        raise tokens[i].error("an operational message needs `afi AFI safi SAFI`")
    afi, safi = values["afi"], values["safi"]
    if afi.text not in AFI_BY_NAME:
        raise afi.error("unknown AFI")
    if safi.text not in SAFI_BY_NAME:
        raise safi.error("unknown SAFI")
    family = (AFI_BY_NAME[afi.text], SAFI_BY_NAME[safi.text])
    wanted = {"afi", "safi"} | (
        {"advisory"}
        if kind in ("asm", "adm")
        else {"sequence"}
        if kind[-1] == "q"
        else {"sequence", "counter"}
    )
    if set(values) != wanted:
        raise tokens[i].error(f"{kind} needs exactly: {' '.join(sorted(wanted))}")
    if "advisory" in values:
        advisory = values["advisory"].text
        if len(advisory.encode()) > _ADVISORY_MAX:
            raise values["advisory"].error(f"an advisory is at most {_ADVISORY_MAX} bytes")
        return Operational(selectors, kind, family, advisory=advisory)
    sequence = _number(values["sequence"], 0xFFFFFFFF, "sequence")
    counter = _number(values["counter"], 0xFFFFFFFF, "counter") if "counter" in values else None
    return Operational(selectors, kind, family, sequence=sequence, counter=counter)


def _number(token: Token, maximum: int, what: str) -> int:
    if not token.text.isdigit() or int(token.text) > maximum:
        raise token.error(f"{what} is a number from 0 to {maximum}")
    return int(token.text)


# --- show, flush, clear, teardown ---------------------------------------------------------------


def _show(tokens: Sequence[Token]) -> ShowNeighbor | ShowAdjRib:
    """`show neighbor ...` or `show adj-rib in|out ...`: option words in any order."""
    if len(tokens) < 2:
        raise _after(tokens, 1, "'neighbor' or 'adj-rib'")
    what = tokens[1]
    json = False
    ip: str | None = None
    if what.text == "neighbor":
        mode: ShowMode = ""
        for token in tokens[2:]:
            word = token.text
            if word == "json" and not json:
                json = True
            elif word in _SHOW_MODES and not mode:
                mode = _SHOW_MODES[word]
            elif ip is None and ("." in word or ":" in word):
                ip = _address(token)
            else:
                raise token.error("unexpected word (summary, extensive, configuration, an IP or json)")
        return ShowNeighbor(ip, mode, json)
    if what.text == "adj-rib":
        if len(tokens) < 3 or tokens[2].text not in ("in", "out"):
            raise (tokens[2] if len(tokens) > 2 else what).error("'adj-rib' is followed by 'in' or 'out'")
        direction: Literal["in", "out"] = "in" if tokens[2].text == "in" else "out"
        extensive = False
        family: str | None = None
        for token in tokens[3:]:
            word = token.text
            if word == "json" and not json:
                json = True
            elif word == "extensive" and not extensive:
                extensive = True
            elif word in _ADJ_RIB_FILTERS and family is None:
                family = word
            elif ip is None and ("." in word or ":" in word):
                ip = _address(token)
            else:
                raise token.error("unexpected word (extensive, inet, flow, l2vpn, an IP or json)")
        return ShowAdjRib(direction, extensive, family, ip, json)
    raise what.error("show what? 'neighbor' or 'adj-rib'")


def _adj_rib(tokens: Sequence[Token], i: int, selectors: Selectors) -> FlushAdjRibOut | ClearAdjRib:
    verb = tokens[i]
    if i + 1 >= len(tokens) or tokens[i + 1].text != "adj-rib":
        raise (tokens[i + 1] if i + 1 < len(tokens) else verb).error(
            f"'{verb.text}' is followed by 'adj-rib'"
        )
    if i + 2 >= len(tokens):
        raise _after(tokens, i + 2, "'in' or 'out'" if verb.text == "clear" else "'out'")
    direction = tokens[i + 2]
    _end(tokens, i + 3)
    if verb.text == "flush":
        if direction.text != "out":
            raise direction.error("only the Adj-RIB-Out can be flushed")
        return FlushAdjRibOut(selectors)
    if direction.text not in ("in", "out"):
        raise direction.error("'adj-rib' is followed by 'in' or 'out'")
    return ClearAdjRib(selectors, "in" if direction.text == "in" else "out")


def _teardown(tokens: Sequence[Token], i: int, selectors: Selectors) -> Teardown:
    if i + 1 >= len(tokens):
        raise _after(tokens, i + 1, "a Cease subcode")
    _end(tokens, i + 2)
    return Teardown(selectors, _number(tokens[i + 1], 255, "a Cease subcode"))


_SIMPLE: dict[str, Command] = {
    "shutdown": Shutdown(),
    "reload": Reload(),
    "restart": Restart(),
    "version": Version(),
    "help": Help(),
    "reset": Reset(),
    "enable-ack": EnableAck(),
    "disable-ack": DisableAck(),
    "silence-ack": SilenceAck(),
}


# --- the general parser -------------------------------------------------------------------------


def _parse(line: str) -> Command:
    """Every command, the slow way: normalise, tokenise, dispatch on the first words."""
    text = line.strip()
    if text.startswith("#"):
        return Comment(text[1:].strip())
    if text.startswith("debug ") or text.startswith("debug\t"):
        return Debug(text[6:].strip())
    if not text:
        raise ParseError("empty command")
    if not text.isascii():
        bad = next(index for index, char in enumerate(text) if not char.isascii())
        raise ParseError(f"commands are ASCII only (character {bad + 1})")
    try:
        tokens = tokenize_line(text.replace("\t", " "))
    except ConfigError as error:
        raise ParseError(error.message, None, error.token) from None
    try:
        return _dispatch(tokens)
    except ConfigError as error:
        raise _located(error, tokens) from None


def _dispatch(tokens: Sequence[Token]) -> Command:
    first = tokens[0]
    if first.text == "show" and not first.quoted:
        return _show(tokens)
    last = tokens[-1]
    if last.text == "json" and not last.quoted and len(tokens) > 1:
        raise last.error("json output is only available for show commands")
    selectors: Selectors = ()
    i = 0
    if first.text == "neighbor" and not first.quoted:
        selectors, i = _selectors(tokens)
    verb = tokens[i]
    word = "" if verb.quoted else verb.text
    if word in ("announce", "withdraw"):
        return _route_command(tokens, i + 1, selectors, "announce" if word == "announce" else "withdraw")
    if word == "teardown":
        return _teardown(tokens, i, selectors)
    if word in ("flush", "clear"):
        return _adj_rib(tokens, i, selectors)
    simple = _SIMPLE.get(word)
    if simple is not None:
        if selectors:
            raise tokens[0].error(f"'{word}' does not take a neighbor selector")
        _end(tokens, i + 1)
        return simple
    if word == "show":
        raise tokens[0].error("'show' does not take a neighbor selector")
    raise verb.error("unknown command (try 'help')")


# --- the fast path ------------------------------------------------------------------------------

_CACHE_LIMIT = 4096
_Tail: TypeAlias = tuple[Attributes, bytes | None, RouteExtras]
# (action, words after the prefix) -> what the general path found for them
_TAILS: dict[tuple[str, tuple[str, ...]], _Tail] = {}
# words before the action -> their selectors
_HEADS: dict[tuple[str, ...], Selectors] = {}
_ACTIONS = frozenset({"announce", "withdraw"})
_FAST_FIRST = frozenset({"announce", "withdraw", "neighbor"})
_NOT_CACHED = frozenset({"split", "path-information"})  # tails whose routes depend on more than the prefix


@dataclass(frozen=True, slots=True)
class _Miss:
    """The fast path knew the line's shape but not its tail: learn it from the general path's answer."""

    action: str
    tail: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RouteRun:
    """Consecutive lines `[selectors] announce|withdraw route PREFIX TAIL` with the same selectors, action,
    family and TAIL, parsed together by `parse_lines`: one attribute set, one prefix (NLRI key, as
    `Route.nlri`) per line, in line order. It stands for as many `Announce`/`Withdraw` commands."""

    action: Action
    selectors: Selectors
    family: Family
    nlris: list[bytes]
    attributes: Attributes
    next_hop: bytes | None
    extras: RouteExtras

    def commands(self) -> list[Announce | Withdraw]:
        """The commands the lines would have given one by one."""
        routes = [Route(self.family, nlri, self.next_hop, self.attributes) for nlri in self.nlris]
        if self.action == "announce":
            return [Announce(self.selectors, [route], self.extras) for route in routes]
        return [Withdraw(self.selectors, [route]) for route in routes]


Parsed: TypeAlias = tuple[str, "Command | ParseError"] | RouteRun
"""What `parse_lines` gives: a run of route lines, or one line (stripped) and its command or error."""


def _head(words: tuple[str, ...]) -> Selectors | None:
    """The selectors of the words before the action, when they are exactly selector groups."""
    selectors = _HEADS.get(words)
    if selectors is not None:
        return selectors
    tokens = tokenize_line(" ".join(words) + " announce")
    try:
        selectors, i = _selectors(tokens)
    except ConfigError:
        return None
    if i != len(tokens) - 1:
        return None
    if len(_HEADS) >= _CACHE_LIMIT:
        _HEADS.clear()
    _HEADS[words] = selectors
    return selectors


def _prefix(prefix: str) -> tuple[Family, bytes] | None:
    """Family and NLRI key of a unicast prefix, or None when the general path must decide."""
    nlri = ipv4_nlri(prefix)
    if nlri is not None:
        return IPV4_UNICAST, nlri
    if ":" not in prefix:
        return None
    nlri = ipv6_nlri(prefix)
    if nlri is not None:
        return IPV6_UNICAST, nlri
    try:
        afi, nlri = parse_prefix(prefix)
    except ValueError:
        return None
    return (afi, SAFI_UNICAST), nlri


def _shape(words: list[str]) -> tuple[Selectors, tuple[str, ...], str, tuple[str, ...]] | None:
    """`[selectors] announce|withdraw route PREFIX TAIL` -> (selectors, their words, action, TAIL)."""
    k = 0
    selectors: Selectors = ()
    n = len(words)
    if words[0] == "neighbor":
        k = 2
        while k < n and words[k] not in _ACTIONS:
            k += 1
        if k >= n:
            return None
        found = _head(tuple(words[:k]))
        if found is None:
            return None
        selectors = found
    elif words[0] not in _ACTIONS:
        return None
    if n - k < 3 or words[k + 1] != "route":
        return None
    return selectors, tuple(words[:k]), words[k], tuple(words[k + 3 :])


def _fast(words: list[str]) -> Command | _Miss | None:
    """`[selectors] announce|withdraw route PREFIX TAIL` with a known TAIL; None when not that shape."""
    shape = _shape(words)
    if shape is None:
        return None
    selectors, head, action, tail = shape
    known = _TAILS.get((action, tail))
    if known is None:
        return None if _NOT_CACHED.intersection(tail) else _Miss(action, tail)
    found = _prefix(words[len(head) + 2])
    if found is None:
        return None
    family, nlri = found
    attributes, next_hop, extras = known
    route = Route(family, nlri, next_hop, attributes)
    if action == "announce":
        return Announce(selectors, [route], extras)
    return Withdraw(selectors, [route])


def _learn(miss: _Miss, command: Command) -> None:
    if isinstance(command, Announce | Withdraw) and len(command.routes) == 1:
        route = command.routes[0]
        extras = command.extras if isinstance(command, Announce) else NO_EXTRAS
        if len(_TAILS) >= _CACHE_LIMIT:
            _TAILS.clear()
        _TAILS[(miss.action, miss.tail)] = (route.attributes, route.next_hop, extras)


def _plain(text: str) -> bool:
    """No quote, backslash or non-ASCII character: the words of `text` are its tokens."""
    return text.isascii() and '"' not in text and "'" not in text and "\\" not in text


# --- entry points -------------------------------------------------------------------------------


def parse_command(line: str) -> Command:
    """The command of one line a helper wrote (newline optional); raises ParseError."""
    words = line.split()
    if words and words[0] in _FAST_FIRST and _plain(line):
        found = _fast(words)
        if isinstance(found, _Miss):
            command = _parse(line)
            _learn(found, command)
            return command
        if found is not None:
            return found
    return _parse(line)


def _parsed(line: str) -> tuple[str, Command | ParseError]:
    text = line.strip()
    try:
        return text, parse_command(text)
    except ParseError as error:
        return text, error


def parse_lines(lines: Sequence[str]) -> list[Parsed]:
    """The commands of lines read together, in order, as `parse_command` gives them one by one; blank
    lines are skipped. Consecutive route lines of one shape with a known tail come back as one
    `RouteRun`: a helper streaming `announce route P next-hop ...` costs a split and a few dictionary
    look-ups for the first line of a run, then `read_prefix_run` (a C loop when built) reads just the
    prefix of each line that repeats the one before but for it: one bytes object per line."""
    out: list[Parsed] = []
    plain = _plain("".join(lines))
    tails = _TAILS
    actions = _ACTIONS
    nlris: list[bytes] = []
    run: tuple[Selectors, tuple[str, ...], str, Family, _Tail] | None = None
    lead = trail = ""  # the text around the prefix of the last line of a unicast run
    ipv6 = False  # the family of that run
    texts = lines if isinstance(lines, list) else list(lines)
    i, count = 0, len(texts)
    while i < count:
        if lead:
            # the lines that equal the line before but for the prefix: only their prefixes are read
            i = read_prefix_run(texts, i, lead, trail, ipv6, nlris)
            if i == count:
                break
        line = texts[i]
        i += 1
        words = line.split()
        if not words:
            continue
        first = words[0]
        known: _Tail | None = None
        if first in actions and len(words) >= 3 and words[1] == "route" and (plain or _plain(line)):
            selectors: Selectors = ()
            head: tuple[str, ...] = ()
            action = first
            tail = tuple(words[3:])
            prefix = words[2]
            known = tails.get((action, tail))
        elif first == "neighbor" and (plain or _plain(line)):
            shape = _shape(words)
            if shape is not None:
                selectors, head, action, tail = shape
                prefix = words[len(head) + 2]
                known = tails.get((action, tail))
        if known is not None:
            found = _prefix(prefix)
            if found is not None:
                family, nlri = found
                at = len(head) + 2
                lead = " ".join(words[:at]) + " "
                trail = " " + " ".join(words[at + 1 :]) if len(words) > at + 1 else ""
                ipv6 = family != IPV4_UNICAST
                if not line.startswith(lead) or not line.endswith(trail):
                    lead = ""
                if (
                    run is not None
                    and run[4] is known
                    and run[3] == family
                    and run[2] == action
                    and run[1] == head
                ):
                    nlris.append(nlri)
                    continue
                if run is not None:
                    out.append(_run(run, nlris))
                run = (selectors, head, action, family, known)
                nlris = [nlri]
                continue
        if run is not None:
            out.append(_run(run, nlris))
            run = None
        lead = ""
        out.append(_parsed(line))
    if run is not None:
        out.append(_run(run, nlris))
    return out


def _run(run: tuple[Selectors, tuple[str, ...], str, Family, _Tail], nlris: list[bytes]) -> RouteRun:
    selectors, _, action, family, (attributes, next_hop, extras) = run
    verb: Action = "announce" if action == "announce" else "withdraw"
    return RouteRun(verb, selectors, family, nlris, attributes, next_hop, extras)
