"""The shape of one workload's result: the figure, its baseline from the same run, the target."""

from __future__ import annotations

from typing import Any

from bench.machine import describe

__all__ = ["REQUIRED_KEYS", "make_result"]

REQUIRED_KEYS = ("workload", "value", "unit", "baseline", "ratio", "target", "met")


def make_result(
    workload: str,
    *,
    value: float | None,
    unit: str,
    baseline: float | None,
    ratio: float | None,
    target: str,
    met: bool | None,
    details: dict[str, Any] | None = None,
    commands: list[str] | None = None,
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """One JSON-ready result; ``met`` is None when the target could not be judged."""
    return {
        "workload": workload,
        "value": _round(value),
        "unit": unit,
        "baseline": _round(baseline),
        "ratio": None if ratio is None else round(ratio, 3),
        "target": target,
        "met": met,
        "details": details or {},
        "commands": commands or [],
        "notes": notes or [],
        "machine": describe(),
    }


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 4) if abs(value) < 100 else round(value, 1)
