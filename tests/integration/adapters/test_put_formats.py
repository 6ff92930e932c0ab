"""PUT with a third-party media type: the body is converted by its adapter before the usual
write path (a UNTP credential as application/vc); a bad one is a 4xx problem, nothing stored."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.adapters import untp
from resolver.app import RunningNode
from resolver.config import default_config
from tests.integration.conftest import CREDENTIALS, OPERATOR, bearer, new_handle, passport
from tests.support.node import running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    store = f"sqlite:///{tmp_path_factory.mktemp('node')}/passports.sqlite3"
    config = default_config(store=store, credentials=CREDENTIALS, workers=1, chain=("local",))
    async with running_node(config) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session


async def test_a_untp_credential_is_put_as_application_vc(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    credential = untp.to_credential(orjson.loads(passport(handle)))
    headers = {**bearer(OPERATOR), "Content-Type": "application/vc"}
    async with http.put(f"{node.url}/{handle}", data=orjson.dumps(credential), headers=headers) as response:
        assert response.status == 201, await response.text()
    async with http.get(f"{node.url}/{handle}", headers={"Accept": "application/ld+json"}) as response:
        assert response.status == 200
        served = orjson.loads(await response.read())
    assert served["productName"] == "Voltaris VX-82 traction pack"


async def test_an_impossible_date_in_a_credential_is_a_problem(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    credential: dict[str, Any] = copy.deepcopy(untp.to_credential(orjson.loads(passport(handle))))
    credential["credentialSubject"]["product"]["productionDate"] = "1538-20-83"
    headers = {**bearer(OPERATOR), "Content-Type": "application/vc+ld+json"}
    async with http.put(f"{node.url}/{handle}", data=orjson.dumps(credential), headers=headers) as response:
        assert response.status == 400
        assert response.content_type == "application/problem+json"
        problem = orjson.loads(await response.read())
    assert (
        "credentialSubject.product.productionDate: '1538-20-83' is not a possible date" in problem["detail"]
    )
    async with http.get(f"{node.url}/{handle}") as response:
        assert response.status == 404
