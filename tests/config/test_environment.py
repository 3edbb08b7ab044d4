"""Environment settings: defaults, spellings, precedence, aliases, INI files, warnings and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiobgp.config.environment import Environment, load_environment, render
from aiobgp.config.model import ConfigError


def env(**variables: str) -> Environment:
    loaded, warnings = load_environment({k.replace("__", "."): v for k, v in variables.items()})
    assert warnings == []
    return loaded


DEFAULTS = [
    ("log.level", "INFO"),
    ("log.destination", "stdout"),
    ("log.short", True),
    ("log.enable", True),
    ("log.packets", False),
    ("tcp.bind", ()),
    ("tcp.port", 179),
    ("tcp.attempts", 0),
    ("tcp.delay", 0),
    ("bgp.openwait", 60),
    ("bgp.passive", False),
    ("api.ack", True),
    ("api.chunk", 1),
    ("api.cli", True),
    ("api.compact", False),
    ("api.encoder", "json"),
    ("api.respawn", True),
    ("api.terminate", False),
    ("api.pipename", "exabgp"),
    ("api.buffer", 16777216),
    ("api.overflow", "drop"),
    ("cache.attributes", True),
    ("daemon.daemonize", False),
    ("daemon.drop", True),
    ("daemon.pid", ""),
    ("daemon.umask", 0o137),
    ("daemon.user", "nobody"),
    ("reactor.speed", 1.0),
    ("profile.enable", False),
    ("profile.file", ""),
    ("pdb.enable", False),
    ("debug.rotate", False),
]


@pytest.mark.parametrize(("name", "value"), DEFAULTS)
def test_defaults(name: str, value: object) -> None:
    assert Environment().get(name) == value
    assert Environment()[name] == value


def test_attribute_access_is_typed() -> None:
    loaded = env(exabgp__tcp__port="1790")
    assert loaded.tcp.port == 1790
    assert loaded.get("tcp.port") == 1790
    assert loaded.get("tcp.nothing", "fallback") == "fallback"
    with pytest.raises(KeyError):
        loaded["nothing.here"]
    assert "tcp.port" in list(loaded)


@pytest.mark.parametrize(
    ("variables", "name", "value"),
    [
        ({"exabgp.log.level": "DEBUG"}, "log.level", "DEBUG"),
        ({"exabgp_tcp_port": "1790"}, "tcp.port", 1790),
        ({"aiobgp_log_level": "info"}, "log.level", "INFO"),
        ({"aiobgp.api.overflow": "restart"}, "api.overflow", "restart"),
        ({"exabgp.tcp.bind": "127.0.0.1 ::1"}, "tcp.bind", ("127.0.0.1", "::1")),
        ({"exabgp.tcp.bind": ""}, "tcp.bind", ()),
        ({"exabgp.daemon.umask": "0022"}, "daemon.umask", 0o22),
        ({"exabgp.reactor.speed": "0.5"}, "reactor.speed", 0.5),
        ({"exabgp.log.level": "warning"}, "log.level", "WARNING"),
        ({"exabgp.log.level": "error"}, "log.level", "ERR"),
        ({"exabgp.api.ack": "false"}, "api.ack", False),
        ({"exabgp.api.ack": "0"}, "api.ack", False),
        ({"exabgp.bgp.passive": "enable"}, "bgp.passive", True),
        ({"exabgp.daemon.pid": "'/run/x.pid'"}, "daemon.pid", "/run/x.pid"),
        # aliases
        ({"exabgp.tcp.connections": "3"}, "tcp.attempts", 3),
        ({"exabgp.tcp.once": "true"}, "tcp.attempts", 1),
        ({"exabgp.tcp.once": "true", "exabgp.tcp.attempts": "5"}, "tcp.attempts", 5),
    ],
)
def test_spellings_and_aliases(variables: dict[str, str], name: str, value: object) -> None:
    loaded, warnings = load_environment(variables)
    assert loaded[name] == value
    assert warnings == []


def test_precedence_between_spellings() -> None:
    variables = {"exabgp_log_level": "ERR", "exabgp.log.level": "WARNING", "aiobgp_log_level": "NOTICE"}
    assert load_environment(variables)[0].log.level == "NOTICE"
    variables = {"aiobgp_log_level": "NOTICE", "aiobgp.log.level": "DEBUG"}
    assert load_environment(variables)[0].log.level == "DEBUG"
    assert load_environment({"exabgp_log_level": "ERR", "exabgp.log.level": "INFO"})[0].log.level == "INFO"


def test_ini_file_and_precedence(tmp_path: Path) -> None:
    ini = tmp_path / "exabgp.env"
    ini.write_text(
        "# comment\n"
        "[exabgp.tcp]\n"
        "port = 1790\n"
        "bind = '127.0.0.1'\n"
        "\n"
        "[exabgp.log]\n"
        "level = DEBUG\n"
        "; other comment\n"
        "[aiobgp.api]\n"
        "buffer = 1024\n"
    )
    loaded, warnings = load_environment({}, str(ini))
    assert (loaded.tcp.port, loaded.tcp.bind, loaded.log.level, loaded.api.buffer) == (
        1790,
        ("127.0.0.1",),
        "DEBUG",
        1024,
    )
    assert warnings == []
    # the environment beats the file, the file beats the defaults
    loaded, _ = load_environment({"exabgp.tcp.port": "1791"}, str(ini))
    assert (loaded.tcp.port, loaded.log.level) == (1791, "DEBUG")
    # EXABGP_ENVFILE names the file when no explicit path is given
    loaded, _ = load_environment({"EXABGP_ENVFILE": str(ini)})
    assert loaded.tcp.port == 1790


def test_unknown_settings_are_warned_about(tmp_path: Path) -> None:
    ini = tmp_path / "exabgp.env"
    ini.write_text("[exabgp.tcp]\nportt = 1\n[exabgp.nothing]\nx = 1\n")
    variables = {
        "exabgp.log.colour": "red",
        "aiobgp_bogus_x": "1",
        "exabgp_version": "5.0.0-0+test",  # ExaBGP's own variable, not a setting
        "HOME": "/root",
    }
    _, warnings = load_environment(variables, str(ini))
    assert warnings == [
        f"{ini}:3:1: unknown section [exabgp.nothing] ignored",
        f"{ini}:2:1: unknown setting tcp.portt ignored",
        "environment exabgp.log.colour: unknown setting log.colour ignored",
        "environment aiobgp_bogus_x: unknown setting ignored",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("exabgp.tcp.port", "abc", "expected a whole number"),
        ("exabgp_tcp_port", "0", "expected a port between 1 and 65535"),
        ("exabgp.api.ack", "perhaps", "expected true or false"),
        ("exabgp.log.level", "LOUD", "expected one of ALERT, CRIT, DEBUG, EMERG, ERR, INFO, NOTICE, WARNING"),
        ("aiobgp.api.overflow", "explode", "expected drop or restart"),
        ("exabgp.tcp.bind", "localhost", "expected IP addresses separated by spaces"),
        ("exabgp.daemon.umask", "0999", "expected an octal umask such as 0137"),
        ("exabgp.reactor.speed", "-1", "expected a number > 0"),
        ("exabgp.tcp.attempts", "-2", "expected a number >= 0"),
    ],
)
def test_invalid_values(variable: str, value: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_environment({variable: value})
    setting = variable.replace("_", ".").split(".", 1)[1]
    assert (
        str(caught.value)
        == f"invalid value for exabgp.{setting} (environment {variable}): {reason} (at '{value}')"
    )


def test_invalid_value_in_ini_names_the_line(tmp_path: Path) -> None:
    ini = tmp_path / "bad.env"
    ini.write_text("[exabgp.bgp]\nopenwait = soon\n")
    with pytest.raises(ConfigError) as caught:
        load_environment({}, str(ini))
    assert (
        str(caught.value)
        == f"invalid value for exabgp.bgp.openwait ({ini}:2:1): expected a whole number (at 'soon')"
    )


def test_bad_ini_syntax(tmp_path: Path) -> None:
    ini = tmp_path / "bad.env"
    ini.write_text("[exabgp.bgp]\njust words\n")
    with pytest.raises(ConfigError) as caught:
        load_environment({}, str(ini))
    assert str(caught.value) == f"{ini}:2:1: a setting is written `option = value` (at 'just words')"
    with pytest.raises(ConfigError, match="cannot read the environment file"):
        load_environment({}, str(tmp_path / "missing.env"))


def test_render_round_trip(tmp_path: Path) -> None:
    original, _ = load_environment(
        {"exabgp.tcp.port": "1790", "exabgp.tcp.bind": "127.0.0.1 ::1", "exabgp.daemon.umask": "0022"}
    )
    text = render(original)
    assert "[exabgp.tcp]\n" in text and "port = 1790\n" in text and "umask = 022\n" in text
    assert "[exabgp.debug]" not in text
    ini = tmp_path / "rendered.env"
    ini.write_text(text)
    assert load_environment({}, str(ini))[0] == original


def test_render_diff() -> None:
    loaded, _ = load_environment({"exabgp.tcp.port": "1790", "exabgp.log.level": "DEBUG"})
    assert render(loaded, diff=True) == "[exabgp.log]\nlevel = 'DEBUG'\n\n[exabgp.tcp]\nport = 1790\n"
    assert render(Environment(), diff=True) == ""


def test_render_as_env_lines() -> None:
    loaded, _ = load_environment({"exabgp.tcp.port": "1790"})
    assert render(loaded, diff=True, as_env=True) == "exabgp.tcp.port=1790\n"
    lines = render(Environment(), as_env=True).splitlines()
    assert "exabgp.log.level='INFO'" in lines and "exabgp.daemon.umask=0137" in lines
    assert not any(line.startswith("exabgp.debug.") for line in lines)


def test_set_overrides_one_setting() -> None:
    loaded = Environment()
    loaded.set("log.level", "debug")
    loaded.set("tcp.attempts", 1)
    loaded.set("bgp.passive", True)
    assert (loaded.log.level, loaded.tcp.attempts, loaded.bgp.passive) == ("DEBUG", 1, True)
    assert Environment().log.level == "INFO"  # other instances keep their own values
    with pytest.raises(KeyError):
        loaded.set("tcp.nothing", 1)
    with pytest.raises(TypeError):
        loaded.set("tcp.port", 1.5)
    with pytest.raises(ConfigError, match=r"exabgp\.tcp\.port"):
        loaded.set("tcp.port", "http")
