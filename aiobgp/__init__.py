"""aiobgp: a BGP speaker driven by a configuration file and helper programs (ExaBGP 5 compatible)."""

__version__ = "0.1.0"
