"""Linked passports judged together: OpenEPCIS's published item, model and batch (Amperia
StaxWall 10), read by the openepcis adapter, in this process."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import formats
from resolver.errors import NotFound
from resolver.jsontypes import JSON, JSONObject
from resolver.linked import combine
from resolver.linked.passports import LinkedPassports
from resolver.tiers import Tier
from resolver.validation import pipeline
from resolver.validation.report import PreparedPassport, ValidationReport

DATA = Path(__file__).parent / "data"
MODEL = "https://hdl.handle.net/88.100.1/AMP-STAX-10-MODEL"
BATCH = "https://id.gs1.org/01/09521234002000/10/LOT-2026-AMP01"


class InProcess:
    """The validator's two calls, run in this process (pipeline.prepare_sync / validate_sync)."""

    async def prepare(
        self,
        body: bytes,
        *,
        expected_iri: str | None = None,
        media_type: str = "application/ld+json",
        verdict: ValidationReport | None = None,
        profile: str = "eu-battery",
    ) -> PreparedPassport:
        return pipeline.prepare_sync(
            body, expected_iri=expected_iri, media_type=media_type, verdict=verdict, profile=profile
        )

    async def validate(
        self, body: bytes, *, media_type: str = "application/ld+json", profile: str = "eu-battery"
    ) -> ValidationReport:
        return pipeline.validate_sync(body, media_type=media_type, profile=profile)


def _converted(name: str) -> list[JSONObject]:
    body = formats.convert(
        "openepcis", (DATA / f"openepcis-amperia-staxwall-{name}.jsonld").read_bytes()
    ).body
    expanded: list[JSONObject] = orjson.loads(body)
    return expanded


@pytest.fixture(scope="module")
def views() -> dict[str, bytes]:
    """The model (re-identified under a handle: a GTIN alone is no passport key) and the batch as
    a node serves them: compacted in our context."""
    model, batch = _converted("model"), _converted("batch")
    model[0]["@id"] = MODEL
    return {MODEL: orjson.dumps(jsonld.compact(model)), BATCH: orjson.dumps(jsonld.compact(batch))}


def _linked(views: dict[str, bytes]) -> LinkedPassports:
    async def fetch(iri: str, tier: Tier) -> bytes:
        del tier
        if iri not in views:
            raise NotFound(f"no passport is registered for {iri}")
        return views[iri]

    return LinkedPassports(InProcess(), fetch)


def _required(report: ValidationReport) -> set[int]:
    return {p for r in report.results if ": required" in r.message for p in r.data_points}


def _item(model: str = MODEL) -> list[JSON]:
    item: list[JSON] = list(_converted("item"))
    first = item[0]
    assert isinstance(first, dict)
    first[combine.MODEL] = [{"@id": model}]
    first[combine.BATCH] = [{"@id": BATCH}]
    return item


async def test_the_item_loses_the_missing_reports_its_model_and_batch_answer(views: dict[str, bytes]) -> None:
    item = _item()
    alone = pipeline.validate_sync(orjson.dumps(item))
    together = await _linked(views).judge(item, combine.links_of(item))
    gone = _required(alone) - _required(together)
    # From the model: manufacturer (3), rated capacity (11), voltages (26-28), chemistry's
    # materials (45); from the batch: place (8) and date (9) of manufacture.
    assert {3, 8, 9, 11, 26, 27, 28, 45} <= gone
    assert _required(together) < _required(alone)
    # What neither holds is still reported: critical raw materials (15).
    assert 15 in _required(together)


async def test_an_unreadable_model_is_a_violation_naming_it(views: dict[str, bytes]) -> None:
    item = _item(model="https://hdl.handle.net/88.100.1/NO-SUCH-MODEL")
    report = await _linked(views).judge(item, combine.links_of(item))
    assert not report.conforms
    assert report.results[0].message.startswith(
        "Model passport https://hdl.handle.net/88.100.1/NO-SUCH-MODEL: "
    )


async def test_the_view_names_the_passport_each_value_comes_from(views: dict[str, bytes]) -> None:
    item = jsonld.compact([n for n in _item() if isinstance(n, dict)])
    view, provenance, _linked_read = await _linked(views).view(item, Tier.AUTHORITY)
    own = str(item["id"])
    assert provenance["ratedCapacity"] == MODEL and "ratedCapacity" in view
    assert provenance["manufacturingDate"] == BATCH
    assert provenance["serialNumber"] == own
    assert "passportIdentifier" not in provenance or provenance["passportIdentifier"] == own


def test_a_model_passport_is_not_reported_for_what_its_items_give() -> None:
    model = _converted("model")
    report = pipeline.validate_sync(orjson.dumps(model))
    shared = combine.shared_verdict(report)
    assert _required(report) and not _required(shared)
    # What it gives must still be right: its product name in three languages is one too many.
    assert any("product name" in r.message for r in shared.results)
