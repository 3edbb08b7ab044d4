"""Environment settings `exabgp.<section>.<option>` (ExaBGP's `exabgp env`), typed.

Sources, strongest first: the process environment with the `aiobgp` prefix, then with the `exabgp`
prefix (each spelled with dots, `aiobgp.log.level=INFO`, or underscores, `aiobgp_log_level=INFO`; the
dotted spelling wins over the underscored one), then the INI file (`[exabgp.section]` then
`option = value`), then the defaults below. Unknown settings using our prefixes are reported as
warnings; invalid values raise ConfigError naming the setting and the value.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any

from aiobgp.config.model import ConfigError, Position

# --- value parsers ------------------------------------------------------------------------------

_TRUE = frozenset({"true", "yes", "on", "enable", "enabled", "1"})
_FALSE = frozenset({"false", "no", "off", "disable", "disabled", "0"})
_LEVELS = {
    "EMERG": "EMERG",
    "ALERT": "ALERT",
    "CRIT": "CRIT",
    "CRITICAL": "CRIT",
    "ERR": "ERR",
    "ERROR": "ERR",
    "WARNING": "WARNING",
    "WARN": "WARNING",
    "NOTICE": "NOTICE",
    "INFO": "INFO",
    "DEBUG": "DEBUG",
}


def _boolean(text: str) -> bool:
    lower = text.lower()
    if lower in _TRUE:
        return True
    if lower in _FALSE:
        return False
    raise ValueError("expected true or false")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _unsigned(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise ValueError("expected a number >= 0")
    return value


def _port(text: str) -> int:
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise ValueError("expected a port between 1 and 65535")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("expected a number") from None
    if not value > 0:
        raise ValueError("expected a number > 0")
    return value


def _octal(text: str) -> int:
    try:
        value = int(text[2:] if text[:2].lower() == "0o" else text, 8)
    except ValueError:
        raise ValueError("expected an octal umask such as 0137") from None
    if not 0 <= value <= 0o777:
        raise ValueError("expected an octal umask such as 0137")
    return value


def _level(text: str) -> str:
    level = _LEVELS.get(text.upper())
    if level is None:
        raise ValueError(f"expected one of {', '.join(sorted(set(_LEVELS.values())))}")
    return level


def _addresses(text: str) -> tuple[str, ...]:
    try:
        return tuple(str(ipaddress.ip_address(address)) for address in text.replace(",", " ").split())
    except ValueError:
        raise ValueError("expected IP addresses separated by spaces") from None


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in choices:
            raise ValueError(f"expected {' or '.join(choices)}")
        return text.lower()

    return parse


def _text(text: str) -> str:
    return text


def _setting(default: Any, parser: Callable[[str], Any], description: str) -> Any:
    """A dataclass field carrying its text parser and a one-line description."""
    return field(default=default, metadata={"parse": parser, "description": description})


# --- the settings -------------------------------------------------------------------------------


@dataclass(slots=True)
class Api:
    ack: bool = _setting(True, _boolean, "answer done/error after each command")
    chunk: int = _setting(1, _unsigned, "lines written per turn by show adj-rib")
    cli: bool = _setting(True, _boolean, "create the control CLI bridge")
    compact: bool = _setting(False, _boolean, "compact JSON for unicast NLRI")
    encoder: str = _setting("json", _choice("json", "text"), "default encoder")
    pipename: str = _setting("exabgp", _text, "base name of the CLI named pipes")
    respawn: bool = _setting(True, _boolean, "restart a helper that dies (at most 5 times a minute)")
    terminate: bool = _setting(False, _boolean, "exit when a helper dies")
    buffer: int = _setting(16777216, _unsigned, "bytes of unsent events kept per helper (aiobgp)")
    overflow: str = _setting("drop", _choice("drop", "restart"), "past the buffer: drop events or restart")


@dataclass(slots=True)
class Bgp:
    openwait: int = _setting(60, _unsigned, "seconds to wait for the peer's OPEN")
    passive: bool = _setting(False, _boolean, "make every neighbor passive")


@dataclass(slots=True)
class Cache:
    attributes: bool = _setting(True, _boolean, "cache parsed attributes")
    nexthops: bool = _setting(True, _boolean, "deprecated, always on")


@dataclass(slots=True)
class Daemon:
    daemonize: bool = _setting(False, _boolean, "run in the background")
    drop: bool = _setting(True, _boolean, "drop privileges before starting helpers")
    pid: str = _setting("", _text, "pid file")
    umask: int = _setting(0o137, _octal, "umask (octal)")
    user: str = _setting("nobody", _text, "user to run as after binding")


@dataclass(slots=True)
class Log:
    enable: bool = _setting(True, _boolean, "logging on or off")
    level: str = _setting("INFO", _level, "syslog level name")
    destination: str = _setting("stdout", _text, "stdout, stderr, syslog, host:ADDRESS or a file")
    all: bool = _setting(False, _boolean, "debug every subsystem")
    configuration: bool = _setting(True, _boolean, "log configuration parsing")
    reactor: bool = _setting(True, _boolean, "log the event loop")
    daemon: bool = _setting(True, _boolean, "log daemon events")
    processes: bool = _setting(True, _boolean, "log helper processes")
    network: bool = _setting(True, _boolean, "log TCP events")
    statistics: bool = _setting(True, _boolean, "log statistics")
    packets: bool = _setting(False, _boolean, "log every packet")
    rib: bool = _setting(False, _boolean, "log RIB changes")
    message: bool = _setting(False, _boolean, "log every message")
    timers: bool = _setting(False, _boolean, "log timers")
    routes: bool = _setting(False, _boolean, "log received routes")
    parser: bool = _setting(False, _boolean, "log message parsing")
    short: bool = _setting(True, _boolean, "short log lines")


@dataclass(slots=True)
class Pdb:
    enable: bool = _setting(False, _boolean, "start pdb on a fault")


@dataclass(slots=True)
class Profile:
    enable: bool = _setting(False, _boolean, "profile the event loop")
    file: str = _setting("", _text, "where to write the profile")


@dataclass(slots=True)
class Reactor:
    speed: float = _setting(1.0, _positive_float, "event loop time budget in seconds")


@dataclass(slots=True)
class Tcp:
    attempts: int = _setting(0, _unsigned, "connection attempts per peer (0 = forever)")
    bind: tuple[str, ...] = _setting((), _addresses, "listen addresses, space separated (empty: none)")
    delay: int = _setting(0, _unsigned, "start when the minute is a multiple of this")
    once: bool = _setting(False, _boolean, "deprecated: one connection attempt")
    port: int = _setting(179, _port, "BGP port to listen on and connect to")
    acl: bool = _setting(False, _boolean, "unimplemented (as ExaBGP)")


@dataclass(slots=True)
class Debug:
    pdb: bool = _setting(False, _boolean, "internal")
    memory: bool = _setting(False, _boolean, "internal")
    configuration: bool = _setting(False, _boolean, "raise on configuration errors")
    selfcheck: bool = _setting(False, _boolean, "internal")
    route: str = _setting("", _text, "internal")
    defensive: bool = _setting(False, _boolean, "internal")
    rotate: bool = _setting(False, _boolean, "rotate several configuration files on reload")
    timing: bool = _setting(False, _boolean, "internal")


@dataclass(slots=True)
class Environment:
    """Every setting, typed: `env.tcp.port`, or by name: `env.get("tcp.port")` / `env["tcp.port"]`."""

    api: Api = field(default_factory=Api)
    bgp: Bgp = field(default_factory=Bgp)
    cache: Cache = field(default_factory=Cache)
    daemon: Daemon = field(default_factory=Daemon)
    log: Log = field(default_factory=Log)
    pdb: Pdb = field(default_factory=Pdb)
    profile: Profile = field(default_factory=Profile)
    reactor: Reactor = field(default_factory=Reactor)
    tcp: Tcp = field(default_factory=Tcp)
    debug: Debug = field(default_factory=Debug)

    def __getitem__(self, name: str) -> Any:
        section, _, option = name.partition(".")
        if (section, option) not in _SETTINGS:
            raise KeyError(name)
        return getattr(getattr(self, section), option)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(f"{section}.{option}" for section, option in _SETTINGS)

    def set(self, name: str, value: Any) -> None:
        """Overrides one setting (command-line switches); a text value is parsed like the environment's."""
        section, _, option = name.partition(".")
        if (section, option) not in _SETTINGS:
            raise KeyError(name)
        if isinstance(value, str):
            value = _parse_value(section, option, value, "set")
        elif type(value) is not type(self[name]):
            raise TypeError(f"{name} takes a {type(self[name]).__name__}, not {value!r}")
        setattr(getattr(self, section), option, value)


