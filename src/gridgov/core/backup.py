"""``gridgov backup DIR`` and ``gridgov restore ARCHIVE``: one dated, owner-only archive holding
the database (a consistent SQLite copy through the online backup API, or a ``pg_dump`` in
custom format), the secrets (``secret_key``, ``field_key``, old keys of an unfinished rotation)
and ``media/``, with a manifest; a restore that checks the key before it overwrites anything.

Archive layout (``gridgov-backup-YYYYMMDD-HHMMSS.tar.gz``, mode 0600)::

    manifest.json            format, gridgov version, vendor, key fingerprints, table counts
    database.sqlite3 | database.dump
    secrets/secret_key  secrets/field_key  [secrets/field_key.old]
    media/…
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core import keys
from gridgov.core.config import FIELD_KEY_FILE, OLD_FIELD_KEYS_FILE, write_secret
from gridgov.core.errors import DomainError

FORMAT = 1
PREFIX = "gridgov-backup-"
SUFFIX = ".tar.gz"
NAME_RE = re.compile(r"^gridgov-backup-\d{8}-\d{6}\.tar\.gz$")
SQLITE_MEMBER = "database.sqlite3"
DUMP_MEMBER = "database.dump"
MAIN_TABLES = (
    "areas.Area",
    "accounts.User",
    "rosters.Household",
    "rosters.Resident",
    "party.PartyMember",
    "cases.Case",
    "audit.AuditEntry",
)

Say = Callable[[str], None]


class BackupError(DomainError):
    code = "backup_failed"


# --- helpers ---------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``/…: from ``GRIDGOV_PG_BIN``, the PATH, or the newest
    ``/usr/lib/postgresql/*/bin``."""
    folder = os.environ.get("GRIDGOV_PG_BIN", "").strip()
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        _("%(tool)s not found: install the PostgreSQL client (postgresql-client).") % {"tool": name}
    )


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database (the password never on a command
    line)."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = dict(os.environ)
    for var, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": Path(argv[0]).name, "error": " ".join(tail)}
        )


def counts() -> dict[str, int]:
    """Rows of the main tables (for the manifest and to compare after a restore)."""
    found: dict[str, int] = {}
    for label in MAIN_TABLES:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        found[label] = model._default_manager.count()
    return found


def _sqlite_fingerprint(path: Path) -> str | None:
    """The key fingerprint stored in a SQLite database file (None: none recorded)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        try:
            row = db.execute("SELECT fingerprint FROM core_fieldkeystate WHERE id = 1").fetchone()
        except sqlite3.DatabaseError:
            return None
    return str(row[0]) if row else None


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _private_dir(path: Path) -> None:
    existed = path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not existed:
        path.chmod(0o700)


# --- backup ----------------------------------------------------------------------------------


def archives(directory: Path) -> list[Path]:
    """Our archives in ``directory``, oldest first (the name holds the time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if NAME_RE.match(p.name) and p.is_file())


def prune(directory: Path, keep: int, say: Say) -> list[Path]:
    """Delete all but the newest ``keep`` of our archives in ``directory``."""
    old = archives(directory)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
        say(_("Deleted the old archive %(name)s.") % {"name": path.name})
    return old


