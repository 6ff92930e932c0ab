"""The node serves its profile (context, vocabulary, shapes) so tools need no network."""

from pathlib import Path

import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from resolver.app import create_app
from resolver.config import default_config


async def _client(tmp_path: Path) -> TestClient[web.Request, web.Application]:
    config = default_config(store=f"sqlite:///{tmp_path}/p.sqlite3", workers=1)
    client = TestClient(TestServer(create_app(config)))
    await client.start_server()
    return client


async def test_context_is_served_as_json_ld_and_names_the_terms_passports_use(tmp_path: Path) -> None:
    client = await _client(tmp_path)
    try:
        resp = await client.get("/profiles/eu-battery/context.jsonld")
        assert resp.status == 200
        assert resp.content_type == "application/ld+json"
        context = orjson.loads(await resp.read())["@context"]
        assert "manufacturingDate" in context
        shapes = await client.get("/profiles/eu-battery/shapes-battery.ttl")
        assert shapes.status == 200 and shapes.content_type == "text/turtle"
    finally:
        await client.close()


async def test_unknown_profile_file_is_a_404_problem_listing_what_is_served(tmp_path: Path) -> None:
    client = await _client(tmp_path)
    try:
        resp = await client.get("/profiles/eu-battery/secrets.txt")
        assert resp.status == 404
        assert resp.content_type == "application/problem+json"
        assert "/profiles/eu-battery/vocab.ttl" in (await resp.json())["detail"]
    finally:
        await client.close()
