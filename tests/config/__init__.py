"""Tests of the configuration layer (aiobgp.config)."""
