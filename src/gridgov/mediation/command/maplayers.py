"""mediation: command-centre maplayers (see gridgov.command.registry)."""
