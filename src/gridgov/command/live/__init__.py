"""Command centre: live (see gridgov.command)."""
