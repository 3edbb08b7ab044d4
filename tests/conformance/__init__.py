"""Conformance runner: ExaBGP's functional test vectors against a speaker (scripts/conformance)."""
