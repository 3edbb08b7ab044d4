"""The ExaBGP 5 configuration language: `process`, `neighbor` and `template` sections.

Two passes: the token stream becomes a tree of statements (`words... ;` or `words... { ... }`), then
each section is read into the dataclasses of aiobgp.config.model. Every error is a ConfigError naming
file:line:column and the offending token; remarks that do not stop loading go to `Config.notices`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields

from aiobgp.config.flow import SECTION_OF, flow_route, split_statements
from aiobgp.config.model import (
    NO_EXTRAS,
    ApiConfig,
    CapabilityConfig,
    Config,
    ConfigError,
    MessageSelection,
    NeighborConfig,
    Position,
    ProcessConfig,
    RouteExtras,
)
from aiobgp.config.routes import ipv4_nlri, parse_attributes_nlri, parse_route, read_prefix_run
from aiobgp.config.tokenizer import Token, tokenize
from aiobgp.rib.route import Route
from aiobgp.wire.attributes import Attributes
from aiobgp.wire.constants import (
    AFI_BY_NAME,
    AFI_IPV4,
    AFI_IPV6,
    IPV4_UNICAST,
    SAFI_BY_NAME,
    SAFI_FLOW,
    SAFI_FLOW_VPN,
    SAFI_MULTICAST,
    SAFI_UNICAST,
    Family,
    family_name,
)
from aiobgp.wire.flow import FLOW_FAMILIES

# --- the statement tree -------------------------------------------------------------------------


@dataclass(slots=True)
class Statement:
    """`words... ;` (block is None) or `words... { block }`."""

    words: list[Token]
    block: list[Statement] | None = None

    @property
    def keyword(self) -> Token:
        return self.words[0]

    @property
    def args(self) -> list[Token]:
        return self.words[1:]


@dataclass(slots=True)
class RouteLines(Statement):
    """Consecutive one-line `route PREFIX WORDS...;` statements of a `static` block, kept as their text
    (a configuration with a million static routes would otherwise hold millions of tokens). `words`
    holds the first line's `route` keyword; `tokens(i)` tokenizes line `i` when the general path needs it."""

    lines: list[str] = field(default_factory=list)

    def tokens(self, index: int) -> list[Token]:
        """The tokens of one of the lines (its `;` included), placed where they are in the file."""
        first = self.keyword
        return [token._replace(line=first.line + index) for token in tokenize(self.lines[index], first.file)]


ROUTE_RUN = 16  # at least this many consecutive one-line route statements are kept as RouteLines
_WORD = r"[^\s{};\"'#\\]+"
_ROUTE_LINE = re.compile(rf"[ \t]*route[ \t]+{_WORD}(?:[ \t]+{_WORD})*[ \t]*;[ \t]*")


def _route_runs(text: str, filename: str) -> tuple[str, list[RouteLines]]:
    """`text` with each long run of one-line route statements blanked out (its lines left empty, so
    every other token keeps its place), and those runs."""
    if "route" not in text:
        return text, []
    lines = text.split("\n")
    match = _ROUTE_LINE.fullmatch
    spans: list[tuple[int, int]] = []
    first = -1
    for index, line in enumerate(lines):
        if match(line) is not None:
            if first < 0:
                first = index
        elif first >= 0:
            if index - first >= ROUTE_RUN:
                spans.append((first, index))
            first = -1
    if first >= 0 and len(lines) - first >= ROUTE_RUN:
        spans.append((first, len(lines)))
    if not spans:
        return text, []
    runs: list[RouteLines] = []
    for first, stop in spans:
        keyword = Token("route", first + 1, lines[first].index("route") + 1, filename)
        runs.append(RouteLines([keyword], None, lines[first:stop]))
        lines[first:stop] = [""] * (stop - first)
    return "\n".join(lines), runs


def _merged(tokens: Sequence[Token], runs: list[RouteLines]) -> Iterator[Token | RouteLines]:
    """Tokens and runs in the order of the file."""
    pending = iter(runs)
    run = next(pending, None)
    for token in tokens:
        while run is not None and run.keyword.line < token.line:
            yield run
            run = next(pending, None)
        yield token
    while run is not None:
        yield run
        run = next(pending, None)


def statements(tokens: Sequence[Token], runs: list[RouteLines] | None = None) -> list[Statement]:
    """The statement tree of a token stream; checks that `;`, `{` and `}` are balanced.

    `runs` (from `_route_runs`) go where they were in the file: as they are when they start a statement
    of a `static` block, else as the tokens of their lines."""
    root: list[Statement] = []
    bodies = [root]  # the statement lists being filled, innermost last
    opened: list[Statement] = []  # the blocks being read, innermost last
    words: list[Token] = []

    def feed(stream: Iterable[Token | RouteLines]) -> None:
        nonlocal words
        for token in stream:
            if isinstance(token, RouteLines):
                if (
                    not words
                    and opened
                    and opened[-1].keyword.text == "static"
                    and not opened[-1].keyword.quoted
                ):
                    bodies[-1].append(token)
                else:
                    feed(itertools.chain.from_iterable(token.tokens(i) for i in range(len(token.lines))))
                continue
            text = token.text
            if token.quoted or text not in ("{", "}", ";"):
                words.append(token)
            elif text == ";":
                if words:
                    bodies[-1].append(Statement(words))
                    words = []
            elif text == "{":
                if not words:
                    raise token.error("a block needs a name before '{'")
                body: list[Statement] = []
                block = Statement(words, body)
                bodies[-1].append(block)
                bodies.append(body)
                opened.append(block)
                words = []
            else:
                if words:
                    raise token.error(f"missing ';' after '{words[-1].text}'")
                if not opened:
                    raise token.error("'}' closes no block")
                opened.pop()
                bodies.pop()

    feed(_merged(tokens, runs) if runs else tokens)
    if words:
        raise words[-1].error("missing ';' at the end of this statement")
    if opened:
        raise opened[-1].keyword.error(f"block '{opened[-1].keyword.text}' is never closed (missing '}}')")
    return root


