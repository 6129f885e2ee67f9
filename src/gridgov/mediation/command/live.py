"""mediation: command-centre live (see gridgov.command.registry)."""
