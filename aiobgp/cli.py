"""The ``aiobgp`` command line, shaped like ExaBGP 5's.

    aiobgp [--env-file PATH] CONFIG [CONFIG ...]     run the daemon in the foreground (= server)
    aiobgp server [-1] [-P] [-v] CONFIG [CONFIG ...]
    aiobgp validate [-n] CONFIG [CONFIG ...]         parse and report (exit 0, or 2 on error)
    aiobgp env [-d] [-e]                             the effective settings
    aiobgp decode [-f "AFI SAFI"] [-c CONFIG] HEX    a message as the JSON event helpers would get
    aiobgp version

Exit codes: 0 success, 1 runtime failure, 2 configuration or usage error.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Sequence

from aiobgp import __version__
from aiobgp.config.environment import Environment, load_environment, render
from aiobgp.config.model import Config, ConfigError
from aiobgp.config.parser import load

COMMANDS = ("server", "validate", "env", "version", "decode")
EXIT_OK, EXIT_FAILURE, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiobgp", description="A BGP speaker (ExaBGP 5 compatible).")
    parser.add_argument("--env-file", metavar="PATH", help="INI file of exabgp.* settings")
    sub = parser.add_subparsers(dest="command", required=True)

    server = sub.add_parser("server", help="run the daemon in the foreground")
    server.add_argument("configuration", nargs="+")
    server.add_argument("-1", "--once", action="store_true", help="one connection attempt per peer")
    server.add_argument("-P", "--passive", action="store_true", help="make every peer passive")
    server.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")

    validate = sub.add_parser("validate", help="parse configuration files and report")
    validate.add_argument("configuration", nargs="+")
    validate.add_argument("-n", "--neighbor", action="store_true", help="print the parsed neighbors")
    validate.add_argument("-v", "--verbose", action="store_true")

    env = sub.add_parser("env", help="print the effective settings")
    env.add_argument("-d", "--diff", action="store_true", help="only settings that differ from defaults")
    env.add_argument("-e", "--env", action="store_true", help="as exabgp.section.option=value lines")

    sub.add_parser("version", help="print version, Python and platform")
    decode = sub.add_parser("decode", help="decode a BGP message given in hex", add_help=False)
    decode.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """ExaBGP inserts ``server`` when the first word is not a sub-command: so do we."""
    words = list(argv)
    index = 0
    while index < len(words) and words[index].startswith("-"):
        if words[index] in ("-h", "--help"):
            return words
        index += 2 if words[index] == "--env-file" else 1
    if index < len(words) and words[index] not in COMMANDS:
        words.insert(index, "server")
    return words


def _load_configs(paths: Sequence[str]) -> list[Config]:
    configs = []
    for path in paths:
        config = load(path)
        for notice in config.notices:
            print(f"notice: {notice}", file=sys.stderr)
        configs.append(config)
    return configs


def _environment(env_file: str | None, **overrides: str) -> Environment:
    """Settings from the environment and the INI file; command-line flags override both."""
    environ = dict(os.environ)
    environ.update({f"aiobgp.{name}": value for name, value in overrides.items()})
    env, warnings = load_environment(environ, env_file or os.environ.get("EXABGP_ENVFILE"))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return env


def cmd_version() -> int:
    print(f"aiobgp : {__version__}")
    print(f"Python : {sys.version.split()[0]} ({platform.python_implementation()})")
    print(f"Uname  : {' '.join(platform.uname()[:3])} {platform.machine()}")
    print(f"From   : {os.path.dirname(os.path.abspath(__file__))}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    configs = _load_configs(args.configuration)
    for config in configs:
        if args.neighbor:
            for neighbor in config.neighbors:
                print(neighbor)
        count = sum(len(n.routes) for n in config.neighbors)
        print(f"{config.path}: ok ({len(config.neighbors)} neighbor(s), {count} route(s))")
    return EXIT_OK


def cmd_env(args: argparse.Namespace) -> int:
    env = _environment(args.env_file)
    print(render(env, diff=args.diff, as_env=args.env), end="")
    return EXIT_OK


def cmd_server(args: argparse.Namespace) -> int:
    from aiobgp.runtime.daemon import run

    overrides = {}
    if args.verbose:
        overrides["log.level"] = "DEBUG"
    if args.once:
        overrides["tcp.attempts"] = "1"
    if args.passive:
        overrides["bgp.passive"] = "true"
    env = _environment(args.env_file, **overrides)
    configs = _load_configs(args.configuration)
    return run(configs, env)


def main(argv: Sequence[str] | None = None) -> int:
    words = _normalise(list(sys.argv[1:] if argv is None else argv))
    if "decode" in words[:3]:  # the decode command parses its own options
        from aiobgp.api.decode import main as decode_main

        return decode_main(words[words.index("decode") + 1 :])
    args = _parser().parse_args(words)
    try:
        if args.command == "version":
            return cmd_version()
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "env":
            return cmd_env(args)
        return cmd_server(args)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK
