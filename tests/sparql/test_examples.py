"""The example queries of docs/sparql.md, run against the demo data with their stated answers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest

from resolver.stores import Store
from resolver.tiers import Tier
from tests.sparql.conftest import AUTHORITY_TOKEN, LI_TOKEN, Endpoint, put_examples, sparql_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "sparql.md"
_EXAMPLE = re.compile(
    r"### (\d+)\. (.+?)\n\nTier: `(\S+)`\. Answer on the demo data: (\d+) rows?\.\n\n```sparql\n(.*?)```",
    re.DOTALL,
)
EXAMPLES = [
    (int(n), title, Tier.from_label(tier), int(rows), query)
    for n, title, tier, rows, query in _EXAMPLE.findall(DOC.read_text())
]
TOKENS = {Tier.PUBLIC: None, Tier.LEGITIMATE_INTEREST: LI_TOKEN, Tier.AUTHORITY: AUTHORITY_TOKEN}


def test_the_page_has_ten_examples() -> None:
    assert [n for n, *_ in EXAMPLES] == list(range(1, 11))


@pytest.fixture
async def endpoint(sqlite_store: Store, tmp_path: Path) -> AsyncIterator[Endpoint]:
    await put_examples(sqlite_store)
    async with sparql_server(sqlite_store, tmp_path / "index") as served:
        yield served


async def test_each_example_gives_its_stated_answer(endpoint: Endpoint) -> None:
    async with aiohttp.ClientSession() as session:
        for n, title, tier, rows, query in EXAMPLES:
            token = TOKENS[tier]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            async with session.post(endpoint.url, data={"query": query}, headers=headers) as response:
                body = await response.read()
                assert response.status == 200, (n, body)
            found = orjson.loads(body)["results"]["bindings"]
            assert len(found) == rows, f"example {n} ({title}): {len(found)} rows, the page says {rows}"
