"""The field key against the database: fingerprints, the registry of encrypted columns, the
refusal of a key that cannot open the data, and a key rotation interrupted and resumed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from gridgov.core import crypto, keyrotation, keys
from gridgov.core.errors import ValidationFailed
from gridgov.core.models import FieldKeyState
from gridgov.rosters.models import Resident
from gridgov.rosters.services import people
from gridgov.rosters.tests.builders import make_household, make_resident, valid_id

KEY_A = Fernet.generate_key().decode("ascii")
KEY_B = Fernet.generate_key().decode("ascii")


@pytest.fixture
def key_a(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of this test's own holding KEY_A as its field key."""
    monkeypatch.delenv("GRIDGOV_FIELD_KEY", raising=False)
    monkeypatch.delenv("GRIDGOV_FIELD_KEY_OLD", raising=False)
    (tmp_path / "field_key").write_text(KEY_A + "\n")
    settings.DATA_DIR = tmp_path
    settings.GRIDGOV_FIELD_KEY = KEY_A
    settings.GRIDGOV_FIELD_KEYS_OLD = []
    return tmp_path


def test_fingerprint_names_a_key_without_revealing_it() -> None:
    fp = keys.fingerprint(KEY_A)
    assert fp == keys.fingerprint(KEY_A)
    assert len(fp) == 32 and int(fp, 16) >= 0
    assert fp != keys.fingerprint(KEY_B)
    assert fp not in KEY_A and KEY_A[:8] not in fp


def test_every_encrypted_and_hash_column_is_registered() -> None:
    registered = {(f.model, f.encrypted) for f in keys.protected_fields()}
    hashed = {(f.model, f.hashed) for f in keys.protected_fields() if f.hashed}
    for model in apps.get_models():
        label = model._meta.label
        for field in model._meta.get_fields():
            name = getattr(field, "name", "")
            if name.endswith("_enc"):
                assert (label, name) in registered, f"{label}.{name} is not registered"
            if name.endswith("_hash") and name.replace("_hash", "_enc") in {
                f.name for f in model._meta.get_fields()
            }:
                assert (label, name) in hashed, f"{label}.{name} is not registered"
    assert ("rosters.Resident", "id_number_enc") in registered
    assert ("cases.Case", "reporter_phone_enc") in registered


@pytest.mark.django_db
def test_an_empty_database_takes_any_key_and_records_it(key_a: Path) -> None:
    assert keys.field_key_problem() is None
    assert keys.ensure_field_key() == KEY_A
    assert FieldKeyState.objects.get().fingerprint == keys.fingerprint(KEY_A)


@pytest.mark.django_db
def test_a_missing_key_is_made_only_for_an_empty_database(key_a: Path, settings: Any) -> None:
    (key_a / "field_key").unlink()
    settings.GRIDGOV_FIELD_KEY = ""
    made = keys.ensure_field_key()
    assert (key_a / "field_key").read_text().strip() == made
    assert (key_a / "field_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_a_missing_key_against_encrypted_rows_is_refused_and_none_made(
    key_a: Path, tree: Any, settings: Any
) -> None:
    make_resident(area=tree.grid1)  # encrypted with KEY_A; no fingerprint recorded yet
    (key_a / "field_key").unlink()
    settings.GRIDGOV_FIELD_KEY = ""
    with translation.override("en"):
        assert "No field key" in (keys.field_key_problem() or "")
    with pytest.raises(keys.FieldKeyError):
        keys.ensure_field_key()
    with pytest.raises(keys.FieldKeyError):
        crypto.encrypt("13812345678")
    assert not (key_a / "field_key").exists()
    assert not FieldKeyState.objects.exists()


@pytest.mark.django_db
def test_a_wrong_key_is_refused_by_fingerprint_and_by_sample(
    key_a: Path, tree: Any, settings: Any
) -> None:
    number = valid_id()
    make_resident(area=tree.grid1, id_number=number)
    settings.GRIDGOV_FIELD_KEY = KEY_B
    # No fingerprint stored: the stored values do not open with KEY_B.
    with translation.override("en"):
        problem = keys.field_key_problem() or ""
    assert "cannot decrypt" in problem and number not in problem
    with translation.override("zh-hans"):
        assert "无法解密" in (keys.field_key_problem() or "")
    # A fingerprint stored: the mismatch is named by fingerprints only.
    settings.GRIDGOV_FIELD_KEY = KEY_A
    keys.ensure_field_key()
    settings.GRIDGOV_FIELD_KEY = KEY_B
    problem = keys.field_key_problem() or ""
    assert keys.fingerprint(KEY_A) in problem and keys.fingerprint(KEY_B) in problem
    assert KEY_A not in problem and KEY_B not in problem
    errors = keys.check_field_key()
    assert [e.id for e in errors] == ["gridgov.E101"]


@pytest.mark.django_db
def test_check_deploy_reports_the_wrong_key(key_a: Path, tree: Any, settings: Any) -> None:
    make_resident(area=tree.grid1)
    settings.GRIDGOV_FIELD_KEY = KEY_B
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match=r"gridgov\.E101"):
        call_command("check", deploy=True)


def _decrypts_with_only(key: str, token: str) -> str:
    return Fernet(key.encode()).decrypt(token.encode()).decode()