def create_backup(directory: Path, *, keep: int | None = None, say: Say = print) -> Path:
    """Write one archive into ``directory`` (created 0700); the archive's path."""
    from importlib.metadata import version

    problem = keys.field_key_problem()
    if problem:
        say(
            _("warning: %(problem)s The archive's key will not open its database.")
            % {"problem": problem}
        )
    current, olds = keys.configured_keys()
    if not problem:
        current = keys.ensure_field_key()
        current, olds = keys.configured_keys()
    _private_dir(directory)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = directory / f"{PREFIX}{stamp}{SUFFIX}"
    if target.exists():
        raise BackupError(_("%(path)s exists already; try again in a second.") % {"path": target})
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(dir=directory, prefix=".gridgov-backup-") as work_dir:
        work = Path(work_dir)
        state = keys.stored_state()
        db_fp = state.fingerprint if state is not None else None
        table_counts = counts()
        if vendor == "sqlite":
            copy = work / SQLITE_MEMBER
            with (
                contextlib.closing(sqlite3.connect(_sqlite_path())) as src,
                contextlib.closing(sqlite3.connect(copy)) as dst,
            ):
                src.backup(dst)
            db_fp = _sqlite_fingerprint(copy)
        elif vendor == "postgresql":
            copy = work / DUMP_MEMBER
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(copy)])
        else:
            raise BackupError(
                _("Backups of a %(vendor)s database are not supported.") % {"vendor": vendor}
            )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "app": "gridgov",
            "version": version("gridgov"),
            "created_at": timezone.now().isoformat(),
            "database_vendor": vendor,
            "database_file": copy.name,
            "field_key_fingerprint": keys.fingerprint(current) if current else None,
            "old_key_fingerprints": [keys.fingerprint(k) for k in olds],
            "database_fingerprint": db_fp,
            "key_opens_database": problem is None,
            "counts": table_counts,
        }
        partial = work / "archive.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
            tar.add(copy, arcname=copy.name)
            _add_bytes(tar, "secrets/secret_key", (settings.SECRET_KEY + "\n").encode("ascii"))
            if current:
                _add_bytes(tar, f"secrets/{FIELD_KEY_FILE}", (current + "\n").encode("ascii"))
            if olds:
                data = ("\n".join(olds) + "\n").encode("ascii")
                _add_bytes(tar, f"secrets/{OLD_FIELD_KEYS_FILE}", data)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    say(
        _("Wrote %(path)s (%(size)d KiB).")
        % {"path": target, "size": target.stat().st_size // 1024}
    )
    if keep:
        prune(directory, keep, say)
    return target


# --- restore ---------------------------------------------------------------------------------


@dataclass
class Archive:
    folder: Path  # where it was extracted
    manifest: dict[str, Any]

    def secret(self, name: str) -> str:
        path = self.folder / "secrets" / name
        return path.read_text(encoding="ascii").strip() if path.exists() else ""

    @property
    def field_key(self) -> str:
        return self.secret(FIELD_KEY_FILE)

    @property
    def database(self) -> Path:
        return self.folder / str(self.manifest["database_file"])


@contextlib.contextmanager
def opened(archive: Path, *, into: Path) -> Iterator[Archive]:
    """Extract ``archive`` into a private temporary folder under ``into`` (the data folder, so
    the database file can be moved into place)."""
    with tempfile.TemporaryDirectory(dir=into, prefix=".gridgov-restore-") as work_dir:
        work = Path(work_dir)
        try:
            with tarfile.open(archive, mode="r:gz") as tar:
                tar.extractall(work, filter="data")
            manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, tarfile.TarError, ValueError) as exc:
            raise BackupError(
                _("%(path)s is not a gridgov backup archive (%(error)s).")
                % {"path": archive, "error": exc}
            ) from exc
        if manifest.get("app") != "gridgov" or manifest.get("format") != FORMAT:
            raise BackupError(
                _("%(path)s is not a gridgov backup archive of format %(format)d.")
                % {"path": archive, "format": FORMAT}
            )
        yield Archive(work, manifest)


