"""A real node for the GS1 resolver tests: the examples (``--demo``), a batch-level passport
under the same GTIN, and a public base of ``https://id.example.org`` (the identifiers, tokens and
GS1 schemas the tests share are in ``tests/support/gs1.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.config import default_config
from resolver.tiers import Role
from tests.support.gs1 import AUTHORITY, BASE, BATCH, ITEM_IRI, OPERATOR, REPAIRER, REPO, bearer
from tests.support.node import credential, running_node


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
        batch = body.replace(ITEM_IRI, f"https://id.gs1.org{BATCH}").encode()
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
