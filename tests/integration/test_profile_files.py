"""The node serves its profile (context, vocabulary, shapes) so tools need no network."""

from collections.abc import AsyncIterator

import orjson
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from resolver.app import create_app
from resolver.config import default_config
from tests.support.node import without_sparql_index
from tests.support.validators import shared_validator

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    folder = tmp_path_factory.mktemp("profile-files")
    config = default_config(store=f"sqlite:///{folder}/p.sqlite3", workers=1)
    app = create_app(without_sparql_index(config), validator=await shared_validator())
    started = TestClient(TestServer(app))
    await started.start_server()
    try:
        yield started
    finally:
        await started.close()


async def test_context_is_served_as_json_ld_and_names_the_terms_passports_use(
    client: TestClient[web.Request, web.Application],
) -> None:
    resp = await client.get("/profiles/eu-battery/context.jsonld")
    assert resp.status == 200
    assert resp.content_type == "application/ld+json"
    context = orjson.loads(await resp.read())["@context"]
    assert "manufacturingDate" in context
    shapes = await client.get("/profiles/eu-battery/shapes-battery.ttl")
    assert shapes.status == 200 and shapes.content_type == "text/turtle"


async def test_unknown_profile_file_is_a_404_problem_listing_what_is_served(
    client: TestClient[web.Request, web.Application],
) -> None:
    resp = await client.get("/profiles/eu-battery/secrets.txt")
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"
    assert "/profiles/eu-battery/vocab.ttl" in (await resp.json())["detail"]