# --- small value readers ------------------------------------------------------------------------

_TRUE = frozenset({"true", "enable", "enabled"})
_FALSE = frozenset({"false", "disable", "disabled"})


def _end_of(stmt: Statement) -> Token:
    return stmt.words[-1]


def _no_block(stmt: Statement) -> None:
    if stmt.block is not None:
        raise stmt.keyword.error(f"'{stmt.keyword.text}' takes a value, not a block")


def _needs_block(stmt: Statement) -> list[Statement]:
    if stmt.block is None:
        raise stmt.keyword.error(f"'{stmt.keyword.text}' needs a block {{ ... }}")
    return stmt.block


def _one(stmt: Statement) -> Token:
    """The single value of `keyword value;`."""
    _no_block(stmt)
    if len(stmt.words) < 2:
        raise stmt.keyword.error(f"'{stmt.keyword.text}' needs a value")
    if len(stmt.words) > 2:
        raise stmt.words[2].error(f"'{stmt.keyword.text}' takes one value")
    return stmt.words[1]


def _optional(stmt: Statement) -> Token | None:
    """The value of `keyword [value];`, None when bare."""
    _no_block(stmt)
    if len(stmt.words) > 2:
        raise stmt.words[2].error(f"'{stmt.keyword.text}' takes at most one value")
    return stmt.words[1] if len(stmt.words) == 2 else None


def _boolean(stmt: Statement, bare: bool) -> bool:
    """`keyword;` (the keyword's own bare meaning) or `keyword true|enable(d)|false|disable(d);`."""
    token = _optional(stmt)
    if token is None:
        return bare
    text = token.text.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise token.error(f"'{stmt.keyword.text}' is true/enable or false/disable")


def _number(token: Token, low: int, high: int, what: str) -> int:
    try:
        value = int(token.text)
    except ValueError:
        raise token.error(f"{what} must be a number") from None
    if not low <= value <= high:
        raise token.error(f"{what} must be between {low} and {high}")
    return value


def _asn(token: Token) -> int:
    text = token.text
    high, dot, low = text.partition(".")
    try:
        if dot:
            if not (0 <= int(high) <= 0xFFFF and 0 <= int(low) <= 0xFFFF):
                raise ValueError
            return (int(high) << 16) + int(low)
        value = int(text)
    except ValueError:
        raise token.error("invalid AS number") from None
    if not 0 <= value <= 0xFFFFFFFF:
        raise token.error("AS number out of range (0..4294967295)")
    return value


def _ip(token: Token, version: int | None = None) -> str:
    try:
        address = ipaddress.ip_address(token.text)
    except ValueError:
        raise token.error("invalid IP address") from None
    if version is not None and address.version != version:
        raise token.error(f"an IPv{version} address is needed")
    return str(address)


def _list(stmt: Statement) -> list[Token]:
    """The values of `keyword [ a b c ];` (a single bare value is accepted too)."""
    _no_block(stmt)
    args = stmt.args
    if not args:
        raise stmt.keyword.error(f"'{stmt.keyword.text}' needs a list [ ... ]")
    if len(args) == 1 and not args[0].is_punct("["):
        return args
    if not args[0].is_punct("["):
        raise args[0].error(f"'{stmt.keyword.text}' takes a list [ ... ]")
    if not args[-1].is_punct("]"):
        raise args[-1].error("missing ']' at the end of this list")
    values = [token for token in args[1:-1] if not token.is_punct(",")]
    for token in values:
        if not token.quoted and token.text in ("[", "]", "(", ")"):
            raise token.error("unexpected bracket in a list")
    return values


# --- families -----------------------------------------------------------------------------------

_FAMILY_NAMES: dict[str, tuple[str, ...]] = {
    "ipv4": ("unicast", "multicast", "nlri-mpls", "mpls-vpn", "mcast-vpn", "flow", "flow-vpn", "mup", "rtc"),
    "ipv6": ("unicast", "multicast", "nlri-mpls", "mpls-vpn", "mcast-vpn", "flow", "flow-vpn", "mup"),
    "l2vpn": ("vpls", "evpn"),
    "bgp-ls": ("bgp-ls", "bgp-ls-vpn"),
}
ALL_FAMILIES: tuple[Family, ...] = tuple(
    (AFI_BY_NAME[afi], SAFI_BY_NAME[safi]) for afi, safis in _FAMILY_NAMES.items() for safi in safis
)


def _family(afi: Token, safi: Token) -> Family:
    safis = _FAMILY_NAMES.get(afi.text.lower())
    if safis is None:
        raise afi.error("unknown address family (ipv4, ipv6, l2vpn or bgp-ls)")
    name = safi.text.lower()
    if name == "labeled-unicast":
        name = "nlri-mpls"
    if name not in safis:
        raise safi.error(f"unknown family '{afi.text} {safi.text}'")
    return (AFI_BY_NAME[afi.text.lower()], SAFI_BY_NAME[name])


