"""The one paginator of the JSON API: ``?page=&page_size=`` in, ``{items, count, page,
page_size, pages}`` out. Every list endpoint uses :func:`paged` so lists never grow unbounded.

Usage::

    @router.get("/things", response=list[ThingOut])
    @paged
    def thing_list(request): return thing_selector(actor=request.auth)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

F = TypeVar("F", bound=Callable[..., Any])


class PagePagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, description="Page number, from 1.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Items per page (at most {MAX_PAGE_SIZE}).",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Number of items on all pages.")
        page: int
        page_size: int
        pages: int = Field(description="Number of pages (at least 1).")

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        size = int(pagination.page_size)
        page = int(pagination.page)
        count = self._items_count(queryset)
        offset = (page - 1) * size
        items = list(queryset[offset : offset + size]) if offset < count else []
        return {
            "items": items,
            "count": count,
            "page": page,
            "page_size": size,
            "pages": max(1, math.ceil(count / size)),
        }


def paged(func: F) -> F:
    """Paginate a list endpoint that returns a queryset (``response=list[ItemSchema]``)."""
    return paginate(PagePagination)(func)
