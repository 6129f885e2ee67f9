"""cases: command-centre alerts (see gridgov.command.registry)."""
