"""The command line as a user runs it: exit codes, messages, and the README's demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def aiobgp(*args: str, cwd: Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiobgp", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def test_version() -> None:
    result = aiobgp("version")
    assert result.returncode == 0
    assert result.stdout.startswith("aiobgp : ")
    assert "Python : 3." in result.stdout


def test_validate_good_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "ok.conf"
    conf.write_text(
        "neighbor 127.0.0.2 {\n  router-id 127.0.0.1;\n  local-address 127.0.0.1;\n  local-as 65001;\n"
        "  peer-as 65000;\n  static {\n    route 100.10.0.0/24 next-hop self;\n  }\n}\n"
    )
    result = aiobgp("validate", str(conf))
    assert result.returncode == 0, result.stderr
    assert "1 neighbor(s), 1 route(s)" in result.stdout


def test_configuration_error_names_file_line_column_and_exits_2(tmp_path: Path) -> None:
    conf = tmp_path / "bad.conf"
    conf.write_text("neighbor 127.0.0.2 {\n  local-as 65001;\n  peer-as 6500x;\n}\n")
    for args in (("validate", str(conf)), (str(conf),)):
        result = aiobgp(*args)
        assert result.returncode == 2
        assert f"{conf}:3:11:" in result.stderr
        assert "'6500x'" in result.stderr
        assert "Welcome" not in result.stdout  # nothing started


def test_the_3x_configuration_is_refused_with_a_rewrite_hint(tmp_path: Path) -> None:
    conf = tmp_path / "old.conf"
    conf.write_text(
        "neighbor 127.0.0.2 {\n  router-id 127.0.0.1;\n  local-address 127.0.0.1;\n  local-as 65001;\n"
        "  peer-as 65000;\n  process announce-routes {\n"
        "    run /usr/bin/python /etc/exabgp/api/announce.py;\n  }\n}\n"
    )
    result = aiobgp(str(conf))
    assert result.returncode == 2
    assert f"{conf}:6:3:" in result.stderr
    assert "api { processes [ announce-routes ]; }" in result.stderr


def test_unknown_setting_is_reported(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aiobgp", "env", "-d"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "exabgp_tcp_prot": "1790", "exabgp_tcp_port": "1791"},
        timeout=30,
    )
    assert result.returncode == 0
    assert "tcp.prot" in result.stderr
    assert "port = 1791" in result.stdout


def test_invalid_setting_value_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aiobgp", "env"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "exabgp_tcp_port": "http"},
        timeout=30,
    )
    assert result.returncode == 2
    assert "tcp.port" in result.stderr


def test_make_demo_script() -> None:
    """The README's first command: two speakers exchange the walkthrough's routes and stop."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "demo: OK" in result.stdout
    assert "speaker B received 5 route(s) from 127.0.0.1:" in result.stdout
    assert (
        "100.40.0.0/24 next-hop 127.0.0.1 origin igp as-path [ 65001 ] med 100 community [ 65001:100 ]"
        in (result.stdout)
    )
    assert "2001:db8:100::/48 next-hop ::ffff:127.0.0.1" in result.stdout
    assert "speaker A received 1 route(s) from 127.0.0.2:" in result.stdout
