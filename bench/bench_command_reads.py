"""The timed reads of bench_command.py (filled below)."""

from __future__ import annotations

from typing import Any


def run(tree: Any, stages: set[str], repeat: int, results: dict[str, Any]) -> None:
    return None
