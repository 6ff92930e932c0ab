"""`import --node` with the adapters that do more than PUT: an operational file's readings go
to the passport's events (POST /{id}/events), a PACT footprint feeds the passport it names
(read with GET, written with PUT). A real node on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.adapters.formats import convert
from resolver.app import RunningNode
from resolver.commands import import_footprints
from resolver.commands.importer import Item, Progress, Summary, _into_node
from resolver.config import default_config
from resolver.tiers import Role
from tests.support.node import credential, running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
HANDLE = "88.100.1/BAT-EV-000001"
TOKEN = "adapters-operator-token"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    config = default_config(
        store=f"sqlite:///{tmp_path_factory.mktemp('into-node')}/passports.sqlite3",
        prefixes=("88.100.1",),
        credentials=(credential("maker", Role.OPERATOR, TOKEN, ["88.100.1"]),),
        workers=1,
        chain=("local",),
    )
    async with running_node(config) as running:
        yield running


async def _import(node: RunningNode, items: list[Item]) -> Summary:
    summary = Summary()
    progress = Progress(len(items), summary, stream=io.StringIO(), enabled=False)
    await _into_node(items, node.url, TOKEN, 4, summary, progress)
    return summary


async def _get(node: RunningNode, path: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/ld+json"}
    async with aiohttp.ClientSession() as session, session.get(node.url + path, headers=headers) as response:
        assert response.status == 200, await response.text()
        answer: dict[str, object] = orjson.loads(await response.read())
        return answer


async def test_readings_go_to_the_passports_events(node: RunningNode) -> None:
    operational = DATA / "openepcis-amperia-staxwall-item.operational.jsonld"
    readings = convert("openepcis", operational.read_bytes())
    summary = await _import(node, [Item("ev.jsonld", EXAMPLE.read_bytes(), readings=readings.readings)])
    assert (summary.accepted, summary.readings, summary.readings_refused) == (1, 9, {}), summary.to_json()
    values = (await _get(node, f"/{HANDLE}/dynamic"))["values"]
    assert isinstance(values, dict) and len(values) == 9
    soh = values["stateOfHealth"]
    assert isinstance(soh, dict)
    assert (soh["value"], soh["unit"], soh["time"]) == (97.5, "P1", "2026-06-01T07:20:00.000Z")
    again = await _import(node, [Item("ev.jsonld", EXAMPLE.read_bytes(), readings=readings.readings)])
    assert (again.unchanged, again.readings) == (1, 0), again.to_json()


async def test_a_footprint_feeds_the_passport_on_the_node(node: RunningNode) -> None:
    await _import(node, [Item("ev.jsonld", EXAMPLE.read_bytes())])
    source = str(DATA / "pact-v2-cell-footprint.json")
    fed = await import_footprints.from_node(
        [(source, (DATA / "pact-v2-cell-footprint.json").read_bytes())], node.url, TOKEN, kwh_per_kg=None
    )
    assert fed.refused == [] and "companyName" in fed.unmapped[source]
    summary = await _import(node, [Item(s, body) for s, body in fed.passports])
    assert (summary.replaced, summary.rejections) == (1, []), summary.to_json()
    footprint = (await _get(node, f"/{HANDLE}"))["carbonFootprint"]
    assert isinstance(footprint, dict)
    assert footprint["rawMaterialAcquisition"] == {"value": 29.1, "unit": "kgCO2e/kWh"}
    assert footprint["total"]["value"] == pytest.approx(29.1 + 18.3 + 1.2 + 2.4)


async def test_an_aspect_with_id_is_merged_into_the_passport_on_the_node(node: RunningNode) -> None:
    """``import --node --format batterypass --id``: the passport read with GET, the aspect's
    terms merged in, written with PUT; an --id naming no passport there is refused."""
    from resolver.adapters import batterypass
    from resolver.commands import import_aspects

    await _import(node, [Item("ev.jsonld", EXAMPLE.read_bytes())])
    before = await _get(node, f"/{HANDLE}")
    carbon = DATA / "batterypass-carbon-footprint.json"
    given = [(str(carbon), carbon.read_bytes())]
    missing = await import_aspects.from_node(given, "88.100.1/NO-SUCH", node.url, TOKEN)
    assert (missing.passports, missing.refused) == (
        [],
        [(str(carbon), "--id 88.100.1/NO-SUCH: there is no passport 88.100.1/NO-SUCH to update")],
    )
    fed = await import_aspects.from_node(given, "https://hdl.handle.net/" + HANDLE, node.url, TOKEN)
    assert fed.refused == [] and fed.unmapped == {str(carbon): ["absoluteCarbonFootprint"]}
    summary = await _import(node, [Item(s, body) for s, body in fed.passports])
    assert (summary.replaced, summary.rejections) == (1, []), summary.to_json()
    after = await _get(node, f"/{HANDLE}")
    expected = batterypass.convert_with_notes(orjson.loads(carbon.read_bytes()), iri="x").document
    assert after["carbonFootprint"] == expected["carbonFootprint"] != before["carbonFootprint"]
    unsigned = {k: v for k, v in after.items() if k not in ("carbonFootprint", "proof")}
    assert unsigned == {k: v for k, v in before.items() if k not in ("carbonFootprint", "proof")}


async def test_a_gbt_34014_code_is_asked_of_the_node(node: RunningNode) -> None:
    from resolver.commands import import_aspects

    code = "X9KPB1ANB51234T3E0000042"
    coded = orjson.loads(EXAMPLE.read_bytes()) | {"id": f"https://hdl.handle.net/88.100.1/{code}"}
    coded["passportIdentifier"] = coded["id"]
    assert (await _import(node, [Item("coded.jsonld", orjson.dumps(coded))])).accepted == 1
    carbon = DATA / "batterypass-carbon-footprint.json"
    given = [(str(carbon), carbon.read_bytes())]
    fed = await import_aspects.from_node(given, code, node.url, TOKEN)
    assert fed.refused == [] and len(fed.passports) == 1
    assert orjson.loads(fed.passports[0][1])["id"] == coded["id"]
    missing = await import_aspects.from_node(given, code[:-4] + "0043", node.url, TOKEN)
    assert (
        missing.passports == [] and "no passport is registered for GB/T 34014 code" in missing.refused[0][1]
    )
