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
    """The folder holding the SQLite database, generated secrets, uploads and logs."""
    path = Path(os.environ.get("GRIDGOV_DATA_DIR", "./var")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
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


def field_key(folder: Path) -> str:
    """Key for field encryption (Fernet) and keyed hashes of personal data."""
    env = os.environ.get("GRIDGOV_FIELD_KEY")
    if env:
        return env
    return _secret_from_file(folder / "field_key", lambda: Fernet.generate_key().decode("ascii"))


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
