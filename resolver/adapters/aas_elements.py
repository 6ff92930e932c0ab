"""What the readers of the AAS battery-passport submodels share: an element's children, and
its text, whether it or one below it holds any, and its value read as a finite number (an
impossible one refused with the element's path)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from resolver.errors import DocumentError

__all__ = ["children", "finite", "given", "plain", "text"]


def children(element: Mapping[str, object]) -> list[Mapping[str, object]]:
    """The elements inside a collection, or inside a submodel (``submodelElements``)."""
    value = element.get("value", element.get("submodelElements"))
    return [child for child in value if isinstance(child, dict)] if isinstance(value, list) else []


def finite(value: object, path: str) -> float:
    """``value`` (an AAS Property's text) as a finite number; DocumentError naming ``path``
    for anything else, ``NaN`` and ``INF`` included."""
    try:
        number = float(str(value))
    except ValueError:
        raise DocumentError(f"{path}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise DocumentError(f"{path}: {value!r} is not a number")
    return number


def plain(number: float) -> float | int:
    """A whole number as an int (so that ``2000.0`` is written ``2000``), others unchanged."""
    return int(number) if number.is_integer() else number


def text(element: Mapping[str, object]) -> str | None:
    """An element's text: a Property's value, or a MultiLanguageProperty's English text (else its
    first); None where it holds none."""
    value = element.get("value")
    if isinstance(value, str):
        return value or None
    if isinstance(value, list) and element.get("modelType") == "MultiLanguageProperty":
        texts = {str(v.get("language")): str(v.get("text")) for v in value if isinstance(v, dict)}
        return texts.get("en") or next(iter(texts.values()), None)
    return None


def given(element: Mapping[str, object]) -> bool:
    """Whether ``element`` or one below it holds a text (a MultiLanguageProperty's included): an
    element that does is read or listed as not mapped, one that does not is skipped."""
    return text(element) is not None or any(given(child) for child in children(element))
