"""Builders for the Open311 tests: categories and cases written directly (the read side does not
depend on the intake service), and a client key."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

_numbers = itertools.count(1)


@pytest.fixture
def categories(db: Any) -> dict[str, Any]:
    from gridgov.cases.models import Category

    env = Category.objects.create(code="T01", name="市容环境", sort=1)
    litter = Category.objects.create(
        code="T0101",
        name="暴露垃圾",
        parent=env,
        description="街面上的暴露垃圾",
        handle_limit=3,
        handle_unit="days",
    )
    parking = Category.objects.create(
        code="T0102",
        name="违章停车",
        parent=env,
        extra_fields=[
            {"name": "plate", "label": "车牌号", "type": "text", "required": True},
            {"name": "kind", "label": "车型", "type": "choice", "choices": ["小车", "货车"]},
            {"name": "count", "label": "数量", "type": "number"},
        ],
    )
    retired = Category.objects.create(code="T0103", name="停用类别", parent=env, is_active=False)
    return {"env": env, "litter": litter, "parking": parking, "retired": retired}


@pytest.fixture
def make_case(db: Any, tree: Any, categories: dict[str, Any]) -> Callable[..., Any]:
    from gridgov.cases.models import Case

    def build(
        *,
        category: Any = None,
        status: str = "reported",
        reported_at: datetime | None = None,
        **fields: Any,
    ) -> Any:
        n = next(_numbers)
        values: dict[str, Any] = {
            "number": f"2026{n:06d}",
            "source": "resident",
            "category": category or categories["litter"],
            "title": f"路边垃圾 {n}",
            "description": "路口有一堆垃圾",
            "area": tree.grid1,
            "lon": 106.205,
            "lat": 38.505,
            "address": "凤鸣路 1 号",
            "reported_at": reported_at or timezone.now() - timedelta(hours=1),
            "status": status,
            "reporter_name": "王秘密",
            "reporter_phone_enc": "",
        }
        values.update(fields)
        return Case.objects.create(**values)

    return build


@pytest.fixture
def client_key(db: Any) -> tuple[Any, str]:
    from gridgov.open311.services import client_create

    return client_create(actor=None, name="市民通 App")
