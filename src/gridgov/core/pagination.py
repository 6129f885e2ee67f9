"""The one paginator of the JSON API: ``?page=&page_size=`` in, ``{items, count, page,
page_size, pages}`` out. Every list endpoint uses :func:`paged` so lists never grow unbounded.
Lists that may match a million rows count at most :data:`COUNT_CAP` of them
(:func:`capped_count`; in the API :class:`CappedPagination`, on web pages
:class:`CappedPaginator`).

Usage::

    @router.get("/things", response=list[ThingOut])
    @paged
    def thing_list(request): return thing_selector(actor=request.auth)
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Beyond the last page a list is empty; past this page number the request is refused (422)
# rather than turned into an OFFSET no database needs.
MAX_PAGE = 100_000

COUNT_CAP = 10_000  # lists count at most this many rows (pagers then say "10000+")

F = TypeVar("F", bound=Callable[..., Any])


def capped_count(qs: QuerySet[Any], cap: int | None = None) -> int:
    """``qs.count()`` but never more than ``cap + 1`` (then the list says "more than cap";
    ``cap`` is :data:`COUNT_CAP` unless given). Without the rows' ``select_related`` joins,
    which a count would read for every row."""
    cap = COUNT_CAP if cap is None else cap
    return int(qs.select_related(None).order_by()[: cap + 1].count())


class CappedPaginator(Paginator):
    """A web page's paginator that counts at most :data:`COUNT_CAP` rows (``capped`` tells the
    template to say "more than"). ``counted``, when given, is the same rows filtered the way
    that counts them soonest (see :func:`gridgov.cases.selectors.case_list_counted_for`)."""

    def __init__(self, object_list: Any, per_page: int, counted: Any = None) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        qs = self.object_list if self.counted is None else self.counted
        if isinstance(qs, QuerySet):
            return capped_count(qs)
        return len(qs)

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


class PagePagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE}.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Items per page, 1 to {MAX_PAGE_SIZE}.",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Number of items on all pages.")
        page: int
        page_size: int
        pages: int = Field(description="Number of pages (at least 1).")

    def paginate_queryset(
        self,
        queryset: Any,
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        rows, counted = queryset if isinstance(queryset, tuple) else (queryset, queryset)
        size = int(pagination.page_size)
        page = int(pagination.page)
        count = self.count_rows(counted)
        offset = (page - 1) * size
        items = list(rows[offset : offset + size]) if offset < count else []
        return {
            "items": items,
            "count": count,
            "page": page,
            "page_size": size,
            "pages": max(1, math.ceil(count / size)),
        }

    def count_rows(self, queryset: QuerySet[Any]) -> int:
        return int(self._items_count(queryset))


class CappedPagination(PagePagination):
    """Page pagination whose ``count`` stops at :data:`COUNT_CAP` + 1 (``capped`` then says
    so). The endpoint returns a queryset, or a pair (the rows, the same rows filtered the way
    that counts them soonest; see :class:`CappedPaginator`)."""

    class Output(PagePagination.Output):
        count: int = Field(
            description=f"Number of items on all pages, counted to {COUNT_CAP + 1} at most."
        )
        capped: bool = Field(False, description="True if more rows match than were counted.")

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        out = super().paginate_queryset(queryset, pagination, request, **params)
        return {**out, "capped": out["count"] > COUNT_CAP}

    def count_rows(self, queryset: QuerySet[Any]) -> int:
        return capped_count(queryset)


def resolved(func: F) -> F:
    """``func`` with its annotations evaluated. ninja's paginator wraps the view in its own
    module, where the names of a ``from __future__ import annotations`` module's string
    annotations (``DbId | None``) cannot be found."""
    func.__annotations__ = typing.get_type_hints(func, include_extras=True)
    return func


def paged_by(pagination: type[PaginationBase]) -> Callable[[F], F]:
    """Paginate with ``pagination`` (e.g. :class:`CappedPagination`)."""

    def wrap(func: F) -> F:
        return paginate(pagination)(resolved(func))

    return wrap


def paged(func: F) -> F:
    """Paginate a list endpoint that returns a queryset (``response=list[ItemSchema]``)."""
    return paged_by(PagePagination)(func)