SECTIONS: tuple[str, ...] = tuple(f.name for f in fields(Environment))
_SETTINGS: dict[tuple[str, str], Field[Any]] = {
    (section, setting.name): setting
    for section in SECTIONS
    for setting in fields(getattr(Environment(), section))
}
_ALIASES = {("tcp", "connections"): ("tcp", "attempts")}
# variables that look like settings but are not (ExaBGP's own and its CLI bridge's)
_NOT_SETTINGS = frozenset(
    {"exabgp_version", "exabgp_cli_pipe", "exabgp_cli_socket", "exabgp_api_socketpath", "exabgp_api_cli_mode"}
)
_PREFIXES = ("aiobgp", "exabgp")  # strongest first


def _split_name(name: str) -> tuple[str, str] | None:
    """`tcp.port`, `tcp_port` -> ("tcp", "port")."""
    for separator in (".", "_"):
        section, found, option = name.partition(separator)
        if found and section in SECTIONS:
            return section, option.replace(".", "_").replace("-", "_")
    return None


def _parse_value(section: str, option: str, text: str, origin: str) -> Any:
    setting = _SETTINGS[(section, option)]
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    try:
        return setting.metadata["parse"](value)
    except ValueError as exc:
        raise ConfigError(
            f"invalid value for {_PREFIXES[1]}.{section}.{option} ({origin}): {exc}", token=text
        ) from None