def check_archive(arc: Archive, *, with_secrets: bool) -> None:
    """Everything that must hold before anything is overwritten; raises :class:`BackupError`."""
    m = arc.manifest
    vendor = connection.vendor
    if m["database_vendor"] != vendor:
        raise BackupError(
            _("The archive holds a %(theirs)s database; this gridgov uses %(ours)s.")
            % {"theirs": m["database_vendor"], "ours": vendor}
        )
    if not arc.database.exists():
        raise BackupError(_("The archive has no database file."))
    arc_key = arc.field_key
    arc_fp = keys.fingerprint(arc_key) if arc_key else None
    db_fp = m.get("database_fingerprint")
    if vendor == "sqlite":
        db_fp = _sqlite_fingerprint(arc.database)
    if arc_fp is None or (db_fp is not None and db_fp != arc_fp) or not m["key_opens_database"]:
        raise BackupError(
            _(
                "The archive's field key (fingerprint %(key)s) does not open the archive's "
                "database (fingerprint %(db)s); nothing was restored."
            )
            % {"key": arc_fp, "db": db_fp}
        )
    current, _olds = keys.configured_keys()
    if with_secrets:
        if os.environ.get("GRIDGOV_FIELD_KEY", "").strip() and keys.fingerprint(current) != arc_fp:
            raise BackupError(
                _(
                    "GRIDGOV_FIELD_KEY is set in the environment and is not the archive's key: "
                    "set it (and GRIDGOV_SECRET_KEY) to the archive's values (secrets/ in the "
                    "archive); nothing was restored."
                )
            )
        return
    if not current:
        raise BackupError(
            _(
                "This data folder has no field key; the archive's data needs the key of "
                "fingerprint %(fp)s. Run again with --with-secrets to take the archive's keys; "
                "nothing was restored."
            )
            % {"fp": arc_fp}
        )
    if keys.fingerprint(current) != arc_fp:
        raise BackupError(
            _(
                "The archive's field key (fingerprint %(theirs)s) is not this data folder's "
                "(fingerprint %(ours)s). Run again with --with-secrets to replace this data "
                "folder's keys with the archive's; nothing was restored."
            )
            % {"theirs": arc_fp, "ours": keys.fingerprint(current)}
        )


def _restore_sqlite(arc: Archive, say: Say) -> None:
    target = _sqlite_path()
    with contextlib.closing(sqlite3.connect(arc.database)) as db:
        ok = db.execute("PRAGMA integrity_check").fetchone()
    if not ok or ok[0] != "ok":
        raise BackupError(_("The archive's SQLite database fails its integrity check."))
    connections.close_all()
    if target.exists():
        # The database being replaced, kept once beside it (owner-only) in case of regret.
        before = target.with_name(target.name + ".before-restore")
        before.unlink(missing_ok=True)
        fd = os.open(before, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        with (
            contextlib.closing(sqlite3.connect(target)) as src,
            contextlib.closing(sqlite3.connect(before)) as dst,
        ):
            src.backup(dst)
        say(_("The database it replaces is kept as %(path)s.") % {"path": before})
    arc.database.chmod(0o600)
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(arc.database, target)


def _restore_postgresql(arc: Archive) -> None:
    connections.close_all()
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            _pg_env().get("PGDATABASE", ""),
            str(arc.database),
        ]
    )


def _restore_media(arc: Archive) -> None:
    source = arc.folder / "media"
    if not source.is_dir():
        return
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, media, dirs_exist_ok=True)


def _restore_secrets(arc: Archive, say: Say) -> None:
    folder = Path(settings.DATA_DIR)
    write_secret(folder / FIELD_KEY_FILE, arc.field_key)
    write_secret(folder / "secret_key", arc.secret("secret_key"))
    olds = arc.secret(OLD_FIELD_KEYS_FILE)
    if olds:
        write_secret(folder / OLD_FIELD_KEYS_FILE, olds)
    else:
        (folder / OLD_FIELD_KEYS_FILE).unlink(missing_ok=True)
    settings.GRIDGOV_FIELD_KEY = arc.field_key
    settings.GRIDGOV_FIELD_KEYS_OLD = olds.split()
    say(_("Took the archive's secrets into %(folder)s.") % {"folder": folder})


def restore_backup(
    archive: Path, *, with_secrets: bool = False, say: Say = print
) -> dict[str, Any]:
    """Check, then restore ``archive`` over the configured database, ``media/`` and (with
    ``with_secrets``) the data folder's secrets; the archive's manifest."""
    folder = Path(settings.DATA_DIR)
    with opened(archive, into=folder) as arc:
        check_archive(arc, with_secrets=with_secrets)
        created = arc.manifest.get("created_at", "?")
        say(
            _("Restoring the backup of %(when)s (%(vendor)s)…")
            % {"when": created, "vendor": arc.manifest["database_vendor"]}
        )
        if connection.vendor == "sqlite":
            _restore_sqlite(arc, say)
        else:
            _restore_postgresql(arc)
        _restore_media(arc)
        if with_secrets:
            _restore_secrets(arc, say)
        connections.close_all()
        return arc.manifest
