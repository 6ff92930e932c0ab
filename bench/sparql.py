"""``python -m bench sparql``: the SPARQL index over generated passports, against rdflib.

Writes N passports to an SQLite store and builds their index (bulk-loaded from generated rows,
see bench/sparql_data.py; size on disk; the follower's real rebuild timed on a sample), times a
selective query (one battery by serial number) and an aggregate (carbon footprint by chemistry)
through the endpoint's engine with the public tier, measures the index lag after a write with
the follower running, and runs the same two queries in rdflib's in-memory store over a smaller
set (the reference point; rdflib takes seconds to minutes per query here).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from bench import sparql_data
from bench.harness import temp_dir
from bench.result import make_result

__all__ = ["run", "with_name"]

PASSPORTS = 10_000
LAG_WRITES = 100
RDFLIB_PASSPORTS = 10_000  # the reference size for rdflib (minutes per query)
TARGET = "selective p50 <= 5 ms, p99 <= 50 ms; aggregate <= 500 ms; index lag p99 <= 100 ms"

SELECTIVE = 'SELECT ?passport WHERE {{ ?passport <https://ref.gs1.org/voc/hasSerialNumber> "{serial}" }}'
AGGREGATE = """PREFIX eubat: <https://ref.openepcis.io/extensions/eu/battery/>
PREFIX gs1: <https://ref.gs1.org/voc/>
SELECT ?chemistry (COUNT(?p) AS ?n) (AVG(?cf) AS ?mean) WHERE {
  ?p eubat:hasBatteryChemistry ?chemistry ;
     eubat:hasCarbonFootprintDeclaration/eubat:hasCarbonFootprintTotal/gs1:value ?cf .
} GROUP BY ?chemistry ORDER BY ?chemistry"""


QUERY_LIMIT_S = 600.0  # the bench measures slow queries rather than refusing them (the node's: 5 s)
AGGREGATE_RUNS = 3
LAG_BOUND = 30.0  # seconds a write may take to show in the index before the bench gives up


def run(options: Any) -> dict[str, Any]:
    seconds = float(getattr(options, "seconds", 5.0))
    reuse = getattr(options, "sparql_dir", None)
    passports = int(getattr(options, "sparql_passports", PASSPORTS))
    rdflib_n = int(getattr(options, "sparql_rdflib", RDFLIB_PASSPORTS))
    return asyncio.run(_run(seconds, passports, rdflib_n, Path(reuse) if reuse else None))


async def _run(seconds: float, passports: int, rdflib_n: int, reuse: Path | None) -> dict[str, Any]:
    base = sparql_data.templates()
    rng = random.Random(14)
    if reuse is None:
        with temp_dir("sparql") as folder:
            store_url = f"sqlite:///{folder}/passports.sqlite3"
            built = await sparql_data.build(folder, base, passports)
            serials = [_serial(views[0]) for _, views in _picked(base, passports, rng)]
            timed = await _measure(store_url, folder / "index", serials, seconds)
            small = await _small_index(base, rdflib_n, folder / "index" if rdflib_n == passports else None)
    else:
        store_url = f"sqlite:///{reuse}/passports.sqlite3"
        passports, serials = await _sample(store_url)
        built = sparql_data.built(reuse)
        timed = await _measure(store_url, reuse / "index", serials, seconds)
        small = await _small_index(base, rdflib_n, reuse / "index" if rdflib_n == passports else None)
    reference = _rdflib(base, rdflib_n)
    ratio = reference["selective_ms"] / small["selective_ms"] if small.get("selective_ms") else None
    met = (
        timed["selective_p50_ms"] <= 5
        and timed["selective_p99_ms"] <= 50
        and timed["aggregate_ms"] <= 500
        and timed["lag_p99_ms"] <= 100
    )
    return make_result(
        "sparql",
        value=timed["selective_p50_ms"],
        unit=f"ms (selective query p50, {passports} passports)",
        baseline=reference.get("selective_ms"),
        ratio=ratio,
        target=TARGET,
        met=met,
        details={
            "passports": passports,
            **built,
            **timed,
            f"rdflib_{rdflib_n}": reference,
            f"pyoxigraph_{rdflib_n}": small,
            "aggregate_speedup_vs_rdflib": (
                round(reference["aggregate_ms"] / small["aggregate_ms"], 1) if rdflib_n else None
            ),
        },
        commands=[
            f"python -m bench sparql --seconds {seconds:g} --sparql-passports {passports} "
            f"--sparql-rdflib {rdflib_n}" + (f" --sparql-dir {reuse}" if reuse else "")
        ],
        notes=[
            f"baseline: rdflib's in-memory store on {rdflib_n} passports (public views), same "
            "queries; ratio = rdflib time / pyoxigraph time at that size (higher is better)",
            "queries run through the endpoint's engine (tier store, limits, SPARQL JSON), not HTTP",
            "data: 2,000 generated, validated passports copied under new handles, IRIs and serial "
            "numbers, every copy written to the store; the index bulk-loaded from the rows the "
            "index's own reading makes of each distinct passport, copied the same way (checked on "
            "a sample of copies); see bench/sparql_data.py",
            f"rebuild: the follower's real rebuild, on the first {sparql_data.REBUILD_SAMPLE} passports",
            "lag: a write to the store, the follower woken as the node's write path wakes it, the "
            "index in its own process (as served); polled with queries through the engine every "
            "2 ms; lag_* counts from the store's commit (Store.put returned), store_write_* is the "
            "put itself (SQLite, strict durability: an fsync), lag_with_store_write_* the two",
        ],
    )


def _picked(base: list[Any], n: int, rng: random.Random) -> list[tuple[str, dict[int, bytes]]]:
    """200 passports picked at random from 0..n-1."""
    return [next(sparql_data.copies(base, i + 1, start=i)) for i in (rng.randrange(n) for _ in range(200))]


async def _measure(url: str, directory: Path, serials: list[str], seconds: float) -> dict[str, Any]:
    timed = await _queries(url, directory, serials, seconds)
    timed.update(await _lag(url, directory))
    return timed


async def _sample(url: str) -> tuple[int, list[str]]:
    """From a store built before: its size and the serial numbers of passports spread over it."""
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(url)
    rng = random.Random(14)
    try:
        total, _ = await store.handles(limit=1)
        serials = []
        for _ in range(200):
            _, picked = await store.handles(offset=rng.randrange(total), limit=1)
            serials.append(_serial((await _record(store, picked[0])).views[Tier.PUBLIC]))
    finally:
        await store.aclose()
    return total, serials


async def _record(store: Any, key: str) -> Any:
    record = await store.get(key)
    if record is None:
        raise RuntimeError(f"{key} is listed by the store but not found")
    return record


def _serial(public_view: bytes) -> str:
    serial: str = orjson.loads(public_view)["serialNumber"]
    return serial


async def _queries(url: str, directory: Path, serials: list[str], seconds: float) -> dict[str, Any]:
    from resolver.sparql.engine import Dataset, QueryLimits, SparqlEngine
    from resolver.sparql.follower import IndexFollower
    from resolver.sparql.guard import check_query
    from resolver.sparql.index import GraphIndex
    from resolver.stores import open_store
    from resolver.tiers import Tier

    store = await open_store(url)
    started, rss = time.perf_counter(), _rss_mb(os.getpid())
    index = GraphIndex.open(directory)
    columns = _read_columns(index)  # the aggregate's columns, read before it runs (timed)
    columns.update(seconds_to_open_and_read=round(time.perf_counter() - started, 2))
    columns.update(rss_before_mb=rss, rss_after_mb=_rss_mb(os.getpid()))
    engine = SparqlEngine(index, QueryLimits(timeout=QUERY_LIMIT_S, max_results=100_000))
    follower = IndexFollower(store, index, poll_interval=0.01)
    follower.start()
    rng = random.Random(14)

    async def answer(text: str) -> Any:
        query = check_query(text, max_chars=100_000)
        return await engine.answer(query, Tier.PUBLIC, accept=None, dataset=Dataset())

    try:
        selective: list[float] = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or len(selective) < 50:
            serial = rng.choice(serials)
            started = time.perf_counter()
            found = await answer(SELECTIVE.format(serial=serial))
            selective.append((time.perf_counter() - started) * 1000)
            if found.count < 1:
                raise RuntimeError(f"the selective query found no passport with serial {serial}")
        aggregate: list[float] = []
        aggregate_cpu: list[float] = []
        for _ in range(AGGREGATE_RUNS):
            started, cpu = time.perf_counter(), time.process_time()
            groups = await answer(AGGREGATE)
            aggregate.append((time.perf_counter() - started) * 1000)
            aggregate_cpu.append((time.process_time() - cpu) * 1000)
        # The same query by pyoxigraph (what answered it before the columns), in the same minutes.
        reference = await asyncio.to_thread(_pyoxigraph_aggregate, index)
        reference["same_answer"] = _same_answer(groups.body, reference.pop("body"))
    finally:
        await follower.stop()
        engine.close()
        closing = time.perf_counter()
        index.close()  # saves the columns (taken back by the index process below)
        columns["close_with_save_s"] = round(time.perf_counter() - closing, 2)
        await store.aclose()
    return {
        "selective_runs": len(selective),
        "selective_p50_ms": round(statistics.median(selective), 2),
        "selective_p99_ms": round(_p99(selective), 2),
        "aggregate_ms": round(statistics.median(aggregate), 1),
        # CPU of this process (the query runs on its threads): the wall time less the load
        "aggregate_cpu_ms": round(statistics.median(aggregate_cpu), 1),
        "aggregate_runs_ms": [round(ms, 1) for ms in aggregate],
        "aggregate_groups": groups.count,
        "aggregate_engine": groups.engine,
        "aggregate_by_pyoxigraph": reference,
        "columns": columns,
        "load_average_after_queries": os.getloadavg()[0],
    }


async def _lag(url: str, directory: Path) -> dict[str, Any]:
    """The index as a node serves it (its own process, the follower woken by writes)."""
    from resolver.sparql.engine import QueryLimits
    from resolver.sparql.host import IndexProcess
    from resolver.sparql.runtime import open_sparql
    from resolver.stores import open_store

    store = await open_store(url)
    try:
        started = time.perf_counter()
        # The bench's limit (not the node's 5 s): an aggregate asked while the columns are
        # still being read is pyoxigraph's, and takes longer.
        limits = QueryLimits(timeout=QUERY_LIMIT_S, max_results=100_000)
        async with open_sparql(store, directory=directory, process=True, limits=limits) as sparql:
            await sparql.follower.catch_up()
            pid = sparql.index.pid if isinstance(sparql.index, IndexProcess) else None
            served = await _served_aggregate(sparql, started)
            served["index_process_rss_mb"] = _rss_mb(pid)
            cpu = (_cpu_s(pid), time.process_time())
            timed = await _lags(store, sparql, random.Random(14))
            index_cpu, node_cpu = _cpu_s(pid) - cpu[0], time.process_time() - cpu[1]
            served["index_process_rss_mb_after_lag"] = _rss_mb(pid)
    finally:
        await store.aclose()
    lags = [after for _, after in timed]
    writes = [write for write, _ in timed]
    whole = [write + after for write, after in timed]
    return {
        "served": served,
        "lag_p50_ms": round(statistics.median(lags), 1),
        "lag_p99_ms": round(_p99(lags), 1),
        "lag_max_ms": round(max(lags), 1),
        # (write number, ms) of the three slowest: a first write slower than the rest is warm-up
        "lag_slowest": [(n, round(ms, 1)) for n, ms in sorted(enumerate(lags), key=lambda x: -x[1])[:3]],
        "lag_writes": len(lags),
        # The store's own write (Store.put: SQLite's commit, an fsync with strict durability),
        # which the lag above starts after; and the two together, as earlier runs measured it.
        "store_write_p50_ms": round(statistics.median(writes), 1),
        "store_write_p99_ms": round(_p99(writes), 1),
        "lag_with_store_write_p50_ms": round(statistics.median(whole), 1),
        "lag_with_store_write_p99_ms": round(_p99(whole), 1),
        # CPU per write, probe queries included: the wall-clock lag is this stretched by the load
        "lag_index_process_cpu_ms_per_write": round(index_cpu * 1000 / len(lags), 2) if pid else None,
        "lag_node_process_cpu_ms_per_write": round(node_cpu * 1000 / len(lags), 2),
    }


def _read_columns(index: Any) -> dict[str, Any]:
    """Read the public store's columns of the aggregate's predicates: seconds, and how many pairs."""
    from resolver.sparql.plan import plan
    from resolver.tiers import Tier

    found = plan(AGGREGATE)
    if found is None:
        raise RuntimeError("the aggregate is not of the columnar evaluator's subset")
    started = time.perf_counter()
    held = index.columns(Tier.PUBLIC).load(found.predicates)
    read = time.perf_counter()
    # The snapshot the columns take once read (on their thread, for a killed process's
    # replacement), taken here before the queries are timed, and timed itself.
    index.columns(Tier.PUBLIC).save()
    return {
        "read_s": round(read - started, 2),
        "snapshot_s": round(time.perf_counter() - read, 2),
        "pairs": sum(len(c) for c in held.values()),
        "terms": len(index.columns(Tier.PUBLIC).terms),
    }


def _pyoxigraph_aggregate(index: Any) -> dict[str, Any]:
    from resolver.sparql.evaluate import evaluate
    from resolver.tiers import Tier

    started, cpu = time.perf_counter(), time.thread_time()
    found = evaluate(
        index.store(Tier.PUBLIC),
        AGGREGATE,
        {},
        "application/sparql-results+json",
        max_results=100_000,
        deadline=float("inf"),
        timeout=QUERY_LIMIT_S,
        clock=time.monotonic,
    )
    return {
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "cpu_ms": round((time.thread_time() - cpu) * 1000, 1),
        "body": found.body,
    }


def _same_answer(ours: bytes, theirs: bytes) -> str:
    """'identical', or the largest relative difference of a value (doubles: pyoxigraph sums
    them in its join order, the columns exactly)."""
    if ours == theirs:
        return "identical"
    a, b = orjson.loads(ours)["results"]["bindings"], orjson.loads(theirs)["results"]["bindings"]
    if len(a) != len(b):
        return f"different: {len(a)} rows against {len(b)}"
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        for name in set(x) | set(y):
            if x.get(name) != y.get(name):
                if not (x.get(name) and y.get(name) and x[name].get("datatype", "").endswith("#double")):
                    return f"different: {name} {x.get(name)} against {y.get(name)}"
                fx, fy = float(x[name]["value"]), float(y[name]["value"])
                worst = max(worst, abs(fx - fy) / max(abs(fy), 1e-300))
    return f"doubles differ by at most {worst:.1e} (relative)"


def _rss_mb(pid: int | None) -> float | None:
    """Resident memory of process ``pid`` (Linux /proc), MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        return None
    return None


