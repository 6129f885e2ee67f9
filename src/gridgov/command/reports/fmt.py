"""How figures are written in the reports (the same in Excel and PDF)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DASH = "—"


def pct(rate: float | None) -> str:
    """A rate (0…1) as a percentage with one decimal, rounded half up ("—" for none)."""
    if rate is None:
        return DASH
    value = Decimal(repr(rate * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def number(value: Any) -> Any:
    """A count as an int, another figure with at most two decimals, none as "—"."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 2)
    return value
