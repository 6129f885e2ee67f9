"""cases: command-centre tiles (see gridgov.command.registry)."""
