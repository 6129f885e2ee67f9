"""Field key rotation (``gridgov rotate-field-key``): every registered encrypted value is
encrypted again with a new key and every keyed hash recomputed under it, in batches, resumable.

Where the keys are during a rotation:

- **key files** (the default): the new key goes to ``<data>/field_key`` and the old one to
  ``<data>/field_key.old``; both are read at start, so a process started now decrypts either
  and writes with the new one. ``field_key.old`` is deleted when the rotation finishes.
- **environment**: with ``GRIDGOV_FIELD_KEY`` set, the operator sets the new key there and the
  old one in ``GRIDGOV_FIELD_KEY_OLD``, restarts, and runs the command; when it finishes they
  remove ``GRIDGOV_FIELD_KEY_OLD``.

The database's :class:`~gridgov.core.models.FieldKeyState` says which key the data is being
moved to (``fingerprint``), from which (``retiring``) and how far each model has got
(``progress``); each batch commits with its progress, so an interrupted run goes on where it
stopped. Until it finishes, look-ups match a hash under either key
(:func:`gridgov.core.crypto.keyed_hashes`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core import crypto
from gridgov.core.config import (
    FIELD_KEY_FILE,
    OLD_FIELD_KEYS_FILE,
    new_field_key,
    write_secret,
)
from gridgov.core.keys import (
    FieldKeyError,
    configured_keys,
    ensure_field_key,
    fingerprint,
    protected_models,
)

DEFAULT_BATCH = 500


@dataclass
class RotationResult:
    finished: bool
    rows: int
    batches: int


def keys_from_environment() -> bool:
    return bool(os.environ.get("GRIDGOV_FIELD_KEY", "").strip())


def _state_for_update() -> Any:
    from gridgov.core.models import FieldKeyState

    return FieldKeyState.objects.select_for_update().get(pk=1)


def in_progress() -> bool:
    from gridgov.core.models import FieldKeyState

    state = FieldKeyState.objects.filter(pk=1).first()
    return bool(state and state.retiring)


def begin(*, new_key: str = "", say: Callable[[str], None] = print) -> None:
    """Start a rotation unless one is unfinished: switch the key files (file mode) and record
    the rotation in the database. Raises :class:`FieldKeyError` when it cannot."""
    from gridgov.core.models import FieldKeyState

    state = FieldKeyState.objects.filter(pk=1).first()
    if state is None:
        ensure_field_key()  # the configured keys open the data; a fingerprint is recorded
        state = FieldKeyState.objects.get(pk=1)
    current, olds = configured_keys()
    if state.retiring:
        if new_key:
            raise FieldKeyError(
                _(
                    "A rotation is unfinished: run 'gridgov rotate-field-key' without a new "
                    "key to finish it first."
                )
            )
        return
    if fingerprint(current) == state.fingerprint:
        if keys_from_environment():
            raise FieldKeyError(
                _(
                    "The field key comes from GRIDGOV_FIELD_KEY: set the new key there and the "
                    "current one in GRIDGOV_FIELD_KEY_OLD (gridgov rotate-field-key --generate "
                    "prints a new key), restart the services, then run this command again."
                )
            )
        new = new_key or new_field_key()
        try:
            Fernet(new.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise FieldKeyError(_("The new key is not a Fernet key (44 characters).")) from exc
        if fingerprint(new) == state.fingerprint:
            raise FieldKeyError(_("The new key is the current key."))
        folder = settings.DATA_DIR
        keep = [*olds, current]
        # The old key first (it must never be lost), then the new one in place.
        write_secret(folder / OLD_FIELD_KEYS_FILE, "\n".join(keep))
        write_secret(folder / FIELD_KEY_FILE, new)
        settings.GRIDGOV_FIELD_KEYS_OLD = keep
        settings.GRIDGOV_FIELD_KEY = new
        current, olds = new, keep
        say(
            _("New field key written to %(key)s; the old one kept in %(old)s.")
            % {"key": folder / FIELD_KEY_FILE, "old": folder / OLD_FIELD_KEYS_FILE}
        )
    elif state.fingerprint not in {fingerprint(k) for k in olds}:
        raise FieldKeyError(
            _(
                "The database's key (fingerprint %(fp)s) is neither the current key nor among "
                "the old keys."
            )
            % {"fp": state.fingerprint}
        )
    with transaction.atomic():
        state = _state_for_update()
        state.retiring = [state.fingerprint]
        state.fingerprint = fingerprint(current)
        state.progress = {}
        state.rotation_started_at = timezone.now()
        state.rotation_finished_at = None
        state.save()
        _audit("field_key_rotation_started", retiring=state.retiring, to=state.fingerprint)
    say(
        _(
            "Rotation started: from key %(old)s to key %(new)s. Restart gridgov's services now "
            "so that they write with the new key."
        )
        % {"old": state.retiring[0], "new": state.fingerprint}
    )


def _audit(what: str, **detail: object) -> None:
    """An audit-log entry (fingerprints only) in the caller's transaction."""
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    audit_record(
        event=Event.CONFIG_CHANGED,
        actor_name="gridgov rotate-field-key",
        detail={"what": what, **detail},
    )


