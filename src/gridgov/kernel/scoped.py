"""Area-scoped models: rows that live at an area and are seen through the jurisdiction layer.

A model that lives at an area subclasses :class:`AreaScoped`. It then

* owns ``area`` (a foreign key to :class:`~gridgov.areas.models.Area`) and ``area_path``, the
  area's materialised path copied onto the row so that a subtree is one index range
  (``DESIGN.md``, "The area tree");
* fills ``area_path`` itself on create (:meth:`AreaScoped.save`), and offers
  :meth:`AreaScoped.fill_area_paths` to the fast paths that write rows without ``save()``
  (``bulk_create``, :func:`gridgov.core.statements.insert_row`);
* is re-pathed when an area moves: :func:`gridgov.areas.services.area_move` walks every
  installed model that names copied path fields in ``area_path_fields``, which this base
  declares — no hand-kept list of models;
* declares the permission needed to see it (``view_perm``) and, optionally, others by action
  (``action_perms``);
* is scoped by ``Model.objects.visible_to(user, action)`` — the one way lists and object fetches
  are narrowed — and fetched with ``Model.objects.get_visible(user, action, pk)``, which answers
  :class:`~gridgov.core.errors.NotFound` outside the user's jurisdiction (so a row outside is
  indistinguishable from a row that does not exist).

Rows whose path is copied from a parent row rather than from an area of their own (a resident's
tag, a party member's organisation) subclass :class:`PathScoped`: the same scoping and
re-pathing, without the ``area`` key.

The rule itself — which subtrees a user holds a permission over — is
:mod:`gridgov.accounts.scoping`; a model whose rule is wider (cases: a department sees what it
holds) overrides :meth:`PathScoped.scope_q` and :meth:`PathScoped.allows`.

Concrete models may redeclare ``area`` or ``area_path`` (another ``related_name``,
``verbose_name``, an index of their own) as long as the field keeps its name and kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core.errors import NotFound

if TYPE_CHECKING:
    from gridgov.areas.models import Area

S = TypeVar("S", bound="PathScoped")

VIEW = "view"


class AreaScopedQuerySet(models.QuerySet[S], Generic[S]):
    """The queryset of every area-scoped model."""

    def visible_to(self, user: Any, action: str = VIEW, *, use_index: bool = True) -> Any:
        """The rows ``user`` may ``action`` (``"view"``, another key of the model's
        ``action_perms``, or a permission such as ``Perm.ROSTER_EDIT``).

        ``use_index=False`` for large time-ordered lists, see
        :func:`gridgov.areas.selectors.subtree_q`."""
        return visible(self, user, action, use_index=use_index)

    def get_visible(self, user: Any, action: str = VIEW, pk: Any = None, **lookup: Any) -> S:
        """The one row (by ``pk`` or other lookups) that ``user`` may ``action``; NotFound when
        it does not exist or lies outside the user's jurisdiction."""
        if pk is not None:
            lookup["pk"] = pk
        if not lookup:
            raise not_found(self.model)
        try:
            obj: S = self.filter(**lookup).get()
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise not_found(self.model) from None
        if not obj.allows(user, self.model.perm_for(action)):
            raise not_found(self.model)
        return obj


def visible(
    qs: models.QuerySet[Any], user: Any, action: str = VIEW, *, use_index: bool = True
) -> models.QuerySet[Any]:
    """``qs.visible_to(user, action)`` for a queryset of any area-scoped model, typed as a plain
    queryset (what selectors that start from ``select_related``/``filter`` call)."""
    model = qs.model
    if scoping.is_global(user):
        return qs
    return qs.filter(model.scope_q(user, model.perm_for(action), use_index=use_index))


class AreaScopedManager(models.Manager[S]):
    """``Model.objects`` of area-scoped models: plain querysets (of the scoped kind underneath)
    plus :meth:`visible_to` and :meth:`get_visible`."""

    def get_queryset(self) -> AreaScopedQuerySet[S]:
        return AreaScopedQuerySet(self.model, using=self._db)

    def visible_to(
        self, user: Any, action: str = VIEW, *, use_index: bool = True
    ) -> models.QuerySet[S]:
        """See :meth:`AreaScopedQuerySet.visible_to`."""
        qs: models.QuerySet[S] = self.get_queryset().visible_to(user, action, use_index=use_index)
        return qs

    def get_visible(self, user: Any, action: str = VIEW, pk: Any = None, **lookup: Any) -> S:
        """See :meth:`AreaScopedQuerySet.get_visible`."""
        return self.get_queryset().get_visible(user, action, pk, **lookup)


def not_found(model: type[models.Model]) -> NotFound:
    """The refusal of a row that does not exist or lies outside the jurisdiction (the same
    answer for both, so a user learns nothing of rows they may not see)."""
    return NotFound(_("Not found, or outside your jurisdiction."))


