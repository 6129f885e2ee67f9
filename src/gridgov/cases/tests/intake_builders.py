"""Builders shared by the intake tests: categories, photo bytes, xlsx files, a media folder."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

# Points inside the conftest tree's grids (see gridgov/conftest.py).
IN_GRID1 = (106.205, 38.505)
IN_GRID2 = (106.215, 38.505)
IN_GRID3 = (106.305, 38.605)
OUTSIDE_GRIDS = (106.50, 38.80)  # in China, in no grid


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path / "media"


@pytest.fixture
def cats(db: Any) -> SimpleNamespace:
    from gridgov.cases.models import Category
    from gridgov.cases.states import HandlingLevel

    env = Category.objects.create(code="I01", name="市容环境", sort=1)
    litter = Category.objects.create(
        code="I0101", name="暴露垃圾", parent=env, default_level=HandlingLevel.GRID
    )
    parking = Category.objects.create(
        code="I0102",
        name="违章停车",
        parent=env,
        default_level=HandlingLevel.COMMUNITY,
        extra_fields=[{"name": "plate", "label": "车牌号", "type": "text", "required": True}],
    )
    dispute = Category.objects.create(
        code="I0201", name="邻里纠纷", default_level=HandlingLevel.STREET
    )
    food = Category.objects.create(
        code="I0301",
        name="食品安全",
        default_level=HandlingLevel.COUNTY,
        default_department_kind="market_regulation",
    )
    retired = Category.objects.create(code="I0199", name="停用类别", parent=env, is_active=False)
    return SimpleNamespace(
        env=env, litter=litter, parking=parking, dispute=dispute, food=food, retired=retired
    )


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    *,
    exif: Any = None,
    mode: str = "RGB",
    color: Any = (200, 30, 30),
) -> bytes:
    img = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif is not None:
        kwargs["exif"] = exif
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> Any:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (38.0, 30.0, 18.0), 3: "E", 4: (106.0, 12.0, 18.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    if orientation is not None:
        exif[0x0112] = orientation
    return exif


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)