def _read_ini(path: str) -> tuple[list[tuple[str, str, str, Position]], list[str]]:
    """(section, option, value, position) of each setting line of an INI file, and warnings."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the environment file: {exc}", Position(path, 0, 0)) from None
    entries: list[tuple[str, str, str, Position]] = []
    warnings: list[str] = []
    section: str | None = None
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text[0] in "#;":
            continue
        if text.startswith("["):
            if not text.endswith("]"):
                raise ConfigError("a section header is [exabgp.SECTION]", Position(path, number, 1), text)
            name = text[1:-1].strip()
            prefix, _, section = name.partition(".")
            if prefix not in _PREFIXES or section not in SECTIONS:
                warnings.append(f"{path}:{number}:1: unknown section [{name}] ignored")
                section = None
            continue
        option, equal, value = text.partition("=")
        if not equal:
            raise ConfigError("a setting is written `option = value`", Position(path, number, 1), text)
        if section is not None:
            entries.append((section, option.strip(), value.strip(), Position(path, number, 1)))
    return entries, warnings


def load_environment(
    environ: Mapping[str, str], ini_path: str | None = None
) -> tuple[Environment, list[str]]:
    """The effective settings and the warnings about what was ignored.

    `ini_path` (or else $EXABGP_ENVFILE) names the INI file; it must be readable when given.
    """
    warnings: list[str] = []
    chosen: dict[tuple[str, str], Any] = {}

    def put(section: str, option: str, text: str, origin: str) -> None:
        key = _ALIASES.get((section, option), (section, option))
        if key not in _SETTINGS:
            warnings.append(f"{origin}: unknown setting {section}.{option} ignored")
            return
        chosen[key] = _parse_value(key[0], key[1], text, origin)

    path = ini_path if ini_path is not None else environ.get("EXABGP_ENVFILE") or None
    if path is not None:
        entries, ini_warnings = _read_ini(path)
        warnings.extend(ini_warnings)
        for section, option, value, position in entries:
            put(section, option.replace("-", "_"), value, str(position))

    # weakest first, so that stronger spellings overwrite
    for prefix in reversed(_PREFIXES):
        for separator in ("_", "."):
            for name, value in environ.items():
                if not name.startswith(prefix + separator) or name in _NOT_SETTINGS:
                    continue
                rest = name[len(prefix) + 1 :]
                split = _split_name(rest)
                if split is None:
                    warnings.append(f"environment {name}: unknown setting ignored")
                    continue
                put(split[0], split[1], value, f"environment {name}")

    if chosen.get(("tcp", "once")) and ("tcp", "attempts") not in chosen:
        chosen[("tcp", "attempts")] = 1
    env = Environment()
    for (section, option), value in chosen.items():
        setattr(getattr(env, section), option, value)
    return env, warnings


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "'" + " ".join(value) + "'"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def render(env: Environment, diff: bool = False, as_env: bool = False) -> str:
    """The settings as an INI file, like `exabgp env` (the hidden `debug` section left out);
    with `diff`, only the settings that differ from the defaults; with `as_env`, as
    `exabgp.section.option=value` lines instead of INI sections."""
    defaults = Environment()
    out: list[str] = []
    for section in SECTIONS:
        if section == "debug":
            continue
        lines = []
        for setting in fields(getattr(env, section)):
            value = env[f"{section}.{setting.name}"]
            if diff and value == defaults[f"{section}.{setting.name}"]:
                continue
            text = f"0{value:o}" if (section, setting.name) == ("daemon", "umask") else _render_value(value)
            lines.append(f"exabgp.{section}.{setting.name}={text}" if as_env else f"{setting.name} = {text}")
        if as_env:
            out.extend(lines)
        elif lines:
            out.append(f"[exabgp.{section}]")
            out.extend(lines)
            out.append("")
    return "\n".join(out) + ("\n" if as_env and out else "")