class PathScoped(models.Model):
    """Base of rows scoped by a copied area path (see the module docstring).

    ``path_source`` names the foreign key the path is copied from: an area (its ``path``) or
    another scoped row (its ``area_path``) — a tag copies its resident's, a meeting its
    organisation's."""

    # Copied area paths, re-pathed by gridgov.areas.services.area_move.
    area_path_fields: ClassVar[tuple[str, ...]] = ("area_path",)
    path_source: ClassVar[str] = "area"
    # The permission needed to see a row, and the permissions of other named actions.
    view_perm: ClassVar[str] = Perm.VIEW_AREA
    action_perms: ClassVar[dict[str, str]] = {}

    area_path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = AreaScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._path_in_play(kwargs.get("update_fields")) and not self.area_path:
            self.sync_area_path()
        super().save(*args, **kwargs)

    def _path_in_play(self, update_fields: Iterable[str] | None) -> bool:
        """Is the path part of this save? Not for a partial save of other columns, nor when
        the path or its source was deferred (reading them would cost a query per row)."""
        source = self._meta.get_field(self.path_source)
        names = {"area_path", source.name, source.attname}  # type: ignore[union-attr]
        if update_fields is not None and not names & set(update_fields):
            return False
        deferred = self.get_deferred_fields()
        return "area_path" not in deferred and source.attname not in deferred  # type: ignore[union-attr]

    @classmethod
    def perm_for(cls, action: str) -> str:
        """The permission an action needs: ``"view"`` → ``view_perm``, a named action →
        ``action_perms``, anything else is taken to be a permission already."""
        if action == VIEW:
            return cls.view_perm
        return cls.action_perms.get(action, action)

    @classmethod
    def scope_q(cls, user: Any, perm: str, *, use_index: bool = True) -> Q:
        """The rows in which ``user`` holds ``perm`` (the rule of :mod:`gridgov.accounts.scoping`)."""
        return scoping.scope_q(user, perm, path_field="area_path", use_index=use_index)

    def allows(self, user: Any, perm: str) -> bool:
        """Does ``user`` hold ``perm`` over this row? The same rule as :meth:`scope_q`."""
        return scoping.can_path(user, perm, self.area_path)

    def sync_area_path(self) -> None:
        """Copy the path from ``path_source`` (before an insert, or after a change of it). The
        fast insert paths, which do not call ``save()``, call this (or
        :meth:`fill_area_paths`) themselves."""
        source = getattr(self, self.path_source)
        if source is not None:
            self.area_path = source_path(source)

    @staticmethod
    def path_from(source: Any) -> dict[str, str]:
        """``{"area_path": …}`` copied from a new source, for an ``update()`` that moves rows to
        it (a member transferred to another organisation)."""
        return {"area_path": source_path(source)}

    @classmethod
    def fill_area_paths(cls, objs: Iterable[PathScoped]) -> None:
        """Fill ``area_path`` on unsaved rows before a ``bulk_create`` or a fast insert: rows
        whose source is loaded use it, the others' sources are read in one query."""
        field = cls._meta.get_field(cls.path_source)
        descriptor = getattr(cls, cls.path_source)
        attname = field.attname  # type: ignore[union-attr]
        rows = list(objs)
        missing = {
            getattr(o, attname)
            for o in rows
            if getattr(o, attname) is not None and not descriptor.is_cached(o)
        }
        loaded: dict[Any, Any] = {}
        if missing:
            loaded = field.related_model._default_manager.in_bulk(missing)  # type: ignore[union-attr]
        for o in rows:
            key = getattr(o, attname)
            if key is None:
                continue
            source = getattr(o, cls.path_source) if descriptor.is_cached(o) else loaded[key]
            o.area_path = source_path(source)


def source_path(source: Any) -> str:
    """The path a row copies from its source: an area's ``path``, a scoped row's ``area_path``."""
    path = getattr(source, "area_path", None)
    return str(path if path is not None else source.path)


def _last_id(path: str) -> str:
    """The id of the area a path ends at ("1/10/" → "10")."""
    return path.rstrip("/").rpartition("/")[2]


class AreaScoped(PathScoped):
    """Base of rows that live at an area (see the module docstring)."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_lazy("area"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # On create, and whenever the area was changed without the path following it.
        if (
            self._path_in_play(kwargs.get("update_fields"))
            and self.area_id is not None
            and _last_id(self.area_path) != str(self.area_id)
        ):
            self.sync_area_path()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "area_path"}
        super().save(*args, **kwargs)

    @staticmethod
    def place_at(source: Any) -> dict[str, Any]:
        """The ``area`` and ``area_path`` values of a row placed where ``source`` is — an area,
        or another area-scoped row (a resident where their household is) — without reading the
        area again: ``Resident.objects.create(**Resident.place_at(household), …)``."""
        if isinstance(source, AreaScoped):
            return {"area_id": source.area_id, "area_path": source.area_path}
        return {"area": source, "area_path": source.path}

    @classmethod
    def update_area(cls, qs: models.QuerySet[Any], *, area: Area, **fields: Any) -> int:
        """Move the rows of ``qs`` to ``area`` with their path (a bulk ``update``, as a building
        handed to another grid takes its households and residents along)."""
        return qs.update(area=area, area_path=area.path, **fields)
