"""The graph index: one on-disk pyoxigraph store per access tier, and a ledger of what it holds.

A tier's store holds that tier's view of every current passport and nothing else, so a query
run against it cannot reach a triple the tier may not see, whatever the query says. Each view is
a named graph; the store's default graph holds the union of those graphs, kept as views come and
go, because pyoxigraph reads its default graph from three indexes of triples where a union over
named graphs reads six of quads (about 1.5 times faster for an aggregate, see docs/sparql.md).
A triple two passports share stays in the default graph while one of them holds it. The ledger
(SQLite) records the last change-feed sequence applied and each handle's passport IRI (a
tombstone carries no views to read it from). Writes are blocking: call them off the event loop.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph

from resolver.errors import DocumentError, ResolverError
from resolver.jsontypes import JSONObject
from resolver.sparql.column_files import ColumnFiles
from resolver.sparql.columns import TierColumns
from resolver.sparql.names import history_graph_name, view_graph_name
from resolver.sparql.profile_graph import PROFILE_GRAPH, profile_digest, profile_quads
from resolver.sparql.views import (
    LabelledView,
    canonical_lines,
    canonical_quads,
    parse_document,
    read_view,
    view_quads,
)
from resolver.stores.base import Record
from resolver.tiers import Tier

__all__ = ["GraphIndex", "IndexBatch", "view_lines", "view_quads"]

_LEDGER = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passports (handle TEXT PRIMARY KEY, iri TEXT NOT NULL, version INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS views (handle TEXT NOT NULL, tier INTEGER NOT NULL, digest BLOB NOT NULL,
    PRIMARY KEY (handle, tier)) WITHOUT ROWID;
"""

# What the stores hold, and how; an index made under another layout is emptied and replayed.
# 2: the current stores' default graph is the union of their named graphs.
LAYOUT = "2"
_DEFAULT = pyoxigraph.DefaultGraph()


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A record's views, read: its passport IRI, and each tier's view and graph name."""

    iri: str
    views: dict[Tier, tuple[LabelledView, str]]

    def quads(self, tier: Tier) -> list[pyoxigraph.Quad]:
        found = self.views.get(tier)
        return canonical_quads([found[0].in_graph(found[1])]) if found is not None else []

    def lines(self, tier: Tier) -> set[bytes]:
        """The tier's view as N-Triples lines, as a store writes them (none: no such view)."""
        found = self.views.get(tier)
        return canonical_lines(found[0], found[1]) if found is not None else set()


@dataclass(frozen=True, slots=True)
class IndexBatch:
    """One batch of the change feed, as the index applies it (see ``GraphIndex.write``):
    each handle's latest record (None: gone), the past versions to keep (history), and the
    feed position it reaches."""

    records: Mapping[str, Record | None]
    versions: Sequence[Record]
    seq: int
    partition: int = 0
    bulk: bool = False


