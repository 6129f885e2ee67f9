"""Schemas shared by every router of the JSON API (:mod:`gridgov.api`).

Every schema of the API must have a class name of its own: the OpenAPI document names its
components after the classes, so two classes of the same name would become one component
(``gridgov.core.tests.test_openapi`` checks this). A schema used by several routers lives here
once instead of being copied.
"""

from __future__ import annotations

from ninja import Field, Schema


class ErrorOut(Schema):
    """Every 4xx (and 5xx) answer of the API."""

    code: str = Field(description="A stable, machine-readable error code.")
    message: str = Field(description="What went wrong, in the user's language.")
    fields: dict[str, str] | None = Field(
        None, description="Per-field messages, when the request's fields were refused."
    )


class RowErrorOut(Schema):
    """A refused row of a spreadsheet import."""

    row: int
    column: str
    reason: str
