"""cases: command-centre reports (see gridgov.command.registry)."""
