"""Receive N IPv4 prefixes from a real BIRD: aiobgp next to ExaBGP 5.0.15, same machine, same run.

    .venv/bin/python bench/receive.py [--routes 100000 1000000] [--pairs 1] [--no-exabgp]

BIRD (on 127.0.x.2) originates N /24s sharing one attribute set. Each speaker (on 127.0.x.1) is
timed from "session established" to the End-of-RIB that follows the table:

* aiobgp: routes decoded into its Adj-RIB-In, the times read from its log;
* ExaBGP 5.0.15 (from ``.oracle``, ``make oracle``): routes delivered as JSON to a helper process
  that counts them (ExaBGP keeps no table without a consumer), the times written by that helper.

Runs alternate (aiobgp, ExaBGP, aiobgp, ...); the script prints one line per run and a summary with
the median, prefixes/s, peak RSS and the ratio. Results are appended to bench/results/receive.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from interop.peers import Bird  # noqa: E402  (the project's own BIRD fixture)

ORACLE = ROOT / ".oracle" / "bin" / "exabgp"
RESULTS = ROOT / "bench" / "results" / "receive.jsonl"

# A JSON helper for ExaBGP: counts announced prefixes, writes the times of "up" and of the
# ipv4 unicast End-of-RIB into the file named by its first argument.
COUNTER = r"""
import json, sys, time
out = sys.argv[1]
count = 0
up = None
for line in sys.stdin:
    if '"type": "state"' in line and '"up"' in line:
        up = time.time()
    elif '"eor"' in line:
        msg = json.loads(line)
        if msg["neighbor"]["message"]["eor"]["afi"] == "ipv4":
            with open(out, "w") as f:
                json.dump({"up": up, "eor": time.time(), "prefixes": count}, f)
    elif '"announce"' in line:
        msg = json.loads(line)
        for nexthops in msg["neighbor"]["message"]["update"]["announce"].values():
            for prefixes in nexthops.values():
                count += len(prefixes)
