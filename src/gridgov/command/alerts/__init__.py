"""Command centre: alerts (see gridgov.command)."""
