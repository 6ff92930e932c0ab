"""Workloads of the GS1 resolver and the page (issue 15): ``page`` and ``linkset``.

- ``page``: the HTML page (``Accept: text/html``) of 1,000 passports in English, German and
  Chinese (3,000 distinct pages), answered from the render cache once warm;
- ``linkset``: ``?linkType=all`` of 1,000 item-level Digital Links (``application/linkset+json``).

Both against the same static baseline as ``resolve`` (the node's own bytes replayed), so the
ratios compare with resolve's: the targets are page >= 0.5 and linkset >= 0.6 of resolve.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from bench import dataset
from bench.harness import OUT, Request
from bench.workloads import (
    Options,
    _node,
    _node_config,
    _quote,
    _ratio_result,
    _sqlite_node,
    _store_url,
    _versus_baseline,
)

__all__ = ["linkset", "page"]

_N = 1_000
_GTIN = "09521234010012"


def page(options: Options) -> dict[str, Any]:
    node_cm, keys, notes = _sqlite_node("page-node", 10_000)
    requests = [
        Request(f"/{_quote(k)}?lang={lang}", "text/html") for k in keys[:_N] for lang in ("en", "de", "zh")
    ]
    notes.append(f"{len(requests):,} distinct pages: {_N:,} passports in en, de and zh, public tier")
    pair = _versus_baseline("page", node_cm, requests, options)
    return _ratio_result("page", pair, target_ratio=0.5, target="ratio >= 0.5", notes=notes)


async def _load_gs1(path: Path, count: int) -> list[str]:
    from resolver.stores import open_store
    from resolver.tiers import Tier

    data = dataset.prepared(10_000)
    store = await open_store(_store_url(path))
    keys = []
    try:
        for i, views in enumerate(data.views[:count]):
            key = f"01/{_GTIN}/21/B{i:06d}"
            await store.put(key, {Tier(t): v for t, v in views.items()})
            keys.append(key)
    finally:
        await store.aclose()
    return keys


def linkset(options: Options) -> dict[str, Any]:
    folder = OUT / "gs1-store"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "passports.sqlite3"
    keys = asyncio.run(_load_gs1(path, _N))
    notes = [f"{_N:,} generated passports' views stored under GS1 keys 01/{_GTIN}/21/B000000..."]
    config = _node_config("bench-gs1", _store_url(path), [dataset.BENCH_PREFIX, "01/09521234"])
    requests = [Request(f"/{k}?linkType=all", "application/linkset+json") for k in keys]
    pair = _versus_baseline("linkset", _node("linkset-node", config), requests, options)
    return _ratio_result("linkset", pair, target_ratio=0.6, target="ratio >= 0.6", notes=notes)
