"""Helpers for tests that run the real ``gridgov`` command in a child process with a data folder
of its own: run it, seed a few residents with encrypted ID numbers and phones, read them back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[3]

# Residents with valid ID numbers (GB 11643) and phones; the first is unmasked after restores.
ID_NUMBERS = ["11010519491231002X", "110105194912310038", "110105195001010012"]
PHONES = ["13800000001", "13800000002", ""]

SEED = f"""
from gridgov.areas.codes import Level
from gridgov.areas.services import area_create
from gridgov.rosters.tests.builders import make_household, make_resident

def mk(parent, level, code, name):
    return area_create(actor=None, parent=parent, level=level, code=code, name=name)

p = mk(None, Level.PROVINCE, "11", "北京市")
c = mk(p, Level.CITY, "1101", "市辖区")
k = mk(c, Level.COUNTY, "110105", "朝阳区")
t = mk(k, Level.TOWN, "110105001", "建外街道")
m = mk(t, Level.COMMUNITY, "110105001001", "永安里社区")
g = mk(m, Level.GRID, "110105001001001", "网格一")
hh = make_household(g)
for number, phone in zip({ID_NUMBERS!r}, {PHONES!r}):
    make_resident(hh, id_number=number, phone=phone)
"""

READ = """
import json
from gridgov.core import crypto
from gridgov.core.backup import counts
from gridgov.rosters.models import Resident
first = Resident.objects.order_by("pk").first()
print(json.dumps({
    "counts": counts(),
    "id_number": crypto.decrypt(first.id_number_enc) if first else None,
    "found": Resident.objects.filter(
        id_number_hash__in=crypto.keyed_hashes(first.id_number_enc and crypto.decrypt(first.id_number_enc))
    ).count() if first else 0,
}))
"""


def env_for(data: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GRIDGOV_") and k not in ("DATABASE_URL", "PGPASSWORD")
    }
    env["GRIDGOV_DATA_DIR"] = str(data)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def gridgov(
    data: Path, *args: str, check: bool = True, timeout: float = 300, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``gridgov ARGS`` with ``data`` as its data folder (and ``extra`` environment)."""
    result = subprocess.run(
        [sys.executable, "-m", "gridgov.cli", *args],
        env=env_for(data, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"gridgov {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def seed(data: Path, **extra: str) -> None:
    gridgov(data, "migrate", "-v", "0", **extra)
    gridgov(data, "shell", "-c", SEED, **extra)


def read(data: Path, **extra: str) -> dict[str, Any]:
    out = gridgov(data, "shell", "-c", READ, **extra).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))
