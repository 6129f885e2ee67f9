"""Configuration read from the environment, and secrets generated once into the data folder.

Nothing here imports Django, so settings can use it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def data_dir() -> Path:
    """The folder holding the SQLite database, generated secrets, uploads and logs; created
    owner-only (0700) when it does not exist yet."""
    path = Path(os.environ.get("GRIDGOV_DATA_DIR", "./var")).expanduser().resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """``path`` made owner-only (0600), created empty if missing (an empty file is a valid
    SQLite database; its ``-wal``/``-shm`` files take the same mode). A file of another user is
    left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            pass
    except OSError:
        pass
    return path


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEFAULT_TIME_ZONE = "Asia/Shanghai"


def time_zone() -> str:
    """GRIDGOV_TIME_ZONE (an IANA name such as ``Asia/Shanghai``, the default), checked."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = (os.environ.get("GRIDGOV_TIME_ZONE") or "").strip() or DEFAULT_TIME_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"GRIDGOV_TIME_ZONE={name!r} is not a known time zone (e.g. Asia/Shanghai)"
        ) from exc
    return name


def _secret_from_file(path: Path, make: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = make()
    # Create with 0600 and never overwrite a file another process wrote first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


def secret_key(folder: Path) -> str:
    """Django's SECRET_KEY: GRIDGOV_SECRET_KEY, else generated once into the data folder."""
    env = os.environ.get("GRIDGOV_SECRET_KEY")
    if env:
        return env
    return _secret_from_file(folder / "secret_key", lambda: secrets.token_urlsafe(50))


FIELD_KEY_FILE = "field_key"
OLD_FIELD_KEYS_FILE = "field_key.old"


def field_key(folder: Path) -> str:
    """Key for field encryption (Fernet) and keyed hashes of personal data: ``GRIDGOV_FIELD_KEY``,
    else ``<data>/field_key``, else "" — never generated here: :mod:`gridgov.core.keys` makes
    one only when the database holds no encrypted data."""
    env = os.environ.get("GRIDGOV_FIELD_KEY", "").strip()
    if env:
        return env
    path = folder / FIELD_KEY_FILE
    return path.read_text(encoding="ascii").strip() if path.exists() else ""


def old_field_keys(folder: Path) -> list[str]:
    """Keys being retired by an unfinished rotation (``gridgov rotate-field-key``): read, never
    written with. ``GRIDGOV_FIELD_KEY_OLD`` (separated by spaces or commas), else the lines of
    ``<data>/field_key.old``."""
    env = os.environ.get("GRIDGOV_FIELD_KEY_OLD", "")
    if env.strip():
        text = env.replace(",", " ")
    else:
        path = folder / OLD_FIELD_KEYS_FILE
        text = path.read_text(encoding="ascii") if path.exists() else ""
    return [k for k in text.split() if k]


def new_field_key() -> str:
    return Fernet.generate_key().decode("ascii")


def write_secret(path: Path, value: str) -> None:
    """Write ``value`` to ``path`` (mode 0600) atomically: a temporary file, then a rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def create_field_key(folder: Path) -> str:
    """Generate ``<data>/field_key`` (0600) unless another process wrote it first; the key."""
    return _secret_from_file(folder / FIELD_KEY_FILE, new_field_key)


def source_origin(url_template: str) -> str | None:
    """The CSP source that lets a browser load ``url_template`` (a map-tile URL such as
    ``https://{s}.tile.example.org/{z}/{x}/{y}.png``): its scheme and host, with ``{s}`` as a
    ``*.`` wildcard; None for a relative URL (served by the site itself)."""
    from urllib.parse import urlsplit

    url = (url_template or "").strip()
    if not url or (url.startswith("/") and not url.startswith("//")):
        return None
    parts = urlsplit(url.replace("{s}.", "wildcard-sub.", 1))
    host = parts.netloc.rsplit("@", 1)[-1]
    if not host or "{" in host:
        return f"{parts.scheme}:" if parts.scheme else None
    host = host.replace("wildcard-sub.", "*.", 1)
    return f"{parts.scheme}://{host}" if parts.scheme else f"https://{host}"
