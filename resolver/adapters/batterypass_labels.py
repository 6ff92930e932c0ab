"""The Battery Pass Labels aspect (``urn:samm:io.BatteryPass.Labels:1.2.0#Labeling``: labels and
conformity) in and out of our terms.

- ``declarationOfConformity`` (a web address) <-> ``declarationOfConformity``;
- ``resultOfTestReport`` (one web address) <-> ``testReports`` (ours may hold several: out, one
  is written and several are named as not written);
- ``labels`` (``labelingSymbol``, ``labelingMeaning``, ``labelingSubject``): a label whose subject
  is ``SeparateCollection`` and that gives no meaning <-> ``separateCollectionSymbol``; any other
  label <-> an entry of ``labels`` (``labelSymbol``, ``labelMeaning``). The meaning is a text per
  language; ours is one plain text, read from the English one (the others are listed as not
  mapped) and written back as English. A subject outside the model's four
  (``SeparateCollection``, ``HazardousMaterial``, ``CarbonFootPrint``, ``ExtinguishingAgent``)
  is refused with its path; the subject of a label read into ``labels`` has no term of ours and
  is listed.

Ours with no field in the aspect, named as not written: ``cadmiumSymbol`` and ``leadSymbol``
(true/false, where the aspect wants a symbol's address).
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.batterypass_fields import Aspect, Reading, enumerated
from resolver.errors import DocumentError

__all__ = ["ASPECT"]

KEY = "labels"
ALIASES = ("labeling",)
MARKERS = ("declarationOfConformity", "resultOfTestReport")
_SUBJECTS = {
    name: name
    for name in ("SeparateCollection", "HazardousMaterial", "CarbonFootPrint", "ExtinguishingAgent")
}
_SEPARATE = "SeparateCollection"


def read(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    terms: dict[str, object] = {}
    conformity = reading.text(aspect, "declarationOfConformity")
    if conformity is not None:
        terms["declarationOfConformity"] = conformity
    report = reading.text(aspect, "resultOfTestReport")
    if report is not None:
        terms["testReports"] = [report]
    labels: list[dict[str, object]] = []
    for index, label in enumerate(reading.objects(aspect, "labels")):
        inside = f"labels[{index}]"
        symbol = reading.text(label, "labelingSymbol", inside)
        meaning = _meaning(label, inside, reading)
        subject = enumerated(reading, label, "labelingSubject", inside, _SUBJECTS)
        if subject == _SEPARATE and meaning is None and "separateCollectionSymbol" not in terms and symbol:
            terms["separateCollectionSymbol"] = symbol
            continue
        if subject is not None:
            reading.left.append(reading.where(inside, "labelingSubject"))
        ours: dict[str, object] = {
            key: value for key, value in (("labelSymbol", symbol), ("labelMeaning", meaning)) if value
        }
        if ours:
            labels.append(ours)
    if labels:
        terms["labels"] = labels
    return terms


def _meaning(label: dict[str, object], inside: str, reading: Reading) -> str | None:
    """The English text of a label's meaning (a plain text is taken as it is)."""
    found = reading.value(label, "labelingMeaning", inside)
    if found is None or isinstance(found, str):
        return found or None
    if not isinstance(found, dict) or not all(isinstance(text, str) for text in found.values()):
        raise DocumentError(
            f"{reading.where(inside, 'labelingMeaning')}: {found!r} is not a text per language"
        )
    where = reading.where(inside, "labelingMeaning")
    reading.left += [f"{where}.{language}" for language in found if language != "en"]
    english = found.get("en")
    return english if isinstance(english, str) and english else None


def write(passport: Mapping[str, object], left: list[str]) -> tuple[dict[str, object], set[str]]:
    out: dict[str, object] = {}
    taken: set[str] = set()
    conformity = passport.get("declarationOfConformity")
    if isinstance(conformity, str):
        out["declarationOfConformity"] = conformity
        taken.add("declarationOfConformity")
    reports = passport.get("testReports")
    reports = [reports] if isinstance(reports, str) else reports
    if isinstance(reports, list) and len(reports) == 1 and isinstance(reports[0], str):
        out["resultOfTestReport"] = reports[0]
        taken.add("testReports")
    labels: list[dict[str, object]] = []
    symbol = passport.get("separateCollectionSymbol")
    if isinstance(symbol, str):
        labels.append({"labelingSymbol": symbol, "labelingSubject": _SEPARATE})
        taken.add("separateCollectionSymbol")
    ours = passport.get("labels")
    for label in [ours] if isinstance(ours, dict) else ours if isinstance(ours, list) else []:
        if isinstance(label, dict):
            labels.append(_label(label, left))
            taken.add("labels")
    if labels:
        out["labels"] = labels
    return out, taken


def _label(label: dict[str, object], left: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    if isinstance(label.get("labelSymbol"), str):
        out["labelingSymbol"] = label["labelSymbol"]
    if isinstance(label.get("labelMeaning"), str):
        out["labelingMeaning"] = {"en": label["labelMeaning"]}
    held = {"labelSymbol": "labelingSymbol", "labelMeaning": "labelingMeaning"}
    left += [f"labels.{key}" for key in label if held.get(key) not in out]
    return out


ASPECT = Aspect(KEY, ALIASES, MARKERS, read, write)
