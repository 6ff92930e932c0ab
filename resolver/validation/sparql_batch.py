"""SPARQL constraints of several passports in one query each (bulk import's worker batches).

pyoxigraph parses and plans a query on every call, and for the profile's rule queries that is
nearly all of their cost (~0.3 ms each, five per passport, whatever the data). A batch of
passports is put in one store, each passport in a named graph of its own, and each constraint
is asked once for all of them: the query's body goes inside ``GRAPH ?g``, and every top-level
branch of its UNION starts with ``VALUES (?g ?this)``, the (graph, focus node) pairs. That binds
``$this`` before anything in the branch reads it, which is what SHACL's pre-binding (SEP-0007
substitution, as resolver/validation/worker_patches.py runs each query) means for such a query.

The answer is only used to clear passports: one with no solution conforms to the constraint;
one with any solution is checked again on its own (the caller runs the full validation). A query
whose shape is not the plain one (a SELECT of variables, one WHERE group made of a UNION of
groups, ``$this`` read in a nested group only inside EXISTS) is not rewritten: its calls are
made one passport at a time, as before. tests/validation/test_sparql_batch.py compares the
verdicts with the one-at-a-time ones on every example and on mutants.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph
import rdflib
from rdflib.term import Node

__all__ = ["Call", "batched_query", "flagged"]

_GRAPH_VAR = "passportbatchgraph"
_GRAPH_IRI = "urn:x-passport-batch:"
# What is skipped when looking for braces: IRIs, strings (no long strings: not rewritten), comments.
_SKIP = re.compile(
    r"""<[A-Za-z][\w+.-]*:[^<>"{}|^`\\\x00-\x20]*>"""  # an absolute IRI
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""  # a short string
    r"""|#[^\n]*"""  # a comment
)
_HEAD = re.compile(r"\s*((?:PREFIX\s+[\w-]*:\s*<[^<>\s]*>\s*)*)SELECT((?:\s+[?$]\w+)+)\s+WHERE\s*$", re.I)
_THIS = re.compile(r"[?$]this\b")


@dataclass(frozen=True, slots=True)
class Call:
    """One SPARQL constraint to ask for one focus node of passport ``passport`` (its index)."""

    passport: int
    key: object  # the constraint (calls with the same key and text are asked together)
    text: str
    bindings: Mapping[str, Node]  # pre-bound variables: only $this (an IRI) is batched

    @property
    def this(self) -> Node | None:
        """The focus node, when it is the only pre-bound variable and an IRI."""
        this = self.bindings.get("this")
        return this if len(self.bindings) == 1 and isinstance(this, rdflib.URIRef) else None


def flagged(
    passports: Sequence[Sequence[pyoxigraph.Quad]],
    calls: Sequence[Call],
    one_by_one: Callable[[Call], bool],
    lines: Sequence[Sequence[bytes]] | None = None,
) -> set[int]:
    """The passports (indexes) for which some call may report a result; ``one_by_one(call)`` asks
    a call on its own passport (True: it reports) when it cannot be batched.

    ``lines``: each passport's quads as N-Quads lines (default graph, each ending in `` .\n``,
    as resolver.passport.canonical.canonical_form gives them), the same quads as ``passports``:
    the batch's store is then loaded by pyoxigraph's parser, without making a pyoxigraph Quad
    per triple in Python (about 8 us each: more than half of the store's cost)."""
    groups: dict[tuple[object, str], list[Call]] = {}
    found: set[int] = set()
    for call in calls:
        if call.this is not None:
            groups.setdefault((call.key, call.text), []).append(call)
        elif one_by_one(call):  # a blank focus node cannot be written in VALUES
            found.add(call.passport)
    store: pyoxigraph.Store | None = None
    for (_, text), members in groups.items():
        query = batched_query(text, [(_GRAPH_IRI + str(c.passport), str(c.this)) for c in members])
        if query is None:
            found.update(c.passport for c in members if one_by_one(c))
            continue
        if store is None:
            wanted = {c.passport for c in calls}
            store = _store(passports, wanted) if lines is None else _loaded(lines, wanted)
        solutions = store.query(query)
        if not isinstance(solutions, pyoxigraph.QuerySolutions):
            found.update(c.passport for c in members if one_by_one(c))
            continue
        for solution in solutions:
            graph = solution[_GRAPH_VAR]
            if isinstance(graph, pyoxigraph.NamedNode):
                found.add(int(graph.value[len(_GRAPH_IRI) :]))
    return found


