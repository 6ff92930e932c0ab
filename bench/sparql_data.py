"""The ``sparql`` bench's data set: N passports in an SQLite store, and the index of them.

Building the index of 100,000 passports through the follower (each view read as JSON-LD in
Python, then written to pyoxigraph) takes hours on this machine. Here it takes minutes, and the
index still holds exactly what the node's own code makes of each passport:

- The passports are bench's prepared ones (``dataset.prepared(DISTINCT)``: generated and fully
  validated, 2,000 distinct), copied under new identifiers: copy ``i`` of passport ``i mod
  2000`` has the handle ``88.100.9/BENCH-{i:07d}``, and every occurrence of the source's local
  name (in its handle, its IRI and its serial number, ``GEN-1542-…``) is replaced by
  ``BENCH-{i:07d}`` in each tier view, so every passport has its own IRI and serial number.
  Every copy is written to the store with ``Store.put`` (the feed then holds N changes).
- The index rows of each distinct passport are made once by the index's own reading
  (``index.view_lines``: the view's triples in its named graph, and their default graph copies,
  blank nodes labelled from the graph name); a copy's rows are those rows with the same
  replacement, and its blank node labels made from its own graph names. They are streamed into
  pyoxigraph's bulk loader, one pass per tier store; the ledger gets each passport's row and the
  feed position of the store's head, so the follower goes on from there.
- ``check`` reads a sample of copies through ``view_lines`` and fails the bench if any copy's
  rows differ from the generated ones.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import dataset
from bench.harness import BenchError

__all__ = [
    "Template",
    "build",
    "build_index",
    "built",
    "check",
    "copies",
    "load_store",
    "ntriples",
    "templates",
]

REBUILD_SAMPLE = 2_000  # passports the follower's real rebuild (from the store) is timed on


@dataclass(frozen=True, slots=True)
class Template:
    """One distinct passport: its views, its local name, and the index rows it makes."""

    key: str
    views: dict[int, bytes]
    iri: str
    lines: dict[int, bytes]  # per tier value: N-Quads lines, each named-graph quad then its copy

    @property
    def local(self) -> bytes:
        return self.key.rpartition("/")[2].encode()


def copy_key(i: int, prefix: str = dataset.BENCH_PREFIX) -> str:
    return f"{prefix}/BENCH-{i:07d}"


def copies(base: Sequence[Template], n: int, start: int = 0) -> Iterator[tuple[str, dict[int, bytes]]]:
    """Passports ``start`` to ``n - 1``: (handle, views per tier value)."""
    for i in range(start, n):
        template = base[i % len(base)]
        key = copy_key(i)
        new = key.rpartition("/")[2].encode()
        yield key, {t: v.replace(template.local, new) for t, v in template.views.items()}


def templates() -> list[Template]:
    """The distinct prepared passports with their index rows (read by the index's code)."""
    from resolver.sparql.index import view_lines
    from resolver.tiers import Tier

    data = dataset.prepared(dataset.DISTINCT)
    out = []
    for key, views in zip(data.keys, data.views, strict=True):
        local = key.rpartition("/")[2].encode()
        if local not in views[0]:
            raise BenchError(f"the public view of {key} does not hold its local name: cannot copy it")
        iri, lines = view_lines({Tier(t): v for t, v in views.items()})
        out.append(Template(key, views, iri, {int(t): b"\n".join(rows) + b"\n" for t, rows in lines.items()}))
    return out


def copy_lines(template: Template, i: int, tier: int) -> bytes:
    """The index rows of copy ``i`` of ``template`` in the store of ``tier``."""
    from resolver.sparql.names import view_graph_name
    from resolver.sparql.views import blank_prefix
    from resolver.tiers import Tier

    new = copy_key(i).rpartition("/")[2].encode()
    iri = template.iri.replace(template.local.decode(), new.decode())
    old_prefix = blank_prefix(view_graph_name(template.iri, Tier(tier))).encode()
    new_prefix = blank_prefix(view_graph_name(iri, Tier(tier))).encode()
    return template.lines[tier].replace(template.local, new).replace(old_prefix, new_prefix)


def copy_iri(template: Template, i: int) -> str:
    return template.iri.replace(template.local.decode(), copy_key(i).rpartition("/")[2])


class _Rows(io.RawIOBase):
    """A readable stream of the rows of copies 0 to n - 1 in one tier store (for bulk_load)."""

    def __init__(self, base: Sequence[Template], n: int, tier: int) -> None:
        self._chunks = (copy_lines(base[i % len(base)], i, tier) for i in range(n))
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = chunk
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def build_index(
    base: Sequence[Template],
    n: int,
    directory: Path,
    positions: Sequence[int],
    tiers: Sequence[int] = (0, 1, 2),
) -> float:
    """An index of copies 0 to n - 1 in ``directory`` (emptied first), at feed ``positions``;
    the seconds it took. Only the stores of ``tiers`` are loaded (the others stay empty)."""
    from resolver.sparql.index import GraphIndex
    from resolver.tiers import Tier

    GraphIndex.remove(directory)
    started = time.perf_counter()
    index = GraphIndex.open(directory)
    try:
        index.load_nquads(
            {Tier(t): io.BufferedReader(_Rows(base, n, t), 1 << 20) for t in tiers},
            ((copy_key(i), copy_iri(base[i % len(base)], i), 1) for i in range(n)),
            positions,
        )
        index.optimize()  # compacted, as `index rebuild` leaves an index
    finally:
        index.close()
    return time.perf_counter() - started


def check(base: Sequence[Template], n: int, samples: int = 12) -> int:
    """Read ``samples`` copies spread over 0..n-1 with the index's own code and compare their
    rows with the generated ones; BenchError on any difference. The number checked."""
    from resolver.sparql.index import view_lines
    from resolver.tiers import Tier

    picked = sorted({(n - 1) * k // max(1, samples - 1) for k in range(samples)})
    for i in picked:
        key, views = next(copies(base, i + 1, start=i))
        iri, lines = view_lines({Tier(t): v for t, v in views.items()})
        template = base[i % len(base)]
        if iri != copy_iri(template, i):
            raise BenchError(f"copy {key}: its IRI reads {iri}, not {copy_iri(template, i)}")
        for tier, rows in lines.items():
            made = copy_lines(template, i, int(tier))
            if set(made.splitlines()) != set(rows):
                raise BenchError(f"copy {key}: generated {tier.label} rows differ from the index's reading")
    return len(picked)


def ntriples(base: Sequence[Template], n: int, tier: int = 0) -> bytes:
    """The default graph rows (N-Triples) of copies 0 to n - 1 in ``tier``'s store."""
    out = []
    for i in range(n):
        lines = copy_lines(base[i % len(base)], i, tier).splitlines()
        out.extend(lines[1::2])
    return b"\n".join(out) + b"\n"


async def load_store(url: str, base: Sequence[Template], n: int) -> float:
    """Write copies 0 to n - 1 to the store at ``url`` with ``Store.put``; the seconds taken."""
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(url)
    started = time.perf_counter()
    try:
        sem = asyncio.Semaphore(32)

        async def put(key: str, views: dict[int, bytes]) -> None:
            async with sem:
                await store.put(key, {Tier(t): v for t, v in views.items()})

        pending: list[asyncio.Task[None]] = []
        for key, views in copies(base, n):
            pending.append(asyncio.create_task(put(key, views)))
            if len(pending) >= 2_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await store.aclose()
    return time.perf_counter() - started


async def build(
    folder: Path, base: Sequence[Template], n: int, tiers: Sequence[int] = (0, 1, 2)
) -> dict[str, Any]:
    """In ``folder``: ``passports.sqlite3`` holding copies 0..n-1 and ``index/`` (generated
    rows, bulk-loaded into the stores of ``tiers``), and ``built.json`` with what that took;
    the follower's real rebuild timed on a store of the first ``REBUILD_SAMPLE``. Returns the
    figures."""
    from resolver.sparql.index import GraphIndex
    from resolver.stores import open_store
    from resolver.tiers import Tier

    url = f"sqlite:///{folder}/passports.sqlite3"
    loaded = await load_store(url, base, n)
    checked = check(base, n)
    store = await open_store(url)
    try:
        heads = list(await store.heads())
    finally:
        await store.aclose()
    took = await asyncio.to_thread(build_index, base, n, folder / "index", heads, tiers)
    index = GraphIndex.open(folder / "index")
    try:
        size, count = index.size_bytes(), index.passport_count()
    finally:
        index.close()
    sample = min(n, REBUILD_SAMPLE)
    await load_store(f"sqlite:///{folder}/sample/passports.sqlite3", base, sample)
    rebuilt = await rebuild(f"sqlite:///{folder}/sample/passports.sqlite3", folder / "sample" / "index")
    GraphIndex.remove(folder / "sample")
    figures = {
        "store_load_s": round(loaded, 1),
        "index_build_s": round(took, 1),
        "index_build_passports_per_s": round(n / took),
        "index_passports": count,
        "index_tier_stores_loaded": [Tier(t).label for t in tiers],
        "index_mb": round(size / 1e6, 1),
        "copies_checked": checked,
        **{f"rebuild_{sample}_{k}": v for k, v in rebuilt.items()},
    }
    (folder / "built.json").write_text(json.dumps(figures, indent=1) + "\n")
    return figures


def built(folder: Path) -> dict[str, Any]:
    """The figures ``build`` recorded in ``folder`` (none: it was built otherwise)."""
    path = folder / "built.json"
    if not path.exists():
        return {"rebuild": f"not in this run: the index in {folder}/index was built before"}
    figures: dict[str, Any] = json.loads(path.read_text())
    return {**figures, "built_in_an_earlier_run": str(folder)}


async def rebuild(url: str, directory: Path) -> dict[str, Any]:
    """The follower's rebuild of an index of the store at ``url`` (as ``index rebuild`` does)."""
    from resolver.sparql.follower import IndexFollower
    from resolver.sparql.index import GraphIndex
    from resolver.stores import open_store

    store = await open_store(url)
    index = GraphIndex.open(directory)
    follower = IndexFollower(store, index)
    try:
        started = time.perf_counter()
        await follower.rebuild()
        took = time.perf_counter() - started
        return {
            "s": round(took, 1),
            "passports_per_s": round(index.passport_count() / took, 1),
            "index_mb": round(index.size_bytes() / 1e6, 1),
        }
    finally:
        await follower.stop()
        index.close()
        await store.aclose()


if __name__ == "__main__":
    # python -m bench.sparql_data DIR N [TIER,...]: a data set for `python -m bench sparql
    # --sparql-dir DIR`; TIER: the tier stores to load (0 public, 1 legitimate interest,
    # 2 authority; default all; the bench's queries and lag probe use the public store).
    target, count = Path(sys.argv[1]), int(sys.argv[2])
    loaded = tuple(int(t) for t in sys.argv[3].split(",")) if len(sys.argv) > 3 else (0, 1, 2)
    target.mkdir(parents=True, exist_ok=True)
    print(json.dumps(asyncio.run(build(target, templates(), count, loaded)), indent=1))
