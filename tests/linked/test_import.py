"""Bulk import of linked passports: an item is judged with its model and batch as a PUT judges
it, whatever their order in the input, and an item whose linked passports are missing is
refused naming them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters.formats import convert
from resolver.linked import imports
from resolver.tiers import Tier
from resolver.validation import pipeline
from tests.support.cli import passport_node
from tests.support.federation import EXAMPLE

DATA = Path(__file__).parent / "data"
MODEL = "https://hdl.handle.net/88.100.1/EV-MODEL-1"
BATCH = "https://hdl.handle.net/88.100.1/EV-BATCH-1"
ITEM = "https://hdl.handle.net/88.100.1/EV-ITEM-1"
_IDENTITY = {"@context", "id", "type", "passportIdentifier", "serialNumber"}
BP = "https://w3id.org/battery-passport/eu-battery#"


def _split() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The example passport in three: its public data points in a model passport, the
    manufacturing date in a batch passport, the rest in the item, which names both."""
    full = orjson.loads(EXAMPLE.read_bytes())
    public = orjson.loads(pipeline.prepare_sync(EXAMPLE.read_bytes()).views[Tier.PUBLIC])
    shared = [key for key in public if key not in _IDENTITY and key != "manufacturingDate"]
    model = {k: v for k, v in public.items() if k not in ("proof", "manufacturingDate")}
    model.update({"id": MODEL, "passportIdentifier": MODEL, "granularity": "model"})
    batch = {k: full[k] for k in ("@context", "type", "manufacturingDate")}
    batch.update({"id": BATCH, "passportIdentifier": BATCH, "granularity": "batch"})
    item = {k: v for k, v in full.items() if k not in shared and k != "manufacturingDate"}
    item.update({"id": ITEM, "passportIdentifier": ITEM, "modelPassport": MODEL, "batchPassport": BATCH})
    return model, batch, item


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", *args, "--store", store, "--workers", "1", "--json", "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def _reasons(summary: dict[str, Any]) -> dict[str, str]:
    return {r["source"].rsplit("/", 1)[-1]: r["reason"] for r in summary["rejections"]}


def test_items_first_in_the_input_are_judged_with_the_model_and_batch_after_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, batch, item = _split()
    alone = {k: v for k, v in item.items() if k not in ("modelPassport", "batchPassport")}
    alone.update({"id": ITEM + "-ALONE", "passportIdentifier": ITEM + "-ALONE"})
    missing = dict(item, id=ITEM + "-X", passportIdentifier=ITEM + "-X", modelPassport=MODEL + "-NONE")
    lines = [item, alone, missing, model, batch]  # the items before what they name
    (tmp_path / "set.jsonl").write_bytes(b"\n".join(orjson.dumps(doc) for doc in lines))
    code, summary = _import(tmp_path, capsys, str(tmp_path / "set.jsonl"))
    assert code == 1 and summary["created"] == 3, summary
    reasons = _reasons(summary)
    assert set(reasons) == {"set.jsonl:2", "set.jsonl:3"}
    assert ": required" in reasons["set.jsonl:2"]  # the item alone lacks what its model holds
    assert reasons["set.jsonl:3"].startswith(
        "does not conform: Model passport https://hdl.handle.net/88.100.1/EV-MODEL-1-NONE: "
        "no passport is stored for 88.100.1/EV-MODEL-1-NONE (nor accepted from this import)"
    )
    # A second import finds the model and batch in the store: the item is unchanged.
    (tmp_path / "item.json").write_bytes(orjson.dumps(item))
    code, summary = _import(tmp_path, capsys, str(tmp_path / "item.json"))
    assert (code, summary["unchanged"]) == (0, 1), summary


def _openepcis_item() -> bytes:
    item = orjson.loads((DATA / "openepcis-amperia-staxwall-item.jsonld").read_bytes())
    item[BP + "modelPassport"] = {"@id": "https://hdl.handle.net/88.100.1/AMP-STAX-10"}
    item[BP + "batchPassport"] = {"@id": "https://id.gs1.org/01/09521234002000/10/LOT-2026-AMP01"}
    return orjson.dumps(item)


def test_openepcis_item_model_and_batch_are_told_apart_and_the_item_judged_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = orjson.loads((DATA / "openepcis-amperia-staxwall-model.jsonld").read_bytes())
    model["id"] = "https://hdl.handle.net/88.100.1/AMP-STAX-10"  # a GTIN alone is no key here
    (tmp_path / "0-item.jsonld").write_bytes(_openepcis_item())
    (tmp_path / "1-model.jsonld").write_bytes(orjson.dumps(model))
    batch = (DATA / "openepcis-amperia-staxwall-batch.jsonld").read_bytes()
    (tmp_path / "2-batch.jsonld").write_bytes(batch)
    kinds = [
        imports.kind(convert("openepcis", (tmp_path / n).read_bytes()).body)
        for n in sorted(p.name for p in tmp_path.iterdir())
    ]
    assert kinds == ["linked", "shared", "shared"]
    code, summary = _import(tmp_path, capsys, "--format", "openepcis", str(tmp_path))
    reasons = _reasons(summary)
    assert code == 1 and summary["accepted"] == 0
    # The published model and batch give values our shapes refuse (a product name in three
    # languages, a partial carbon footprint), but are not held to what their items give ...
    assert ": required" not in reasons["1-model.jsonld"] + reasons["2-batch.jsonld"]
    # ... and, not stored, they are what the item is refused for first.
    assert reasons["0-item.jsonld"].startswith(
        "does not conform: Batch passport https://id.gs1.org/01/09521234002000/10/LOT-2026-AMP01: "
        "no passport is stored for 01/09521234002000/10/LOT-2026-AMP01 (nor accepted from this import); "
        "Model passport https://hdl.handle.net/88.100.1/AMP-STAX-10: no passport is stored"
    )


def test_a_set_without_linked_passports_is_not_parsed_to_be_sorted() -> None:
    body = EXAMPLE.read_bytes()
    assert not imports.names_links(body)
    sorted_ = imports.phases([body, body], lambda b: b)
    assert (len(sorted_.plain), sorted_.shared, sorted_.linked) == (2, [], [])
