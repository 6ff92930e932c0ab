"""Linked passports across real nodes: the model lives on node B, the item on node A, and A
judges the item with B's model through the federation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.tiers import Role, Tier
from resolver.validation import pipeline
from tests.support.federation import EXAMPLE, get, node, peer
from tests.support.node import credential

OPERATOR = "linked-operator-token"
MODEL = "https://hdl.handle.net/88.200/EV-MODEL-1"
ITEM = "https://hdl.handle.net/88.100.1/EV-ITEM-1"
_IDENTITY = {"@context", "id", "type", "passportIdentifier", "serialNumber"}  # stay with the item


@dataclass
class Nodes:
    a: RunningNode
    b: RunningNode
    http: aiohttp.ClientSession


def _split() -> tuple[dict[str, object], dict[str, object]]:
    """The example passport split in two: its public data points in a model passport (B grants
    A the public tier), the rest in the item, which names the model."""
    full = orjson.loads(EXAMPLE.read_bytes())
    public = orjson.loads(pipeline.prepare_sync(EXAMPLE.read_bytes()).views[Tier.PUBLIC])
    shared = [key for key in public if key not in _IDENTITY]
    model = {k: v for k, v in public.items() if k != "proof"}
    model.update({"id": MODEL, "passportIdentifier": MODEL, "granularity": "model"})
    item = {k: v for k, v in full.items() if k not in shared}
    item.update({"id": ITEM, "passportIdentifier": ITEM, "modelPassport": MODEL})
    return model, item


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Nodes]:
    tmp: Path = tmp_path_factory.mktemp("linked")
    async with contextlib.AsyncExitStack() as stack:
        # max_age 0: A keeps none of B's answers, so a model changed on B is read again.
        b = await stack.enter_async_context(
            node(
                tmp,
                "b",
                ["88.200"],
                credentials=(credential("op", Role.OPERATOR, OPERATOR, ["88.200"]),),
                max_age=0,
            )
        )
        a = await stack.enter_async_context(
            node(
                tmp,
                "a",
                ["88.100.1"],
                credentials=(credential("op", Role.OPERATOR, OPERATOR, ["88.100.1"]),),
                federation={"peers": [peer("b", b.url, ["88.200"])]},
            )
        )
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield Nodes(a, b, http)


async def _put(
    http: aiohttp.ClientSession, url: str, doc: dict[str, object]
) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {OPERATOR}", "Content-Type": "application/ld+json"}
    async with http.put(url, data=orjson.dumps(doc), headers=headers) as response:
        return response.status, orjson.loads(await response.read() or b"{}")


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _stored(nodes: Nodes) -> None:
    """The model on B and the item on A, as the first test leaves them: under ``-n 2`` a later
    test may run in another worker, with nodes of its own (a re-PUT is unchanged)."""
    model, item = _split()
    for url, doc in (
        (f"{nodes.b.url}/88.200/EV-MODEL-1", model),
        (f"{nodes.a.url}/88.100.1/EV-ITEM-1", item),
    ):
        status, problem = await _put(nodes.http, url, doc)
        assert status in (200, 201), problem


async def test_an_item_is_accepted_with_the_data_its_model_on_another_node_holds(nodes: Nodes) -> None:
    model, item = _split()
    status, _ = await _put(nodes.http, f"{nodes.b.url}/88.200/EV-MODEL-1", model)
    assert status == 201
    alone = dict(item)
    del alone["modelPassport"]
    alone.update({"id": ITEM + "-ALONE", "passportIdentifier": ITEM + "-ALONE"})
    status, problem = await _put(nodes.http, f"{nodes.a.url}/88.100.1/EV-ITEM-1-ALONE", alone)
    assert status == 422 and "violation(s)" in str(problem["detail"])
    status, problem = await _put(nodes.http, f"{nodes.a.url}/88.100.1/EV-ITEM-1", item)
    assert status == 201, problem


async def test_the_combined_view_names_the_passport_each_value_comes_from(nodes: Nodes) -> None:
    await _stored(nodes)
    status, _, body = await get(nodes.http, f"{nodes.a.url}/88.100.1/EV-ITEM-1/linked")
    assert status == 200
    answer = orjson.loads(body)
    assert answer["links"] == {"model": MODEL, "batch": None}
    assert answer["provenance"]["category"] == MODEL and answer["view"]["category"]
    assert answer["provenance"]["serialNumber"] == ITEM


async def test_an_item_naming_a_model_that_is_nowhere_is_refused_naming_it(nodes: Nodes) -> None:
    _, item = _split()
    missing = "https://hdl.handle.net/88.200/NO-SUCH-MODEL"
    item.update({"id": ITEM + "-X", "passportIdentifier": ITEM + "-X", "modelPassport": missing})
    status, problem = await _put(nodes.http, f"{nodes.a.url}/88.100.1/EV-ITEM-1-X", item)
    assert status == 422
    assert f"Model passport {missing}" in str(problem["detail"])


async def test_a_model_change_that_breaks_an_item_is_reported_by_the_items_node(nodes: Nodes) -> None:
    await _stored(nodes)
    url = f"{nodes.a.url}/88.200/EV-MODEL-1/linked-items"
    status, _, _ = await get(nodes.http, url)
    assert status == 403  # the public does not see items judged at the highest tier
    status, _, body = await get(nodes.http, url, token=OPERATOR)
    assert status == 200 and orjson.loads(body)["broken"] == []
    model, _ = _split()
    del model["category"]  # the model itself is still accepted: its items may give it
    status, _ = await _put(nodes.http, f"{nodes.b.url}/88.200/EV-MODEL-1", model)
    assert status == 200
    # A learns of the write at its next ask: the items are re-validated then, not at B's write.
    assert nodes.a.node.linked is not None
    nodes.a.node.linked.forget(MODEL)  # A follows no feed of B's changes in this test
    status, _, body = await get(nodes.http, url, token=OPERATOR)
    answer = orjson.loads(body)
    assert answer["items"] == [ITEM]
    [broken] = answer["broken"]
    assert broken["item"] == ITEM and any("category" in v for v in broken["violations"])


async def test_import_into_a_node_puts_items_after_the_model_they_name(nodes: Nodes, tmp_path: Path) -> None:
    import asyncio
    import json
    import sys

    model, item = _split()
    model_iri, item_iri = "https://hdl.handle.net/88.100.1/EV-MODEL-2", ITEM + "-IMPORTED"
    model.update({"id": model_iri, "passportIdentifier": model_iri})
    item.update({"id": item_iri, "passportIdentifier": item_iri, "modelPassport": model_iri})
    (tmp_path / "set.jsonl").write_bytes(orjson.dumps(item) + b"\n" + orjson.dumps(model))  # item first
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "resolver", "import", str(tmp_path / "set.jsonl")),
        *("--node", nodes.a.url, "--token", OPERATOR, "--concurrency", "4", "--json", "--no-progress"),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    summary = json.loads(out)
    assert (process.returncode, summary["created"]) == (0, 2), summary


async def _validate(nodes: Nodes, doc: dict[str, object], token: str | None = None) -> dict[str, object]:
    headers = {"Content-Type": "application/ld+json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{nodes.a.url}/validate"
    async with nodes.http.post(url, data=orjson.dumps(doc), headers=headers) as response:
        assert response.status == 200, await response.text()
        report: dict[str, object] = orjson.loads(await response.read())
        return report


def _violations(report: dict[str, object]) -> list[str]:
    results = report["results"]
    assert isinstance(results, list)
    return [str(r["message"]) for r in results if r["severity"] == "Violation"]


async def test_validate_judges_an_item_with_its_model_on_another_node_as_a_put_would(nodes: Nodes) -> None:
    await _stored(nodes)
    _, item = _split()
    report = await _validate(nodes, item)
    assert report["conforms"] is True, _violations(report)
    alone = {k: v for k, v in item.items() if k != "modelPassport"}
    report = await _validate(nodes, alone)
    assert report["conforms"] is False and any("required" in v for v in _violations(report))
    missing = "https://hdl.handle.net/88.200/NO-SUCH-MODEL"
    report = await _validate(nodes, {**item, "modelPassport": missing})
    assert report["conforms"] is False
    assert any(v.startswith(f"Model passport {missing}: ") for v in _violations(report))


async def test_validate_judges_a_model_without_what_its_items_give(nodes: Nodes) -> None:
    model, _ = _split()
    report = await _validate(nodes, model)
    assert report["conforms"] is True, _violations(report)
    unmarked = {k: v for k, v in model.items() if k != "granularity"}
    assert (await _validate(nodes, unmarked))["conforms"] is False
    report = await _validate(nodes, {**model, "weight": {"value": -3, "unit": "KGM"}})
    assert report["conforms"] is False  # what a model gives must still be right


async def test_validate_reads_the_model_at_the_callers_tier(nodes: Nodes) -> None:
    """A model's data points above the caller's tier count as absent: /validate tells no caller
    more of a model than a read of it would."""
    full = orjson.loads(EXAMPLE.read_bytes())
    model_iri = "https://hdl.handle.net/88.100.1/EV-MODEL-TIERS"
    model = {k: v for k, v in full.items() if k not in _IDENTITY}
    model.update({"@context": full["@context"], "type": full["type"], "id": model_iri})
    model.update({"passportIdentifier": model_iri, "granularity": "model"})
    status, problem = await _put(nodes.http, f"{nodes.a.url}/88.100.1/EV-MODEL-TIERS", model)
    assert status in (200, 201), problem
    item = {k: full[k] for k in _IDENTITY}
    item.update({"id": ITEM + "-T", "passportIdentifier": ITEM + "-T", "modelPassport": model_iri})
    operator = await _validate(nodes, item, token=OPERATOR)
    assert operator["conforms"] is True, _violations(operator)
    public = await _validate(nodes, item)
    assert public["conforms"] is False
    violations = _violations(public)
    assert "Data point 45 (anode material): required, as one value, a non-empty text" in violations
    assert not any("Data point 50 (test reports)" in v for v in _violations(operator))