def _cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; 0 without it)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _served_aggregate(sparql: Any, started: float) -> dict[str, Any]:
    """The aggregate as a node serves it (the index process, a pipe): asked until the columns
    answer it (the index process reads at start the columns queries used before), then timed."""
    from resolver.sparql.engine import Dataset
    from resolver.sparql.guard import check_query
    from resolver.tiers import Tier

    query = check_query(AGGREGATE, max_chars=100_000)
    ask = sparql.engine.answer
    asked: list[tuple[str, float]] = []  # (engine, ms) of each ask until the columns answered
    while True:
        began = time.perf_counter()
        found = await ask(query, Tier.PUBLIC, accept=None, dataset=Dataset())
        asked.append((found.engine, round((time.perf_counter() - began) * 1000, 1)))
        if found.engine == "columnar" or time.perf_counter() - started > LAG_BOUND * 10:
            break
        await asyncio.sleep(0.5)
    ready = time.perf_counter() - started
    runs = []
    for _ in range(AGGREGATE_RUNS):
        began = time.perf_counter()
        found = await ask(query, Tier.PUBLIC, accept=None, dataset=Dataset())
        runs.append((time.perf_counter() - began) * 1000)
    return {
        "columns_answer_after_open_s": round(ready, 2),
        "asked_until_columnar": asked,
        "engine": found.engine,
        "aggregate_ms": round(statistics.median(runs), 1),
        "aggregate_runs_ms": [round(ms, 1) for ms in runs],
    }


