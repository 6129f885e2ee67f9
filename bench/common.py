"""Set-up shared by the benchmark scripts: Django on a fresh database, and a fast bulk insert
of bench-only areas. Run the scripts as ``.venv/bin/python bench/<script>.py``."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def temporary_folder(prefix: str = "gridgov-bench-") -> str:
    """A new temporary data folder, deleted with its contents when the script ends (also
    after a failure or Ctrl-C)."""
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def setup_django(data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    os.environ["GRIDGOV_DATA_DIR"] = data_dir
    os.environ.setdefault("GRIDGOV_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def fresh_database(*, kept: str = "", reuse: bool = False) -> Callable[[], None]:
    """Point Django at an empty database; returns a clean-up callable (PostgreSQL: drop it).

    PostgreSQL with ``kept``: the database of that name is kept after the run (the clean-up
    does nothing); ``reuse`` points at it as it is, otherwise it is made anew."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return lambda: None
    import psycopg

    name = kept or f"gridgov_bench_{os.getpid()}"
    if not reuse:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{url.rsplit('/', 1)[0]}/{name}"
    if kept:
        return lambda: None

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return drop


def insert_areas(objs: Sequence[Any]) -> None:
    """Bulk insert with primary keys chosen here, so paths are known before the insert (no
    second pass); the id sequence is moved past them afterwards (PostgreSQL)."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models import Max

    from gridgov.areas.models import Area

    next_id = (Area.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    for o in objs:
        o.pk = next_id
        o.path = f"{o.parent.path}{o.pk}/"
        next_id += 1
    Area.objects.bulk_create(objs, batch_size=2000)
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Area]):
            cur.execute(sql)
