"""The node process's side of the index process (``resolver.sparql.worker``).

``IndexProcess`` offers what the follower and the engine use of a ``GraphIndex``, each call a
request over a pipe. A query that has not answered within its time limit (and a short grace)
ends the process: it is killed, every request it held fails with ``IndexRestarted`` (503), and
a new process opens the same directory (the follower replays what was not committed: applying
a change twice is harmless). Every wait here has a bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import TypeVar

from resolver.errors import ResolverError
from resolver.sparql.errors import IndexRestarted, QueryTimeout
from resolver.sparql.evaluate import Answer, timeout_text
from resolver.sparql.index import IndexBatch
from resolver.sparql.worker import CLOSE, READY, QueryRequest, WorkerOptions, serve
from resolver.stores.base import Record

__all__ = ["GRACE", "IndexProcess"]

_log = logging.getLogger("resolver.sparql")
_T = TypeVar("_T")

GRACE = 0.5  # seconds past a query's limit before its process is ended
START_BOUND = 60.0  # seconds for a new process to open the index
WRITE_BOUND = 300.0  # seconds for one write request (a rebuild batch)
_CONTEXT = multiprocessing.get_context("spawn")  # a fork would copy the node's threads and locks


class _Worker:
    """One index process, the pipe to it, and the requests waiting for an answer."""

    def __init__(self, options: WorkerOptions) -> None:
        ours, theirs = _CONTEXT.Pipe()
        self.conn: Connection = ours
        self.process: SpawnProcess = _CONTEXT.Process(
            target=serve, args=(theirs, options), name="sparql-index", daemon=True
        )
        self.process.start()
        theirs.close()
        self.pending: dict[int, Future[object]] = {}
        self.lock = threading.Lock()
        if not ours.poll(START_BOUND):
            self.kill()
            raise OSError(f"the SPARQL index process did not open {options.directory} in {START_BOUND:g} s")
        _, opened, why = ours.recv()
        if not opened:
            self.process.join(START_BOUND)
            raise OSError(str(why))
        self.reader = threading.Thread(target=self._read, name="sparql-index-reader", daemon=True)
        self.reader.start()

    def send(self, rid: int, name: str, args: tuple[object, ...]) -> Future[object]:
        future: Future[object] = Future()
        with self.lock:
            self.pending[rid] = future
            try:
                self.conn.send((rid, name, args))
            except (OSError, ValueError) as err:  # the process has gone
                del self.pending[rid]
                future.set_exception(IndexRestarted(f"the SPARQL index process has gone: {err}"))
        return future

    def _read(self) -> None:
        while True:
            try:
                rid, ok, value = self.conn.recv()
            except (EOFError, OSError):
                break
            with self.lock:
                future = self.pending.pop(rid, None)
            if future is None:
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value if isinstance(value, BaseException) else RuntimeError(str(value)))
        self._fail_pending("the SPARQL index process ended while answering; ask again")

    def _fail_pending(self, why: str) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(IndexRestarted(why))

    def kill(self) -> None:
        self.process.kill()
        self.process.join(START_BOUND)
        self.conn.close()
        self._fail_pending("the SPARQL index process was ended by a query past its time limit; ask again")

    def close(self) -> None:
        # Asked, not hung up on: closing our end while the reader thread waits on it would
        # not reach the process. It finishes its writes, closes the index and exits.
        with self.lock, contextlib.suppress(OSError, ValueError):
            self.conn.send((READY, CLOSE, ()))
        self.process.join(START_BOUND)
        if self.process.is_alive():
            self.kill()
        self.conn.close()


class IndexProcess:
    """The graph index in ``directory``, held by a process of its own (see the module)."""

    def __init__(self, directory: Path | str, *, history: bool, threads: int, max_results: int) -> None:
        self.directory = Path(directory)
        self.history = history
        self._options = WorkerOptions(str(directory), history, threads, max_results)
        self._ids = itertools.count(READY + 1)
        self._worker = _Worker(self._options)
        self._replacing = threading.Lock()
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        """The index process's id (another after each replacement)."""
        return self._worker.process.pid

    # --- what the follower and the tools use (blocking: call them off the event loop) -----

    def apply(self, records: Mapping[str, Record | None], *, bulk: bool = False) -> dict[str, str]:
        return _typed(self._call("apply", dict(records), bulk), dict)

    def write(self, batch: IndexBatch) -> dict[str, str]:
        return _typed(self._call("write", batch), dict)

    def add_version(self, record: Record) -> None:
        self._call("add_version", record)

    def commit(self, seq: int, partition: int = 0) -> None:
        self._call("commit", seq, partition)

    def clear(self) -> None:
        self._call("clear")

    def optimize(self) -> None:
        self._call("optimize")

    def positions(self, partitions: int) -> list[int]:
        return _typed(self._call("positions", partitions), list)

    @property
    def last_seq(self) -> int:
        return _typed(self._call("last_seq"), int)

    def passport_count(self) -> int:
        return _typed(self._call("passport_count"), int)

    def size_bytes(self) -> int:
        return _typed(self._call("size_bytes"), int)

    def close(self) -> None:
        self._worker.close()

    # --- queries --------------------------------------------------------------------------

    async def query(self, request: QueryRequest) -> Answer:
        """The answer, or QueryTimeout once the limit and ``GRACE`` have passed: the process
        is then ended and replaced (off the event loop)."""
        worker = self._worker
        future = worker.send(next(self._ids), "query", (request,))
        try:
            answer = await asyncio.wait_for(asyncio.wrap_future(future), request.timeout + GRACE)
        except TimeoutError as err:
            await asyncio.get_running_loop().run_in_executor(None, self._replace, worker)
            raise QueryTimeout(timeout_text(request.timeout), limit_seconds=request.timeout) from err
        return _typed(answer, Answer)

    def _replace(self, worker: _Worker) -> None:
        """End ``worker``'s process and start another, once (several queries may time out)."""
        with self._replacing:
            if worker is not self._worker:
                return
            _log.warning(
                "sparql: a query ran past its limit: ending the index process %s", worker.process.pid
            )
            worker.kill()
            self._worker = _Worker(self._options)
            self.restarts += 1

    def _call(self, name: str, *args: object) -> object:
        future = self._worker.send(next(self._ids), name, args)
        return future.result(timeout=WRITE_BOUND)


def _typed(value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise ResolverError(f"the SPARQL index process answered {type(value).__name__}, not {kind.__name__}")
    return value
