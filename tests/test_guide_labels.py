"""Every 「…」 label the user guides quote is one the app shows: it occurs in a template or in
the Chinese translations (the catalogues the pages and scripts are rendered with).

A label with a placeholder ("网格编码“…”不存在", a message with "%(code)s") matches when its
fixed parts do. What the guides quote that is not a label of the app — example data typed or
seen on a page — is listed in :data:`NOT_LABELS`, each with the reason.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDES = sorted((ROOT / "docs" / "guide").glob("*.md"))
SRC = ROOT / "src" / "gridgov"

# Quoted in the guides but not labels: values of the demo data or examples a user types.
NOT_LABELS = {
    "王**": "a masked name as the lists show it (example data)",
    "139****5678": "a masked mobile number (example data)",
    "139****1111": "a masked mobile number (example data)",
    "1***************2X": "a masked ID number (example data)",
    "0951-***2345": "a masked landline number (example data)",
    "幸福小区": "an estate name typed in the example (data)",
    "3号楼": "a building name in the example (data)",
    "井盖": "a keyword typed into the search box (example)",
    "回电核实施工地点": "a note typed by a dispatcher in the example (data)",
    "工作需要": "a reason typed in the example (data)",
    "查看": "a poor unmasking reason the guide warns against (example data)",
    "李建": "the beginning of a name typed into the search (example)",
}

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}|…")


def quoted_labels() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for guide in GUIDES:
        for label in re.findall(r"「([^」\n]+)」", guide.read_text(encoding="utf-8")):
            found.append((guide.name, label))
    return found


def _unescape_po(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@cache
def corpus() -> tuple[str, frozenset[str]]:
    """(all template, script and Excel-template text, every current Chinese msgstr — not the obsolete ``#~``
    entries)."""
    texts = [p.read_text(encoding="utf-8") for p in SRC.rglob("templates/**/*.html")]
    texts += [
        p.read_text(encoding="utf-8")
        for p in SRC.rglob("static/**/*.js")
        if "vendor" not in p.parts
    ]
    # The Excel templates are written by code: their sheet names and headers are labels too.
    texts += [p.read_text(encoding="utf-8") for p in SRC.rglob("excel/*.py")]
    texts += [(SRC / "core" / "excel.py").read_text(encoding="utf-8")]
    messages: set[str] = set()
    for po in (SRC / "locale" / "zh_Hans" / "LC_MESSAGES").glob("*.po"):
        for block in po.read_text(encoding="utf-8").split("\n\n"):
            if "\nmsgstr" not in "\n" + block:
                continue
            msgstr = "msgstr" + ("\n" + block).split("\nmsgstr", 1)[1]
            for one in re.split(
                r"\nmsgstr\[\d\] ", "\n" + msgstr.replace("msgstr[", "\nmsgstr[", 1)
            ):
                text = _unescape_po(
                    "".join(re.findall(r'^(?:msgstr(?:\[\d\])? )?"(.*)"$', one, flags=re.M))
                )
                if text:
                    messages.add(text.strip())
    return "\n".join(texts), frozenset(messages)


def _pattern(text: str) -> re.Pattern[str]:
    pieces = PLACEHOLDER.split(text)
    return re.compile(".+?".join(re.escape(p) for p in pieces), flags=re.S)


def label_exists(label: str) -> bool:
    """The label is a whole message (or a message without its trailing colon), a message with
    its placeholders filled in, or literal text of a template or script."""
    templates, messages = corpus()
    if label in templates:
        return True
    # A whole message, or its leading clause (the guides quote 「身份证号校验位错误」 of
    # "身份证号校验位错误。").
    clauses = set(messages) | {
        m[:i] for m in messages for i, ch in enumerate(m) if ch in "，。：；" and i
    }
    if label in clauses:
        return True
    if "…" in label:
        fixed = [p for p in label.split("…") if p.strip()]
        if any(all(p in m for p in fixed) for m in messages):
            return True
    return any(
        PLACEHOLDER.search(m)
        # The message's own words make up at least half the label ("%(name)s" alone is no
        # match for anything).
        and 2 * len(PLACEHOLDER.sub("", m)) >= len(label)
        and _pattern(m).fullmatch(label)
        for m in clauses
    )


def test_the_guides_quote_labels() -> None:
    assert len(quoted_labels()) > 50


@pytest.mark.parametrize("guide,label", quoted_labels())
def test_every_quoted_label_exists_in_the_app(guide: str, label: str) -> None:
    if label in NOT_LABELS:
        return
    assert label_exists(label), (
        f"{guide} quotes 「{label}」, which is in no template and no zh_Hans translation; "
        "fix the guide (or, if it is example data, add it to NOT_LABELS with a reason)"
    )


def test_the_allow_list_holds_only_what_the_guides_still_quote() -> None:
    quoted = {label for _guide, label in quoted_labels()}
    assert not set(NOT_LABELS) - quoted
