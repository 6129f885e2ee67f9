"""Per-address throttling of sign-in attempts, kept in the ``login`` cache.

Every failed sign-in (unknown account, wrong password, locked or inactive account) counts
against the client's address in a fixed window of ``GRIDGOV_LOGIN_THROTTLE_MINUTES``; once
``GRIDGOV_LOGIN_THROTTLE_ATTEMPTS`` failures are reached, every further attempt from that
address is refused with 429 and ``Retry-After`` until the window ends — before any password is
checked, so a right password does not get through either. This limits what one stranger can
guess, across all accounts, and says nothing about any account.

The address is ``REMOTE_ADDR``: waitress puts the client's address there when
``--trusted-proxy`` / ``GRIDGOV_TRUSTED_PROXY`` names the reverse proxy, and otherwise
``X-Forwarded-For`` is never believed. IPv6 addresses count per /64 network (what one
customer line gets), IPv4 addresses one by one.

The ``login`` cache is in memory by default: one ``gridgov serve`` process with its waitress
threads shares it (the worker process never signs anyone in). Several web servers behind one
balancer set ``GRIDGOV_LOGIN_THROTTLE_CACHE=database`` to share the counts through the
database (see docs/operations.md).
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

CACHE_ALIAS = "login"


def _now() -> float:
    return time.time()


def _cache() -> BaseCache:
    return caches[CACHE_ALIAS]


def address_key(address: str | None) -> str:
    """The throttling unit of an address: the address itself, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _window() -> int:
    return max(60, settings.GRIDGOV_LOGIN_THROTTLE_MINUTES * 60)


def _slot(address: str | None, now: float) -> tuple[str, int]:
    """The cache key of the current window for ``address``, and the seconds left in it."""
    window = _window()
    bucket = int(now // window)
    left = max(1, int((bucket + 1) * window - now))
    return f"gg:signin:{address_key(address)}:{bucket}", left


def retry_after(address: str | None) -> int | None:
    """Seconds until ``address`` may try again, or None if it is not throttled."""
    key, left = _slot(address, _now())
    count = _cache().get(key, 0)
    return left if count >= settings.GRIDGOV_LOGIN_THROTTLE_ATTEMPTS else None


def record_failure(address: str | None) -> bool:
    """Count one failed sign-in from ``address``; True if this failure reached the limit."""
    key, left = _slot(address, _now())
    cache = _cache()
    # add() then incr(): both atomic in the memory cache; the database cache may undercount
    # a little under heavy concurrency, which a limit of this kind tolerates.
    if cache.add(key, 1, timeout=left + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=left + 5)
            count = 1
    return count == settings.GRIDGOV_LOGIN_THROTTLE_ATTEMPTS
