"""The validation worker pool: a bounded set of spawned processes, each with its own engine.

The event loop only awaits futures. Each worker installs the pyshacl/rdflib speed-ups
(resolver/validation/worker_patches.py) in its initializer: they replace library methods for
the whole process, which is acceptable in a process that does nothing but validate, and never
in the node's own process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import Any

from resolver.errors import ResolverError
from resolver.validation.report import PreparedPassport, ValidationReport

__all__ = ["Validator"]

_log = logging.getLogger(__name__)

_JSONLD = "application/ld+json"  # pipeline.DEFAULT_MEDIA_TYPE
_EU = "eu-battery"  # pipeline.EU (the pipeline, and pyshacl with it, is imported in the workers only)

# What crosses back from a worker: ("ok", value) or ("error", class, detail, extensions). Errors
# travel as parts because ResolverError keeps its extensions in keyword arguments, which
# exception pickling drops.
_Outcome = tuple[Any, ...]


def _init_worker() -> None:
    # Ctrl-C in a terminal reaches every process of the group: the parent decides what it means
    # (import finishes the passports in hand), so a worker must not die of it mid-task.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker must not outlive the node: if the parent is killed (SIGKILL, OOM killer) the pool
    # cannot tell its workers, and they would wait on their queue for ever.
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # The engine installs the pyshacl/rdflib speed-ups here, in the worker, never in the node.
    from resolver.validation import pipeline

    pipeline.engine()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _warm_up(_: int) -> int:
    from resolver.validation import pipeline

    pipeline.engine()
    return os.getpid()


def _processes(pool: concurrent.futures.ProcessPoolExecutor) -> list[BaseProcess]:
    # The executor keeps its processes in a private mapping; there is no public accessor.
    processes: dict[int, BaseProcess] = getattr(pool, "_processes", None) or {}
    return list(processes.values())


def _worker_states(pool: concurrent.futures.ProcessPoolExecutor) -> str:
    """Each worker's pid, liveness and kernel state (from /proc), for the log of a stuck start."""
    states = []
    for process in _processes(pool):
        try:
            with open(f"/proc/{process.pid}/stat", encoding="ascii") as stat:
                kernel = stat.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{process.pid}/wchan", encoding="ascii") as wchan:
                kernel += " in " + (wchan.read() or "-")
        except OSError:
            kernel = "no /proc entry"
        states.append(f"pid {process.pid} alive={process.is_alive()} state={kernel}")
    return "; ".join(states) or "no worker process was started"


def _call(function: Callable[..., object], *args: object) -> _Outcome:
    try:
        return ("ok", function(*args))
    except ResolverError as err:
        return ("error", type(err), err.detail, err.extensions)


def _prepare_in_worker(
    body: bytes,
    expected_iri: str | None,
    media_type: str,
    verdict: ValidationReport | None = None,
    profile: str = _EU,
) -> _Outcome:
    from resolver.validation import pipeline

    return _call(
        lambda: pipeline.prepare_sync(
            body, expected_iri=expected_iri, media_type=media_type, verdict=verdict, profile=profile
        )
    )


def _prepare_batch_in_worker(bodies: list[bytes], profile: str = _EU) -> list[_Outcome]:
    # One call for the batch: the passports' SPARQL constraints are asked together.
    from resolver.validation import pipeline

    return [_outcome(item) for item in pipeline.prepare_many_sync(bodies, profile)]


def _outcome(item: PreparedPassport | ResolverError) -> _Outcome:
    if isinstance(item, ResolverError):
        return ("error", type(item), item.detail, item.extensions)
    return ("ok", item)


def _validate_in_worker(body: bytes, media_type: str, profile: str = _EU) -> _Outcome:
    from resolver.validation import pipeline

    return _call(lambda: pipeline.validate_sync(body, media_type=media_type, profile=profile))


def _batch_outcome(bodies: list[bytes], profile: str = _EU) -> _Outcome:
    # One outcome per passport inside the batch's own ("ok", ...): one bad passport fails only itself.
    return ("ok", _prepare_batch_in_worker(bodies, profile))


