"""The index process: the graph index's stores, its writes and its queries, in a process of
their own, so that a query past its time limit can be ended by ending the process.

pyoxigraph cannot stop a query from Python, and an on-disk store has one opener (the writer),
so readers cannot live in other processes than the writer: the whole index moves here. The
node process (``resolver.sparql.host``) sends requests over a pipe; writes run one at a time
on a thread of their own, queries on a pool of threads (pyoxigraph releases the GIL while it
evaluates). The first message sent back says whether the index opened.
"""

from __future__ import annotations

import gc
import pickle
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection

from resolver.sparql.evaluate import Answer, DatasetOptions
from resolver.sparql.index import GraphIndex
from resolver.sparql.querying import run_query
from resolver.tiers import Tier

__all__ = ["QueryRequest", "WorkerOptions", "serve"]

READY = 0  # the request id of the first message: the index opened (or why not)
CLOSE = "close"  # the request that ends the process (after the writes it has taken)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    directory: str
    history: bool
    threads: int
    max_results: int


@dataclass(frozen=True, slots=True)
class QueryRequest:
    tier: Tier
    history: bool
    text: str
    options: DatasetOptions
    media_type: str
    timeout: float


Reply = tuple[int, bool, object]  # request id, succeeded, the value or the exception


def serve(conn: Connection, options: WorkerOptions) -> None:
    """The process's main function: open the index, answer requests until the pipe closes."""
    try:
        index = GraphIndex.open(options.directory, history=options.history)
    except OSError as err:
        conn.send((READY, False, OSError(str(err))))
        return
    # What the open made lives as long as the process: collected once now (which untracks
    # the term dictionary's chunks taken back from disk) and then frozen, so that the
    # collector's full passes never walk it again. Without this the process's first full
    # collection came during a write (the 13th of the lag bench, every run), and walked the
    # whole heap while the write waited.
    gc.collect()
    gc.freeze()
    conn.send((READY, True, None))
    lock = threading.Lock()
    writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-write")
    queries = ThreadPoolExecutor(max_workers=options.threads, thread_name_prefix="sparql-query")
    operations = _operations(index, options.max_results)
    try:
        while True:
            try:
                rid, name, args = conn.recv()
            except EOFError:
                break
            if name == CLOSE:
                break
            pool = queries if name == "query" else writes
            pool.submit(_call, conn, lock, rid, operations[name], args)
    finally:
        writes.shutdown(wait=True)
        queries.shutdown(wait=False, cancel_futures=True)
        index.close()


def _operations(index: GraphIndex, max_results: int) -> dict[str, Callable[..., object]]:
    def query(request: QueryRequest) -> Answer:
        return run_query(
            index,
            request.tier,
            request.text,
            request.options,
            request.media_type,
            history=request.history,
            max_results=max_results,
            deadline=time.monotonic() + request.timeout,
            timeout=request.timeout,
            clock=time.monotonic,
        )

    return {
        "query": query,
        "apply": lambda records, bulk: index.apply(records, bulk=bulk),
        "write": index.write,
        "add_version": index.add_version,
        "commit": index.commit,
        "clear": index.clear,
        "optimize": index.optimize,
        "positions": index.positions,
        "last_seq": lambda: index.last_seq,
        "passport_count": index.passport_count,
        "size_bytes": index.size_bytes,
    }


def _call(
    conn: Connection,
    lock: threading.Lock,
    rid: int,
    operation: Callable[..., object],
    args: tuple[object, ...],
) -> None:
    reply: Reply
    try:
        reply = (rid, True, operation(*args))
    except Exception as err:  # every request gets an answer: the node process waits for it
        err.__traceback__ = err.__cause__ = err.__context__ = None
        reply = (rid, False, err)
    with lock:
        try:
            conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError) as err:  # the value would not pickle
            conn.send((rid, False, RuntimeError(f"{type(reply[2]).__name__}: {err}")))