class GraphIndex:
    """Open with ``GraphIndex.open(directory)``; ``history=True`` also keeps every version."""

    def __init__(self, directory: Path, *, history: bool) -> None:
        self.directory = directory
        self.history = history
        directory.mkdir(parents=True, exist_ok=True)
        self._current = {tier: _open_store(directory / tier.label) for tier in Tier}
        self._past = (
            {tier: _open_store(directory / f"history-{tier.label}") for tier in Tier} if history else {}
        )
        # The columnar evaluator's columns of each current store (resolver.sparql.columns),
        # read on first use on this thread and kept in step by every write below.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-columns")
        self._columns = {
            tier: TierColumns(store, self._reader, ColumnFiles(directory / "columns" / tier.label))
            for tier, store in self._current.items()
        }
        self._columns_saved: dict[Tier, list[str]] = {}  # the ledger's record of which are used
        self._ledger = sqlite3.connect(directory / "ledger.sqlite3", check_same_thread=False)
        self._ledger.execute("PRAGMA journal_mode=WAL")
        # No fsync per commit: a position lost to a power cut is replayed (applying a change
        # twice is harmless), and the stores' own writes are not synced either.
        self._ledger.execute("PRAGMA synchronous=NORMAL")
        self._ledger.executescript(_LEDGER)
        self._check_layout()
        self._load_profile()
        self._warm_columns()

    @classmethod
    def open(cls, directory: Path | str, *, history: bool = False) -> GraphIndex:
        return cls(Path(directory), history=history)

    def store(self, tier: Tier, *, history: bool = False) -> pyoxigraph.Store:
        """The store a caller of ``tier`` queries (its history store with ``history``)."""
        if history:
            if not self.history:
                raise LookupError("this index keeps no history (open it with history=True)")
            return self._past[tier]
        return self._current[tier]

    def columns(self, tier: Tier) -> TierColumns:
        """The columns of the current store of ``tier`` (what the columnar evaluator reads)."""
        return self._columns[tier]

    @property
    def last_seq(self) -> int:
        """Changes applied, over every feed partition (each partition numbers from 1)."""
        rows = self._ledger.execute("SELECT value FROM meta WHERE name LIKE 'seq%'").fetchall()
        return sum(int(value) for (value,) in rows)

    def positions(self, partitions: int) -> list[int]:
        """The last sequence applied in each of the store's feed partitions (0: none)."""
        rows = dict(self._ledger.execute("SELECT name, value FROM meta WHERE name LIKE 'seq%'").fetchall())
        return [int(rows.get(_seq_name(n), 0)) for n in range(partitions)]

    def passport_count(self) -> int:
        return int(self._ledger.execute("SELECT COUNT(*) FROM passports").fetchone()[0])

    def apply(self, records: Mapping[str, Record | None], *, bulk: bool = False) -> dict[str, str]:
        """Make the index hold each record as its handle's current version (None or a
        tombstone: the passport leaves the index, its history included). A view already held
        changes by its difference: the triples it no longer has go, the new ones come (a view's
        blank nodes are labelled by the order they are read in, so an unchanged part of a view
        reads as the same quads); the additions are one write per tier store for the lot.
        ``bulk`` (a rebuild, a catch-up from far behind): a passport whose graphs are empty is
        parsed and written by pyoxigraph's bulk loader, one document per tier store for the
        lot, not atomic. The ledger's rows wait for ``commit``. Returns the handles whose views
        could not be read, with why (they are left as they were)."""
        for columns in self._columns.values():
            columns.begin_write()
        failed = self._apply(records, bulk=bulk)
        for columns in self._columns.values():
            columns.end_write()
        return failed

    def _apply(self, records: Mapping[str, Record | None], *, bulk: bool) -> dict[str, str]:
        writes = _Writes(self._current, self._columns)
        failed: dict[str, str] = {}
        for handle, record in records.items():
            old = self._ledger.execute(
                "SELECT iri, version FROM passports WHERE handle = ?", (handle,)
            ).fetchone()
            if record is None or record.deleted:
                if old is not None:
                    self._drop(old[0], old[1])
                    self._forget(handle)
                continue
            digests = {Tier(tier): _digest(body) for tier, body in record.views.items()}
            same = self._unchanged(handle, digests) if old is not None else set()
            if old is not None and same == set(digests):
                self._ledger.execute(
                    "UPDATE passports SET version = ? WHERE handle = ?", (record.version, handle)
                )
                continue
            try:
                parsed = _parse(
                    {t: b for t, b in record.views.items() if Tier(t) not in same}, view_graph_name
                )
                if old is not None and old[0] != parsed.iri:  # the passport's @id changed: the old one leaves
                    self._drop(old[0], old[1])
                    parsed, same = _parse(record.views, view_graph_name), set()
                writes.add(handle, parsed, bulk=bulk, unchanged=same)
            except DocumentError as err:
                failed[handle] = err.detail
                continue
            self._ledger.execute(
                "INSERT OR REPLACE INTO passports (handle, iri, version) VALUES (?, ?, ?)",
                (handle, parsed.iri, record.version),
            )
            self._ledger.execute("DELETE FROM views WHERE handle = ?", (handle,))
            self._ledger.executemany(
                "INSERT INTO views (handle, tier, digest) VALUES (?, ?, ?)",
                [(handle, int(tier), digest) for tier, digest in digests.items()],
            )
        for handle, why in writes.finish().items():
            failed[handle] = why
            self._forget(handle)
        return failed

    def _unchanged(self, handle: str, digests: Mapping[Tier, bytes]) -> set[Tier]:
        """The tiers whose view is the one applied last (same bytes): nothing to read or write
        for them. Every view unchanged (a replay after a crash, a version that changed only
        what no view shows): the record is not read at all."""
        held = dict(self._ledger.execute("SELECT tier, digest FROM views WHERE handle = ?", (handle,)))
        if set(held) != {int(tier) for tier in digests}:  # a view came or went: every view is read
            return set()
        return {tier for tier, digest in digests.items() if held[int(tier)] == digest}

    def _forget(self, handle: str) -> None:
        self._ledger.execute("DELETE FROM passports WHERE handle = ?", (handle,))
        self._ledger.execute("DELETE FROM views WHERE handle = ?", (handle,))

    def write(self, batch: IndexBatch) -> dict[str, str]:
        """Apply one batch of the change feed: its records, its past versions (history), and
        its position, in one call (one request to an index process). Returns what was skipped,
        with why: handles, and ``handle vN`` for a past version."""
        failed = self.apply(batch.records, bulk=batch.bulk)
        for past in batch.versions:
            try:
                self.add_version(past)
            except ResolverError as err:
                failed[f"{past.handle} v{past.version}"] = err.detail
        self.commit(batch.seq, batch.partition)
        return failed

    def load_nquads(
        self,
        rows: Mapping[Tier, BinaryIO],
        passports: Iterable[tuple[str, str, int]],
        positions: Sequence[int],
    ) -> None:
        """Bulk-load an empty index: ``rows`` per tier store, N-Quads (each view's named graph
        and its default graph copy, as ``view_lines`` gives them); record ``passports``
        (handle, passport IRI, version) and the feed ``positions`` they reach. For tools that
        make an index's rows without reading each record (the benchmark's generated passports)."""
        for tier, stream in rows.items():
            self._columns[tier].invalidate()  # first: a process killed midway keeps no stale columns
            # Parsed, then bulk-written: pyoxigraph's parser keeps the blank node labels (the
            # index's diff writes rely on them); ``bulk_load`` would give new ones.
            self._current[tier].bulk_extend(pyoxigraph.parse(stream, format=pyoxigraph.RdfFormat.N_QUADS))
        with self._ledger:
            self._ledger.executemany(
                "INSERT OR REPLACE INTO passports (handle, iri, version) VALUES (?, ?, ?)", passports
            )
        for partition, seq in enumerate(positions):
            self.commit(seq, partition)

    def add_version(self, record: Record) -> None:
        """Keep one (non-deleted) version in the history stores."""
        if not self.history or record.deleted:
            return
        parsed = _parse(record.views, lambda iri, tier: history_graph_name(iri, tier, record.version))
        for tier, store in self._past.items():
            store.extend(parsed.quads(tier))

    def commit(self, seq: int, partition: int = 0) -> None:
        """Record that every change of feed ``partition`` up to ``seq`` is applied (the stores'
        writes are durable already: replaying after a crash between them and this is harmless)."""
        with self._ledger:
            self._ledger.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (_seq_name(partition), str(seq))
            )
        self._remember_columns()

    def clear(self) -> None:
        """Empty the index (before a rebuild); the profile graph is loaded again."""
        for columns in self._columns.values():
            columns.invalidate()  # first: a process killed midway keeps no stale columns
        for store in (*self._current.values(), *self._past.values()):
            store.clear()
        with self._ledger:
            self._ledger.execute("DELETE FROM passports")
            self._ledger.execute("DELETE FROM views")
            self._ledger.execute("DELETE FROM meta WHERE name LIKE 'seq%' OR name = 'profile'")
        self._load_profile()

    def optimize(self) -> None:
        """Compact every store (after a rebuild: the bulk loader leaves many small files)."""
        for store in (*self._current.values(), *self._past.values()):
            store.optimize()

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())

    def close(self) -> None:
        self._remember_columns()
        self._reader.shutdown(wait=True, cancel_futures=True)
        for columns in self._columns.values():
            columns.save()
            columns.close()
        for store in (*self._current.values(), *self._past.values()):
            store.flush()
        self._current.clear()
        self._past.clear()
        self._ledger.close()

    @staticmethod
    def remove(directory: Path | str) -> None:
        """Delete an index directory (a rebuild from nothing)."""
        shutil.rmtree(directory, ignore_errors=True)

    def _check_layout(self) -> None:
        """Empty an index made under another layout (the follower then replays the feed)."""
        row = self._ledger.execute("SELECT value FROM meta WHERE name = 'layout'").fetchone()
        if row is not None and row[0] == LAYOUT:
            return
        self.clear()
        with self._ledger:
            self._ledger.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('layout', ?)", (LAYOUT,))

    def _warm_columns(self) -> None:
        """Take back the columns the index kept on disk (resolver.sparql.column_files: saved
        at close, or as they were when a killed process last wrote), and start reading the
        columns queries used before (the ledger's ``columns.{tier}``) that are not among them,
        on the columns' thread: a restarted index answers them from columns again without a
        first query paying for the read."""
        for tier, columns in self._columns.items():
            columns.restore()
            row = self._ledger.execute(
                "SELECT value FROM meta WHERE name = ?", (f"columns.{tier.label}",)
            ).fetchone()
            if row is not None:
                self._columns_saved[tier] = json.loads(row[0])
                columns.ready(self._columns_saved[tier])

    def _remember_columns(self) -> None:
        """Record which columns are held (or being read), when that changed."""
        for tier, columns in self._columns.items():
            wanted = columns.wanted()
            if not wanted or wanted == self._columns_saved.get(tier):
                continue
            with self._ledger:
                self._ledger.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                    (f"columns.{tier.label}", json.dumps(wanted)),
                )
            self._columns_saved[tier] = wanted

    def _load_profile(self) -> None:
        """(Re)load the profile graph into every current store when its files have changed."""
        digest = profile_digest()
        row = self._ledger.execute("SELECT value FROM meta WHERE name = 'profile'").fetchone()
        if row is not None and row[0] == digest:
            return
        quads = profile_quads()
        graph = pyoxigraph.NamedNode(PROFILE_GRAPH)
        for store in self._current.values():
            store.remove_graph(graph)
            store.extend(quads)
        with self._ledger:
            self._ledger.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('profile', ?)", (digest,))

    def _drop(self, iri: str, version: int) -> None:
        for tier, store in self._current.items():
            self._columns[tier].remove_lines(
                _remove_view(store, pyoxigraph.NamedNode(view_graph_name(iri, tier)))
            )
        for tier, store in self._past.items():
            for past in range(1, version + 1):
                name = pyoxigraph.NamedNode(history_graph_name(iri, tier, past))
                if store.contains_named_graph(name):
                    store.remove_graph(name)


