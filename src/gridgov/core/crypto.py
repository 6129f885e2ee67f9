"""Personal data at rest and on screen: field encryption, keyed hashes for exact look-up, masks.

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


def mask_id_number(value: str) -> str:
    """``11010119900307123X`` → ``1***************3X`` (first character, last two kept)."""
    if not value:
        return ""
    if len(value) <= 3:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 3) + value[-2:]


def mask_mobile(value: str) -> str:
    """``13812341234`` → ``138****1234``; other phone numbers keep only their last four digits."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[7:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the family name's first character only."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)
