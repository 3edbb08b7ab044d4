#!/usr/bin/env python3
"""Announce routes through aiobgp (or ExaBGP) with text API commands, then optionally withdraw them.

Usage (as the ``run`` line of a ``process`` block)::

    announce.py [--withdraw-after SECONDS] [ROUTE ...]

Each ROUTE is a prefix, optionally followed by attributes in the route syntax of the configuration
(quote it as one argument: ``"100.40.0.0/24 med 100 community [ 65001:100 ]"``); ``next-hop self``
is added when no next hop is given. Without routes, the walkthrough's three prefixes are announced.

How it talks to the daemon:

* commands are lines on stdout, each one flushed at once;
* the daemon answers every command with ``done`` or ``error`` on stdin. A reader thread consumes
  stdin all the time, so the pipe never fills up however many answers (or events) arrive, and the
  main thread waits for each answer with a timeout, so it also works when acknowledgements are off;
* progress goes to stderr, which the daemon copies into its own log;
* the script exits when its stdin closes: the daemon stopped, or it restarted its helpers.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading

DEFAULT_ROUTES = ["100.10.0.0/24", "100.20.0.0/24", "100.30.0.0/24"]
ANSWER_TIMEOUT = 5.0  # seconds to wait for done/error before assuming acknowledgements are off

answers: queue.Queue[str] = queue.Queue()
closed = threading.Event()


def say(text: str) -> None:
    sys.stderr.write(f"[announce] {text}\n")
    sys.stderr.flush()


def read_stdin() -> None:
    """Consume everything the daemon writes; hand the answers over, stop at end of input."""
    for line in sys.stdin:
        word = line.strip()
        if word in ("done", "error"):
            answers.put(word)
        elif word.startswith("shutdown"):
            say("the daemon is shutting down")
    closed.set()


class Channel:
    """Writes commands and collects their answers (until the first answer that never comes)."""

    def __init__(self) -> None:
        self.acks = True

    def command(self, line: str) -> bool:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if not self.acks:
            return True
        try:
            answer = answers.get(timeout=ANSWER_TIMEOUT)
        except queue.Empty:
            say(f"no answer within {ANSWER_TIMEOUT:.0f}s: acknowledgements must be off, not waiting any more")
            self.acks = False
            return True
        if answer != "done":
            say(f"the daemon refused: {line}")
        return answer == "done"


def route_command(action: str, spec: str) -> str:
    words = spec.split()
    if action == "withdraw":
        return f"withdraw route {words[0]}"
    if "next-hop" not in words:
        words[1:1] = ["next-hop", "self"]
    return "announce route " + " ".join(words)


def main() -> int:
    parser = argparse.ArgumentParser(description="announce routes through the BGP daemon's API")
    parser.add_argument("--withdraw-after", type=float, metavar="SECONDS", help="then withdraw them")
    parser.add_argument("routes", nargs="*", default=DEFAULT_ROUTES, metavar="ROUTE")
    args = parser.parse_args()

    threading.Thread(target=read_stdin, daemon=True).start()
    channel = Channel()
    for spec in args.routes:
        if channel.command(route_command("announce", spec)):
            say(f"announced {spec}")
    if args.withdraw_after is not None and not closed.wait(args.withdraw_after):
        for spec in args.routes:
            if channel.command(route_command("withdraw", spec)):
                say(f"withdrew {spec.split()[0]}")
    closed.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