class _Writes:
    """What one ``apply`` writes to each tier store: the additions of the views it diffed (one
    ``extend`` per store), and the views it bulk-loads (one document per store)."""

    def __init__(self, stores: Mapping[Tier, pyoxigraph.Store], columns: Mapping[Tier, TierColumns]) -> None:
        self._stores = stores
        self._columns = columns
        self._adds: dict[Tier, list[bytes]] = {tier: [] for tier in stores}  # N-Quads lines
        self._loads: dict[Tier, list[JSONObject]] = {tier: [] for tier in stores}
        self._loaded: dict[str, _Parsed] = {}

    def add(self, handle: str, parsed: _Parsed, *, bulk: bool, unchanged: set[Tier]) -> None:
        """Write ``parsed``: bulk-loaded (``bulk``, and its graphs are empty), else diffed
        (DocumentError when a view cannot be read); the graphs of the tiers ``unchanged`` are
        left as they are."""
        graphs = {tier: pyoxigraph.NamedNode(view_graph_name(parsed.iri, tier)) for tier in self._stores}
        if (
            bulk
            and not unchanged
            and all(_empty(store, graphs[tier]) for tier, store in self._stores.items())
        ):
            for tier, (view, name) in parsed.views.items():
                if tier in self._loads:
                    self._loads[tier].append(view.in_graph(name))
                    self._loads[tier].extend(view.nodes)  # the default graph's copy
            self._loaded[handle] = parsed
            return
        for tier in self._stores:
            if tier not in unchanged:
                added = self._replace(tier, graphs[tier], parsed.lines(tier))
                self._adds[tier].extend(_with_copies(added, graphs[tier]))

    def finish(self) -> dict[str, str]:
        """Write what was gathered; the bulk-loaded handles that could not be read, with why
        (a document pyoxigraph refuses is written again view by view, by difference)."""
        failed: dict[str, str] = {}
        for tier, store in self._stores.items():
            if self._loads[tier]:
                try:
                    store.bulk_extend(parse_document(self._loads[tier]))
                except (DocumentError, SyntaxError, ValueError):
                    failed.update(self._one_by_one(tier))
                self._columns[tier].invalidate()
            if self._adds[tier]:
                store.extend(
                    pyoxigraph.parse(b"\n".join(self._adds[tier]), format=pyoxigraph.RdfFormat.N_QUADS)
                )
                self._columns[tier].add_lines(self._adds[tier][1::2])  # the default graph's copies
        return failed

    def _replace(self, tier: Tier, graph: pyoxigraph.NamedNode, lines: set[bytes]) -> list[bytes]:
        added, removed = _replace_view(self._stores[tier], graph, lines)
        self._columns[tier].remove_lines(removed)
        return added

    def _one_by_one(self, tier: Tier) -> dict[str, str]:
        failed: dict[str, str] = {}
        for handle, parsed in self._loaded.items():
            try:
                lines = parsed.lines(tier)
            except DocumentError as err:
                failed[handle] = err.detail
                continue
            graph = pyoxigraph.NamedNode(view_graph_name(parsed.iri, tier))
            self._replace(tier, graph, lines)
            # All of them: the failed load may have left some out (adding a held quad is harmless).
            self._adds[tier].extend(_with_copies(lines, graph))
        return failed


