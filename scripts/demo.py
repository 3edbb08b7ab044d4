"""`make demo`: two aiobgp speakers on loopback exchange the walkthrough's routes, then stop.

Speaker A is the walkthrough's "ExaBGP host" (127.0.0.1, AS 65001) announcing the seed's static
routes; speaker B plays the router (127.0.0.2, AS 65000) and announces 10.0.0.0/8. Both listen on
port 1790 of their own address (no root needed) and connect to each other. The script prints both
logs as they come, then what each speaker received, and stops both with SIGTERM.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PORT = 1790
DEADLINE = 12.0  # seconds to reach the end state before the demo gives up

SPEAKER_A = """\
# The walkthrough's "Adding Your First Route" configuration, on loopback.
neighbor 127.0.0.2 {
    router-id 127.0.0.1;
    local-address 127.0.0.1;
    local-as 65001;
    peer-as 65000;
    static {
        route 100.10.0.0/24 next-hop self;
        route 100.20.0.0/24 next-hop self;
        route 100.30.0.0/24 next-hop self;
        # IPv6
        route 2001:db8:100::/48 next-hop self;
        # With attributes
        route 100.40.0.0/24 {
            next-hop self;
            med 100;                   # Multi-Exit Discriminator (metric)
            local-preference 200;      # iBGP only: not sent on this eBGP session
            community [ 65001:100 ];
        }
    }
}
"""

SPEAKER_B = """\
# The walkthrough's router, played by a second aiobgp.
neighbor 127.0.0.1 {
    router-id 127.0.0.2;
    local-address 127.0.0.2;
    local-as 65000;
    peer-as 65001;
    static {
        route 10.0.0.0/8 next-hop self;
    }
}
"""

EXPECTED = {"A": 1, "B": 5}  # routes each speaker must receive
RECEIVED = re.compile(r"Received route (\S+) (.*) from (\S+)$")


def start(
    name: str, config: Path, address: str, lines: queue.Queue[tuple[str, str]]
) -> subprocess.Popen[str]:
    env = dict(os.environ, exabgp_tcp_bind=address, exabgp_tcp_port=str(PORT), exabgp_log_level="INFO")
    process = subprocess.Popen(
        [sys.executable, "-m", "aiobgp", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put((name, line.rstrip("\n")))

    threading.Thread(target=pump, daemon=True).start()
    return process


def main() -> int:
    lines: queue.Queue[tuple[str, str]] = queue.Queue()
    received: dict[str, list[str]] = {"A": [], "B": []}
    eor: dict[str, int] = {"A": 0, "B": 0}
    with tempfile.TemporaryDirectory(prefix="aiobgp-demo-") as tmp:
        conf_a, conf_b = Path(tmp, "speaker-a.conf"), Path(tmp, "speaker-b.conf")
        conf_a.write_text(SPEAKER_A)
        conf_b.write_text(SPEAKER_B)
        print(
            f"demo: speaker A = 127.0.0.1 AS 65001 ({conf_a.name}),"
            f" speaker B = 127.0.0.2 AS 65000 ({conf_b.name})"
        )
        processes = {
            "B": start("B", conf_b, "127.0.0.2", lines),
            "A": start("A", conf_a, "127.0.0.1", lines),
        }
        end = time.monotonic() + DEADLINE
        done = False
        while time.monotonic() < end and not done:
            try:
                name, line = lines.get(timeout=0.2)
            except queue.Empty:
                if any(p.poll() is not None for p in processes.values()):
                    break
                continue
            print(f"[{name}] {line}")
            match = RECEIVED.search(line)
            if match:
                received[name].append(f"{match.group(1)} {match.group(2)}")
            if "End-of-RIB" in line:
                eor[name] += 1
            done = all(len(received[n]) >= EXPECTED[n] and eor[n] >= 2 for n in EXPECTED)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in processes.items():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                print(f"demo: speaker {name} did not stop in 5 s")
        while not lines.empty():
            name, line = lines.get()
            print(f"[{name}] {line}")
    print()
    for name, peer in (("A", "127.0.0.2"), ("B", "127.0.0.1")):
        print(f"speaker {name} received {len(received[name])} route(s) from {peer}:")
        for route in received[name]:
            print(f"    {route}")
    ok = done and all(p.returncode == 0 for p in processes.values())
    print("demo: OK, session established and routes exchanged" if ok else "demo: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
