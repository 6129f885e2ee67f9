"""The real ``gridgov`` command, in a child process with a data folder of its own, refuses to
start with a field key that cannot open the database's encrypted rows — and makes no key."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from gridgov.core import keys
from gridgov.core.tests.datafolder import gridgov, read, seed

pytestmark = pytest.mark.skipif(
    not Path("/proc").is_dir(), reason="child processes with their own SQLite file (Linux)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("keys-cli")
    seed(data)
    return data


def test_the_seeded_folder_is_private_and_reads_back(seeded: Path) -> None:
    assert (seeded / "field_key").stat().st_mode & 0o777 == 0o600
    assert (seeded / "gridgov.sqlite3").stat().st_mode & 0o777 == 0o600
    assert read(seeded)["counts"]["rosters.Resident"] == 3


@pytest.mark.parametrize("command", ["serve", "worker", "demo"])
def test_a_wrong_key_is_refused_at_start(seeded: Path, command: str) -> None:
    wrong = Fernet.generate_key().decode()
    args = [command] if command == "worker" else [command, "--port", str(_free_port())]
    result = gridgov(seeded, *args, check=False, timeout=120, GRIDGOV_FIELD_KEY=wrong)
    assert result.returncode != 0
    # The message names both keys by fingerprint (in the UI language, Chinese by default).
    assert keys.fingerprint(wrong) in result.stderr
    assert keys.fingerprint((seeded / "field_key").read_text().strip()) in result.stderr
    assert "gridgov is serving" not in result.stdout


def test_a_missing_key_is_refused_and_none_is_made(seeded: Path, tmp_path: Path) -> None:
    key = seeded / "field_key"
    saved = key.read_text()
    key.unlink()
    try:
        result = gridgov(seeded, "serve", "--port", str(_free_port()), check=False, timeout=120)
        assert result.returncode != 0
        assert "GRIDGOV_FIELD_KEY" in result.stderr and "field_key" in result.stderr
        assert not key.exists()
    finally:
        key.write_text(saved)
        key.chmod(0o600)


def test_check_deploy_names_the_wrong_key(seeded: Path) -> None:
    wrong = Fernet.generate_key().decode()
    result = gridgov(seeded, "check", "--deploy", check=False, GRIDGOV_FIELD_KEY=wrong)
    assert result.returncode != 0
    assert "gridgov.E101" in result.stderr


def test_without_a_stored_fingerprint_the_rows_themselves_refuse(
    seeded: Path, tmp_path: Path
) -> None:
    """A database from before fingerprints: the stored values are tried with the key."""
    data = tmp_path / "copy"
    data.mkdir()
    with (
        sqlite3.connect(seeded / "gridgov.sqlite3") as src,
        sqlite3.connect(data / "gridgov.sqlite3") as dst,
    ):
        src.backup(dst)
    with sqlite3.connect(data / "gridgov.sqlite3") as db:
        db.execute("DELETE FROM core_fieldkeystate")
    wrong = Fernet.generate_key().decode()
    (data / "field_key").write_text(wrong)
    result = gridgov(data, "serve", "--port", str(_free_port()), check=False, timeout=120)
    assert result.returncode != 0
    assert keys.fingerprint(wrong) in result.stderr
    # The right key is accepted and its fingerprint recorded.
    (data / "field_key").write_text((seeded / "field_key").read_text())
    assert gridgov(data, "check", "--deploy", check=False).stderr.count("gridgov.E101") == 0
