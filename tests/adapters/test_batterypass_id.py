"""``import --format batterypass --id IDENTIFIER``: a Battery Pass aspect without
GeneralProductInformation (a supplier's carbon footprint, say) merged into the stored passport
it is for, on a real store: exactly the aspect's terms change; without --id, for an --id naming
no stored passport, and for an impossible value it is refused and the passport is unchanged."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import batterypass
from tests.support.cli import passport_node

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
HANDLE = "88.100.1/BAT-EV-000001"
IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"
CARBON = DATA / "batterypass-carbon-footprint.json"
CIRCULARITY = DATA / "batterypass-circularity.json"
DILIGENCE = DATA / "batterypass-supply-chain-due-diligence.json"


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", *args, "--store", store, "--workers", "1", "--json", "--no-progress"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


def _stored(tmp_path: Path, key: str = HANDLE) -> dict[str, Any]:
    from resolver.integrity.served import split_signed
    from resolver.stores import open_store
    from resolver.tiers import Tier

    async def read() -> dict[str, Any]:
        store = await open_store(f"sqlite:///{tmp_path}/p.sqlite3")
        try:
            view = await store.get_view(key, Tier.AUTHORITY)
            assert view is not None
            document: dict[str, Any] = orjson.loads(split_signed(view.body)[0])
            return document
        finally:
            await store.aclose()

    return asyncio.run(read())


def _terms(path: Path) -> dict[str, Any]:
    """The passport terms the aspect in ``path`` maps (for any passport)."""
    read = batterypass.convert_with_notes(orjson.loads(path.read_bytes()), iri=IRI).document
    return {key: value for key, value in read.items() if key not in ("@context", "id", "type")}


@pytest.fixture
def stored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, summary = _run(tmp_path, capsys, str(EXAMPLE))
    assert (code, summary["created"]) == (0, 1), summary
    return _stored(tmp_path)


@pytest.mark.parametrize("given", [HANDLE, IRI, "hdl:88.100.1/BAT-EV-000001"])
def test_an_aspect_with_id_updates_exactly_its_terms(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any], given: str
) -> None:
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", given, str(CARBON))
    assert (code, summary["replaced"], summary["rejected"]) == (0, 1, 0), summary
    after = _stored(tmp_path)
    terms = _terms(CARBON)
    assert set(terms) == {"carbonFootprint"} and after["carbonFootprint"] == terms["carbonFootprint"]
    assert after["carbonFootprint"] != stored["carbonFootprint"]
    assert {k: v for k, v in after.items() if k not in terms} == {
        k: v for k, v in stored.items() if k not in terms
    }
    assert summary["unmapped"] == {str(CARBON): list(batterypass.convert_with_notes(
        orjson.loads(CARBON.read_bytes()), iri=IRI).unmapped)}  # fmt: skip
    # the same again: nothing to change
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", given, str(CARBON))
    assert (code, summary["unchanged"]) == (0, 1), summary


CODE = "X9KPB1ANB51234T3E0000042"  # a GB/T 34014 code (examples/cn-battery/pack-lfp.jsonld's)


def test_a_gbt_34014_code_is_looked_for_under_the_node_prefixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    coded = orjson.loads(EXAMPLE.read_bytes()) | {"id": f"https://hdl.handle.net/88.100.1/{CODE}"}
    coded["passportIdentifier"] = coded["id"]
    (tmp_path / "coded.jsonld").write_bytes(orjson.dumps(coded))
    assert _run(tmp_path, capsys, str(tmp_path / "coded.jsonld"))[1]["created"] == 1
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", CODE, str(CARBON))
    assert (code, summary["replaced"]) == (0, 1), summary
    assert _stored(tmp_path, f"88.100.1/{CODE}")["carbonFootprint"] == _terms(CARBON)["carbonFootprint"]
    other = CODE[:-4] + "0043"
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", other, str(CARBON))
    assert summary["rejections"][0]["reason"].startswith(
        f"--id {other}: there is no passport 88.100.1/{other}"
    )


def test_two_aspects_go_into_one_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any]
) -> None:
    given = ("--format", "batterypass", "--id", HANDLE, str(CARBON), str(DILIGENCE))
    code, summary = _run(tmp_path, capsys, *given)
    assert (code, summary["replaced"], summary["rejected"]) == (0, 1, 0), summary
    after = _stored(tmp_path)
    terms = _terms(CARBON) | _terms(DILIGENCE)
    assert set(terms) == {"carbonFootprint", "dueDiligence"} and {k: after[k] for k in terms} == terms
    assert {k: v for k, v in after.items() if k not in terms} == {
        k: v for k, v in stored.items() if k not in terms
    }


def test_a_merged_passport_the_shapes_refuse_is_not_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any]
) -> None:
    """The circularity aspect's recycled content (an industrial battery's: cobalt, nickel)
    replaces the EV passport's whole, which then lacks its lithium and lead shares."""
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", HANDLE, str(CIRCULARITY))
    assert (code, summary["accepted"], summary["rejected"]) == (1, 0, 1), summary
    assert "recycled lithium share" in summary["rejections"][0]["reason"]
    assert _stored(tmp_path) == stored


