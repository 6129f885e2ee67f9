"""Command centre: tiles (see gridgov.command)."""
