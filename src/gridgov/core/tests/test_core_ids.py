"""An id beyond the database's bigint (or below 1) in any path of the API or the web pages is
not found or refused — never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from gridgov.accounts.services import token_issue

VALUES = ("99999999999999999999", str(2**63), "-1")


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _web_patterns(resolver: Any, prefix: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _web_patterns(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def test_api_paths_with_huge_ids(tree: Any, make_user: Any) -> None:
    from gridgov.api import api

    admin = make_user("admin", ("admin", tree.county))
    _token, raw = token_issue(user=admin)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    failures = []
    for url, operations in api.get_openapi_schema()["paths"].items():
        if "{" not in url:
            continue
        for value in VALUES:
            concrete = re.sub(r"\{[^}]+\}", value, url)
            for method in operations:
                if method == "get":
                    response = client.get(concrete)
                else:
                    response = getattr(client, method)(
                        concrete, "{}", content_type="application/json"
                    )
                if response.status_code >= 500:
                    failures.append((method, concrete, response.status_code))
    assert failures == []


def test_web_paths_with_huge_ids(tree: Any, make_user: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(make_user("admin", ("admin", tree.county)))
    failures = []
    for pattern in _web_patterns(get_resolver()):
        if "<int:" not in pattern or pattern.startswith(("api/", "admin/")):
            continue
        url = "/" + re.sub(r"<int:[^>]+>", VALUES[0], pattern)
        url = re.sub(r"<[^>]+>", "x", url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert failures == []
