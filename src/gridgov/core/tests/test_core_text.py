"""The one rule for characters in text (gridgov.core.text)."""

from __future__ import annotations

import pytest

from gridgov.core.text import BadCharacters, bad_character, check_text, find_bad, printable


@pytest.mark.parametrize(
    "value, expected",
    [
        ("凤鸣社区 3 号楼", None),
        ("line one\nline two\tend\r\n", None),
        ("nul\x00", "U+0000"),
        ("bell\x07", "U+0007"),
        ("del\x7f", "U+007F"),
        ("c1\x85", "U+0085"),
        ("abc\ud800", "U+D800"),
        ("\ufffe", "U+FFFE"),
    ],
)
def test_bad_character(value: str, expected: str | None) -> None:
    assert bad_character(value) == expected


def test_single_line_refuses_line_breaks() -> None:
    assert bad_character("a\nb", multiline=False) == "U+000A"
    assert bad_character("a\tb", multiline=False) == "U+0009"


def test_find_bad_names_the_field_path() -> None:
    assert find_bad({"name": "ok", "items": [{"note": "x\x01"}]}) == ("items.0.note", "U+0001")
    assert find_bad({"bad\x00key": 1}) == ("bad\x00key", "U+0000")
    assert find_bad({"n": 1, "t": ["fine"]}) is None


def test_check_text_raises_a_400_with_the_field() -> None:
    assert check_text("好") == "好"
    with pytest.raises(BadCharacters) as caught:
        check_text("x\x00", field="name")
    assert caught.value.status == 400
    assert "U+0000" in caught.value.message
    assert set(caught.value.fields) == {"name"}


def test_printable_strips_what_exports_cannot_hold() -> None:
    assert printable("张\x01三\ud800\n") == "张三\n"
