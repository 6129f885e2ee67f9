"""Typed domain errors with a stable code and a translatable message.

Services raise these; web views turn them into form errors or messages, the API into
4xx JSON ``{"code": ..., "message": ..., "fields": {...}}``, the CLI into stderr + exit 1.
"""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(force_str(message))
        self._message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}

    @property
    def message(self) -> str:
        return force_str(self._message)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            data["fields"] = {k: force_str(v) for k, v in self.fields.items()}
        return data


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 400


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409
