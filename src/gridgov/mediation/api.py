"""The mediation API under /api/v1/mediation/: one router per topic."""

from __future__ import annotations

from ninja import Router


def routers() -> list[Router]:
    from gridgov.mediation.disputes.api import router as disputes
    from gridgov.mediation.documents.api import router as documents
    from gridgov.mediation.numbers.api import router as numbers
    from gridgov.mediation.orgs.api import router as orgs
    from gridgov.mediation.screening.api import router as screening

    return [orgs, screening, documents, numbers, disputes]
