"""``assess``: the readiness of one passport for one market on one date."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from resolver.errors import InputError
from resolver.jsontypes import JSONObject
from resolver.readiness.eu import CATEGORIES
from resolver.readiness.eu_lines import eu_lines
from resolver.readiness.report import Facts, Line, Readiness, facts_of
from resolver.tiers import Tier
from resolver.validation import ValidationReport

__all__ = ["MARKETS", "assess"]


def _cn(facts: Facts, on: datetime.date) -> list[Line]:
    from resolver.readiness.cn import cn_lines

    return cn_lines(facts, on)


def _gba(facts: Facts, on: datetime.date) -> list[Line]:
    from resolver.readiness.gba import gba_lines

    return gba_lines(facts, on)


MARKETS: dict[str, Callable[[Facts, datetime.date], list[Line]]] = {"eu": eu_lines, "cn": _cn, "gba": _gba}


def assess(
    market: str,
    expanded: list[JSONObject],
    report: ValidationReport,
    on: datetime.date,
    *,
    passport: str = "",
    visible: Tier = Tier.AUTHORITY,
) -> Readiness:
    """The readiness of the expanded passport for ``market`` on ``on``; ``report`` is its
    validation against the eu-battery profile (its violations make lines fail)."""
    lines_for = MARKETS.get(market)
    if lines_for is None:
        raise InputError(f"unknown market {market!r}: one of {', '.join(MARKETS)}")
    failures: dict[int, list[str]] = {}
    for result in report.results:
        if result.severity == "Violation":
            for point in result.data_points:
                failures.setdefault(point, []).append(result.message)
    facts = facts_of(expanded, failures, CATEGORIES, passport, visible)
    return Readiness(facts.passport, market, on, facts.category, tuple(lines_for(facts, on)))
