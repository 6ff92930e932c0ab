"""The columns of one tier store kept on disk: a snapshot and a journal of the changes since.

A killed index process (a query past its limit) does not close its index; its replacement
finds here the columns as they were when it died, without reading them from the store again
(about 70 s at 100,000 passports). In ``directory``:

- ``snap-{G}/``: the columns at some moment (``columns.json``: their predicates; ``terms.txt``:
  the term dictionary then; ``keys.npz``: each column's keys), and ``current``, written last,
  naming the snapshot that is whole (``{"generation": G, "boot": ...}``);
- ``journal-{G}.log``, ``journal-{G+1}.log``, ...: every change told to the columns after
  snapshot G was taken (``+`` or ``-`` and the N-Triples line), and the index's writes as
  brackets: ``B`` before it writes to the store, ``E`` once it and its changes are told.

The columns mirror the store, not the change feed: a snapshot plus its journal is the store's
state whenever no bracket is open. A process killed inside a write leaves one open: its
snapshot is not used (the columns are read from the store again, as before). Nothing is
fsynced (a killed process's writes are in the page cache); a snapshot is taken back only on
the boot it was written on, so a power cut, which may lose some of the store's writes and some
of the journal's, never yields columns that differ from the store.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["ColumnFiles", "Snapshot", "boot_id"]

JOURNAL_LIMIT = 16 << 20  # bytes of journal past which the next write takes a new snapshot
_JOURNAL = re.compile(r"journal-(\d+)\.log")


def boot_id() -> str:
    """This machine's boot (Linux; empty elsewhere, where a power cut is not told apart)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Columns as taken back: each predicate's keys, the terms, and the journal's changes
    (added, N-Triples line) to apply on top, in order."""

    keys: dict[str, np.ndarray]
    terms: bytes
    changes: list[tuple[bool, bytes]]


class ColumnFiles:
    """The files of one tier's columns (see the module). Not thread-safe: the columns call it
    under their lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.generation = 0  # the journal written to (0: none, nothing is kept)
        self._journal: BinaryIO | None = None
        self.journal_bytes = 0

    # --- the journal -----------------------------------------------------------------------

    def log(self, added: bool, lines: Iterable[bytes]) -> None:
        if self._journal is not None:
            text = b"".join((b"+" if added else b"-") + line + b"\n" for line in lines)
            if text:
                self._write(text)

    def bracket(self, opening: bool) -> None:
        if self._journal is not None:
            self._write(b"B\n" if opening else b"E\n")

    def _write(self, text: bytes) -> None:
        assert self._journal is not None
        self._journal.write(text)  # unbuffered: in the page cache before the store write
        self.journal_bytes += len(text)

    # --- snapshots -------------------------------------------------------------------------

    def rotate(self) -> int:
        """Start the journal of the next snapshot (taken now by the caller); its generation."""
        self._close_journal()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.generation += 1
        self._journal = open(self.directory / f"journal-{self.generation}.log", "ab", buffering=0)  # noqa: SIM115
        self.journal_bytes = 0
        return self.generation

    def write_snapshot(
        self, generation: int, keys: dict[str, np.ndarray], terms: Iterable[str], in_write: bool
    ) -> None:
        """Write snapshot ``generation`` (``in_write``: taken inside an index write, whose end
        is in the journal that follows), make it current, and remove the older files."""
        folder = self.directory / f"snap-{generation}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        (folder / "terms.txt").write_bytes("\n".join(terms).encode())
        np.savez(folder / "keys.npz", *keys.values())
        meta = {"predicates": list(keys), "in_write": in_write}
        (folder / "columns.json").write_text(json.dumps(meta))
        current = self.directory / "current.new"
        current.write_text(json.dumps({"generation": generation, "boot": boot_id()}))
        os.replace(current, self.directory / "current")
        for path in self.directory.iterdir():
            found = _JOURNAL.fullmatch(path.name)
            old = int(found[1]) < generation if found else path.name.startswith("snap-") and path != folder
            if old:
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)

    def read(self) -> Snapshot | None:
        """The current snapshot and its journals' changes; None when there is none to trust
        (then every file is removed). The journal goes on in the last file read."""
        try:
            found = self._read()
        except (OSError, ValueError, KeyError):
            found = None
        if found is None:
            self.forget()
        return found

    def _read(self) -> Snapshot | None:
        current = json.loads((self.directory / "current").read_text())
        if current["boot"] != boot_id():
            return None
        generation = int(current["generation"])
        folder = self.directory / f"snap-{generation}"
        meta = json.loads((folder / "columns.json").read_text())
        with np.load(folder / "keys.npz") as arrays:
            keys = {p: arrays[f"arr_{n}"].astype(np.int64) for n, p in enumerate(meta["predicates"])}
        journals = sorted(
            (int(m[1]), p) for p in self.directory.iterdir() if (m := _JOURNAL.fullmatch(p.name))
        )
        if not journals or journals[0][0] != generation:
            return None
        changes, open_write = _replay((p.read_bytes() for _, p in journals), bool(meta["in_write"]))
        if open_write:
            return None  # killed inside a write: the store may hold what the journal does not
        self._close_journal()
        self.generation, last = journals[-1]
        self._journal = open(last, "ab", buffering=0)  # noqa: SIM115
        self.journal_bytes = sum(p.stat().st_size for _, p in journals)
        return Snapshot(keys, (folder / "terms.txt").read_bytes(), changes)

    def forget(self) -> None:
        """Remove every file and keep no journal (until the next snapshot)."""
        self._close_journal()
        self.generation = 0
        self.journal_bytes = 0
        shutil.rmtree(self.directory, ignore_errors=True)

    def close(self) -> None:
        self._close_journal()

    def _close_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def _replay(texts: Iterable[bytes], in_write: bool) -> tuple[list[tuple[bool, bytes]], bool]:
    """The changes the journals hold, and whether a write is still open at their end (a cut
    line counts as open: only a write's lines are written after its ``B``)."""
    changes: list[tuple[bool, bytes]] = []
    open_write = in_write
    for text in texts:
        if text and not text.endswith(b"\n"):
            return changes, True
        for line in text.splitlines():
            if line == b"B":
                if open_write:  # a write that failed midway, then another: never trusted
                    return changes, True
                open_write = True
            elif line == b"E":
                open_write = False
            elif line[:1] in (b"+", b"-"):
                changes.append((line[:1] == b"+", line[1:]))
            else:
                raise ValueError(f"a journal line of no kind: {line[:40]!r}")
    return changes, open_write
