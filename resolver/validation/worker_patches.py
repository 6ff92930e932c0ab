"""Speed-ups of pyshacl and rdflib for the validation worker processes only.

Each function here replaces a method of pyshacl or rdflib for the whole process, which the
node's own process must never see (another user of rdflib in it would get a different SPARQL
processor). So :func:`install` is called by the worker pool's initializer (resolver/validation/
pool.py) and by the in-process engine of one-shot tools (``passport-node validate``, tests,
benchmarks), never on import: importing ``resolver`` leaves rdflib and pyshacl stock
(tests/validation/test_stock_libraries.py checks it in a fresh interpreter). Without them,
validation gives the same verdicts, only slower (the fast check defers to pyshacl).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol, overload, runtime_checkable

import pyoxigraph
import rdflib
from rdflib.term import Identifier, Node

if TYPE_CHECKING:
    from pyshacl.constraints.constraint_component import ConstraintComponent
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
    from pyshacl.shape import Shape
    from pyshacl.shapes_graph import ShapesGraph
    from rdflib.plugins.sparql.processor import SPARQLProcessor
    from rdflib.plugins.sparql.sparql import Query

__all__ = ["OX_COPY", "freeze_shapes_graph", "install", "installed"]

_INSTALLED: list[bool] = [False]

# pyoxigraph's terms, as its Store.query takes them for substitutions (no triple terms here).
OxTerm = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
# What pyshacl's SPARQLBasedConstraint._validate_sparql_query returns: a (True, bindings) row for
# a failure, else (this, path, value, other bindings) per violation.
Violation = tuple[bool, dict[str, Node]] | tuple[Node | None, Node | None, Node | None, dict[str, Node]]


@runtime_checkable
class _TripleSource(Protocol):
    """What pyshacl hands the SPARQL constraint as its data graph (an rdflib graph or pyshacl's
    DataGraph): something that lists its triples (in RDF, subjects are IRIs or blank nodes and
    predicates IRIs)."""

    def triples(
        self, pattern: tuple[None, None, None], /
    ) -> Iterable[tuple[rdflib.URIRef | rdflib.BNode, rdflib.URIRef, Node]]: ...


def installed() -> bool:
    """Whether :func:`install` ran in this process."""
    return _INSTALLED[0]


def install(*, advanced: bool) -> None:
    """Apply every speed-up (idempotent). ``advanced`` (SHACL-AF) extends pyshacl's constraint
    parameter list in place, so the constraint lookup cache is left out then."""
    _cache_sparql_queries()
    _sparql_on_oxigraph()
    _skip_result_texts()
    if not advanced:
        _cache_constraint_lookup()
    _INSTALLED[0] = True


def _cache_sparql_queries() -> None:
    """Make rdflib parse each SPARQL query text once per process, not on every evaluation.

    pyshacl hands the text of every SPARQL-based constraint to ``Graph.query`` for each focus
    node; rdflib's pyparsing grammar then costs ~100 ms per query, far more than the rest of a
    validation. A translated query is reusable (it is what ``prepareQuery`` returns), so the
    processor keeps them by text, base and namespaces. Idempotent.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.evaluate import evalQuery
    from rdflib.plugins.sparql.parser import parseQuery

    if getattr(processor.SPARQLProcessor.query, "_cached", False):
        return
    prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}

    def query(
        self: SPARQLProcessor,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Identifier] | None = None,
        initNs: Mapping[str, object] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, object]:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items())))
            found = prepared.get(key)
            if found is None:
                if len(prepared) >= 512:  # shapes are fixed; a bound keeps odd callers harmless
                    prepared.clear()
                found = prepared[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = found
        return evalQuery(self.graph, strOrQuery, initBindings, base)

    query._cached = True  # type: ignore[attr-defined]
    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]


