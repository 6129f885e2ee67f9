"""Fixtures of the apps whose sheet kinds these tests import (pytest injects them by name)."""

from gridgov.cases.tests.intake_builders import _media, cats  # noqa: F401
from gridgov.party.tests.conftest import new_id, orgs  # noqa: F401
