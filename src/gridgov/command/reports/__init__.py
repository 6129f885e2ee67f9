"""Command centre: reports (see gridgov.command)."""
