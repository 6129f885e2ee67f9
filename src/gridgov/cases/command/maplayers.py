"""cases: command-centre maplayers (see gridgov.command.registry)."""