def _store(passports: Sequence[Sequence[pyoxigraph.Quad]], wanted: set[int]) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    quad = pyoxigraph.Quad
    for index in sorted(wanted):
        graph = pyoxigraph.NamedNode(_GRAPH_IRI + str(index))
        store.extend([quad(t.subject, t.predicate, t.object, graph) for t in passports[index]])
    return store


def _loaded(lines: Sequence[Sequence[bytes]], wanted: set[int]) -> pyoxigraph.Store:
    """:func:`_store` from N-Quads lines: each default-graph line put in its passport's graph."""
    parts: list[bytes] = []
    for index in sorted(wanted):
        graph = b" <" + (_GRAPH_IRI + str(index)).encode() + b"> .\n"
        for line in lines[index]:
            if not line.endswith(b" .\n"):
                raise ValueError(f"not an N-Quads line: {line[:80]!r}")
            parts.append(line[:-3] + graph)
    store = pyoxigraph.Store()
    store.bulk_load(b"".join(parts), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


def batched_query(text: str, pairs: Sequence[tuple[str, str]]) -> str | None:
    """``text`` asked for every (graph IRI, focus IRI) of ``pairs`` at once, projecting the graph
    as ``?passportbatchgraph``; None when the query is not of the shape rewritten here."""
    parts = _rewritten(text)
    if parts is None:
        return None
    head, branches = parts
    rows = " ".join(f"(<{graph}> <{this}>)" for graph, this in pairs)
    values = f"VALUES (?{_GRAPH_VAR} ?this) {{ {rows} }}"
    body = " UNION ".join(f"{{ {values} {branch}\n}}" for branch in branches)
    return f"{head} WHERE {{ GRAPH ?{_GRAPH_VAR} {{ {body} }} }}"


@functools.lru_cache(maxsize=256)
def _rewritten(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The parts of ``text`` that :func:`batched_query` puts together (its SELECT clause with the
    graph variable, and the body of each UNION branch), or None; read once per query text (a
    profile has a few, asked for every batch)."""
    if _GRAPH_VAR in text or '"""' in text or "'''" in text:
        return None
    code = _SKIP.sub(lambda m: " " * len(m.group()), text)  # same offsets, no braces hidden
    if re.search(r"<[^\s=]", code):
        return None  # a relative IRI (or a tight "<"): not told apart from a comparison here
    start, end = code.find("{"), code.rfind("}")
    head = _HEAD.fullmatch(text[:start]) if start > 0 else None
    if head is None or code[end + 1 :].strip():
        return None
    branches = _branches(code, start + 1, end)
    if branches is None:
        return None
    for lo, hi in branches:
        if not _this_bound_first(code[lo + 1 : hi]):
            return None
    select = f"{head.group(1)}SELECT ?{_GRAPH_VAR}{head.group(2)}"
    return select, tuple(text[lo + 1 : hi] for lo, hi in branches)


def _branches(code: str, lo: int, hi: int) -> list[tuple[int, int]] | None:
    """The top-level groups of the WHERE body ``code[lo:hi]`` when it is G (UNION G)*."""
    branches: list[tuple[int, int]] = []
    depth, opened, last = 0, -1, lo
    for index in range(lo, hi):
        char = code[index]
        if char == "{":
            if depth == 0:
                between = code[last:index].strip()
                if between != ("UNION" if branches else "") and between.upper() != "UNION":
                    return None
                opened = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                branches.append((opened, index))
                last = index + 1
    if depth != 0 or not branches or code[last:hi].strip():
        return None
    return branches


def _this_bound_first(group: str) -> bool:
    """Whether every nested group of a branch that reads ``$this`` is an EXISTS pattern (which
    sees the branch's bindings); other nested groups are evaluated before the VALUES join."""
    depth = 0
    stack: list[bool] = []  # per open group: inside EXISTS (itself or an enclosing one)
    for index, char in enumerate(group):
        if char == "{":
            inside = (stack[-1] if stack else False) or group[:index].rstrip().upper().endswith("EXISTS")
            stack.append(inside)
            depth += 1
        elif char == "}":
            if not stack:
                return False
            stack.pop()
            depth -= 1
        elif char in "?$" and stack and not stack[-1] and _THIS.match(group, index):
            return False
    return depth == 0
