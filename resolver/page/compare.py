"""Batteries side by side (``/compare``): the figures a buyer compares, each with the better
value marked, from the tier views the caller may see (a figure the tier hides shows as hidden).

Energy is not a data point of the profile; it is computed as rated capacity x nominal voltage
and labelled as computed. The profile has no second-life grade, so there is no row for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypedDict

from resolver.jsontypes import JSON
from resolver.page.i18n import Texts, texts
from resolver.page.render import STYLE

__all__ = ["Battery", "Comparison", "Figure", "FigureRow", "compare_json", "compare_page", "figures"]


@dataclass(frozen=True, slots=True)
class Battery:
    """One battery of a comparison: its identifier, where its page is, and its tier view."""

    handle: str
    path: str
    view: Mapping[str, JSON]


@dataclass(frozen=True, slots=True)
class Figure:
    """A row: its key, unit, whether higher is better, and how to read it from a view."""

    key: str
    unit: str
    higher_is_better: bool
    read: Callable[[Mapping[str, JSON]], float | None]


def _quantity(*path: str) -> Callable[[Mapping[str, JSON]], float | None]:
    def read(view: Mapping[str, JSON]) -> float | None:
        value: object = view
        for name in path:
            value = value.get(name) if isinstance(value, Mapping) else None
        if isinstance(value, Mapping):
            value = value.get("value")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return read


def _energy(view: Mapping[str, JSON]) -> float | None:
    capacity, voltage = _quantity("ratedCapacity")(view), _quantity("nominalVoltage")(view)
    return capacity * voltage / 1000 if capacity is not None and voltage is not None else None


def figures() -> tuple[Figure, ...]:
    return (
        Figure("cmp.capacity", "Ah", True, _quantity("ratedCapacity")),
        Figure("cmp.energy", "kWh", True, _energy),
        Figure("cmp.carbon", "kgCO2e/kWh", False, _quantity("carbonFootprint", "total")),
        Figure("cmp.cobalt", "%", True, _quantity("recycledContent", "recycledCobaltShare")),
        Figure("cmp.lithium", "%", True, _quantity("recycledContent", "recycledLithiumShare")),
        Figure("cmp.nickel", "%", True, _quantity("recycledContent", "recycledNickelShare")),
        Figure("cmp.lead", "%", True, _quantity("recycledContent", "recycledLeadShare")),
        Figure("cmp.cycles", "", True, _quantity("expectedLifetimeCycles")),
        Figure("cmp.years", "a", True, _quantity("expectedLifetimeYears")),
        Figure("soh.stateOfCertifiedEnergy", "%", True, _quantity("stateOfCertifiedEnergy")),
    )


class FigureRow(TypedDict):
    """One figure of :func:`compare_json`."""

    figure: str
    unit: str
    higherIsBetter: bool
    values: list[float | None]
    best: float | None


class Comparison(TypedDict):
    """What :func:`compare_json` returns."""

    batteries: list[str]
    figures: list[FigureRow]


def _best(values: Sequence[float | None], higher: bool) -> float | None:
    known = [v for v in values if v is not None]
    if len(known) < 2 or len(set(known)) == 1:
        return None  # nothing to prefer
    return max(known) if higher else min(known)


def compare_json(batteries: Sequence[Battery]) -> Comparison:
    """The comparison as data: per figure, each battery's value (None: absent or hidden) and
    the best one."""
    rows: list[FigureRow] = []
    for figure in figures():
        values = [figure.read(b.view) for b in batteries]
        rows.append(
            {
                "figure": figure.key,
                "unit": figure.unit,
                "higherIsBetter": figure.higher_is_better,
                "values": values,
                "best": _best(values, figure.higher_is_better),
            }
        )
    return {"batteries": [b.handle for b in batteries], "figures": rows}


def compare_page(batteries: Sequence[Battery], *, lang: str, tier_label: str) -> bytes:
    """The comparison as an HTML table, the better value of each row marked in words and bold."""
    t = texts(lang)
    heads = "".join(
        f'<th scope="col"><a href="{escape(b.path)}?format=html&amp;lang={lang}">{escape(_name(b))}</a></th>'
        for b in batteries
    )
    body = "".join(_row(figure, batteries, t) for figure in figures())
    title = escape(t("cmp.title"))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}"
        "td.best{font-weight:700}</style></head><body>"
        f'<header><h1>{title}</h1><p class="sub">{escape(t("cmp.note", tier=t("tier." + tier_label)))}</p>'
        f'</header><main id="main"><div class="scroll" role="region" tabindex="0" aria-label="{title}">'
        f"<table><caption>{title}</caption>"
        f'<tr><th scope="col">{escape(t("cmp.figure"))}</th>{heads}</tr>{body}</table></div></main>'
        "</body></html>\n"
    ).encode()


def _row(figure: Figure, batteries: Sequence[Battery], t: Texts) -> str:
    values = [figure.read(b.view) for b in batteries]
    best = _best(values, figure.higher_is_better)
    unit = f" ({figure.unit})" if figure.unit else ""
    cells = []
    for value in values:
        if value is None:
            cells.append(f"<td>{escape(t('cmp.unknown'))}</td>")
        elif value == best:
            cells.append(
                f'<td class="best">{escape(t.number(round(value, 1)))} ({escape(t("cmp.better"))})</td>'
            )
        else:
            cells.append(f"<td>{escape(t.number(round(value, 1)))}</td>")
    return f'<tr><th scope="row">{escape(t(figure.key))}{escape(unit)}</th>{"".join(cells)}</tr>'


def _name(battery: Battery) -> str:
    for key in ("productName", "model"):
        value = battery.view.get(key)
        if isinstance(value, str) and value:
            return value
    return battery.handle
