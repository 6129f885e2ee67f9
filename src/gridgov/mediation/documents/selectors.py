"""Reads for the documents pages and API: the dispute through the scoping layer, the
templates in use."""

from __future__ import annotations

from typing import Any

from gridgov.mediation.choices import DocumentKind
from gridgov.mediation.disputes.selectors import dispute_get
from gridgov.mediation.models import Dispute, DocumentTemplate


def dispute_for(user: Any, pk: Any) -> Dispute:
    """The dispute ``pk`` if ``user`` may see it (NotFound otherwise, a sensitive dispute
    included for those without ``mediation.sensitive`` there): the flow's one rule."""
    return dispute_get(user, pk)


def templates_in_use() -> list[dict[str, Any]]:
    """Per document kind: its label and the uploaded template in use (None: the built-in)."""
    from gridgov.mediation.documents.services import active_template

    return [
        {"kind": kind, "label": label, "template": active_template(kind)}
        for kind, label in DocumentKind.choices
    ]


def template_history() -> list[DocumentTemplate]:
    return list(DocumentTemplate.objects.select_related("uploaded_by").order_by("-created_at")[:50])
