"""Logging as an ExaBGP operator reads it: ``INFO: message`` lines, to stdout by default.

``log.short`` (default true) prints ``LEVEL: message``; false adds the time and the pid.
``log.destination`` is ``stdout``, ``stderr``, ``syslog``, ``host:ADDRESS`` (remote syslog) or a file
path (``file:PATH`` also accepted, ``~`` expanded).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys

LOGGER_NAME = "aiobgp"

LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "NOTICE": logging.INFO,
    "WARNING": logging.WARNING,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "ERR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
    "CRIT": logging.CRITICAL,
    "ALERT": logging.CRITICAL,
    "EMERG": logging.CRITICAL,
    "FATAL": logging.CRITICAL,
}


def level_of(name: str) -> int:
    try:
        return LEVELS[name.upper()]
    except KeyError:
        raise ValueError(f"unknown log level {name!r} (use one of {', '.join(LEVELS)})") from None


def _handler(destination: str) -> logging.Handler:
    if destination in ("", "stdout"):
        return logging.StreamHandler(sys.stdout)
    if destination == "stderr":
        return logging.StreamHandler(sys.stderr)
    if destination == "syslog":
        for path in ("/dev/log", "/var/run/syslog"):
            if os.path.exists(path):
                return logging.handlers.SysLogHandler(address=path)
        return logging.handlers.SysLogHandler()
    if destination.startswith("host:"):
        return logging.handlers.SysLogHandler(address=(destination[5:], 514))
    path = destination[5:] if destination.startswith("file:") else destination
    return logging.FileHandler(os.path.expanduser(path))


def setup(
    *, level: str = "INFO", destination: str = "stdout", short: bool = True, enable: bool = True
) -> None:
    """Configure the ``aiobgp`` logger once, at start-up."""
    logger = logging.getLogger(LOGGER_NAME)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    logger.propagate = False
    if not enable:
        logger.addHandler(logging.NullHandler())
        logger.setLevel(logging.CRITICAL + 1)
        return
    handler = _handler(destination)
    if short:
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s.%(msecs)03d %(process)d %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S"
            )
        )
    logger.addHandler(handler)
    logger.setLevel(level_of(level))


def get(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)
