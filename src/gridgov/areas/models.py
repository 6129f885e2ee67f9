"""The area tree: one ``Area`` per node, a materialised path for index-friendly subtree queries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.areas.codes import Kind, Level, display_code


class Area(models.Model):
    """A node of the administrative and grid tree (province … grid … building).

    ``path`` is the chain of primary keys from the root, each followed by ``/``
    (``"1/7/42/"``). A subtree is every row whose path starts with the node's path; see
    :func:`gridgov.areas.selectors.subtree_q` for the index-friendly form on each database.
    Paths change only through :mod:`gridgov.areas.services`.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84) and its derived bounding box/centre.
    geometry = models.JSONField(_("boundary"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    center_lon = models.FloatField(null=True, blank=True, editable=False)
    center_lat = models.FloatField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "level", "code"], name="area_parent_level_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_code})"

    @property
    def display_code(self) -> str:
        return display_code(self.code, self.level)

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to, and including, this node."""
        return [int(p) for p in self.path.split("/") if p]

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID


class GeoRevision(models.Model):
    """A single-row counter bumped whenever any boundary changes, in the same transaction.

    In-process spatial indexes compare it to the revision they were built from, so every
    process (web, worker) sees polygon changes.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("boundary revision")

    def __str__(self) -> str:
        return f"r{self.revision}"
