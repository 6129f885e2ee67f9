"""``gridgov import-grids FILE --community CODE [--create] [--dry-run]``: set the boundaries of
a community's grids from a GeoJSON FeatureCollection (see :mod:`gridgov.areas.importers.grids`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from gridgov.areas.codes import Level
from gridgov.areas.importers import ImportFailed
from gridgov.areas.importers.grids import plan_grid_import, read_feature_file
from gridgov.areas.models import Area
from gridgov.areas.services import area_import_boundaries
from gridgov.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import grid boundaries from a GeoJSON FeatureCollection into one village/community. "
        "Each feature names its grid by properties.code (15 digits) or properties.name. "
        "Only boundaries change (and, with --create, new grids appear). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the GeoJSON file (WGS84 longitude/latitude)")
        parser.add_argument(
            "--community",
            required=True,
            help="12-digit code of the village/community whose grids these are",
        )
        parser.add_argument(
            "--create",
            action="store_true",
            help="create a grid for a feature that matches none (needs properties.code and name)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file, but write nothing"
        )

    def handle(
        self, *args: Any, file: Path, community: str, create: bool, dry_run: bool, **options: Any
    ) -> None:
        area = Area.objects.filter(code=community.strip(), level=Level.COMMUNITY).first()
        if area is None:
            raise CommandError(
                _("There is no village or community with code %(code)s.") % {"code": community}
            )
        try:
            features = read_feature_file(file)
            items = plan_grid_import(community=area, features=features, create=create)
            result = area_import_boundaries(
                actor=None, community=area, items=items, dry_run=dry_run
            )
        except ImportFailed as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                _("%(file)s was not imported (%(n)d problem(s)); nothing was written.")
                % {"file": file, "n": len(exc.problems)}
            ) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        counts = {
            "community": area.name,
            "code": area.code,
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
        }
        if dry_run:
            msg = _(
                "Dry run — nothing was written. %(community)s (%(code)s): %(created)d grids "
                "would be created, %(updated)d updated, %(unchanged)d unchanged."
            )
        else:
            msg = _(
                "%(community)s (%(code)s): %(created)d grids created, %(updated)d updated, "
                "%(unchanged)d unchanged."
            )
        self.stdout.write(msg % counts)
