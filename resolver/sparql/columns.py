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

Given ``ColumnFiles``, the columns are kept on disk as well (``resolver.sparql.column_files``):
a snapshot once the columns asked for are read (and again when the journal grows large), and
a journal of every change told since; ``restore`` takes them back in a new process, a killed
one's replacement included.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyoxigraph

from resolver.sparql.column_files import JOURNAL_LIMIT, ColumnFiles

__all__ = ["Column", "Ids", "Terms", "TierColumns", "split_line"]

Ids = npt.NDArray[np.int64]
_log = logging.getLogger("resolver.sparql")
CHUNK = 4096  # terms per chunk of the dictionary (see Terms)
SHIFT = 32
_LOW = (1 << SHIFT) - 1
_EMPTY: Ids = np.zeros(0, dtype=np.int64)


class Terms:
    """N-Triples term text <-> int id; ids are never reused, so a reader needs no lock.

    The terms by id are held in chunks of ``CHUNK``, each full one a tuple of strings, which
    the garbage collector untracks: a full collection does not walk them. (A list of a tier's
    1.8 million terms at 100,000 passports made every full collection of the index process
    visit each string, a cache miss each: 0.1 to 0.3 s, during which writes and queries wait.)
    The term -> id dict holds strings and ints only: it is never tracked."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        # Full chunks as tuples, the last one a list being filled (never full): a reader finds
        # any id published in ``_chunks[id // CHUNK]``, list or the tuple that replaced it.
        self._chunks: list[tuple[str, ...] | list[str]] = [[]]
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def dump(self) -> bytes:
        return "\n".join(self.upto(self._count)).encode()  # N-Triples terms hold no raw line break

    @staticmethod
    def undump(text: bytes) -> Terms:
        terms = Terms()
        words = text.decode().split("\n") if text else []
        full = len(words) - len(words) % CHUNK
        terms._chunks = [tuple(words[n : n + CHUNK]) for n in range(0, full, CHUNK)]
        terms._chunks.append(words[full:])
        terms._count = len(words)
        terms._ids = {term: n for n, term in enumerate(words)}
        return terms

    def upto(self, count: int) -> Iterator[str]:
        """The first ``count`` terms, in order (ids are never reused: no lock needed)."""
        return itertools.islice(itertools.chain.from_iterable(list(self._chunks)), count)

    def find(self, term: str) -> int | None:
        return self._ids.get(term)

    def term(self, ident: int) -> str:
        return self._chunks[ident // CHUNK][ident % CHUNK]

    def intern(self, terms: Iterable[str]) -> Ids:
        ids = self._ids
        out: list[int] = []
        for term in terms:
            found = ids.get(term)
            if found is None:
                found = self._append(term)
                ids[term] = found
            out.append(found)
        if self._count > _LOW:
            raise OverflowError("more than 2**32 terms in one tier's columns")
        return np.asarray(out, dtype=np.int64)

    def _append(self, term: str) -> int:
        tail = self._chunks[-1]
        assert isinstance(tail, list)
        tail.append(term)
        self._count += 1
        if len(tail) == CHUNK:
            self._chunks[-1] = tuple(tail)  # the same terms: a reader finds them either way
            self._chunks.append([])
        return self._count - 1


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

    def __init__(self, store: pyoxigraph.Store, loader: Executor, files: ColumnFiles | None = None) -> None:
        self._store: pyoxigraph.Store | None = store
        self._loader = loader
        self._lock = threading.Lock()
        self.terms = Terms()
        self._columns: dict[str, Column] = {}
        self._reading: dict[str, _Delta] = {}
        self._generation = 0
        # On disk (``files``): a snapshot and a journal, so a killed process's replacement
        # takes the columns back (``restore``); snapshots are taken on the loader's thread.
        self._files = files
        self._in_write = False  # between the index's ``begin_write`` and ``end_write``
        self._saving = False  # a snapshot is queued on the loader
        self._save_lock = threading.Lock()
        self._snapshot: list[str] = []  # the predicates of the current snapshot

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
        """Forget every column (after a bulk load or a clear: read again on use), on disk too."""
        with self._lock:
            self._columns.clear()
            self._reading.clear()
            self._generation += 1
            self._snapshot = []
            if self._files is not None:
                self._files.forget()

    def begin_write(self) -> None:
        """The index is about to write to the store (a bracket in the journal: a process killed
        before ``end_write`` leaves columns on disk that are not taken back)."""
        with self._lock:
            self._in_write = True
            if self._files is not None:
                self._files.bracket(opening=True)

    def end_write(self) -> None:
        """The store has the write, and the columns were told its changes."""
        with self._lock:
            self._in_write = False
            if self._files is not None:
                self._files.bracket(opening=False)
                if self._files.journal_bytes > JOURNAL_LIMIT:
                    self._save_soon()

    def save(self) -> None:
        """Take a snapshot now (on the caller's thread) if the one on disk is not of these
        columns or has a journal since; nothing when nothing is held."""
        with self._save_lock:  # one snapshot at a time (the loader's, and close's or a test's)
            self._save()

    def _save(self) -> None:
        with self._lock:
            files = self._files
            if files is None or not self._columns:
                return
            if sorted(self._columns) == self._snapshot and files.generation and not files.journal_bytes:
                return
            generation = files.rotate()
            keys = {p: column.keys for p, column in self._columns.items()}
            terms, in_write = self.terms.upto(len(self.terms)), self._in_write
            invalidated = self._generation
            self._snapshot = sorted(keys)
        try:
            files.write_snapshot(generation, keys, terms, in_write)
        except OSError as err:  # the last snapshot stays current, and the journals since it
            _log.warning("sparql columns: a snapshot could not be written to %s: %s", files.directory, err)
        with self._lock:
            if invalidated != self._generation:  # a clear or a bulk load meanwhile
                files.forget()

    def restore(self) -> bool:
        """Take back the columns on disk (into empty columns), with the journal's changes."""
        with self._lock:
            found = self._files.read() if self._files is not None else None
            if found is None:
                return False
            self.terms = Terms.undump(found.terms)
            self._columns = {p: Column(k) for p, k in found.keys.items()}
            self._snapshot = sorted(self._columns)
            last: dict[bytes, bool] = {}
            for added, line in found.changes:  # changes are idempotent: each triple's last counts
                last[line] = added
            self._apply_lines(last.items())
        return True

    def close(self) -> None:
        """Let go of the store (its directory's lock goes with the last reference) and the
        columns (the files stay: ``save`` first)."""
        with self._lock:
            self._columns.clear()
            self._reading.clear()
            self._generation += 1
            if self._files is not None:
                self._files.close()
        self._store = None

    def _save_soon(self) -> None:
        """Queue a snapshot on the loader (called under the lock)."""
        if self._files is not None and not self._saving:
            try:
                self._loader.submit(self._save_queued)
            except RuntimeError:  # the loader is shut down: the index is closing, and saves
                return
            self._saving = True

    def _save_queued(self) -> None:
        with self._lock:
            self._saving = False
        self.save()

    def _change(self, lines: Iterable[bytes], *, added: bool) -> None:
        with self._lock:
            if not self._columns and not self._reading:
                return
            told = self._apply_lines((line, added) for line in lines)
            if self._files is not None:
                self._files.log(added, told)

    def _apply_lines(self, changes: Iterable[tuple[bytes, bool]]) -> list[bytes]:
        """Apply changes (N-Triples line, added) to the columns held and those being read
        (called under the lock); the lines that were of one of them."""
        pairs: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        told: list[bytes] = []
        for line, added in changes:
            s, p, o = split_line(line)
            if p in self._reading:
                self._reading[p].changes.append((added, s, o))
            elif p in self._columns:
                pairs.setdefault((p, added), []).append((s, o))
            else:
                continue
            told.append(line)
        for (predicate, added), found in pairs.items():
            keys = self._keys(found)
            column = self._columns[predicate]
            self._columns[predicate] = column.changed(keys, _EMPTY) if added else column.changed(_EMPTY, keys)
        return told

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
            if not self._reading:  # the columns asked for are read: on disk, so a killed process keeps them
                self._save_soon()

    def _split(self, pairs: list[tuple[str, str]]) -> tuple[Ids, Ids]:
        return self.terms.intern(p[0] for p in pairs), self.terms.intern(p[1] for p in pairs)


def _pair(line: str, predicate_length: int) -> tuple[str, str]:
    i = line.index(" ")
    return line[:i], line[i + 2 + predicate_length : -2]