def _sparql_on_oxigraph() -> None:
    """Evaluate pyshacl's SPARQL-based constraints with pyoxigraph instead of rdflib.

    rdflib's SPARQL engine is pure Python: a constraint with a few UNION branches costs tens of
    milliseconds per passport, more than every other shape together. pyoxigraph evaluates the
    same query over a copy of the data graph (a few hundred triples, copied once per
    validation) in well under a millisecond. ``$this`` and the other pre-bound variables are
    passed as SPARQL substitutions (SEP-0007), which is what SHACL's pre-binding means. The
    results go back to pyshacl in the shape its own method returns. A query pyoxigraph cannot
    parse falls back to rdflib. Idempotent.
    """
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

    original = SPARQLBasedConstraint._validate_sparql_query
    if getattr(original, "_oxigraph", False):
        return

    def validate_sparql_query(
        self: SPARQLBasedConstraint, query: str, init_binds: Mapping[str, Node | None], target_graph: object
    ) -> list[Violation]:
        store = _oxigraph_copy(target_graph)
        substitutions: dict[pyoxigraph.Variable, OxTerm | pyoxigraph.Triple] = {
            pyoxigraph.Variable(name): _to_ox(value)
            for name, value in init_binds.items()
            if value is not None
        }
        try:
            solutions = store.query(query, substitutions=substitutions)
        except SyntaxError:
            solutions = None
        if not isinstance(solutions, pyoxigraph.QuerySolutions):  # rdflib's engine decides
            fallback: list[Violation] = original(self, query, init_binds, target_graph)  # type: ignore[no-untyped-call]
            return fallback
        names = [variable.value for variable in solutions.variables]
        violations: list[Violation] = []
        failed = False
        for solution in solutions:
            bound: dict[str, Node] = {
                name: _to_rdflib(solution[name]) for name in names if solution[name] is not None
            }
            if bound.pop("failure", None) is not None:
                if not failed:
                    violations.append((True, bound))
                    failed = True
                continue
            path, value, this = bound.pop("path", None), bound.pop("value", None), bound.pop("this", None)
            if path is not None or value is not None or this is not None:
                row = (this, path, value, bound)
                if row not in violations:
                    violations.append(row)
        return violations

    validate_sparql_query._oxigraph = True  # type: ignore[attr-defined]
    SPARQLBasedConstraint._validate_sparql_query = validate_sparql_query  # type: ignore[method-assign]
    _cache_pre_binding()


def _cache_pre_binding() -> None:
    """Check and rewrite each SPARQL constraint's text once, not once per focus node.

    ``pre_bind_variables`` runs half a dozen regular expressions over the query text (MINUS,
    VALUES, SERVICE, $PATH ...) every time; for a long query that was ~2 ms per passport. The
    text and the bindings other than ``$this`` depend only on the constraint (and the value
    node, part of the key), so they are kept per constraint.
    """
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    plain = SPARQLQueryHelper.pre_bind_variables
    done: dict[
        tuple[int, Node | None, tuple[str, ...]], tuple[SPARQLQueryHelper, dict[str, Node], bool, str]
    ] = {}

    def pre_bind_variables(
        self: SPARQLQueryHelper,
        thisnode: Node,
        valuenode: Node | None = None,
        extravars: Iterable[str] | None = None,
    ) -> tuple[dict[str, Node], str]:
        key = (id(self), valuenode, tuple(extravars or ()))
        found = done.get(key)
        if found is None or found[0] is not self:
            plain_bindings: dict[str, Node]
            plain_bindings, text = plain(self, thisnode, valuenode=valuenode, extravars=extravars)  # type: ignore[no-untyped-call]
            bindings = plain_bindings
            has_this = "this" in bindings
            found = done[key] = (self, {k: v for k, v in bindings.items() if k != "this"}, has_this, text)
        _, fixed, has_this, text = found
        bindings = dict(fixed)
        if has_this:
            bindings["this"] = thisnode
        return bindings, text

    SPARQLQueryHelper.pre_bind_variables = pre_bind_variables  # type: ignore[method-assign]


# The last data graph copied into pyoxigraph: one validation runs several SPARQL constraints
# over the same graph. Held by identity; the next validation's graph replaces it. [0] is the
# graph (or a token standing for it, resolver/validation/engine.py), [1] its pyoxigraph.Store.
OX_COPY: list[object] = [None, None]


def _oxigraph_copy(graph: object) -> pyoxigraph.Store:
    kept = OX_COPY[1]
    if OX_COPY[0] is graph and isinstance(kept, pyoxigraph.Store):
        return kept
    if not isinstance(graph, _TripleSource):
        raise TypeError(f"not a graph: {graph!r}")
    store = pyoxigraph.Store()
    store.bulk_extend(
        pyoxigraph.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in graph.triples((None, None, None))
    )
    OX_COPY[0], OX_COPY[1] = graph, store
    return store


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@overload
def _to_ox(term: rdflib.URIRef) -> pyoxigraph.NamedNode: ...
@overload
def _to_ox(term: rdflib.URIRef | rdflib.BNode) -> pyoxigraph.NamedNode | pyoxigraph.BlankNode: ...
@overload
def _to_ox(term: Node) -> OxTerm: ...
def _to_ox(term: Node) -> OxTerm:
    if isinstance(term, rdflib.URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return pyoxigraph.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return pyoxigraph.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
        return pyoxigraph.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _to_rdflib(term: OxTerm) -> Identifier:
    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return rdflib.Literal(term.value)
        # normalize=False: rdflib would rewrite an ill-typed "100"^^xsd:boolean as "false", merging
        # it with a real "false" (two values seen as one, so sh:maxCount 1 passed).
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)
    raise TypeError(f"not an RDF term: {term!r}")


