"""``gridgov backup`` and ``gridgov restore`` on SQLite, run as the real command in child
processes: an owner-only dated archive with a manifest, a wipe and a restore with the same
counts and unmasked ID number, refusals that change nothing, and retention."""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from gridgov.core import backup, keys
from gridgov.core.tests.datafolder import ID_NUMBERS, gridgov, read, seed

pytestmark = pytest.mark.skipif(
    not Path("/proc").is_dir(), reason="child processes with their own SQLite file (Linux)"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """A seeded data folder, its backup archive and what it read before the backup."""
    data = tmp_path_factory.mktemp("backup") / "var"
    seed(data)
    (data / "media" / "photos").mkdir(parents=True)
    (data / "media" / "photos" / "a.jpg").write_bytes(b"\xff\xd8 photo")
    before = read(data)
    out = tmp_path_factory.mktemp("archives") / "backups"
    gridgov(data, "backup", str(out))
    (archive,) = backup.archives(out)
    return data, archive, before


def test_the_archive_is_private_dated_and_has_a_manifest(original: tuple[Path, Path, dict]) -> None:
    data, archive, before = original
    assert archive.parent.stat().st_mode & 0o777 == 0o700
    assert archive.stat().st_mode & 0o777 == 0o600
    assert backup.NAME_RE.match(archive.name)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert {"database.sqlite3", "secrets/field_key", "secrets/secret_key"} <= names
    assert "media/photos/a.jpg" in names
    key = (data / "field_key").read_text().strip()
    assert manifest["database_vendor"] == "sqlite"
    assert manifest["field_key_fingerprint"] == keys.fingerprint(key)
    assert manifest["database_fingerprint"] == keys.fingerprint(key)
    assert manifest["counts"] == before["counts"]
    assert manifest["counts"]["rosters.Resident"] == 3
    assert ID_NUMBERS[0] not in json.dumps(manifest)


def test_wipe_and_restore_gives_back_the_same_data(original: tuple[Path, Path, dict]) -> None:
    data, archive, before = original
    for name in ("gridgov.sqlite3", "gridgov.sqlite3-wal", "gridgov.sqlite3-shm"):
        (data / name).unlink(missing_ok=True)
    shutil.rmtree(data / "media")
    gridgov(data, "migrate", "-v", "0")  # a fresh, empty database
    assert read(data)["counts"]["rosters.Resident"] == 0

    gridgov(data, "restore", str(archive), "--yes")
    after = read(data)
    assert after["counts"] == before["counts"]
    assert after["id_number"] == ID_NUMBERS[0] == before["id_number"]
    assert after["found"] == 1  # the keyed hash still finds it
    assert (data / "media" / "photos" / "a.jpg").read_bytes() == b"\xff\xd8 photo"
    assert (data / "gridgov.sqlite3").stat().st_mode & 0o777 == 0o600
    assert gridgov(data, "check", "--deploy", check=False).stderr.count("gridgov.E101") == 0


def test_restore_refuses_another_key_and_changes_nothing(
    original: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _data, archive, _before = original
    other = tmp_path / "other"
    seed(other)  # its own key and data
    files = ("gridgov.sqlite3", "field_key", "secret_key")
    digests = {name: _digest(other / name) for name in files}

    result = gridgov(other, "restore", str(archive), "--yes", check=False)
    assert result.returncode != 0
    assert "--with-secrets" in result.stderr
    assert {name: _digest(other / name) for name in files} == digests
    assert not (other / "media").exists()

    # With the archive's secrets it goes through, and the data unmasks with them.
    gridgov(other, "restore", str(archive), "--yes", "--with-secrets")
    assert read(other)["id_number"] == ID_NUMBERS[0]
    assert (other / "field_key").read_text() == (_data / "field_key").read_text()


def test_restore_refuses_an_archive_whose_key_does_not_open_its_database(
    original: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    data, archive, _before = original
    forged = tmp_path / backup.PREFIX
    with tarfile.open(archive) as src:
        src.extractall(tmp_path / "x", filter="data")
    wrong = Fernet.generate_key().decode()
    (tmp_path / "x" / "secrets" / "field_key").write_text(wrong)
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for item in sorted((tmp_path / "x").iterdir()):
            tar.add(item, arcname=item.name)
    before = _digest(data / "gridgov.sqlite3")
    result = gridgov(data, "restore", str(bad), "--yes", "--with-secrets", check=False)
    assert result.returncode != 0
    assert keys.fingerprint(wrong) in result.stderr
    assert _digest(data / "gridgov.sqlite3") == before
    assert not forged.exists()


def test_keep_deletes_only_our_older_archives(tmp_path: Path) -> None:
    names = [f"gridgov-backup-2026010{d}-020000.tar.gz" for d in range(1, 5)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "gridgov-backup-other.tar.gz").write_bytes(b"x")
    deleted = backup.prune(tmp_path, 2, lambda _m: None)
    assert [p.name for p in deleted] == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[2:], "notes.txt", "gridgov-backup-other.tar.gz"]
    )
