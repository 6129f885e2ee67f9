"""mediation: command-centre alerts (see gridgov.command.registry)."""
