"""Types of the optional C accelerator aiobgp/config/_prefixes.c (the pure-Python twin is
aiobgp.config.routes.read_prefix_run_python)."""

def read_prefix_run(
    lines: list[str], start: int, lead: str, trail: str, ipv6: bool, keys: list[bytes], /
) -> int: ...
