"""Workloads of the GS1 resolver and the page (issue 15): ``page`` and ``linkset``.

- ``page``: the HTML page (``Accept: text/html``) of 1,000 passports in English, German and
  Chinese (3,000 distinct pages), answered from the render cache once warm;
- ``linkset``: ``?linkType=all`` of 1,000 item-level Digital Links (``application/linkset+json``).

Each runs against the static baseline (the node's own bytes replayed), and then ``resolve``
(JSON-LD of 1,000 handle-keyed passports) in the same way in the same run; the targets are
issue 15's, relative to resolve: the page's ratio >= 0.5 x resolve's, the linkset's >= 0.6 x.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from bench import dataset
from bench.harness import OUT, Request
from bench.result import make_result
from bench.workloads import (
    Options,
    _check_errors,
    _node,
    _node_config,
    _Pair,
    _pair_details,
    _quote,
    _register,
    _sqlite_node,
    _store_url,
    _versus_baseline,
)

__all__ = ["linkset", "page"]

_N = 1_000
_GTIN = "09521234010012"


def _resolve_pair(options: Options) -> _Pair:
    node_cm, keys, _ = _sqlite_node("resolve-ref-node", 10_000)
    requests = [Request("/" + _quote(k), "application/ld+json") for k in keys[:_N]]
    return _versus_baseline("resolve-ref", node_cm, requests, options)


def _relative(name: str, pair: _Pair, options: Options, share: float, notes: list[str]) -> dict[str, Any]:
    """The result of ``pair`` judged against resolve measured now: ratio >= share x resolve's."""
    reference = _resolve_pair(options)
    ratio, resolve_ratio = pair.comparison.ratio, reference.comparison.ratio
    relative = ratio / resolve_ratio if resolve_ratio else None
    notes.append(
        f"resolve in the same run: {reference.node.rps:,.0f} req/s, ratio {resolve_ratio:.3f}; "
        f"{name} / resolve (ratios) = {relative:.2f}"
        if relative is not None
        else "resolve not measured"
    )
    errors = _check_errors(pair) + _check_errors(reference)
    return make_result(
        name,
        value=pair.node.rps,
        unit="req/s",
        baseline=pair.baseline.rps,
        ratio=ratio,
        target=f"ratio >= {share} x resolve's ratio",
        met=relative is not None and relative >= share and not errors,
        details={**_pair_details(pair), "resolve": _pair_details(reference), "relative to resolve": relative},
        commands=pair.commands + reference.commands,
        notes=notes + errors,
    )


def page(options: Options) -> dict[str, Any]:
    node_cm, keys, notes = _sqlite_node("page-node", 10_000)
    requests = [
        Request(f"/{_quote(k)}?lang={lang}", "text/html") for k in keys[:_N] for lang in ("en", "de", "zh")
    ]
    notes.append(f"{len(requests):,} distinct pages: {_N:,} passports in en, de and zh, public tier")
    pair = _versus_baseline("page", node_cm, requests, options)
    return _relative("page", pair, options, 0.5, notes)


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
    return _relative("linkset", pair, options, 0.6, notes)


# Registered here rather than in bench/workloads.py, which this module builds on: the package's
# entry point imports this module after that one, so the import arrows point one way.
_register("page", "req/s", "ratio >= 0.5 x resolve's (the page, cached per tier and language)", page)
_register("linkset", "req/s", "ratio >= 0.6 x resolve's (GS1 linkset, linkType=all)", linkset)