class Validator:
    """Validates and prepares passports in a bounded pool of worker processes.

    ``workers`` defaults to the number of CPUs. Workers are spawned (not forked: the parent runs
    an event loop and threads) and each loads the shapes once, in ``start()``. A call that takes
    longer than ``timeout`` seconds (input limits make that a fault, not a big passport) stops the
    workers, which are replaced, and fails with a ResolverError. ``start_wait`` is how a start
    waits out ``start_timeout`` (``asyncio.sleep``; a test passes one that ends as soon as it
    sees a worker stuck, rather than sleep).
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        timeout: float = 60.0,
        start_timeout: float = 60.0,
        warm_up: Callable[[int], int] = _warm_up,
        start_wait: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._warm_up = warm_up
        self._start_wait = start_wait
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    async def start(self) -> None:
        """Start the workers and wait until each has loaded the profile.

        A pool whose workers have not loaded within ``start_timeout`` seconds is stopped and
        replaced once, with the stuck workers' state logged: a start must fail or finish,
        never leave the node (and everything awaiting it) waiting for ever.
        """
        if self._pool is not None:
            return
        for attempt in (1, 2):
            pool = self._pool = self._new_pool()
            loop = asyncio.get_running_loop()
            calls = [loop.run_in_executor(pool, self._warm_up, i) for i in range(self.workers)]
            ready = asyncio.ensure_future(asyncio.gather(*calls))
            waited = asyncio.ensure_future(self._start_wait(self.start_timeout))
            try:
                await asyncio.wait((ready, waited), return_when=asyncio.FIRST_COMPLETED)
            finally:
                waited.cancel()
                late = not ready.done()
                if late:
                    ready.cancel()
            if not late:
                ready.result()  # a warm-up that failed raises here
                return
            _log.error(
                "validator workers not ready after %g s (attempt %d): %s",
                self.start_timeout, attempt, _worker_states(pool),
            )  # fmt: skip
            self._pool = None
            self._stop(pool)
        raise ResolverError(f"the validation workers did not start within {self.start_timeout:g} s")

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
        )

    def _replace(self, pool: concurrent.futures.ProcessPoolExecutor, *, kill: bool = False) -> None:
        """Swap in a new pool unless another call already did; stop the old one's workers."""
        if self._pool is pool:
            self._pool = self._new_pool()
        if kill:
            self._stop(pool)
        else:
            pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _stop(pool: concurrent.futures.ProcessPoolExecutor) -> None:
        # The executor cannot cancel a running call; ending its processes is the only way.
        for process in _processes(pool):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(pool.shutdown, wait=True, cancel_futures=True)
            )

    async def prepare(
        self,
        body: bytes,
        *,
        expected_iri: str | None = None,
        media_type: str = _JSONLD,
        verdict: ValidationReport | None = None,
        profile: str = _EU,
    ) -> PreparedPassport:
        """Read, check the @id, validate and frame the canonical form and views of one passport
        (``verdict``: the report to keep instead, pipeline.prepare) in ``profile``."""
        prepared: PreparedPassport = await self._submit(
            _prepare_in_worker, body, expected_iri, media_type, verdict, profile
        )
        return prepared

    async def prepare_batch(
        self, bodies: list[bytes], *, profile: str = _EU
    ) -> list[PreparedPassport | ResolverError]:
        """:meth:`prepare` for several passports in one worker call (bulk imports: one task and
        one round trip per batch instead of per passport), all in ``profile``; each unusable one
        comes back as the error :meth:`prepare` would raise, in order."""
        outcomes: list[_Outcome] = await self._submit(_batch_outcome, bodies, profile)
        results: list[PreparedPassport | ResolverError] = []
        for outcome in outcomes:
            if outcome[0] == "ok":
                results.append(outcome[1])
            else:
                _, cls, detail, extensions = outcome
                results.append(cls(detail, **extensions))
        return results

    async def validate(
        self, body: bytes, *, media_type: str = _JSONLD, profile: str = _EU
    ) -> ValidationReport:
        report: ValidationReport = await self._submit(_validate_in_worker, body, media_type, profile)
        return report

    async def _submit(self, function: Callable[..., _Outcome], *args: Any) -> Any:
        pool = self._pool
        if pool is None:
            raise RuntimeError("Validator.start() has not been awaited")
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout):
                outcome = await loop.run_in_executor(pool, function, *args)
        except BrokenProcessPool as err:
            # A worker died (killed, out of memory). Replace the pool so the next write works,
            # and fail this one clearly rather than hang.
            self._replace(pool)
            raise ResolverError("the validation worker stopped unexpectedly; try again") from err
        except TimeoutError as err:
            self._replace(pool, kill=True)
            raise ResolverError(f"validation took longer than {self.timeout:g} s and was stopped") from err
        if outcome[0] == "ok":
            return outcome[1]
        _, cls, detail, extensions = outcome
        raise cls(detail, **extensions)