def _families(block: list[Statement], what: str) -> list[Family]:
    """The body of `family { ... }` or `add-path { ... }`."""
    result: list[Family] = []
    for stmt in block:
        _no_block(stmt)
        words = stmt.words
        if len(words) == 1 and words[0].text == "all":
            if len(block) > 1:
                raise words[0].error(f"'all' cannot be combined with other families in {what}")
            return list(ALL_FAMILIES)
        if len(words) == 1 and words[0].text == "minimal":
            raise words[0].error("'minimal' is deprecated: list the families")
        if len(words) != 2:
            raise words[-1].error(f"a family is written 'AFI SAFI;' (in {what})")
        family = _family(words[0], words[1])
        if family in result:
            raise words[0].error(f"family {family_name(family)} is listed twice")
        result.append(family)
    return result


# --- neighbors ----------------------------------------------------------------------------------

_PROCESS_MOVED = (
    "process blocks go at the top level since ExaBGP 4; move it out and add "
    "`api {{ processes [ {name} ]; }}` to the neighbor"
)
_GROUP_REMOVED = (
    "`group` was removed in ExaBGP 4: use `template { neighbor NAME { ... } }` and `inherit NAME;`"
)
_NOT_YET = "{what} are not supported yet (aiobgp announces ipv4/ipv6 unicast and flow routes)"


@dataclass(slots=True)
class _Neighbor:
    """What the statements of one neighbor (templates included) said, before defaults are resolved."""

    keyword: Token
    address: Token
    values: dict[str, object] = field(default_factory=dict)
    capabilities: CapabilityConfig = field(default_factory=CapabilityConfig)
    graceful_restart: int | None = None  # -1 = "bare or 0": the hold time
    families: list[Family] | None = None
    add_path_families: list[Family] | None = None
    nexthops: list[tuple[int, int, int]] = field(default_factory=list)
    api: list[ApiConfig] = field(default_factory=list)
    routes: list[tuple[Token, list[Route], RouteExtras]] = field(default_factory=list)
    adj_rib_out_set: Token | None = None


_NEIGHBOR_FIELDS = {f.name for f in fields(NeighborConfig)}