"""


def speaker_config(speaker_ip: str, bird_ip: str, extra: str = "") -> str:
    return (
        f"neighbor {bird_ip} {{\n  router-id {speaker_ip};\n  local-address {speaker_ip};\n"
        f"  local-as 65001;\n  peer-as 65002;\n  hold-time 90;\n  family {{ ipv4 unicast; }}\n{extra}}}\n"
    )


def peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_file(path: Path, timeout: float, process: subprocess.Popen[bytes]) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return dict(json.loads(path.read_text()))
        if process.poll() is not None:
            raise RuntimeError(f"speaker exited with {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError(f"no End-of-RIB after {timeout}s")


def run_aiobgp(work: Path, speaker_ip: str, bird_ip: str, routes: int, timeout: float) -> dict[str, float]:
    conf = work / "aiobgp.conf"
    conf.write_text(speaker_config(speaker_ip, bird_ip))
    log = work / "aiobgp.log"
    env = dict(os.environ, exabgp_log_level="INFO", exabgp_log_short="false")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "aiobgp", str(conf)], stdout=out, stderr=out, env=env
        )
    try:
        up = eor = None
        deadline = time.monotonic() + timeout
        while eor is None and time.monotonic() < deadline:
            text = log.read_text(errors="replace")
            up_match = re.search(r"^(\S+ \S+) .*BGP session established", text, re.M)
            eor_match = re.search(r"^(\S+ \S+) .*End-of-RIB for ipv4 unicast \((\d+) prefixes", text, re.M)
            if up_match and eor_match:
                up, eor = up_match.group(1), eor_match.group(1)
                received = int(eor_match.group(2))
                break
            if process.poll() is not None:
                raise RuntimeError(f"aiobgp exited:\n{text[-2000:]}")
            time.sleep(0.05)
        if eor is None or up is None:
            raise TimeoutError(f"aiobgp: no End-of-RIB after {timeout}s")
        rss = peak_rss_kib(process.pid)
        cpu = cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(10)
    return {"seconds": _stamp(eor) - _stamp(up), "prefixes": received, "rss_kib": rss, "cpu_s": cpu}


def _stamp(stamp: str) -> float:
    """Seconds since the epoch of a log time stamp ``2026-11-26 14:47:19.236``."""
    return time.mktime(time.strptime(stamp[:19], "%Y-%m-%d %H:%M:%S")) + float(stamp[19:] or 0)


def run_exabgp(work: Path, speaker_ip: str, bird_ip: str, routes: int, timeout: float) -> dict[str, float]:
    helper = work / "counter.py"
    helper.write_text(COUNTER)
    result = work / "exabgp-result.json"
    api = "  api {\n    processes [ counter ];\n    neighbor-changes;\n    receive { parsed; update; }\n  }\n"
    conf = work / "exabgp.conf"
    conf.write_text(
        f"process counter {{\n  run {sys.executable} {helper} {result};\n  encoder json;\n}}\n"
        + speaker_config(speaker_ip, bird_ip, api)
    )
    env = dict(
        os.environ,
        exabgp_daemon_user="root",
        exabgp_daemon_drop="false",
        exabgp_api_cli="false",
        exabgp_log_level="WARNING",
        exabgp_tcp_bind="",
    )
    with (work / "exabgp.log").open("wb") as out:
        process = subprocess.Popen([str(ORACLE), str(conf)], stdout=out, stderr=out, env=env)
    try:
        data = wait_file(result, timeout, process)
        rss = peak_rss_kib(process.pid)
        cpu = cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(15)
    return {"seconds": data["eor"] - data["up"], "prefixes": data["prefixes"], "rss_kib": rss, "cpu_s": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--routes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pairs", type=int, default=1, help="aiobgp/ExaBGP run pairs per size")
    parser.add_argument("--no-exabgp", action="store_true", help="only time aiobgp")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    with_exabgp = not args.no_exabgp and ORACLE.exists()
    if not args.no_exabgp and not ORACLE.exists():
        print(f"ExaBGP oracle not found at {ORACLE} (make oracle): timing aiobgp only")
    RESULTS.parent.mkdir(exist_ok=True)
    summary = []
    for n, routes in enumerate(args.routes):
        speaker_ip, bird_ip = f"127.77.{n}.1", f"127.77.{n}.2"
        with tempfile.TemporaryDirectory(prefix="aiobgp-bench-", dir="/tmp") as tmp:
            bird = Bird(
                workdir=Path(tmp, "bird"),
                local_ip=bird_ip,
                peer_ip=speaker_ip,
                local_as=65002,
                peer_as=65001,
                routes=[f"{10 + i // 65536}.{(i // 256) % 256}.{i % 256}.0/24" for i in range(routes)],
                passive=True,
                hold=90,
                ready_timeout=300,
            )
            print(f"starting BIRD with {routes} routes ...", flush=True)
            bird.start()
            # BIRD loads its static routes after it starts: wait until its table holds them all
            bird.wait_for(
                lambda b=bird, n=routes: f"{n} of {n} routes" in b.cli("show", "route", "count"),
                300,
                "routes",
            )
            runs: dict[str, list[dict[str, float]]] = {"aiobgp": [], "exabgp": []}
            try:
                for pair in range(args.pairs):
                    for name, fn in (("aiobgp", run_aiobgp), ("exabgp", run_exabgp)):
                        if name == "exabgp" and not with_exabgp:
                            continue
                        work = Path(tmp, f"{name}-{pair}")
                        work.mkdir()
                        result = fn(work, speaker_ip, bird_ip, routes, args.timeout)
                        rate = result["prefixes"] / result["seconds"] if result["seconds"] else 0.0
                        print(
                            f"  {name:7} {routes:>9} prefixes: {result['seconds']:8.2f} s "
                            f"{rate:>12,.0f} prefixes/s  peak RSS {result['rss_kib'] / 1024:7.1f} MiB"
                            f"  CPU {result['cpu_s']:.2f} s",
                            flush=True,
                        )
                        runs[name].append(result)
                        bird.wait_for(lambda b=bird: b.state() != "Established", 30, "session down")
            finally:
                bird.stop()
        row: dict[str, object] = {
            "routes": routes,
            "time": time.time(),
            "machine": platform.node(),
            "cpus": os.cpu_count(),
        }
        for name, results in runs.items():
            if results:
                seconds = statistics.median(r["seconds"] for r in results)
                row[name] = {
                    "seconds": seconds,
                    "prefixes_per_s": routes / seconds,
                    "rss_mib": max(r["rss_kib"] for r in results) / 1024,
                }
        with RESULTS.open("a") as out:
            out.write(json.dumps(row) + "\n")
        summary.append(row)
    print("\nreceive from BIRD (one attribute set), median")
    print(
        f"{'prefixes':>10} {'aiobgp s':>9} {'aiobgp pfx/s':>13} {'RSS MiB':>8} {'ExaBGP s':>9} "
        f"{'ExaBGP pfx/s':>13} {'RSS MiB':>8} {'ratio':>6}"
    )
    for row in summary:
        a = row.get("aiobgp")
        e = row.get("exabgp")
        assert isinstance(a, dict)
        line = f"{row['routes']:>10} {a['seconds']:>9.2f} {a['prefixes_per_s']:>13,.0f} {a['rss_mib']:>8.1f}"
        if isinstance(e, dict):
            line += (
                f" {e['seconds']:>9.2f} {e['prefixes_per_s']:>13,.0f} {e['rss_mib']:>8.1f}"
                f" {e['seconds'] / a['seconds']:>5.1f}x"
            )
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