def _skip_result_texts() -> None:
    """Leave out the text pyshacl writes for each result (``make_v_result_description``).

    A result is (text, node, triples); the text only goes into the report's text, which the
    engine never reads: it builds its report from the result triples (Engine.validate_graph
    reads the report graph; Engine.validate_pairs reads the results' triples). Writing it
    stringifies the shape, focus node, value and path of every result (~a fifth of pyshacl's
    cost on an invalid passport, a tenth of the write path's). The result's triples, its
    messages among them, are made as before. Idempotent.
    """
    from pyshacl.constraints.constraint_component import ConstraintComponent

    original = ConstraintComponent.make_v_result_description
    if getattr(original, "_skipped", False):
        return

    def make_v_result_description(self: ConstraintComponent, *_: object, **__: object) -> str:
        return ""

    make_v_result_description._skipped = True  # type: ignore[attr-defined]
    make_v_result_description.original = original  # type: ignore[attr-defined]  # for its test
    ConstraintComponent.make_v_result_description = make_v_result_description  # type: ignore[method-assign]


def freeze_shapes_graph(shapes: ShapesGraph) -> None:
    """Keep each shape's (predicate, object) pairs: pyshacl reads them on every run to find the
    shape's constraints (~1,600 pairs per passport), and the shapes graph never changes once
    loaded (pyshacl has already added its system triples)."""
    read = shapes.predicate_objects
    kept: dict[Node, list[tuple[Node, Node]]] = {}

    def predicate_objects(subject: Node) -> list[tuple[Node, Node]]:
        found = kept.get(subject)
        if found is None:
            found = kept[subject] = list(read(subject))  # type: ignore[no-untyped-call]
        return found

    shapes.predicate_objects = predicate_objects  # type: ignore[method-assign]


def _cache_constraint_lookup() -> None:
    """Let pyshacl find a shape's constraint parameters by hash instead of by list scan, and
    keep per-shape facts that it would otherwise read from the shapes graph on every run.

    ``Shape.validate`` tests every predicate of a shape for membership in a list of ~30
    constraint parameters on every run; with a few hundred shapes that scan (400,000 term
    comparisons) was half of a validation. pyshacl reads the pair from a module attribute that
    it fills on first use; filling it first with a frozenset changes nothing else (the order of
    constraints comes from the shape, not from this collection). Idempotent.
    """
    import pyshacl.shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    if getattr(shape_module, "CONSTRAINT_PARAMS", None) is not None:
        return
    shape_module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        frozenset(ALL_CONSTRAINT_PARAMETERS),
        {parameter: _CachedComponent(cls) for parameter, cls in CONSTRAINT_PARAMETERS_MAP.items()},
    )

    # A shape's target declarations are read from the shapes graph on every run (five lookups
    # and a scan for rdfs:Class subclasses per shape); they never change, so keep them.
    plain_target = shape_module.Shape.target
    targets: dict[int, tuple[Shape, tuple[list[Node], ...]]] = {}

    def target(shape: Shape) -> tuple[list[Node], ...]:
        found = targets.get(id(shape))
        if found is None or found[0] is not shape:
            parts: Iterable[Iterable[Node]] = plain_target(shape)  # type: ignore[no-untyped-call]
            found = targets[id(shape)] = (shape, tuple(list(part) for part in parts))
        return found[1]

    shape_module.Shape.target = target  # type: ignore[method-assign]

    # pyshacl formats each shape's name into debug messages on every run, logging or not.
    plain_str = shape_module.Shape.__str__
    names: dict[int, tuple[Shape, str]] = {}

    def shape_name(shape: Shape) -> str:
        found = names.get(id(shape))
        if found is None or found[0] is not shape:
            found = names[id(shape)] = (shape, str(plain_str(shape)))  # type: ignore[no-untyped-call]
        return found[1]

    shape_module.Shape.__str__ = shape_name  # type: ignore[method-assign]


class _CachedComponent:
    """Builds a pyshacl constraint component once per shape instead of on every validation.

    A component reads its parameters from the shapes graph when built and keeps no state about
    the data graph (``evaluate`` takes it as an argument), so one instance serves every run.
    Shapes live as long as the process's ShapesGraph, which holds them.
    """

    def __init__(self, cls: type[ConstraintComponent]) -> None:
        self.cls = cls
        self.built: dict[int, tuple[Shape, ConstraintComponent]] = {}

    def __call__(self, shape: Shape) -> ConstraintComponent:
        found = self.built.get(id(shape))
        if found is None or found[0] is not shape:
            found = self.built[id(shape)] = (shape, self.cls(shape))
        return found[1]