def view_lines(views: Mapping[Tier, bytes]) -> tuple[str, dict[Tier, list[bytes]]]:
    """A record's passport IRI, and the N-Quads lines each tier store holds for it: every
    triple of the tier's view in its named graph, followed by its default graph copy (what
    ``apply`` writes; DocumentError when a view cannot be read)."""
    parsed = _parse(views, view_graph_name)
    lines: dict[Tier, list[bytes]] = {}
    for tier in Tier:
        graph = pyoxigraph.NamedNode(view_graph_name(parsed.iri, tier))
        lines[tier] = list(_with_copies(sorted(parsed.lines(tier)), graph))
    return parsed.iri, lines


def _empty(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None


def _open_store(path: Path) -> pyoxigraph.Store:
    try:
        return pyoxigraph.Store(str(path))
    except OSError as err:
        if "lock" not in str(err).lower():
            raise
        raise OSError(
            f"the SPARQL index {path.parent} is open in another process (an index directory has one "
            "writer): give each node process its own directory, or serve /sparql from one process"
        ) from err


def _replace_view(
    store: pyoxigraph.Store, graph: pyoxigraph.NamedNode, lines: set[bytes]
) -> tuple[list[bytes], list[bytes]]:
    """Remove from ``graph`` the triples ``lines`` (N-Triples, as a store writes them) does
    not hold, and from the default graph unless another view holds them; the lines to add
    (the graph does not hold them yet). The comparison is of lines, not of pyoxigraph terms:
    no Python object per triple. What the graph holds is read from the store, not the ledger,
    so a write replayed after a crash finds the graph as it is. Also returns the lines that left
    the default graph."""
    held = set((store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph) or b"").splitlines())
    gone = sorted(held - lines)
    removed: list[bytes] = []
    if gone:
        parsed = pyoxigraph.parse(b"\n".join(gone), format=pyoxigraph.RdfFormat.N_QUADS)
        for line, triple in zip(gone, parsed, strict=True):
            quad = pyoxigraph.Quad(triple.subject, triple.predicate, triple.object, graph)
            store.remove(quad)
            if _in_no_view(store, quad):
                store.remove(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, _DEFAULT))
                removed.append(line)
    return [line for line in lines if line not in held], removed


