"""Command centre: maplayers (see gridgov.command)."""
