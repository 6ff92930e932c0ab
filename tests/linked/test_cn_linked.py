"""Linked passports in the cn-battery profile: a Chinese pack's item, model and batch passports
judged together in cn-battery, and a model of another profile refused naming it (docs/linked.md)."""

from __future__ import annotations

from pathlib import Path

import orjson

from resolver.jsontypes import JSONObject
from resolver.linked import combine
from resolver.linked.offline import judge
from resolver.validation import pipeline

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cn-battery" / "pack-lfp.jsonld"
EU_EXAMPLE = EXAMPLE.parents[1] / "valid" / "ev-lfp.jsonld"
CN = "cn-battery"
ITEM = "https://hdl.handle.net/88.300.1/X9KPB1ANB51234T3E0000042"
MODEL = "https://hdl.handle.net/88.300.1/X9K-PACK-280AH-MODEL"
BATCH = "https://hdl.handle.net/88.300.1/X9K-PACK-280AH-LOT-2026-03"
_MODEL_TERMS = ("manufacturer", "productType", "batteryType", "ratedCapacity", "ratedVoltage", "mass")


def split() -> tuple[JSONObject, JSONObject, JSONObject]:
    """The example pack as an item, its model (what every pack of the type shares) and its
    batch (the production date), each a cn-battery passport."""
    full: JSONObject = orjson.loads(EXAMPLE.read_bytes())
    context, kind = full["@context"], full["type"]
    model: JSONObject = {"@context": context, "id": MODEL, "type": kind, "granularity": "model"}
    model.update({term: full.pop(term) for term in _MODEL_TERMS})
    batch: JSONObject = {"@context": context, "id": BATCH, "type": kind, "granularity": "batch"}
    batch["productionDate"] = full.pop("productionDate")
    full.update({"id": ITEM, "modelPassport": MODEL, "batchPassport": BATCH})
    return full, model, batch


def _required(report: object) -> list[str]:
    results = getattr(report, "results", ())
    return [r.message for r in results if r.severity == "Violation" and "is required" in r.message]


def test_a_cn_item_conforms_with_its_model_and_batch_in_cn_battery() -> None:
    item, model, batch = split()
    alone = pipeline.validate_sync(orjson.dumps(item), profile=CN)
    assert "cn-mass (mass) is required, exactly once" in _required(alone)
    judged = judge(orjson.dumps(item), {"model": orjson.dumps(model), "batch": orjson.dumps(batch)}, CN)
    assert judged is not None
    assert judged.report.conforms, [r.message for r in judged.report.results]


def test_a_cn_model_is_judged_without_what_its_items_give() -> None:
    _item, model, _batch = split()
    assert pipeline.validate_sync(orjson.dumps(model), profile=CN).conforms is False  # no code, no date
    judged = judge(orjson.dumps(model), {}, CN)
    assert judged is not None and judged.report.conforms
    model["mass"] = {"value": -1, "unit": "KGM"}  # what it gives must still be right
    judged = judge(orjson.dumps(model), {}, CN)
    assert judged is not None and not judged.report.conforms


def test_a_model_of_another_profile_is_refused_naming_it() -> None:
    item, _model, batch = split()
    eu_model = orjson.loads(EU_EXAMPLE.read_bytes())
    eu_model.update({"id": MODEL, "passportIdentifier": MODEL, "granularity": "model"})
    given = {"model": orjson.dumps(eu_model), "batch": orjson.dumps(batch)}
    judged = judge(orjson.dumps(item), given, CN)
    assert judged is not None and not judged.report.conforms
    messages = [r.message for r in judged.report.results]
    assert (
        f"Model passport {MODEL}: it is a eu-battery passport; "
        "a cn-battery item takes values from cn-battery passports only"
    ) in messages
    assert "cn-mass (mass) is required, exactly once" in messages  # nothing was taken from it


def test_the_merged_cn_view_names_where_each_value_comes_from() -> None:
    item, model, batch = split()
    linked = [combine.Linked("batch", BATCH, batch), combine.Linked("model", MODEL, model)]
    merged, provenance = combine.merged_view(item, combine.in_profile(linked, CN), CN)
    assert merged["mass"] == {"value": 412.5, "unit": "KGM"}
    assert provenance["mass"] == MODEL and provenance["productionDate"] == BATCH
    assert provenance["batteryCode"] == ITEM and "granularity" not in merged
