"""One validator pool per test process, shared by the in-process nodes the tests start.

A pool costs a spawned interpreter that imports the engine and loads the profile's shapes
(~0.6 CPU-s): started for each of the few hundred nodes of a run, that was a fifth of the suite.
The pool holds nothing of a node (it validates and prepares bodies; the node's configuration
stays in the node), so nodes with the same number of workers can share one. A node handed a
pool uses it and leaves it open (``open_node(validator=...)``); the session closes the pools at
its end (tests/conftest.py). Tests of the pool itself make their own.
"""

from __future__ import annotations

import asyncio

from resolver.validation import Validator

__all__ = ["close_shared_validators", "shared_checker", "shared_validator"]

_POOLS: dict[int | None, Validator] = {}
_CHECKERS: dict[float, Validator] = {}


async def shared_validator(workers: int | None = 1) -> Validator:
    """This process's started pool of ``workers`` workers (None: one per CPU), started on first use."""
    validator = _POOLS.get(workers)
    if validator is None:
        validator = _POOLS[workers] = Validator(workers=workers)
    await validator.start()
    return validator


def shared_checker(timeout: float) -> Validator:
    """This process's ``/validate`` pool for nodes whose budget is ``timeout`` seconds: one worker,
    as a node's own (``open_node(checker=...)``), started by the first ``/validate`` of any of
    them. Nodes that answered ``/validate`` each spawned one (~1 CPU-s) before."""
    checker = _CHECKERS.get(timeout)
    if checker is None:
        checker = _CHECKERS[timeout] = Validator(workers=1, timeout=timeout)
    return checker


def close_shared_validators() -> None:
    """Stop every shared pool's workers (at the end of the session, outside any event loop)."""
    while _POOLS or _CHECKERS:
        _, validator = _POOLS.popitem() if _POOLS else _CHECKERS.popitem()
        asyncio.run(validator.aclose())