class _Parser:
    """Reads one file's statement tree."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.directory = (
            os.path.dirname(os.path.abspath(filename)) if not filename.startswith("<") else os.getcwd()
        )
        self.config = Config(filename)
        self.templates: dict[str, Statement] = {}
        # the seed's `receive { parsed; updates; }` written inside a `process` block
        self.process_selections: dict[str, tuple[MessageSelection, MessageSelection]] = {}
        # the words after the prefix of one-line static routes -> their attributes and next hop
        self.route_tails: dict[tuple[str, ...], tuple[Attributes, bytes]] = {}

    def notice(self, token: Token, text: str) -> None:
        self.config.notices.append(f"{token.position}: {text}")

    # --- root ---

    def parse(self, tree: list[Statement]) -> Config:
        neighbors: list[Statement] = []
        for stmt in tree:
            keyword = stmt.keyword.text
            if stmt.keyword.quoted:
                raise stmt.keyword.error("a section name was expected")
            if keyword == "process":
                self.process(stmt)
            elif keyword == "neighbor":
                _needs_block(stmt)
                neighbors.append(stmt)
            elif keyword == "template":
                self.template(stmt)
            elif keyword == "group":
                raise stmt.keyword.error(_GROUP_REMOVED)
            elif keyword in _NEIGHBOR_HANDLERS or keyword == "inherit":
                raise stmt.keyword.error(
                    f"'{keyword}' is a neighbor setting: it goes inside a `neighbor IP {{ ... }}` block"
                )
            else:
                raise stmt.keyword.error("unknown section (process, neighbor or template)")
        for stmt in neighbors:
            self.config.neighbors.append(self.neighbor(stmt))
        self.check_duplicates()
        return self.config

    def template(self, stmt: Statement) -> None:
        if stmt.args:
            raise stmt.args[0].error("`template` takes no name: write `template { neighbor NAME { ... } }`")
        for child in _needs_block(stmt):
            if child.keyword.text != "neighbor" or child.block is None:
                raise child.keyword.error("a template holds `neighbor NAME { ... }` blocks")
            if len(child.words) != 2:
                raise child.keyword.error("a template neighbor needs one name")
            name = child.words[1].text
            if name in self.templates:
                raise child.words[1].error(f"template '{name}' is defined twice")
            self.templates[name] = child

    # --- process ---

    def process(self, stmt: Statement) -> None:
        if len(stmt.words) != 2:
            raise (stmt.words[2] if len(stmt.words) > 2 else stmt.keyword).error("`process` needs one name")
        name_token = stmt.words[1]
        name = name_token.text
        if name in self.config.processes:
            raise name_token.error(f"process '{name}' is defined twice")
        run: list[str] | None = None
        encoder: str | None = None
        respawn = True
        for child in _needs_block(stmt):
            keyword = child.keyword.text
            if keyword == "run":
                _no_block(child)
                if not child.args:
                    raise child.keyword.error("`run` needs a program")
                run = [token.text for token in child.args]
                run[0] = resolve_program(run[0], self.directory)
            elif keyword == "encoder":
                token = _one(child)
                encoder = token.text.lower()
                if encoder not in ("text", "json"):
                    raise token.error("encoder is text or json")
            elif keyword == "respawn":
                respawn = _boolean(child, True)
            elif keyword in ("receive", "send"):
                self.process_selection(name, child)
            elif keyword in ("neighbor-changes", "receive-routes", "parse-routes", "peer-updates"):
                raise child.keyword.error(
                    f"'{keyword}' goes in the neighbor's `api {{ processes [ {name} ]; ... }}` block "
                    "since ExaBGP 4"
                )
            else:
                raise child.keyword.error("unknown process setting (run, encoder, respawn)")
        if run is None:
            raise name_token.error(f"process '{name}' has no `run` program")
        if encoder is None:
            encoder = "text"
            self.notice(name_token, f"process '{name}' has no `encoder` (ExaBGP 5 refuses this): using text")
        self.config.processes[name] = ProcessConfig(name, run, encoder, respawn, stmt.keyword.position)

    def process_selection(self, name: str, stmt: Statement) -> None:
        receive, send = self.process_selections.setdefault(name, (MessageSelection(), MessageSelection()))
        selection = receive if stmt.keyword.text == "receive" else send
        words = self.selection(stmt, selection)
        self.notice(
            stmt.keyword,
            f"`{stmt.keyword.text}` inside a process block is not ExaBGP 5 syntax; accepted, it applies to "
            f"every neighbor whose api lists '{name}'. Canonical form, inside the neighbor: "
            f"api {{ processes [ {name} ]; {stmt.keyword.text} {{ {' '.join(f'{w};' for w in words)} }} }}",
        )

    # --- neighbor ---

    def neighbor(self, stmt: Statement) -> NeighborConfig:
        if len(stmt.words) != 2:
            raise (stmt.words[2] if len(stmt.words) > 2 else stmt.keyword).error(
                "`neighbor` needs one address"
            )
        address = stmt.words[1]
        try:
            network = ipaddress.ip_network(address.text, strict=True)
        except ValueError:
            raise address.error("a neighbor is an IP address (or a prefix for passive neighbors)") from None
        state = _Neighbor(stmt.keyword, address)
        for child in self.expand(stmt, [], set()):
            self.neighbor_statement(state, child)
        return self.finish(state, network)

    def expand(self, stmt: Statement, chain: list[str], seen: set[str]) -> list[Statement]:
        """The statements of a neighbor body with the bodies it inherits first (in `inherit` order)."""
        inherited: list[Statement] = []
        own: list[Statement] = []
        for child in _needs_block(stmt):
            if child.keyword.text != "inherit":
                own.append(child)
                continue
            _no_block(child)
            if not child.args:
                raise child.keyword.error("`inherit` needs a template name")
            for name_token in child.args:
                name = name_token.text
                template = self.templates.get(name)
                if template is None:
                    raise name_token.error(f"no template named '{name}'")
                if name in chain:
                    raise name_token.error(f"template '{name}' inherits itself")
                if name in seen:
                    continue
                seen.add(name)
                inherited.extend(self.expand(template, [*chain, name], seen))
        return inherited + own

    def neighbor_statement(self, n: _Neighbor, stmt: Statement) -> None:
        keyword = stmt.keyword.text
        handler = _NEIGHBOR_HANDLERS.get(keyword) if not stmt.keyword.quoted else None
        if handler is not None:
            handler(self, n, stmt)
        elif keyword == "process":
            name = stmt.words[1].text if len(stmt.words) > 1 else "NAME"
            raise stmt.keyword.error(_PROCESS_MOVED.format(name=name))
        elif keyword == "group":
            raise stmt.keyword.error(_GROUP_REMOVED)
        elif keyword == "neighbor":
            raise stmt.keyword.error("neighbors cannot be nested")
        elif keyword in ("ttl-security",):
            raise stmt.keyword.error("`ttl-security` was replaced by `outgoing-ttl` and `incoming-ttl`")
        else:
            raise stmt.keyword.error("unknown neighbor setting")

    def scalar(self, n: _Neighbor, stmt: Statement) -> None:
        """Settings with one value (or a bare form)."""
        keyword = stmt.keyword.text
        values = n.values
        if keyword == "description":
            _no_block(stmt)
            values["description"] = " ".join(token.text for token in stmt.args)
        elif keyword == "router-id":
            values["router_id"] = _ip(_one(stmt), 4)
        elif keyword == "local-address":
            token = _one(stmt)
            values["local_address"] = None if token.text == "auto" else _ip(token)
        elif keyword == "local-as":
            token = _one(stmt)
            if token.text == "auto":
                raise token.error("`local-as auto` is not supported yet")
            values["local_as"] = _asn(token)
        elif keyword == "peer-as":
            token = _one(stmt)
            values["peer_as"] = None if token.text == "auto" else _asn(token)
        elif keyword == "hold-time":
            token = _one(stmt)
            hold = _number(token, 0, 65535, "hold-time")
            if hold in (1, 2):
                raise token.error("hold-time is 0 or between 3 and 65535")
            values["hold_time"] = hold
        elif keyword == "passive":
            values["passive"] = _boolean(stmt, True)
        elif keyword in ("listen", "connect"):
            values[keyword] = _number(_one(stmt), 0, 65535, f"{keyword} port")
        elif keyword == "md5-password":
            token = _one(stmt)
            if len(token.text) > 80:
                raise token.error("md5-password is at most 80 characters")
            values["md5_password"] = token.text
        elif keyword == "md5-base64":
            values["md5_base64"] = _boolean(stmt, False)
        elif keyword == "md5-ip":
            values["md5_ip"] = _ip(_one(stmt))
        elif keyword in ("outgoing-ttl", "incoming-ttl"):
            token = _one(stmt)
            ttl = None if token.text.lower() in _FALSE else _number(token, 0, 255, keyword)
            values[keyword.replace("-", "_")] = ttl
        elif keyword == "group-updates":
            values["group_updates"] = _boolean(stmt, True)
        elif keyword == "auto-flush":
            _boolean(stmt, True)
            self.notice(stmt.keyword, "auto-flush has no effect (accepted for compatibility, as ExaBGP)")
        elif keyword in ("adj-rib-in", "adj-rib-out", "manual-eor"):
            value = _boolean(stmt, False)
            if len(stmt.words) == 1:
                self.notice(
                    stmt.keyword, f"a bare `{keyword};` means false (as ExaBGP): write `{keyword} true;`"
                )
            values[keyword.replace("-", "_")] = value
            if keyword == "adj-rib-out":
                n.adj_rib_out_set = stmt.keyword
        elif keyword == "rate-limit":
            token = _one(stmt)
            values["rate_limit"] = (
                0 if token.text.lower() in _FALSE else _number(token, 1, 2**31, "rate-limit")
            )
        elif keyword in ("host-name", "domain-name", "source-interface"):
            values[keyword.replace("-", "_")] = _one(stmt).text

    def graceful_restart(self, n: _Neighbor, stmt: Statement) -> None:
        if stmt.keyword.text == "graceful-restart":
            self.notice(stmt.keyword, "`graceful-restart` belongs in `capability { }` since ExaBGP 4")
        self.capability_statement(n, stmt)

    def capability(self, n: _Neighbor, stmt: Statement) -> None:
        if stmt.args:
            raise stmt.args[0].error("`capability` takes no argument")
        for child in _needs_block(stmt):
            self.capability_statement(n, child)

    def capability_statement(self, n: _Neighbor, stmt: Statement) -> None:
        keyword = stmt.keyword.text
        caps = n.capabilities
        if keyword == "graceful-restart":
            token = _optional(stmt)
            if token is None:
                n.graceful_restart = -1
            elif token.text.lower() in _FALSE:
                n.graceful_restart = None
            else:
                seconds = _number(token, 0, 4095, "graceful-restart time")
                n.graceful_restart = seconds or -1
        elif keyword == "add-path":
            token = _one(stmt)
            modes = {"disable": 0, "disabled": 0, "receive": 1, "send": 2, "send/receive": 3}
            mode = modes.get(token.text.lower())
            if mode is None:
                hint = " (write send/receive)" if token.text.lower() == "receive/send" else ""
                raise token.error(f"add-path is disable, receive, send or send/receive{hint}")
            caps.add_path = mode
        elif keyword in _CAPABILITY_BOOLEANS:
            attribute, bare = _CAPABILITY_BOOLEANS[keyword]
            setattr(caps, attribute, _boolean(stmt, bare))
            if keyword == "software-version" and len(stmt.words) == 1:
                self.notice(
                    stmt.keyword, "a bare `software-version;` means false (as ExaBGP): write `enable`"
                )
        else:
            raise stmt.keyword.error("unknown capability")

    def family(self, n: _Neighbor, stmt: Statement) -> None:
        if stmt.args:
            raise stmt.args[0].error(f"`{stmt.keyword.text}` takes no argument")
        listed = _families(_needs_block(stmt), f"`{stmt.keyword.text}`")
        if stmt.keyword.text == "family":
            n.families = list(dict.fromkeys([*(n.families or []), *listed]))
        else:
            n.add_path_families = list(dict.fromkeys([*(n.add_path_families or []), *listed]))

    def nexthop(self, n: _Neighbor, stmt: Statement) -> None:
        for child in _needs_block(stmt):
            _no_block(child)
            if len(child.words) != 3:
                raise child.keyword.error("a nexthop entry is 'AFI SAFI NEXTHOP-AFI;'")
            afi, safi = _family(child.words[0], child.words[1])
            nh = child.words[2]
            if nh.text.lower() not in ("ipv4", "ipv6"):
                raise nh.error("the next-hop family is ipv4 or ipv6")
            entry = (afi, safi, AFI_BY_NAME[nh.text.lower()])
            if entry not in n.nexthops:
                n.nexthops.append(entry)

    def api(self, n: _Neighbor, stmt: Statement) -> None:
        if len(stmt.words) > 2:
            raise stmt.words[2].error("`api` takes at most a name")
        api = ApiConfig(name=stmt.words[1].text if len(stmt.words) == 2 else "")
        names_at: Token | None = None
        for child in _needs_block(stmt):
            keyword = child.keyword.text
            if keyword in ("processes", "processes-match"):
                if names_at is not None and names_at.text != keyword:
                    raise child.keyword.error("`processes` and `processes-match` cannot be used together")
                names_at = child.keyword
                for token in _list(child):
                    if keyword == "processes":
                        if token.text not in self.config.processes:
                            raise token.error(f"no process named '{token.text}'")
                        api.processes.append(token.text)
                    else:
                        try:
                            re.compile(token.text)
                        except re.error as exc:
                            raise token.error(f"invalid regular expression: {exc}") from None
                        api.processes_match.append(token.text)
            elif keyword in ("neighbor-changes", "negotiated", "fsm", "signal"):
                setattr(api, keyword.replace("-", "_"), _boolean(child, True))
            elif keyword in ("receive", "send"):
                selection = api.receive if keyword == "receive" else api.send
                self.selection(child, selection)
                if selection.selects() and not selection.reports():
                    self.notice(
                        child.keyword,
                        f"`{keyword}` selects messages but no reporting mode (parsed, packets or "
                        "consolidate): nothing will be reported (as ExaBGP)",
                    )
            else:
                raise child.keyword.error("unknown api setting")
        n.api.append(api)

    def selection(self, stmt: Statement, selection: MessageSelection) -> list[str]:
        """Reads a `receive { ... }` / `send { ... }` body into `selection`; returns the canonical words."""
        words: list[str] = []
        for child in _needs_block(stmt):
            keyword = child.keyword.text
            if keyword == "updates":
                self.notice(child.keyword, "`updates` is spelled `update`")
                keyword = "update"
            if keyword not in _SELECTION_WORDS:
                raise child.keyword.error(
                    "unknown message selection (parsed, packets, consolidate, open, update, notification, "
                    "keepalive, refresh, operational)"
                )
            setattr(selection, keyword, _boolean(child, True))
            words.append(keyword)
        return words

    def static(self, n: _Neighbor, stmt: Statement) -> None:
        for child in _needs_block(stmt):
            keyword = child.keyword.text
            if isinstance(child, RouteLines):
                self.route_lines(n, child)
            elif keyword == "route":
                self.route(n, child, None)
            elif keyword in ("attributes", "attribute"):
                _no_block(child)
                if not child.args:
                    raise child.keyword.error("`attributes` needs attributes and `nlri` prefixes")
                routes = parse_attributes_nlri(child.args)
                n.routes.append((child.args[0], list(routes), routes.extras))
            else:
                raise child.keyword.error("unknown static entry (route or attributes)")

    def route_lines(self, n: _Neighbor, run: RouteLines) -> None:
        """The routes of a run of one-line route statements: `route PREFIX TAIL;` with an ipv4 unicast
        prefix and a TAIL seen before (one route, a next hop, no extras) costs a split and a few look-ups
        (the lines that differ from the one before only by their prefix, just `read_prefix_run`); any
        other line goes through `route` (and its errors name their line and column)."""
        tails = self.route_tails
        routes: list[Route] = []
        known: tuple[Attributes, bytes] | None = None  # the tail of `lead PREFIX trail` lines
        lead = trail = ""
        lines = run.lines
        keys: list[bytes] = []
        next_index, count = 0, len(lines)
        while next_index < count:
            if known is not None:
                # the lines that equal the line before but for the prefix: only their prefixes are read
                next_index = read_prefix_run(lines, next_index, lead, trail, False, keys)
                if keys:
                    attributes, next_hop = known
                    routes.extend([Route(IPV4_UNICAST, nlri, next_hop, attributes) for nlri in keys])
                    keys.clear()
                if next_index == count:
                    break
            index = next_index
            line = lines[index]
            next_index += 1
            words = line[: line.rindex(";")].split()
            tail = tuple(words[2:])
            known = tails.get(tail)
            found = ipv4_nlri(words[1])
            if known is not None and found is not None:
                routes.append(Route(IPV4_UNICAST, found, known[1], known[0]))
                start = line.index(words[1], line.index("route") + 5)
                lead, trail = line[:start], line[start + len(words[1]) :]
                continue
            known = None
            if routes:
                n.routes.append((run.keyword, routes, NO_EXTRAS))
                routes = []
            self.route(n, Statement(run.tokens(index)[:-1]), None)
            _, learnt, extras = n.routes[-1]
            if found is not None and len(learnt) == 1 and extras is NO_EXTRAS and "split" not in tail:
                route = learnt[0]
                if route.family == IPV4_UNICAST and route.next_hop is not None and not route.addpath:
                    tails[tail] = (route.attributes, route.next_hop)
        if routes:
            n.routes.append((run.keyword, routes, NO_EXTRAS))

    def route_at_neighbor(self, n: _Neighbor, stmt: Statement) -> None:
        self.notice(stmt.keyword, "`route` belongs in a `static { }` block since ExaBGP 4")
        self.route(n, stmt, None)

    def route(self, n: _Neighbor, stmt: Statement, family: Family | None) -> None:
        """`route PREFIX attrs;` or `route PREFIX { attr; attr; }` (also `unicast ...` inside announce)."""
        words = list(stmt.args)
        if not words:
            raise stmt.keyword.error(f"`{stmt.keyword.text}` needs a prefix")
        if stmt.block is not None:
            for child in stmt.block:
                _no_block(child)
                words.extend(child.words)
        if words[0].text == "flow":
            raise words[0].error("flow routes go in a `flow { route NAME { ... } }` block")
        if words[0].text == "vpls":
            raise words[0].error(_NOT_YET.format(what="vpls routes"))
        routes = parse_route(words, family)
        n.routes.append((words[0], list(routes), routes.extras))

    def announce(self, n: _Neighbor, stmt: Statement) -> None:
        for child in _needs_block(stmt):
            afi = child.keyword.text
            if afi == "l2vpn":
                raise child.keyword.error(_NOT_YET.format(what="l2vpn routes"))
            if afi not in ("ipv4", "ipv6"):
                raise child.keyword.error("announce holds ipv4 { }, ipv6 { } or l2vpn { } blocks")
            for entry in _needs_block(child):
                safi = entry.keyword.text
                if safi in ("unicast", "multicast"):
                    family = (
                        AFI_IPV4 if afi == "ipv4" else AFI_IPV6,
                        SAFI_UNICAST if safi == "unicast" else SAFI_MULTICAST,
                    )
                    self.route(n, entry, family)
                elif safi in ("flow", "flow-vpn"):
                    family = (
                        AFI_IPV4 if afi == "ipv4" else AFI_IPV6,
                        SAFI_FLOW if safi == "flow" else SAFI_FLOW_VPN,
                    )
                    n.routes.append((entry.keyword, [self.flow_rule(entry, family)], NO_EXTRAS))
                elif safi in _FAMILY_NAMES[afi]:
                    raise entry.keyword.error(_NOT_YET.format(what=f"{afi} {safi} routes"))
                else:
                    raise entry.keyword.error(f"unknown {afi} family '{safi}'")

    def flow(self, n: _Neighbor, stmt: Statement) -> None:
        """`flow { route [NAME] { match { ... } then { ... } scope { ... } rd ...; next-hop ...; } }`, or
        `flow { route KEYWORDS...; }`."""
        if stmt.args:
            raise stmt.args[0].error("`flow` takes no argument")
        for child in _needs_block(stmt):
            if child.keyword.text != "route":
                raise child.keyword.error("a flow block holds `route` entries")
            n.routes.append((child.keyword, [self.flow_rule(child, None)], NO_EXTRAS))

    def flow_rule(self, stmt: Statement, family: Family | None) -> Route:
        """One flow route: the block form (with an optional name) or the keyword soup of a one-line form.

        In `announce { ipv4 { flow ... } }` the word `route` may follow `flow`, as in the API."""
        args = stmt.args
        if stmt.keyword.text != "route" and args and args[0].text == "route" and not args[0].quoted:
            args = args[1:]
        if stmt.block is None:
            sections = split_statements(args)
        else:
            if args and args[0].text in SECTION_OF:
                raise args[0].error("write the block form `route NAME { match { ... } then { ... } }`")
            if len(args) > 1:
                raise args[1].error("a flow route has at most one name before '{'")
            sections = {"match": [], "then": [], "scope": [], "other": []}
            for child in stmt.block:
                name = child.keyword.text
                if child.block is None:
                    section = None if child.keyword.quoted else SECTION_OF.get(name)
                    if section is None:
                        raise child.keyword.error(
                            "unknown flow route keyword (match, then, scope, rd, next-hop)"
                        )
                    sections[section].append(child.words)
                    continue
                if name not in ("match", "then", "scope") or child.args:
                    raise child.keyword.error(
                        "a flow route holds `match { }`, `then { }` and `scope { }` blocks"
                    )
                for entry in child.block:
                    _no_block(entry)
                    if entry.keyword.quoted or SECTION_OF.get(entry.keyword.text) != name:
                        raise entry.keyword.error(f"not a flow '{name}' keyword")
                    sections[name].append(entry.words)
        return flow_route(
            family,
            sections["match"],
            sections["then"],
            sections["scope"],
            sections["other"],
            at=stmt.keyword,
        )

    def unsupported(self, n: _Neighbor, stmt: Statement) -> None:
        what = {"l2vpn": "l2vpn routes", "operational": "operational messages"}
        raise stmt.keyword.error(_NOT_YET.format(what=what[stmt.keyword.text]))

    # --- checks and defaults ---

    def finish(self, n: _Neighbor, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> NeighborConfig:
        values = n.values
        if "local_as" not in values:
            raise n.keyword.error(f"neighbor {n.address.text} has no `local-as`")
        if "peer_as" not in values:
            raise n.keyword.error(f"neighbor {n.address.text} has no `peer-as`")
        if network.prefixlen != network.max_prefixlen and not values.get("passive", False):
            raise n.address.error("a neighbor given as a prefix must be `passive`")
        local = values.get("local_address")
        if isinstance(local, str) and ipaddress.ip_address(local).version != network.version:
            raise n.address.error("local-address and the peer address are not of the same IP version")
        if values.get("router_id") is None and isinstance(local, str) and network.version == 4:
            values["router_id"] = local
        if values.get("md5_base64") and isinstance(values.get("md5_password"), str):
            try:
                base64.b64decode(str(values["md5_password"]), validate=True)
            except (binascii.Error, ValueError):
                raise n.keyword.error("md5-password is not valid base64 (md5-base64 is set)") from None
        address = str(network.network_address) if network.prefixlen == network.max_prefixlen else str(network)
        local_as = values.pop("local_as")
        peer_as = values.pop("peer_as")
        assert isinstance(local_as, int) and (peer_as is None or isinstance(peer_as, int))
        neighbor = NeighborConfig(address, local_as, peer_as, position=n.keyword.position)
        for name, value in values.items():
            assert name in _NEIGHBOR_FIELDS, name
            setattr(neighbor, name, value)
        caps = n.capabilities
        if n.graceful_restart is not None:
            caps.graceful_restart = neighbor.hold_time if n.graceful_restart < 0 else n.graceful_restart
        if caps.route_refresh and not neighbor.adj_rib_out:
            self.notice(
                n.adj_rib_out_set or n.keyword, "route-refresh needs the adj-rib-out: adj-rib-out forced on"
            )
            neighbor.adj_rib_out = True
        neighbor.nexthops = n.nexthops
        if caps.nexthop is None:
            caps.nexthop = bool(n.nexthops)
        neighbor.capabilities = caps
        if n.families is not None:
            neighbor.families = n.families
        if n.add_path_families is not None:
            neighbor.add_path_families = n.add_path_families
        elif caps.add_path:
            neighbor.add_path_families = list(neighbor.families)
        neighbor.api = n.api + self.process_level_api(n.api)
        for token, routes, extras in n.routes:
            for route in routes:
                if (
                    n.families is not None
                    and route.family not in neighbor.families
                    and route.family != IPV4_UNICAST
                ):
                    raise token.error(
                        f"family {family_name(route.family)} is not in this neighbor's `family {{}}`"
                    )
                if n.families is None and route.family not in neighbor.families:
                    raise token.error(
                        f"family {family_name(route.family)} needs a `family {{}}` block listing it"
                    )
                if route.next_hop is None and route.family not in FLOW_FAMILIES:
                    raise token.error("this route has no next-hop")
                neighbor.routes.append(route)
                if extras is not NO_EXTRAS:
                    neighbor.route_extras[route] = extras
        return neighbor

    def process_level_api(self, blocks: list[ApiConfig]) -> list[ApiConfig]:
        """One api entry per process whose `process` block carried receive/send flags (the seed's form)."""
        extra: list[ApiConfig] = []
        for name, (receive, send) in self.process_selections.items():
            listed = any(
                name in api.processes or any(re.search(pattern, name) for pattern in api.processes_match)
                for api in blocks
            )
            if listed:
                extra.append(ApiConfig(processes=[name], receive=receive, send=send, name=f"process {name}"))
        return extra

    def check_duplicates(self) -> None:
        seen: dict[tuple[object, ...], NeighborConfig] = {}
        for neighbor in self.config.neighbors:
            key = (
                neighbor.peer_address,
                neighbor.local_address,
                neighbor.local_as,
                neighbor.peer_as,
                neighbor.router_id,
                tuple(neighbor.families),
            )
            if key in seen:
                raise ConfigError(
                    f"neighbor {neighbor.peer_address} is defined twice (first at {seen[key].position})",
                    neighbor.position,
                    "neighbor",
                )
            seen[key] = neighbor


_SELECTION_WORDS = frozenset(f.name for f in fields(MessageSelection))

_CAPABILITY_BOOLEANS = {
    "asn4": ("asn4", True),
    "route-refresh": ("route_refresh", True),
    "extended-message": ("extended_message", True),
    "multi-session": ("multi_session", True),
    "operational": ("operational", True),
    "nexthop": ("nexthop", True),
    "aigp": ("aigp", True),
    "software-version": ("software_version", False),
}

_Handler = Callable[[_Parser, _Neighbor, Statement], None]
_NEIGHBOR_HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(
        (
            "description",
            "router-id",
            "local-address",
            "local-as",
            "peer-as",
            "hold-time",
            "passive",
            "listen",
            "connect",
            "md5-password",
            "md5-base64",
            "md5-ip",
            "outgoing-ttl",
            "incoming-ttl",
            "group-updates",
            "auto-flush",
            "adj-rib-in",
            "adj-rib-out",
            "manual-eor",
            "rate-limit",
            "host-name",
            "domain-name",
            "source-interface",
        ),
        _Parser.scalar,
    ),
    "capability": _Parser.capability,
    "graceful-restart": _Parser.graceful_restart,
    "family": _Parser.family,
    "add-path": _Parser.family,
    "nexthop": _Parser.nexthop,
    "api": _Parser.api,
    "static": _Parser.static,
    "route": _Parser.route_at_neighbor,
    "announce": _Parser.announce,
    "flow": _Parser.flow,
    "l2vpn": _Parser.unsupported,
    "operational": _Parser.unsupported,
}


def resolve_program(program: str, directory: str) -> str:
    """Where ExaBGP would look for a relative `run` program: /etc/exabgp, the configuration's directory,
    then $PATH. Nothing needs to exist: the runtime reports a missing program."""
    if os.path.isabs(program):
        return program
    for base in ("/etc/exabgp", directory):
        candidate = os.path.normpath(os.path.join(base, program))
        if os.path.isfile(candidate):
            return candidate
    if os.sep not in program:
        found = shutil.which(program)
        return found if found is not None else program
    return os.path.normpath(os.path.join(directory, program))


def parse(text: str, filename: str = "<string>") -> Config:
    """Parses configuration text; raises ConfigError."""
    text, runs = _route_runs(text, filename)
    return _Parser(filename).parse(statements(tokenize(text, filename), runs))


def load(path: str) -> Config:
    """Reads and parses a configuration file; raises ConfigError (also for an unreadable file)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration: {exc}", Position(path, 0, 0)) from None
    return parse(text, path)
