"""``assess``: the readiness of one passport for one market on one date, judged in its own
profile; a cn-battery passport is read through the cn -> eu mapping for the EU and GBA lines."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from resolver.cn import mapping
from resolver.errors import InputError
from resolver.jsontypes import JSONObject
from resolver.profile import PROFILES, Profile
from resolver.readiness.eu import CATEGORIES
from resolver.readiness.eu_lines import eu_lines
from resolver.readiness.report import Facts, Line, Readiness, facts_of, root_predicate
from resolver.tiers import Tier
from resolver.validation import ValidationReport

__all__ = ["MARKETS", "assess"]

_EU, _CN = PROFILES[0], "cn-battery"


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
    profile: str = _EU,
) -> Readiness:
    """The readiness of the expanded passport for ``market`` on ``on``; ``report`` is its
    validation in ``profile``, the profile it is written in (its violations make lines fail).
    A cn-battery passport's EU data points are read through the cn -> eu mapping, and so are
    its violations' properties."""
    lines_for = MARKETS.get(market)
    if lines_for is None:
        raise InputError(f"unknown market {market!r}: one of {', '.join(MARKETS)}")
    translated = profile == _CN and market != "cn"
    if translated:
        expanded = mapping.to_eu(expanded, passport)
    failures: dict[int, list[str]] = {}
    problems: dict[str, list[str]] = {}
    for result in report.results:
        if result.severity != "Violation":
            continue
        predicate = root_predicate(result.path)
        if predicate:
            problems.setdefault(predicate, []).append(result.message)
        points = result.data_points if profile == _EU else _eu_points(predicate)
        for point in points:
            failures.setdefault(point, []).append(result.message)
    facts = facts_of(expanded, failures, CATEGORIES, passport, visible, problems)
    return Readiness(
        facts.passport, market, on, facts.category, tuple(lines_for(facts, on)), profile, translated
    )


def _eu_points(predicate: str) -> tuple[int, ...]:
    """The EU data points a cn-battery property's problem falls on (none for a CN-only one)."""
    return Profile.load(name=_EU).data_points_of(mapping.eu_predicate(predicate)) if predicate else ()
