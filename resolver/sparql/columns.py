"""Columns: a tier store's default graph as integer-encoded (subject, object) pairs per predicate.

What the columnar evaluator (``resolver.sparql.columnar``) reads. One ``TierColumns`` per tier
store, made from that store only, so it holds that tier's triples and nothing else. Terms are
N-Triples text (as pyoxigraph writes them) numbered by an append-only dictionary; a predicate's
pairs are one sorted array of ``subject id << 32 | object id`` (a set, as the graph is).

A predicate's column is read from the store on its first use, on a thread of its own (the
query that asked is answered by pyoxigraph meanwhile), and then kept in step by the index's
writes: every triple the index adds to or removes from the store's default graph is told here
(``add_lines``, ``remove_lines``) after the store has it. A change told while a column is being
read is kept and applied on top of what was read (adding a held triple and removing a missing
one change nothing, so a change the read already saw is harmless). A bulk load or a clear
drops every column (``invalidate``): they are read again on use.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyoxigraph

__all__ = ["Column", "Ids", "Terms", "TierColumns", "split_line"]

Ids = npt.NDArray[np.int64]
SHIFT = 32
_LOW = (1 << SHIFT) - 1
_EMPTY: Ids = np.zeros(0, dtype=np.int64)


class Terms:
    """N-Triples term text <-> int id; ids are never reused, so a reader needs no lock."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._terms: list[str] = []

    def __len__(self) -> int:
        return len(self._terms)

    def dump(self) -> bytes:
        return "\n".join(self._terms).encode()  # N-Triples terms hold no raw line break

    @staticmethod
    def undump(text: bytes) -> Terms:
        terms = Terms()
        terms._terms = text.decode().split("\n") if text else []
        terms._ids = {term: n for n, term in enumerate(terms._terms)}
        return terms

    def find(self, term: str) -> int | None:
        return self._ids.get(term)

    def term(self, ident: int) -> str:
        return self._terms[ident]

    def intern(self, terms: Iterable[str]) -> Ids:
        ids = self._ids
        out: list[int] = []
        for term in terms:
            found = ids.get(term)
            if found is None:
                found = ids[term] = len(self._terms)
                self._terms.append(term)
            out.append(found)
        if len(self._terms) > _LOW:
            raise OverflowError("more than 2**32 terms in one tier's columns")
        return np.asarray(out, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Column:
    """One predicate's pairs, sorted by subject then object; never changed (a write makes a new one)."""

    keys: Ids
    _cache: dict[str, Ids] = field(default_factory=dict, compare=False)

    @staticmethod
    def of(subjects: Ids, objects: Ids) -> Column:
        return Column(np.unique((subjects << SHIFT) | objects))

    def __len__(self) -> int:
        return int(self.keys.size)

    @property
    def s(self) -> Ids:
        if "s" not in self._cache:
            self._cache["s"] = self.keys >> SHIFT
        return self._cache["s"]

    @property
    def o(self) -> Ids:
        if "o" not in self._cache:
            self._cache["o"] = self.keys & _LOW
        return self._cache["o"]

    def by_object(self) -> Ids:
        """The row order that sorts the pairs by object (computed once per column)."""
        if "by_o" not in self._cache:
            self._cache["by_o"] = np.argsort(self.o, kind="stable").astype(np.int64)
        return self._cache["by_o"]

    def changed(self, added: Ids, removed: Ids) -> Column:
        keys = self.keys
        if removed.size and keys.size:
            at = np.searchsorted(keys, removed)
            at = at[at < keys.size]
            keys = np.delete(keys, at[np.isin(keys[at], removed)])
        if added.size:
            added = np.unique(added)
            at = np.searchsorted(keys, added)
            held = (at < keys.size) & (keys[np.minimum(at, keys.size - 1)] == added) if keys.size else None
            if held is not None:
                added, at = added[~held], at[~held]
            keys = np.insert(keys, at, added)
        return Column(keys)


def split_line(line: bytes) -> tuple[str, str, str]:
    """An N-Triples line (``<s> <p> o .``, as pyoxigraph writes it): its three terms."""
    text = line.decode()
    i = text.index(" ")
    j = text.index(" ", i + 1)
    end = len(text) - 2 if text.endswith(" .") else len(text)
    return text[:i], text[i + 1 : j], text[j + 1 : end].rstrip()


@dataclass(slots=True)
class _Delta:
    """Changes told while a column is read: (added, subject, object) in order."""

    changes: list[tuple[bool, str, str]] = field(default_factory=list)


class TierColumns:
    """The columns of one tier store (see the module's text)."""

    def __init__(self, store: pyoxigraph.Store, loader: Executor) -> None:
        self._store: pyoxigraph.Store | None = store
        self._loader = loader
        self._lock = threading.Lock()
        self.terms = Terms()
        self._columns: dict[str, Column] = {}
        self._reading: dict[str, _Delta] = {}
        self._generation = 0

    def ready(self, predicates: Iterable[str]) -> dict[str, Column] | None:
        """The columns of ``predicates`` (N-Triples IRIs); None if one is not read yet (its read
        is started)."""
        wanted = set(predicates)
        with self._lock:
            found = {p: self._columns[p] for p in wanted if p in self._columns}
            missing = [p for p in wanted if p not in found and p not in self._reading]
            for predicate in missing:
                self._reading[predicate] = _Delta()
                self._loader.submit(self._read, predicate, self._generation)
        return found if len(found) == len(wanted) else None

    def load(self, predicates: Iterable[str]) -> dict[str, Column]:
        """The columns of ``predicates``, read now if they are not held (tests, warming)."""
        for predicate in set(predicates):
            with self._lock:
                if predicate in self._columns or predicate in self._reading:
                    continue
                self._reading[predicate] = _Delta()
                generation = self._generation
            self._read(predicate, generation)
        found = self.ready(predicates)
        if found is None:  # another thread is reading one of them: wait for it
            self._loader.submit(lambda: None).result()
            return self.load(predicates)
        return found

    def held(self) -> list[str]:
        with self._lock:
            return sorted(self._columns)

    def wanted(self) -> list[str]:
        """The predicates held or being read."""
        with self._lock:
            return sorted({*self._columns, *self._reading})

    def add_lines(self, lines: Iterable[bytes]) -> None:
        """Triples the store's default graph now holds (N-Triples lines)."""
        self._change(lines, added=True)

    def remove_lines(self, lines: Iterable[bytes]) -> None:
        """Triples the store's default graph no longer holds."""
        self._change(lines, added=False)

    def invalidate(self) -> None:
        """Forget every column (after a bulk load or a clear: read again on use)."""
        with self._lock:
            self._columns.clear()
            self._reading.clear()
            self._generation += 1

    def save(self, directory: Path, stamp: str) -> None:
        """Write the columns to ``directory`` (replaced), marked with ``stamp`` (the index's
        feed positions): ``restore`` takes them back only under the same stamp."""
        with self._lock:
            columns = dict(self._columns)
            terms = self.terms.dump()
        shutil.rmtree(directory, ignore_errors=True)
        if not columns:
            return
        folder = directory.with_name(directory.name + ".new")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "terms.txt").write_bytes(terms)
        np.savez(folder / "keys.npz", *(column.keys for column in columns.values()))
        (folder / "columns.json").write_text(json.dumps({"stamp": stamp, "predicates": list(columns)}))
        folder.rename(directory)

    def restore(self, directory: Path, stamp: str) -> bool:
        """Take back columns ``save`` wrote under ``stamp`` (into empty columns); the files are
        removed either way, so a later crash never finds them stale."""
        try:
            meta = json.loads((directory / "columns.json").read_text())
            if meta["stamp"] != stamp:
                return False
            terms = Terms.undump((directory / "terms.txt").read_bytes())
            with np.load(directory / "keys.npz") as arrays:
                keys = [arrays[f"arr_{n}"] for n in range(len(meta["predicates"]))]
        except (OSError, ValueError, KeyError):
            return False
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        with self._lock:
            self.terms = terms
            self._columns = {
                p: Column(k.astype(np.int64)) for p, k in zip(meta["predicates"], keys, strict=True)
            }
        return True

    def close(self) -> None:
        """Let go of the store (its directory's lock goes with the last reference) and the columns."""
        self.invalidate()
        self._store = None

    def _change(self, lines: Iterable[bytes], *, added: bool) -> None:
        by_predicate: dict[str, list[tuple[str, str]]] = {}
        with self._lock:
            if not self._columns and not self._reading:
                return
            for line in lines:
                s, p, o = split_line(line)
                if p in self._reading:
                    self._reading[p].changes.append((added, s, o))
                elif p in self._columns:
                    by_predicate.setdefault(p, []).append((s, o))
            for predicate, pairs in by_predicate.items():
                keys = self._keys(pairs)
                column = self._columns[predicate]
                self._columns[predicate] = (
                    column.changed(keys, _EMPTY) if added else column.changed(_EMPTY, keys)
                )

    def _keys(self, pairs: list[tuple[str, str]]) -> Ids:
        s = self.terms.intern(p[0] for p in pairs)
        o = self.terms.intern(p[1] for p in pairs)
        return (s << SHIFT) | o

    def _read(self, predicate: str, generation: int) -> None:
        """Read one predicate's triples from the store's default graph, then apply the changes
        told meanwhile (runs on the loader's thread, or the caller's in ``load``)."""
        try:
            if self._store is None:
                raise RuntimeError("the index is closed")
            text = self._store.query(f"CONSTRUCT {{ ?s {predicate} ?o }} WHERE {{ ?s {predicate} ?o }}")
            assert isinstance(text, pyoxigraph.QueryTriples)
            dump = text.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
        except BaseException:
            with self._lock:
                self._reading.pop(predicate, None)
            raise
        pairs = [_pair(line, len(predicate)) for line in dump.decode().splitlines() if line]
        with self._lock:
            delta = self._reading.pop(predicate, None)
            if delta is None or generation != self._generation:
                return  # invalidated meanwhile
            column = Column.of(*self._split(pairs)) if pairs else Column(_EMPTY)
            for added, s, o in delta.changes:
                keys = self._keys([(s, o)])
                column = column.changed(keys, _EMPTY) if added else column.changed(_EMPTY, keys)
            self._columns[predicate] = column

    def _split(self, pairs: list[tuple[str, str]]) -> tuple[Ids, Ids]:
        return self.terms.intern(p[0] for p in pairs), self.terms.intern(p[1] for p in pairs)


def _pair(line: str, predicate_length: int) -> tuple[str, str]:
    i = line.index(" ")
    return line[:i], line[i + 2 + predicate_length : -2]
