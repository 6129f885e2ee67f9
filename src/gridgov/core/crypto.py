"""Personal data at rest: field encryption and keyed hashes for exact look-up (the masks are in
:mod:`gridgov.core.pii`).

The key is ``settings.GRIDGOV_FIELD_KEY`` (a Fernet key, generated once into the data folder or
given as ``GRIDGOV_FIELD_KEY``). Encrypted values are Fernet tokens (text); the keyed hash is an
HMAC-SHA256 under a key derived from the same secret, so equal inputs hash equally and the hash
reveals nothing without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

# The masks live with the other personal-data helpers; imported here for existing callers.
from gridgov.core.pii import mask_id_number, mask_mobile, mask_name

__all__ = [
    "decrypt",
    "encrypt",
    "keyed_hash",
    "mask_id_number",
    "mask_mobile",
    "mask_name",
]


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode("ascii"))


@lru_cache(maxsize=4)
def _hash_key(key: str) -> bytes:
    return hashlib.sha256(b"gridgov-keyed-hash:" + key.encode("ascii")).digest()


def encrypt(value: str) -> str:
    """Encrypt ``value``; the empty string stays empty."""
    if not value:
        return ""
    return _fernet(settings.GRIDGOV_FIELD_KEY).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a value from :func:`encrypt`; raises ``ValueError`` if it was not made with the key."""
    if not token:
        return ""
    try:
        return _fernet(settings.GRIDGOV_FIELD_KEY).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("The value cannot be decrypted with this field key.") from exc


def keyed_hash(value: str) -> str:
    """Hex HMAC-SHA256 of a normalised value (upper case, no spaces) for exact look-up."""
    if not value:
        return ""
    normal = "".join(value.split()).upper()
    key = _hash_key(settings.GRIDGOV_FIELD_KEY)
    return hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()
