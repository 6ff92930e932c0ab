"""One query against the graph index, as the engine's threads and the index process run it:
the columnar evaluator first for the aggregate queries it takes (over the tier's current store,
with no dataset named), pyoxigraph for everything else (and for what the columnar evaluator
leaves, see ``resolver.sparql.columnar``)."""

from __future__ import annotations

from resolver.errors import InputError
from resolver.sparql import columnar
from resolver.sparql.evaluate import Answer, Clock, DatasetOptions, evaluate
from resolver.sparql.index import GraphIndex
from resolver.tiers import Tier

__all__ = ["run_query"]


def run_query(
    index: GraphIndex,
    tier: Tier,
    text: str,
    options: DatasetOptions,
    media_type: str,
    *,
    history: bool,
    max_results: int,
    deadline: float,
    timeout: float,
    clock: Clock,
) -> Answer:
    """The answer to ``text`` for a caller of ``tier``, within the limits (see ``evaluate``)."""
    try:
        store = index.store(tier, history=history)
    except LookupError as err:
        raise InputError("history=true: this node's index keeps no history") from err
    if not history and not options:  # the tier's own default graph: what the columns hold
        found = columnar.answer(
            index.columns(tier),
            text,
            media_type,
            max_results=max_results,
            deadline=deadline,
            timeout=timeout,
            clock=clock,
        )
        if found is not None:
            return found
    return evaluate(
        store,
        text,
        options,
        media_type,
        max_results=max_results,
        deadline=deadline,
        timeout=timeout,
        clock=clock,
    )
