"""The systemd units in deploy/systemd: present, hardened, pointed at by docs/operations.md, and
the app tolerates what they forbid (writable-and-executable memory, checked with the kernel's
same rule where it has one)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"
NAMES = ["gridgov-web.service", "gridgov-worker.service", "gridgov-backup.service"]

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ReadWritePaths": "/srv/gridgov/var",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}


def options(name: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "[")):
            continue
        key, _eq, value = line.partition("=")
        found.setdefault(key, []).append(value)
    return found


@pytest.mark.parametrize("name", NAMES)
def test_the_units_carry_the_hardening(name):
    found = options(name)
    for key, value in HARDENING.items():
        if key == "ReadWritePaths" and name == "gridgov-backup.service":
            value = "/srv/gridgov/var /var/backups/gridgov"
        assert found.get(key) == [value], key
    assert "@system-service" in found["SystemCallFilter"]
    assert found["User"] == ["gridgov"] and found["EnvironmentFile"] == ["/etc/gridgov/env"]


def test_each_unit_runs_its_process():
    (web,) = options("gridgov-web.service")["ExecStart"]
    assert web.split()[1:4] == ["serve", "--no-worker", "--no-migrate"]
    (worker,) = options("gridgov-worker.service")["ExecStart"]
    assert worker.split()[1:] == ["worker"]
    assert options("gridgov-worker.service")["KillSignal"] == ["SIGTERM"]


def test_the_operations_guide_points_at_the_unit_files():
    text = (ROOT / "docs" / "operations.md").read_text()
    for name in NAMES:
        assert f"deploy/systemd/{name}" in text
    assert "ProtectSystem=full" not in text  # no older copy of a unit left in the guide


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
@pytest.mark.parametrize("name", NAMES)
def test_systemd_analyze_rates_the_units_ok(name):
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(UNITS / name)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", done.stdout + done.stderr)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= 2.0


MDWE_PROBE = r"""
import ctypes, io, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    print("no-mdwe"); sys.exit(0)
import django
django.setup()
from django.contrib.auth.hashers import check_password, make_password
assert check_password("x-Passw0rd!", make_password("x-Passw0rd!"))
from cryptography.fernet import Fernet
key = Fernet(Fernet.generate_key()); assert key.decrypt(key.encrypt(b"a")) == b"a"
from shapely.geometry import Point, Polygon
assert Polygon([(0, 0), (1, 0), (1, 1)]).contains(Point(0.6, 0.2))
from PIL import Image
out = io.BytesIO(); Image.new("RGB", (40, 30)).save(out, "JPEG")
Image.open(io.BytesIO(out.getvalue())).convert("RGB").save(io.BytesIO(), "WEBP")
import psycopg  # noqa: F401
callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x + 1)
assert callback(1) == 2
from django.test import Client
assert Client().get("/health").status_code in (200, 503)
print("ok")
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="Linux")
def test_the_app_runs_without_writable_executable_memory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        GRIDGOV_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="gridgov.settings",
        PYTHONPATH=str(ROOT / "src"),
    )
    done = subprocess.run(
        [sys.executable, "-c", MDWE_PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() == "no-mdwe":
        pytest.skip("the kernel has no PR_SET_MDWE (Linux < 6.3)")
    assert done.stdout.strip() == "ok"
