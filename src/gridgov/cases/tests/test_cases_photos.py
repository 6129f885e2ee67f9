"""Photos are checked by content, re-encoded without metadata and stored as attachments."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from gridgov.cases.models import CaseAttachment
from gridgov.cases.photos import attach_photos, check_photo, check_photos
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    _media,
    cats,
    gps_exif,
    image_bytes,
    upload,
)
from gridgov.core.errors import ValidationFailed


def reopen(content: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(content))
    img.load()
    return img


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_become_jpeg(fmt: str) -> None:
    photo = check_photo(upload(image_bytes(fmt), name=f"p.{fmt.lower()}"))
    assert photo.source_format == fmt
    assert reopen(photo.content).format == "JPEG"
    assert (photo.width, photo.height) == (64, 48)


def test_text_file_named_jpg_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_photo(upload(b"hello, this is not an image\n" * 10, name="x.jpg"))
    assert err.value.code == "bad_photo"
    assert "photos" in err.value.fields


def test_gif_is_refused_even_though_pillow_reads_it() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_photo(upload(image_bytes("GIF", mode="P", color=1), name="x.jpg"))
    assert err.value.code == "bad_photo"


def test_truncated_jpeg_is_refused() -> None:
    data = image_bytes("JPEG", (400, 300))
    with pytest.raises(ValidationFailed) as err:
        check_photo(upload(data[: len(data) // 2]))
    assert err.value.code == "bad_photo"


def test_empty_file_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        check_photo(upload(b""))


def test_oversized_file_is_refused(settings: Any) -> None:
    settings.GRIDGOV_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as err:
        check_photo(upload(image_bytes("PNG", (300, 300)) + b"\0" * 2000))
    assert err.value.code == "bad_photo"


def test_too_many_pixels_is_refused(settings: Any) -> None:
    settings.GRIDGOV_PHOTO_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationFailed) as err:
        check_photo(upload(image_bytes("PNG", (200, 200))))
    assert err.value.code == "bad_photo"


def test_png_with_exif_gps_is_stored_without_it() -> None:
    data = image_bytes("PNG", exif=gps_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload has GPS
    photo = check_photo(upload(data, name="gps.png"))
    img = reopen(photo.content)
    assert not img.getexif()
    assert b"Exif" not in photo.content


def test_jpeg_with_gps_is_stripped() -> None:
    photo = check_photo(upload(image_bytes("JPEG", exif=gps_exif())))
    assert not reopen(photo.content).getexif()


def test_exif_orientation_is_applied() -> None:
    # Orientation 6: the camera held sideways; the stored picture is turned upright.
    photo = check_photo(upload(image_bytes("JPEG", (64, 48), exif=gps_exif(orientation=6))))
    assert (photo.width, photo.height) == (48, 64)


def test_large_photo_is_scaled_down() -> None:
    photo = check_photo(upload(image_bytes("JPEG", (3000, 1500))))
    assert (photo.width, photo.height) == (2560, 1280)


def test_transparent_png_is_flattened() -> None:
    photo = check_photo(upload(image_bytes("PNG", mode="RGBA", color=(0, 0, 0, 0))))
    assert reopen(photo.content).getpixel((1, 1)) == (255, 255, 255)


def test_too_many_photos_are_refused(settings: Any) -> None:
    settings.GRIDGOV_PHOTO_MAX_COUNT = 2
    files = [upload(image_bytes()) for _ in range(3)]
    with pytest.raises(ValidationFailed) as err:
        check_photos(files)
    assert err.value.code == "too_many_photos"


@pytest.mark.django_db
def test_attach_photos_saves_rows_and_files(tree: Any, cats: Any, make_user: Any) -> None:
    from gridgov.cases.services.intake import case_report

    case = case_report(
        actor=None, source="patrol", category=cats.litter, title="垃圾", area=tree.grid1
    ).case
    saved = attach_photos(case=case, event=None, files=[upload(image_bytes())], actor=None)
    assert len(saved) == 1
    row = CaseAttachment.objects.get(pk=saved[0].pk)
    assert (row.width, row.height) == (64, 48)
    assert row.size == row.file.size
    assert len(row.sha256) == 64
    with row.file.open("rb") as fh:
        assert reopen(fh.read()).format == "JPEG"


@pytest.mark.django_db
def test_attach_photos_with_one_bad_file_stores_nothing(tree: Any, cats: Any) -> None:
    from gridgov.cases.services.intake import case_report

    case = case_report(
        actor=None, source="patrol", category=cats.litter, title="垃圾", area=tree.grid1
    ).case
    with pytest.raises(ValidationFailed):
        attach_photos(
            case=case, event=None, files=[upload(image_bytes()), upload(b"nope")], actor=None
        )
    assert not CaseAttachment.objects.filter(case=case).exists()
