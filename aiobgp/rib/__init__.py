"""rib layer."""
