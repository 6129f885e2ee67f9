"""The error-code catalogue: every code the code base raises is in it, each once, documented."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from gridgov.core.errors import CATALOGUE, Code, DomainError, ValidationFailed, catalogue_markdown

SRC = Path(__file__).resolve().parents[2]  # src/gridgov
DOCS = SRC.parents[1] / "docs" / "api-errors.md"


def _code_params(tree: ast.Module) -> dict[str, int]:
    """Functions of a module taking a ``code`` parameter (the error helpers) → its position."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in node.args.args]
            if "code" in names:
                found[node.name] = names.index("code")
    return found


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def raised_codes() -> Iterator[tuple[str, str]]:
    """(code, where) of every code written as a string literal: ``code="..."`` in a call (but
    Django's form ``ValidationError``), ``code = "..."`` in a class, ``"code": "..."`` in a dict,
    a ``code`` parameter's default, and the ``code`` argument of a module's error helpers
    (``_error(request, status, "code", …)``, ``_fail(message, "code", field)``)."""
    for path in sorted(SRC.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "conftest.py":
            continue
        yield from _codes_in(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))


def _codes_in(source: str, where: str) -> Iterator[tuple[str, str]]:
    tree = ast.parse(source)
    helpers = _code_params(tree)
    if True:
        for node in ast.walk(tree):
            values: list[ast.expr | None] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "ValidationError":
                    continue  # a Django form error's code, not an API code
                values += [k.value for k in node.keywords if k.arg == "code"]
                if name in helpers and len(node.args) > helpers[name]:
                    values.append(node.args[helpers[name]])
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets
                    ):
                        values.append(stmt.value)
            elif isinstance(node, ast.Dict):
                values += [
                    v for k, v in zip(node.keys, node.values, strict=True) if _literal(k) == "code"
                ]
            elif isinstance(node, ast.arguments):
                positional = node.posonlyargs + node.args
                args = positional + node.kwonlyargs
                defaults = [None] * (len(positional) - len(node.defaults)) + list(node.defaults)
                defaults += list(node.kw_defaults)
                values += [d for a, d in zip(args, defaults, strict=True) if a.arg == "code"]
            for value in values:
                code = _literal(value)
                if code is not None:
                    yield code, f"{where}:{value.lineno}"  # type: ignore[union-attr]


def test_every_raised_code_is_in_the_catalogue() -> None:
    found = list(raised_codes())
    assert len(found) > 20  # the scan sees the code base
    unknown = sorted({f"{code} ({where})" for code, where in found if code not in set(Code)})
    assert not unknown, "codes missing from gridgov.core.errors.Code: " + ", ".join(unknown)


def test_the_scan_sees_literals_and_helpers() -> None:
    source = (
        "def _fail(message, code, field):\n    return ValidationFailed(message, code=code)\n"
        'x = _fail("m", "made_up_one", "f")\ny = Conflict("m", code="made_up_two")\n'
        'z = {"code": "made_up_three"}\n'
    )
    assert [c for c, _ in _codes_in(source, "x.py")] == [
        "made_up_one",
        "made_up_two",
        "made_up_three",
    ] or sorted(c for c, _ in _codes_in(source, "x.py")) == [
        "made_up_one",
        "made_up_three",
        "made_up_two",
    ]


def test_codes_are_unique_snake_case_and_documented() -> None:
    values = [c.value for c in Code]
    assert len(values) == len(set(values))
    assert all(
        v.isidentifier() and v == v.lower() and c.name == v.upper()
        for c, v in zip(Code, values, strict=True)
    )
    assert set(CATALOGUE) == set(Code)
    assert all(status and meaning.endswith(".") for status, meaning in CATALOGUE.values())


def test_the_docs_table_is_written_from_the_catalogue() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert catalogue_markdown() in text, "run: write docs/api-errors.md from catalogue_markdown()"


def test_errors_take_catalogue_codes() -> None:
    exc = ValidationFailed("名称必填", code=Code.NAME_REQUIRED, fields={"name": "必填"})
    assert exc.as_dict() == {
        "code": "name_required",
        "message": "名称必填",
        "fields": {"name": "必填"},
    }
    assert type(exc.as_dict()["code"]) is str
    assert DomainError("x").code == Code.INVALID
