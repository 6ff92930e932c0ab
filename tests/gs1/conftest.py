"""A real node for the GS1 resolver tests: the examples (``--demo``), a batch-level passport
under the same GTIN, a public base of ``https://id.example.org``, and the GS1 schemas."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.config import default_config
from resolver.tiers import Role
from tests.support.node import credential, running_node

REPO = Path(__file__).resolve().parents[2]
BASE = "https://id.example.org"
GTIN = "09521234010012"
SERIAL = "LFP-2026-000042"
LOT = "LOT-A"
ITEM = f"/01/{GTIN}/21/{SERIAL}"
BATCH = f"/01/{GTIN}/10/{LOT}"
MODEL = f"/01/{GTIN}"
OPERATOR = "gs1-operator"
REPAIRER = "gs1-repairer"
AUTHORITY = "gs1-authority"
_ITEM_IRI = f"https://id.gs1.org{ITEM}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "vocab" / "gs1" / name).read_text(encoding="utf-8"))
    return loaded


def check_linkset(document: Any) -> None:
    """``document`` is valid against the GS1 linkset schema (a failure names the path)."""
    jsonschema.validate(document, schema("linkset-schema.json"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    store = f"sqlite:///{tmp_path_factory.mktemp('gs1')}/passports.sqlite3"
    config = default_config(
        store=store,
        workers=1,
        chain=("local",),
        base_url=BASE,
        credentials=(
            credential("maker", Role.OPERATOR, OPERATOR, ["01/09521234", "88.100.1"]),
            credential("repairer", Role.LEGITIMATE_INTEREST, REPAIRER),
            credential("authority", Role.AUTHORITY, AUTHORITY),
        ),
    )
    async with running_node(config, demo=True) as running:
        body = (REPO / "examples" / "valid" / "ev-lfp.jsonld").read_text(encoding="utf-8")
        batch = body.replace(_ITEM_IRI, f"https://id.gs1.org{BATCH}").encode()
        async with (
            aiohttp.ClientSession() as session,
            session.put(
                running.url + BATCH,
                data=batch,
                headers={"Content-Type": "application/ld+json", **bearer(OPERATOR)},
            ) as response,
        ):
            assert response.status == 201, await response.text()
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