async def _lags(store: Any, sparql: Any, rng: random.Random) -> list[tuple[float, float]]:
    """Write a new version of a passport, wake the follower as the node's write path does
    (``Node.forget``), and ask until a public query finds it: per write, the ms the store's
    write took, and the ms from its commit until the index answered it."""
    from resolver.sparql.engine import Dataset
    from resolver.sparql.guard import check_query
    from resolver.tiers import Tier

    lags: list[tuple[float, float]] = []
    _, keys = await store.handles(limit=200)
    clock = asyncio.get_running_loop().time
    # Markers of this run only: a data set kept for reuse (--sparql-dir) holds an earlier
    # run's, written to the same passports (the same seed), which a query would find at once.
    run = uuid.uuid4().hex[:12]
    for n in range(LAG_WRITES):
        key = rng.choice(keys)
        record = await store.get(key)
        marker = f"lag-probe-{run}-{n}"
        views = {t: with_name(v, marker) for t, v in record.views.items()}
        query = check_query(
            f'SELECT ?p WHERE {{ ?p <https://ref.gs1.org/voc/productName> "{marker}" }}', max_chars=1000
        )
        started = time.perf_counter()
        await store.put(key, views)
        committed = time.perf_counter()
        sparql.follower.wake()
        # Asked: the lag is what a reader of the index sees, whatever the follower does.
        bound = clock() + LAG_BOUND
        while not (await sparql.engine.answer(query, Tier.PUBLIC, accept=None, dataset=Dataset())).count:
            if clock() > bound:
                raise RuntimeError(f"write {n} did not show in the index within {LAG_BOUND:g} s")
            await asyncio.sleep(0.002)
        seen = time.perf_counter()
        lags.append(((committed - started) * 1000, (seen - committed) * 1000))
        await asyncio.sleep(0.02)  # writes apart, as a node's writes come, not one burst
    return lags


