"""The profile chosen per prefix holds on the import paths too: into a store (the write path's
import_prepared), and through resolver.write for a passport prepared in another profile."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.config import default_config
from resolver.errors import InvalidPassport
from resolver.stores import open_store
from resolver.validation import pipeline
from resolver.write import import_prepared
from tests.support.cli import passport_node

REPO = Path(__file__).resolve().parents[2]
CN_EXAMPLE = REPO / "examples" / "cn-battery" / "pack-lfp.jsonld"
EU_EXAMPLE = REPO / "examples" / "valid" / "ev-nmc811.jsonld"
CODE = "X9KPB1ANB51234T3E0000042"


def _under(path: Path, prefix: str, suffix: str) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(path.read_bytes())
    doc["id"] = f"https://hdl.handle.net/{prefix}/{suffix}"
    doc.pop("passportIdentifier", None)
    return doc


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], *docs: dict[str, Any]) -> dict[str, Any]:
    config = tmp_path / "node.toml"
    config.write_text(
        f'prefixes = ["88.100.1", "88.300.1"]\nstore = "sqlite:///{tmp_path}/p.sqlite3"\n'
        '[integrity]\nsign = false\n[profiles]\n"88.300.1" = "cn-battery"\n'
    )
    (tmp_path / "set.jsonl").write_bytes(b"\n".join(orjson.dumps(doc) for doc in docs))
    passport_node(
        [
            "import",
            str(tmp_path / "set.jsonl"),
            "--config",
            str(config),
            "--workers",
            "1",
            "--json",
            "--no-progress",
        ]
    )
    summary: dict[str, Any] = json.loads(capsys.readouterr().out)
    return summary


def test_import_into_a_store_judges_each_passport_by_its_prefixes_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cn = _under(CN_EXAMPLE, "88.300.1", CODE)
    eu = orjson.loads(EU_EXAMPLE.read_bytes())  # 88.100.1: eu-battery
    eu_under_cn = _under(EU_EXAMPLE, "88.300.1", "EU-SHAPED-1")
    cn_under_eu = _under(CN_EXAMPLE, "88.100.1", "X9KPB1ANB51234T3E0000043")
    summary = _import(tmp_path, capsys, cn, eu, eu_under_cn, cn_under_eu)
    assert summary["created"] == 2, summary
    reasons = {r["source"].rsplit(":", 1)[-1]: r["reason"] for r in summary["rejections"]}
    assert set(reasons) == {"3", "4"}, summary
    # Each is judged by its prefix's profile, whatever profile the document was written for.
    assert "cn-code (GB/T 34014 battery code) is required" in reasons["3"]
    assert "Data point 45 (anode material): required" in reasons["4"]


def test_the_write_path_refuses_a_passport_prepared_in_another_profile(tmp_path: Path) -> None:
    prepared = pipeline.prepare_sync(orjson.dumps(_under(CN_EXAMPLE, "88.300.1", CODE)), profile="cn-battery")
    assert prepared.report.conforms and prepared.profile == "cn-battery"

    async def write(profile: str) -> None:
        store = await open_store(default_config(store=f"sqlite:///{tmp_path}/w.sqlite3").store)
        try:
            await import_prepared(store, f"88.300.1/{CODE}", prepared, profile=profile)
        finally:
            await store.aclose()

    with pytest.raises(
        InvalidPassport, match="judged by the cn-battery profile, but the node writes eu-battery"
    ):
        asyncio.run(write("eu-battery"))
    asyncio.run(write("cn-battery"))
