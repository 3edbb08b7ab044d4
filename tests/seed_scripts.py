"""The walkthrough's own helper scripts and their configurations, as a user copies them.

THE TEXT BELOW IS QUOTED FROM THE USER'S WALKTHROUGH (/work/shared/seed/first-bgp-session.txt,
sections "Dynamic Route Announcement" and "Receiving Routes"), not written for aiobgp: the tests run
these scripts exactly as a reader of the walkthrough would. The walkthrough file has lost its line
breaks; they (and the indentation Python needs) are restored here and nothing else: every word,
comment and symbol is the walkthrough's. ``test_examples.test_seed_text_is_verbatim`` checks that
each constant, whitespace collapsed, appears as such in the walkthrough. The configurations keep the
walkthrough's addresses and paths (192.168.1.1, 192.168.1.2, /etc/exabgp/api/...): tests substitute
loopback addresses and temporary paths, as a user of a lab would.
"""

from __future__ import annotations

import re

# --- "Dynamic Route Announcement" → "API-Based Announcement", walkthrough text ---------------------
SEED_ANNOUNCE_CONF = """\
neighbor 192.168.1.1 {
    router-id 192.168.1.2;
    local-address 192.168.1.2;
    local-as 65001;
    peer-as 65000;

    # No static routes - API controls everything
    api {
        processes [ dynamic-routes ];
    }
}

process dynamic-routes {
    run /etc/exabgp/api/announce.py;
    encoder text;
}
"""

# --- "Dynamic Route Announcement" → "Simple API Script", walkthrough text -------------------------
SEED_ANNOUNCE_PY = '''\
#!/usr/bin/env python3
"""
Simple dynamic route announcement
"""
import sys
import time

# Wait for ExaBGP to be ready
time.sleep(2)

# Announce routes
routes = [
    "100.10.0.0/24",
    "100.20.0.0/24",
    "100.30.0.0/24"
]

for route in routes:
    sys.stdout.write(f"announce route {route} next-hop self\\n")
    sys.stdout.flush()
    sys.stderr.write(f"[API] Announced {route}\\n")

# Keep process alive
while True:
    time.sleep(60)
'''

# --- "Receiving Routes" → "Configuration", walkthrough text ---------------------------------------
SEED_RECEIVE_CONF = """\
neighbor 192.168.1.1 {
    router-id 192.168.1.2;
    local-address 192.168.1.2;
    local-as 65001;
    peer-as 65000;

    # Receive IPv4 unicast routes
    family {
        ipv4 unicast;
    }

    # API processes receive updates
    api {
        processes [ receive-routes ];
    }
}

process receive-routes {
    run /etc/exabgp/api/receive.py;
    encoder json;  # JSON format for easier parsing
    receive {
        parsed;     # Receive parsed BGP messages
        updates;    # Receive route updates
    }
}
"""

# --- "Receiving Routes" → "Receiving Script", walkthrough text ------------------------------------
SEED_RECEIVE_PY = '''\
#!/usr/bin/env python3
"""
Receive and process BGP routes
"""
import sys
import json

while True:
    line = sys.stdin.readline().strip()
    if not line:
        break

    try:
        message = json.loads(line)

        # Handle route updates
        if message['type'] == 'update':
            # New route announced
            if 'announce' in message['neighbor']['message']:
                announce = message['neighbor']['message']['announce']
                if 'ipv4 unicast' in announce:
                    for prefix, attrs in announce['ipv4 unicast'].items():
                        next_hop = attrs[0]['next-hop']
                        print(f"[RECEIVED] Route {prefix} via {next_hop}", file=sys.stderr)

            # Route withdrawn
            if 'withdraw' in message['neighbor']['message']:
                withdraw = message['neighbor']['message']['withdraw']
                if 'ipv4 unicast' in withdraw:
                    for prefix in withdraw['ipv4 unicast'].keys():
                        print(f"[WITHDRAWN] Route {prefix}", file=sys.stderr)

        # Handle session state
        elif message['type'] == 'state':
            state = message['neighbor']['state']
            print(f"[STATE] BGP session state: {state}", file=sys.stderr)

    except json.JSONDecodeError:
        pass
    except Exception as e:
        print(f"[ERROR] {e}", file=sys.stderr)
'''

SEED_TEXTS = {
    "announce config": SEED_ANNOUNCE_CONF,
    "announce.py": SEED_ANNOUNCE_PY,
    "receive config": SEED_RECEIVE_CONF,
    "receive.py": SEED_RECEIVE_PY,
}


def flattened(text: str) -> str:
    """The text as the walkthrough file holds it: every run of whitespace one space."""
    return re.sub(r"\s+", " ", text).strip()


def lab_config(text: str, router: str, exabgp: str, script: str) -> str:
    """A walkthrough configuration moved to a lab: the router's and ExaBGP's addresses, the script path."""
    text = text.replace("192.168.1.1", router).replace("192.168.1.2", exabgp)
    return re.sub(r"/etc/exabgp/api/\w+\.py", script, text)