def with_name(view: bytes, name: str) -> bytes:
    """``view`` with its productName set to ``name`` (a marker to find in the index)."""
    doc = orjson.loads(view)
    doc["productName"] = name
    return orjson.dumps(doc)


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _rdflib(base: list[Any], n: int) -> dict[str, Any]:
    """The two queries in rdflib's in-memory store over the public rows of passports 0..n-1
    (none with n = 0: ``--sparql-rdflib 0`` leaves the reference out)."""
    import rdflib

    if not n:
        return {"not_run": "--sparql-rdflib 0"}

    serial = _serial(next(sparql_data.copies(base, n // 2 + 1, start=n // 2))[1][0])
    graph = rdflib.Graph()
    started = time.perf_counter()
    graph.parse(data=sparql_data.ntriples(base, n), format="nt")
    load = time.perf_counter() - started
    started = time.perf_counter()
    found = list(graph.query(SELECTIVE.format(serial=serial)))
    selective = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    groups = list(graph.query(AGGREGATE))
    aggregate = (time.perf_counter() - started) * 1000
    return {
        "load_s": round(load, 1),
        "triples": len(graph),
        "selective_ms": round(selective, 1),
        "selective_found": len(found),
        "aggregate_ms": round(aggregate, 1),
        "aggregate_groups": len(groups),
    }


async def _small_index(base: list[Any], n: int, built: Path | None) -> dict[str, Any]:
    """pyoxigraph on the rdflib set (passports 0..n-1, the index ``built`` when it is that
    set): the same queries, median of 5, for the ratio (none with n = 0)."""
    from resolver.sparql.engine import Dataset, QueryLimits, SparqlEngine
    from resolver.sparql.guard import check_query
    from resolver.sparql.index import GraphIndex
    from resolver.tiers import Tier

    if not n:
        return {"not_run": "--sparql-rdflib 0"}
    serial = _serial(next(sparql_data.copies(base, n // 2 + 1, start=n // 2))[1][0])
    with temp_dir("sparql-small") as folder:
        directory = built
        if directory is None:
            directory = folder / "index"
            # The public store only: the queries are the public tier's.
            await asyncio.to_thread(sparql_data.build_index, base, n, directory, [n], (0,))
        index = GraphIndex.open(directory)
        engine = SparqlEngine(index, QueryLimits(timeout=QUERY_LIMIT_S, max_results=100_000))
        try:
            times = {}
            for name, text in (("selective", SELECTIVE.format(serial=serial)), ("aggregate", AGGREGATE)):
                runs = []
                for _ in range(5):
                    started = time.perf_counter()
                    await engine.answer(
                        check_query(text, max_chars=100_000), Tier.PUBLIC, accept=None, dataset=Dataset()
                    )
                    runs.append((time.perf_counter() - started) * 1000)
                times[f"{name}_ms"] = round(statistics.median(runs), 2)
            return times
        finally:
            engine.close()
            index.close()