def test_an_aspect_without_id_is_refused_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any]
) -> None:
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", str(CARBON))
    assert (code, summary["rejected"]) == (1, 1), summary
    reason = summary["rejections"][0]["reason"]
    assert reason.startswith("productIdentifier: missing, and no IRI was given") and "--id" in reason
    assert _stored(tmp_path) == stored


def test_an_id_naming_no_stored_passport_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any]
) -> None:
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", "88.100.1/NO-SUCH", str(CARBON))
    assert (code, summary["accepted"], summary["rejected"]) == (1, 0, 1), summary
    assert summary["rejections"][0]["reason"] == (
        "--id 88.100.1/NO-SUCH: there is no passport 88.100.1/NO-SUCH to update"
    )
    code, summary = _run(
        tmp_path, capsys, "--format", "batterypass", "--id", "not an identifier", str(CARBON)
    )
    assert (code, summary["rejected"]) == (1, 1) and summary["rejections"][0]["reason"].startswith(
        "--id not an identifier: "
    )
    code, summary = _run(tmp_path, capsys, "--format", "batterypass", "--id", "99.999/ELSEWHERE", str(CARBON))
    assert summary["rejections"][0]["reason"] == "--id 99.999/ELSEWHERE: not under this node's prefixes"
    assert _stored(tmp_path) == stored


def test_an_impossible_value_leaves_the_passport_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any]
) -> None:
    bad = orjson.loads(CARBON.read_bytes()) | {"batteryCarbonFootprint": "a lot"}
    (tmp_path / "bad.json").write_bytes(orjson.dumps(bad))
    code, summary = _run(
        tmp_path,
        capsys,
        "--format",
        "batterypass",
        "--id",
        HANDLE,
        str(CIRCULARITY),
        str(tmp_path / "bad.json"),
    )
    reasons = {r["source"]: r["reason"] for r in summary["rejections"]}
    assert (code, summary["accepted"]) == (1, 0), summary
    assert reasons[str(tmp_path / "bad.json")] == "batteryCarbonFootprint: 'a lot' is not a number"
    assert reasons[str(CIRCULARITY)] == "not written: another file for the same --id was refused"
    assert _stored(tmp_path) == stored


def test_a_product_identifier_naming_another_passport_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored: dict[str, Any]
) -> None:
    general = orjson.loads((DATA / "batterypass-general-product-information.json").read_bytes())
    other = general | {"productIdentifier": "https://hdl.handle.net/88.100.1/BAT-EV-000002"}
    same = {  # the same passport in another form, beside the carbon footprint under its key
        "generalProductInformation": {
            "productIdentifier": "hdl:88.100.1/bat-ev-000001",
            "batteryMass": 451.5,
        },
        "carbonFootprint": orjson.loads(CARBON.read_bytes()),
    }
    (tmp_path / "other.json").write_bytes(orjson.dumps(other))
    (tmp_path / "same.json").write_bytes(orjson.dumps(same))
    code, summary = _run(
        tmp_path, capsys, "--format", "batterypass", "--id", HANDLE, str(tmp_path / "other.json")
    )
    assert code == 1 and summary["rejections"][0]["reason"] == (
        "productIdentifier: 'https://hdl.handle.net/88.100.1/BAT-EV-000002' is not the passport --id names "
        f"({IRI})"
    )
    assert _stored(tmp_path) == stored
    code, summary = _run(
        tmp_path, capsys, "--format", "batterypass", "--id", HANDLE, str(tmp_path / "same.json")
    )
    assert (code, summary["replaced"]) == (0, 1), summary
    after = _stored(tmp_path)
    assert after["id"] == IRI and after["weight"] == {"value": 451.5, "unit": "KGM"}
    assert after["carbonFootprint"] == _terms(CARBON)["carbonFootprint"]


def test_id_is_for_batterypass_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = passport_node(["import", "--format", "catenax", "--id", HANDLE, str(CARBON),
                          "--store", f"sqlite:///{tmp_path}/p.sqlite3"])  # fmt: skip
    assert code == 2 and "--id is for --format batterypass" in capsys.readouterr().err
