"""Writes for Open311: client keys (create, deactivate, authenticate) and service requests
submitted by a client, which go through the one intake service
(:func:`gridgov.cases.services.intake.case_report`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, Conflict, PermissionDenied, ValidationFailed
from gridgov.open311.models import Open311Client, Open311Request

KEY_PREFIX = "o311_"
PREFIX_LENGTH = 12


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- client keys ------------------------------------------------------------------------------


def client_create(*, actor: Any, name: str, area: Area | None = None) -> tuple[Open311Client, str]:
    """Create a client and its API key; the raw key is returned once and never stored.

    ``actor=None`` is the system (the ``open311-key`` command). Otherwise the actor needs
    MANAGE_CONFIG at ``area`` (at the tree root, i.e. a superuser, for an unrestricted key).
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("Give the client a name."), code=Code.NAME_REQUIRED, fields={"name": _("Required.")}
        )
    if actor is not None:
        scoping.require(actor, Perm.MANAGE_CONFIG, area, what="open311_client_create")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name[:100],
            prefix=raw[:PREFIX_LENGTH],
            digest=_digest(raw),
            area=area,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            event=Event.TOKEN_ISSUED,
            actor=actor,
            actor_name="" if actor else "system",
            target=client,
            area=area,
            detail={"open311_client": client.pk},
        )
    return client, raw


def client_deactivate(*, actor: Any, client: Open311Client) -> Open311Client:
    """Switch a client's key off (it is never deleted: its cases keep pointing at it)."""
    if actor is not None:
        scoping.require(actor, Perm.MANAGE_CONFIG, client.area, what="open311_client_deactivate")
    with transaction.atomic():
        updated = Open311Client.objects.filter(pk=client.pk, is_active=True).update(is_active=False)
        if updated != 1:
            raise Conflict(_("This client's key is already inactive."), code=Code.ALREADY_INACTIVE)
        client.is_active = False
        audit_record(
            event=Event.TOKEN_REVOKED,
            actor=actor,
            actor_name="" if actor else "system",
            target=client,
            area=client.area,
            detail={"open311_client": client.pk},
        )
    return client


def client_authenticate(raw: str) -> Open311Client:
    """The active client behind a raw key; :class:`PermissionDenied` for a missing or bad one."""
    raw = (raw or "").strip()
    client = None
    if raw:
        client = Open311Client.objects.select_related("area").filter(digest=_digest(raw)).first()
    if client is None or not client.is_active:
        if raw:
            audit_record(
                event=Event.TOKEN_REJECTED,
                detail={
                    "open311": True,
                    "reason": "unknown" if client is None else "inactive",
                },
            )
        raise PermissionDenied(
            _("A valid api_key is required to submit a service request."), code=Code.INVALID_API_KEY
        )
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=5):
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


# --- service requests -------------------------------------------------------------------------


@dataclass
class Submission:
    """A POST service request, already parsed from the form (see views.py)."""

    service_code: str
    lat: str = ""
    long: str = ""
    address_string: str = ""
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    media_url: str = ""
    photos: tuple[Any, ...] = ()
    idempotency_key: str = ""


def _title(description: str, fallback: str) -> str:
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first:
        return fallback
    return first if len(first) <= 60 else first[:59] + "…"


def _media_link(url: str) -> str:
    """A client's own photo link, kept as text for the handlers (never fetched)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url[:500]


def request_submit(*, client: Open311Client, submission: Submission) -> Any:
    """Report a case for an Open311 client through the intake service; returns the case.

    A point (lat/long) is routed to its grid (or the county pool); an address without a point
    goes to the pool area for the dispatchers to place. A client restricted to an area may
    only report points inside it. A retry with the same ``Idempotency-Key`` answers the case
    of the first request.
    """
    from gridgov.areas.geo import validate_point
    from gridgov.cases import routing
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.states import Source
    from gridgov.open311.selectors import field_definitions, service_list

    s = submission
    if not s.service_code:
        raise ValidationFailed(
            _("service_code is required."),
            code=Code.SERVICE_CODE_REQUIRED,
            fields={"service_code": _("Required.")},
        )
    category = service_list().filter(code=s.service_code).first()
    if category is None:
        raise ValidationFailed(
            _("There is no service with the code %(code)s.") % {"code": s.service_code},
            code=Code.UNKNOWN_SERVICE,
            fields={"service_code": _("Unknown service.")},
        )
    lon: float | None = None
    lat: float | None = None
    area: Area | None = None
    if s.lat or s.long:
        if not (s.lat and s.long):
            raise ValidationFailed(
                _("Send both lat and long, or an address_string."),
                code=Code.LOCATION_REQUIRED,
                fields={"lat": _("Required."), "long": _("Required.")},
            )
        lon, lat = validate_point(s.long, s.lat)
        if client.area is not None:
            located, _outside = routing.locate(lon=lon, lat=lat)
            if not located.path.startswith(client.area.path):
                raise PermissionDenied(
                    _("This client may only report places inside %(area)s.")
                    % {"area": client.area.name},
                    code=Code.OUTSIDE_CLIENT_AREA,
                )
    elif s.address_string:
        # No point: the client's own area, else the county pool; dispatchers place it.
        area = client.area or routing.pool_area()
    else:
        raise ValidationFailed(
            _("A location is required: lat and long, or an address_string."),
            code=Code.LOCATION_REQUIRED,
            fields={"lat": _("Required."), "long": _("Required.")},
        )
    known = {str(f["name"]) for f in field_definitions(category)}
    extra = {k: v for k, v in s.attributes.items() if k in known}
    description = s.description.strip()
    link = _media_link(s.media_url)
    if link:
        description = (description + "\n\n" if description else "") + _("Photo: %(url)s") % {
            "url": link
        }
    reporter_name = f"{s.last_name}{s.first_name}".strip()[:50]
    with transaction.atomic():
        result = case_report(
            actor=None,
            source=Source.OPEN311,
            category=category,
            title=_title(description, category.name),
            description=description,
            lon=lon,
            lat=lat,
            address=s.address_string[:200],
            area=area,
            extra=extra,
            photos=s.photos,
            reporter_name=reporter_name,
            reporter_phone=s.phone,
            idempotency_scope=f"open311:{client.pk}",
            idempotency_key=s.idempotency_key[:200],
        )
        Open311Request.objects.get_or_create(case=result.case, defaults={"client": client})
    return result.case