@pytest.mark.django_db
def test_rotation_interrupted_after_one_batch_and_resumed(
    key_a: Path, tree: Any, make_user: Any, settings: Any
) -> None:
    keys.ensure_field_key()
    hh = make_household(tree.grid1)
    numbers = [valid_id() for _ in range(5)]
    phones = [f"1380000000{i}" for i in range(5)]
    for number, phone in zip(numbers, phones, strict=True):
        make_resident(hh, id_number=number, phone=phone)
    new_key_file = key_a / "new"
    new_key_file.write_text(KEY_B)

    call_command("rotate_field_key", new_key_file=new_key_file, batch_size=2, max_batches=1)

    # Half-way: the new key is the current one, the old one kept beside it.
    assert (key_a / "field_key").read_text().strip() == KEY_B
    assert (key_a / "field_key.old").read_text().split() == [KEY_A]
    state = FieldKeyState.objects.get()
    assert state.fingerprint == keys.fingerprint(KEY_B)
    assert state.retiring == [keys.fingerprint(KEY_A)]
    assert state.progress["rosters.Resident"]["after"] > 0
    rows = list(Resident.objects.order_by("pk"))
    _decrypts_with_only(KEY_B, rows[0].id_number_enc)  # rotated
    _decrypts_with_only(KEY_A, rows[-1].id_number_enc)  # not yet
    # Every value reads, and exact look-ups and duplicate checks match under either key.
    for r, number in zip(rows, numbers, strict=True):
        assert crypto.decrypt(r.id_number_enc) == number
        assert Resident.objects.filter(id_number_hash__in=crypto.keyed_hashes(number)).count() == 1
    worker = make_user("gw", ("grid_worker", tree.grid1))
    with pytest.raises(ValidationFailed):
        people.resident_create(
            actor=worker,
            household=hh,
            name="王五",
            id_number=numbers[-1],
            relation="99",
            residence_type="registered",
        )

    # Run again: it goes on from where it stopped and retires the old key.
    call_command("rotate_field_key", batch_size=2)
    state.refresh_from_db()
    assert state.retiring == [] and state.rotation_finished_at is not None
    assert not (key_a / "field_key.old").exists()
    assert settings.GRIDGOV_FIELD_KEYS_OLD == []
    for r, number, phone in zip(Resident.objects.order_by("pk"), numbers, phones, strict=True):
        assert _decrypts_with_only(KEY_B, r.id_number_enc) == number
        assert _decrypts_with_only(KEY_B, r.phone_enc) == phone
        assert r.id_number_hash == crypto.keyed_hash(number)
        assert r.phone_hash == crypto.keyed_hash(phone)
    assert keys.field_key_problem() is None
    from gridgov.audit.models import AuditEntry

    whats = [e.detail["what"] for e in AuditEntry.objects.filter(event="config_changed")]
    assert sorted(whats) == ["field_key_rotation_finished", "field_key_rotation_started"]


@pytest.mark.django_db
def test_rotation_with_keys_from_the_environment(
    key_a: Path, tree: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys.ensure_field_key()
    number = valid_id()
    make_resident(area=tree.grid1, id_number=number)
    monkeypatch.setenv("GRIDGOV_FIELD_KEY", KEY_A)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="GRIDGOV_FIELD_KEY_OLD"):
        call_command("rotate_field_key")
    # The operator puts the new key in GRIDGOV_FIELD_KEY and the old in GRIDGOV_FIELD_KEY_OLD.
    monkeypatch.setenv("GRIDGOV_FIELD_KEY", KEY_B)
    monkeypatch.setenv("GRIDGOV_FIELD_KEY_OLD", KEY_A)
    settings.GRIDGOV_FIELD_KEY = KEY_B
    settings.GRIDGOV_FIELD_KEYS_OLD = [KEY_A]
    call_command("rotate_field_key")
    r = Resident.objects.get()
    assert _decrypts_with_only(KEY_B, r.id_number_enc) == number
    assert not keyrotation.in_progress()
    assert (key_a / "field_key").read_text().strip() == KEY_A  # files untouched


@pytest.mark.django_db
def test_a_roster_import_during_a_rotation_finds_people_not_yet_rotated(
    key_a: Path, tree: Any, make_user: Any
) -> None:
    from gridgov.rosters.services import imports
    from gridgov.rosters.tests.excel_support import person, workbook

    keys.ensure_field_key()
    numbers = [valid_id(), valid_id()]
    for number in numbers:
        make_resident(make_household(tree.grid1), id_number=number)
    (key_a / "new").write_text(KEY_B)
    call_command("rotate_field_key", new_key_file=key_a / "new", batch_size=1, max_batches=1)
    assert keyrotation.in_progress()
    worker = make_user("gw", ("grid_worker", tree.grid1))
    job = imports.import_start(
        actor=worker,
        kind="residents",
        filename="people.xlsx",
        data=workbook(
            "residents",
            [person(tree.grid1, 身份证号=n, 住址=f"凤鸣路{i}号") for i, n in enumerate(numbers)],
        ),
        mode="valid",
    )
    assert (job.created_count, job.updated_count, job.error_count) == (0, 2, 0)
    assert Resident.objects.count() == 2
    call_command("rotate_field_key")
    for r in Resident.objects.all():
        assert r.id_number_hash == crypto.keyed_hash(crypto.decrypt(r.id_number_enc))
