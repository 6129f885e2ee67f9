"""Command centre: screen (see gridgov.command)."""