def _rotate_batch(label: str, size: int) -> int:
    """One batch of ``label``'s rows after its recorded progress, with the progress, in one
    transaction; the number of rows done (0: the model is finished)."""
    fields = protected_models()[label]
    model = apps.get_model(label)
    columns = [c for f in fields for c in (f.encrypted, f.hashed) if c]
    with transaction.atomic():
        state = _state_for_update()
        mark = state.progress.get(label) or {"after": 0, "done": False}
        if mark["done"]:
            return 0
        rows = list(
            model._default_manager.select_for_update()
            .filter(pk__gt=mark["after"])
            .order_by("pk")
            .only("pk", *columns)[:size]
        )
        for row in rows:
            for f in fields:
                token = getattr(row, f.encrypted)
                if not token:
                    continue
                clear = crypto.decrypt(token)
                setattr(row, f.encrypted, crypto.encrypt(clear))
                if f.hashed:
                    setattr(row, f.hashed, crypto.keyed_hash(clear))
        if rows:
            try:
                model._default_manager.bulk_update(rows, columns)
            except IntegrityError as exc:
                raise FieldKeyError(
                    _(
                        "Two %(model)s rows hold the same value (a duplicate entered during the "
                        "rotation, rows %(first)s–%(last)s); merge them and run again."
                    )
                    % {"model": label, "first": rows[0].pk, "last": rows[-1].pk}
                ) from exc
            mark = {"after": rows[-1].pk, "done": len(rows) < size}
        else:
            mark = {"after": mark["after"], "done": True}
        state.progress = {**state.progress, label: mark}
        state.save(update_fields=["progress", "updated_at"])
    return len(rows)


def run(
    *,
    batch_size: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    say: Callable[[str], None] = print,
) -> RotationResult:
    """Go on with the unfinished rotation; finish it (retire the old key) when every model is
    done. ``max_batches`` stops early (the next run goes on from there)."""
    from gridgov.core.models import FieldKeyState

    state = FieldKeyState.objects.get(pk=1)
    if not state.retiring:
        return RotationResult(finished=True, rows=0, batches=0)
    if fingerprint(configured_keys()[0]) != state.fingerprint:
        raise FieldKeyError(
            _(
                "The rotation is moving the data to the key of fingerprint %(fp)s, which is not "
                "the configured field key."
            )
            % {"fp": state.fingerprint}
        )
    rows = batches = 0
    for label in protected_models():
        while True:
            if max_batches is not None and batches >= max_batches:
                say(
                    _("Stopped after %(batches)d batch(es), %(rows)d row(s); run again to go on.")
                    % {"batches": batches, "rows": rows}
                )
                return RotationResult(finished=False, rows=rows, batches=batches)
            done = _rotate_batch(label, batch_size)
            if not done:
                break
            batches += 1
            rows += done
            say("  " + _("%(model)s: %(rows)d row(s)") % {"model": label, "rows": done})
    finish(say=say)
    return RotationResult(finished=True, rows=rows, batches=batches)


def finish(*, say: Callable[[str], None] = print) -> None:
    """Every model is done: forget the old key (its file, too, in file mode)."""
    with transaction.atomic():
        state = _state_for_update()
        retired = state.retiring
        state.retiring = []
        state.progress = {}
        state.rotation_finished_at = timezone.now()
        state.save()
        _audit("field_key_rotation_finished", retired=retired, to=state.fingerprint)
    settings.GRIDGOV_FIELD_KEYS_OLD = []
    if os.environ.get("GRIDGOV_FIELD_KEY_OLD", "").strip():
        say(
            _(
                "Rotation finished; the old key (%(fps)s) is no longer needed: remove "
                "GRIDGOV_FIELD_KEY_OLD from the environment and restart the services."
            )
            % {"fps": ", ".join(retired)}
        )
        return
    (settings.DATA_DIR / OLD_FIELD_KEYS_FILE).unlink(missing_ok=True)
    say(_("Rotation finished; the old key (%(fps)s) is deleted.") % {"fps": ", ".join(retired)})
