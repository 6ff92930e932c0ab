"""The chain asks stages in order and ends in "not found"."""

import time

import pytest

from resolver.errors import NotFound
from resolver.lookup import Answer, Lookup, Next
from resolver.stages import build_chain
from resolver.stores.base import View
from resolver.tiers import Tier


class _Passing:
    def __init__(self, name: str, seen: list[str]) -> None:
        self.name = name
        self._seen = seen

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        self._seen.append(self.name)
        return await next_stage(lookup)

    async def aclose(self) -> None:
        pass


class _Answering:
    name = "answering"

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        view = View(lookup.handle, 1, 0.0, False, b"{}")
        return Answer(view=view, source="local", max_age=60)

    async def aclose(self) -> None:
        pass


def _lookup() -> Lookup:
    return Lookup(handle="88.100.1/BAT-1", tier=Tier.PUBLIC, deadline=time.monotonic() + 2)


async def test_chain_asks_stages_in_configured_order_until_one_answers() -> None:
    seen: list[str] = []
    chain = build_chain([_Passing("a", seen), _Passing("b", seen), _Answering()])
    answer = await chain(_lookup())
    assert seen == ["a", "b"]
    assert answer.source == "local"


async def test_chain_with_no_answer_raises_not_found_naming_the_handle() -> None:
    chain = build_chain([_Passing("a", [])])
    with pytest.raises(NotFound, match=r"88\.100\.1/BAT-1"):
        await chain(_lookup())
