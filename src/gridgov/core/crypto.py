"""Personal data at rest: field encryption and keyed hashes for exact look-up (the masks are in
:mod:`gridgov.core.pii`).

The key is ``settings.GRIDGOV_FIELD_KEY`` (a Fernet key, generated once into the data folder or
given as ``GRIDGOV_FIELD_KEY``; :mod:`gridgov.core.keys` checks it against the database and
rotates it, with ``GRIDGOV_FIELD_KEYS_OLD`` read during a rotation). Encrypted values are Fernet tokens (text); the keyed hash is an
HMAC-SHA256 under a key derived from the same secret, so equal inputs hash equally and the hash
reveals nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# The masks live with the other personal-data helpers; imported here for existing callers.
from gridgov.core.pii import mask_id_number, mask_mobile, mask_name

__all__ = [
    "decrypt",
    "encrypt",
    "keyed_hash",
    "keyed_hashes",
    "mask_id_number",
    "mask_mobile",
    "mask_name",
    "reencrypt",
]


@lru_cache(maxsize=8)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode("ascii"))


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(k) for k in keys])


@lru_cache(maxsize=8)
def _hash_key(key: str) -> bytes:
    return hashlib.sha256(b"gridgov-keyed-hash:" + key.encode("ascii")).digest()


def _current_key() -> str:
    key: str = settings.GRIDGOV_FIELD_KEY
    if not key:
        # First use in a new data folder: made only if the database holds no encrypted data.
        from gridgov.core.keys import ensure_field_key

        key = ensure_field_key()
    return key


def _all_keys() -> tuple[str, ...]:
    """The current key first, then the keys an unfinished rotation still reads."""
    current = _current_key()
    olds = tuple(k for k in getattr(settings, "GRIDGOV_FIELD_KEYS_OLD", ()) if k != current)
    return (current, *olds)


def encrypt(value: str) -> str:
    """Encrypt ``value`` with the current key; the empty string stays empty."""
    if not value:
        return ""
    return _fernet(_current_key()).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a value from :func:`encrypt` (made with the current key or, during a rotation,
    an old one); raises ``ValueError`` if no key opens it."""
    if not token:
        return ""
    try:
        return _multi(_all_keys()).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("The value cannot be decrypted with this field key.") from exc


def reencrypt(token: str) -> str:
    """``token`` encrypted again with the current key (key rotation); "" stays ""."""
    if not token:
        return ""
    try:
        return _multi(_all_keys()).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise ValueError("The value cannot be decrypted with this field key.") from exc


def _hash_with(key: str, value: str) -> str:
    normal = "".join(value.split()).upper()
    return hmac.new(_hash_key(key), normal.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_hash(value: str) -> str:
    """Hex HMAC-SHA256 of a normalised value (upper case, no spaces) for exact look-up, under
    the current key (what is stored)."""
    if not value:
        return ""
    return _hash_with(_current_key(), value)


def keyed_hashes(value: str) -> list[str]:
    """The hashes a stored row may hold for ``value``: under the current key and, while a key
    rotation is unfinished, under the old keys too. Look-ups and duplicate checks filter with
    ``<field>__in=keyed_hashes(value)`` so they keep matching during a rotation."""
    if not value:
        return []
    return [_hash_with(k, value) for k in _all_keys()]
