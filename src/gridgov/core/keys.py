"""The field key and the database: which columns it protects, whether the configured key is the
one the database's personal data was encrypted with, and making a key only for an empty one.

- **Registry.** Every encrypted column (``crypto.encrypt``) and its keyed-hash column
  (``crypto.keyed_hash`` of the same clear value) is registered with :func:`register` from the
  owning app's ``AppConfig.ready`` — rotation, the start check and backups work from this list.
- **Fingerprint.** The database stores :func:`fingerprint` of its key in
  :class:`~gridgov.core.models.FieldKeyState`: a truncated HMAC-SHA256 of a fixed label under
  the key, which reveals nothing about the key.
- **Refusal.** :func:`field_key_problem` says what is wrong (None when nothing is);
  :func:`ensure_field_key` raises :class:`FieldKeyError` on a problem, else makes the key (only
  when the database holds no encrypted data) and records its fingerprint. ``gridgov serve``,
  ``worker`` and ``demo`` call it at start and ``check --deploy`` runs :func:`check_field_key`.

Rotation is in :mod:`gridgov.core.keyrotation`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gridgov.core.config import create_field_key
from gridgov.core.errors import DomainError

FINGERPRINT_LABEL = b"gridgov field key fingerprint v1"
SAMPLE_PER_FIELD = 3


class FieldKeyError(DomainError):
    code = "field_key_mismatch"
    status = 503


@dataclass(frozen=True)
class ProtectedField:
    """An encrypted column and, when it has one, the keyed hash of the same clear value."""

    model: str  # "app_label.ModelName"
    encrypted: str
    hashed: str = ""

    def model_class(self) -> Any:
        return apps.get_model(self.model)


_REGISTRY: list[ProtectedField] = []


def register(model: str, *, encrypted: str, hashed: str = "") -> None:
    """Declare that ``model.encrypted`` holds ``crypto.encrypt(value)`` and (if given)
    ``model.hashed`` holds ``crypto.keyed_hash(value)``. Call from ``AppConfig.ready``."""
    field = ProtectedField(model=model, encrypted=encrypted, hashed=hashed)
    if field not in _REGISTRY:
        _REGISTRY.append(field)


def protected_fields() -> list[ProtectedField]:
    return list(_REGISTRY)


def protected_models() -> dict[str, list[ProtectedField]]:
    """The registry grouped by model, in registration order."""
    grouped: dict[str, list[ProtectedField]] = {}
    for field in _REGISTRY:
        grouped.setdefault(field.model, []).append(field)
    return grouped


def fingerprint(key: str) -> str:
    """32 hex digits naming ``key`` without revealing it."""
    return hmac.new(key.encode("ascii"), FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:32]


def configured_keys() -> tuple[str, list[str]]:
    """(the current key or "", the old keys an unfinished rotation still reads)."""
    current: str = settings.GRIDGOV_FIELD_KEY or ""
    olds = [k for k in getattr(settings, "GRIDGOV_FIELD_KEYS_OLD", []) if k and k != current]
    return current, olds


# --- the database's side -----------------------------------------------------------------------


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def _state_table() -> str:
    from gridgov.core.models import FieldKeyState

    return FieldKeyState._meta.db_table


def stored_state() -> Any:
    """The :class:`FieldKeyState` row, or None (no row, or the table is not migrated yet)."""
    from gridgov.core.models import FieldKeyState

    if _state_table() not in _tables():
        return None
    return FieldKeyState.objects.filter(pk=1).first()


def sample_tokens(limit: int = SAMPLE_PER_FIELD) -> list[str]:
    """A few stored encrypted values of every registered column (of migrated tables)."""
    tables = _tables()
    found: list[str] = []
    for field in _REGISTRY:
        model = field.model_class()
        if model._meta.db_table not in tables:
            continue
        values = (
            model._default_manager.exclude(**{field.encrypted: ""})
            .order_by("pk")
            .values_list(field.encrypted, flat=True)[:limit]
        )
        found.extend(v for v in values if v)
    return found


def _opens(keys: list[str], token: str) -> bool:
    try:
        MultiFernet([Fernet(k.encode("ascii")) for k in keys]).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        return False
    return True


def _where() -> str:
    return _("the data folder's field_key file or GRIDGOV_FIELD_KEY")


def _mismatch(ours: str, theirs: str) -> str:
    return _(
        "The field key (fingerprint %(ours)s) is not the database's (fingerprint %(theirs)s). "
        "Use the database's key (%(where)s) or restore the database that belongs to this key."
    ) % {"ours": ours, "theirs": theirs, "where": _where()}


def field_key_problem() -> str | None:
    """None when the configured key can open the database's personal data (or there is none
    and a key may be made); otherwise a short message for operators (fingerprints only, no
    personal data, no key)."""
    current, olds = configured_keys()
    state = stored_state()
    if state is not None:
        if not current:
            return _(
                "No field key is configured, but the database's personal data is encrypted "
                "with the key of fingerprint %(fp)s. Put that key back (%(where)s); a new key "
                "would make the data unreadable."
            ) % {"fp": state.fingerprint, "where": _where()}
        if fingerprint(current) != state.fingerprint:
            return _mismatch(fingerprint(current), state.fingerprint)
        have = {fingerprint(k) for k in olds}
        missing = [fp for fp in state.retiring if fp not in have]
        if missing:
            return _(
                "A field key rotation is unfinished and the old key (fingerprint %(fps)s) is "
                "missing: put it in the data folder's field_key.old or GRIDGOV_FIELD_KEY_OLD, "
                "then finish with 'gridgov rotate-field-key'."
            ) % {"fps": ", ".join(missing)}
        return None
    tokens = sample_tokens()
    if not tokens:
        return None
    if not current:
        return _(
            "No field key is configured, but the database holds encrypted personal data. Put "
            "its key back (%(where)s); a new key would make the data unreadable."
        ) % {"where": _where()}
    if not all(_opens([current, *olds], t) for t in tokens):
        return _(
            "The field key (fingerprint %(fp)s) cannot decrypt the personal data stored in the "
            "database. Use the database's key (%(where)s)."
        ) % {"fp": fingerprint(current), "where": _where()}
    return None


def ensure_field_key() -> str:
    """The current key, checked against the database: raises :class:`FieldKeyError` when it
    cannot open the stored data (or is missing while there is data); makes ``<data>/field_key``
    when no key is configured and the database holds none; records the fingerprint."""
    problem = field_key_problem()
    if problem:
        raise FieldKeyError(problem)
    current, _olds = configured_keys()
    if not current:
        current = create_field_key(settings.DATA_DIR)
        settings.GRIDGOV_FIELD_KEY = current
    record_fingerprint(current)
    return current


def record_fingerprint(key: str) -> None:
    """Store ``key``'s fingerprint unless one is stored (or the table is not migrated yet);
    raises :class:`FieldKeyError` when another process recorded a different key first."""
    from gridgov.core.models import FieldKeyState

    if _state_table() not in _tables():
        return
    with transaction.atomic():
        state, _created = FieldKeyState.objects.get_or_create(
            pk=1, defaults={"fingerprint": fingerprint(key)}
        )
    if state.fingerprint != fingerprint(key):
        raise FieldKeyError(_mismatch(fingerprint(key), state.fingerprint))


def check_at_start() -> None:
    """For ``serve``, ``worker`` and ``demo``: refuse with :class:`FieldKeyError`, else make the
    key if needed and record its fingerprint."""
    ensure_field_key()


def check_field_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check (``gridgov check --deploy``): the field key opens the database's data."""
    try:
        problem = field_key_problem()
    except Exception as exc:  # no database to ask: other checks and commands say so
        return [
            checks.Warning(
                _("The field key could not be checked against the database (%(error)s).")
                % {"error": type(exc).__name__},
                id="gridgov.W101",
            )
        ]
    if problem:
        return [checks.Error(problem, id="gridgov.E101")]
    return []
