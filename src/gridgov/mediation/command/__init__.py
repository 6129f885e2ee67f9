"""What mediation contributes to the command centre (see gridgov.command.registry), one file
per topic."""

from gridgov.mediation.command import alerts, live, maplayers, reports, tiles  # noqa: F401