def _with_copies(lines: Iterable[bytes], graph: pyoxigraph.NamedNode) -> Iterator[bytes]:
    """N-Triples ``lines`` as N-Quads lines in ``graph``, each followed by its default graph copy."""
    name = b" <" + graph.value.encode() + b"> ."
    for line in lines:
        yield line[:-2] + name  # "<s> <p> <o> ." -> "<s> <p> <o> <graph> ."
        yield line


def _in_no_view(store: pyoxigraph.Store, quad: pyoxigraph.Quad) -> bool:
    """Whether no view holds the triple of ``quad`` any more (a triple with a blank node is
    one view's own: each view's blank nodes are labelled apart from every other's)."""
    if isinstance(quad.subject, pyoxigraph.BlankNode) or isinstance(quad.object, pyoxigraph.BlankNode):
        return True
    if not isinstance(quad.subject, pyoxigraph.NamedNode):
        return True  # a quoted triple: not in our views
    return not any(
        isinstance(q.graph_name, pyoxigraph.NamedNode) and q.graph_name.value != PROFILE_GRAPH
        for q in store.quads_for_pattern(quad.subject, quad.predicate, quad.object)
    )


def _remove_view(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode) -> list[bytes]:
    """Remove a view's named graph, and from the default graph each of its triples that no
    other named graph holds: one update removes them all, and those another view holds (about
    an IRI: a triple about a blank node is in this view only, as each view is parsed with blank
    nodes of its own) are put back. Returns the lines (N-Triples) that left the default graph."""
    held = set((store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph) or b"").splitlines())
    shared = store.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o FILTER(isIRI(?s)) }} "
        f"GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != {graph}) }}",
        use_default_graph_as_union=False,
    )
    kept = [
        pyoxigraph.Quad(row[0], row[1], row[2], _DEFAULT)
        for row in (shared if isinstance(shared, pyoxigraph.QuerySolutions) else ())
    ]
    store.update(f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    store.remove_graph(graph)
    store.extend(kept)
    triples = [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in kept]
    back = set((pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b"").splitlines())
    return sorted(held - back)


def _parse(views: Mapping[Tier, bytes], name: Callable[[str, Tier], str]) -> _Parsed:
    iri = ""
    read: dict[Tier, tuple[LabelledView, str]] = {}
    for tier, body in views.items():
        view, graph = read_view(body, _in_tier(name, Tier(tier)))
        iri, read[Tier(tier)] = view.iri, (view, graph)
    if not iri:
        raise DocumentError("a stored record without views")
    return _Parsed(iri, read)


def _digest(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).digest()


def _in_tier(name: Callable[[str, Tier], str], tier: Tier) -> Callable[[str], str]:
    return lambda found: name(found, tier)


def _seq_name(partition: int) -> str:
    """The ledger row of a partition's position ('seq' for partition 0, as before partitions)."""
    return "seq" if partition == 0 else f"seq.{partition}"
