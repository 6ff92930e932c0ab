"""The GBA market: the Global Battery Alliance's Battery Passport indicators, limited to what GBA
publishes (its greenhouse-gas rulebook, and its child-labour and human-rights indices). The
scheme is voluntary: there is no date; a line is missing when the passport cannot show it.

A passport can show the greenhouse-gas footprint (the carbon footprint declaration) and link a
due-diligence report; the indices themselves are GBA's assessment, not passport data, so the
lines on child labour and human rights say only whether the evidence they rest on is linked.
"""

from __future__ import annotations

import datetime

from resolver.readiness.report import Facts, Line

__all__ = ["gba_lines"]

EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
_FOOTPRINT = (EUBAT + "hasCarbonFootprintDeclaration",)
_DUE_DILIGENCE = (EUBAT + "hasSupplyChainDueDiligence", EUBAT + "dueDiligenceReportUrl")
_INDICATORS = (
    ("gba-ghg", "Greenhouse-gas footprint (GBA GHG Rulebook)", "GBA GHG Rulebook (2023)", _FOOTPRINT),
    ("gba-child-labour", "Child labour index: due-diligence evidence linked",
     "GBA Child Labour Index rulebook", _DUE_DILIGENCE),
    ("gba-human-rights", "Human rights index: due-diligence evidence linked",
     "GBA Human Rights Index rulebook", _DUE_DILIGENCE),
)  # fmt: skip


def gba_lines(facts: Facts, on: datetime.date) -> list[Line]:
    lines = []
    for key, label, source, predicates in _INDICATORS:
        present = any(facts.has(p) for p in predicates)
        base = {"key": key, "label": label, "source": source, "tier": "public"}
        if present:
            lines.append(Line(**base, status="valid"))
        else:
            lines.append(Line(**base, status="missing", reason="GBA's passport shows it (voluntary scheme)"))
    return lines
