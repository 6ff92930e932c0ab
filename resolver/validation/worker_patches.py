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

from typing import Any

import pyoxigraph
import rdflib

__all__ = ["OX_COPY", "freeze_shapes_graph", "install", "installed"]

_INSTALLED: list[bool] = [False]


def installed() -> bool:
    """Whether :func:`install` ran in this process."""
    return _INSTALLED[0]


def install(*, advanced: bool) -> None:
    """Apply every speed-up (idempotent). ``advanced`` (SHACL-AF) extends pyshacl's constraint
    parameter list in place, so the constraint lookup cache is left out then."""
    _cache_sparql_queries()
    _sparql_on_oxigraph()
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

    if getattr(processor.SPARQLProcessor.query, "_cached", False):
        return
    prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}

    def query(
        self: Any,
        strOrQuery: Any,
        initBindings: Any = None,
        initNs: Any = None,
        base: Any = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items())))
            found = prepared.get(key)
            if found is None:
                if len(prepared) >= 512:  # shapes are fixed; a bound keeps odd callers harmless
                    prepared.clear()
                parsed = processor.parseQuery(strOrQuery)  # type: ignore[attr-defined]
                found = prepared[key] = processor.translateQuery(parsed, base, initNs)  # type: ignore[attr-defined]
            strOrQuery = found
        return processor.evalQuery(self.graph, strOrQuery, initBindings, base)  # type: ignore[attr-defined]

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

    def validate_sparql_query(self: Any, query: str, init_binds: dict[str, Any], target_graph: Any) -> Any:
        store = _oxigraph_copy(target_graph)
        substitutions = {
            pyoxigraph.Variable(name): _to_ox(value)
            for name, value in init_binds.items()
            if value is not None
        }
        try:
            solutions = store.query(query, substitutions=substitutions)
        except SyntaxError:
            return original(self, query, init_binds, target_graph)  # type: ignore[no-untyped-call]
        if not isinstance(solutions, pyoxigraph.QuerySolutions):
            return original(self, query, init_binds, target_graph)  # type: ignore[no-untyped-call]
        names = [variable.value for variable in solutions.variables]
        violations: list[Any] = []
        failed = False
        for solution in solutions:
            bound = {name: _to_rdflib(solution[name]) for name in names if solution[name] is not None}
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
    done: dict[tuple[int, Any, tuple[Any, ...]], tuple[Any, dict[str, Any], bool, str]] = {}

    def pre_bind_variables(self: Any, thisnode: Any, valuenode: Any = None, extravars: Any = None) -> Any:
        key = (id(self), valuenode, tuple(extravars or ()))
        found = done.get(key)
        if found is None or found[0] is not self:
            bindings, text = plain(self, thisnode, valuenode=valuenode, extravars=extravars)  # type: ignore[no-untyped-call]
            has_this = "this" in bindings
            found = done[key] = (self, {k: v for k, v in bindings.items() if k != "this"}, has_this, text)
        _, fixed, has_this, text = found
        bindings = dict(fixed)
        if has_this:
            bindings["this"] = thisnode
        return bindings, text

    SPARQLQueryHelper.pre_bind_variables = pre_bind_variables  # type: ignore[method-assign]


# The last data graph copied into pyoxigraph: one validation runs several SPARQL constraints
# over the same graph. Held by identity; the next validation's graph replaces it.
OX_COPY: list[Any] = [None, None]


def _oxigraph_copy(graph: Any) -> pyoxigraph.Store:
    if OX_COPY[0] is graph:
        store: pyoxigraph.Store = OX_COPY[1]
        return store
    store = pyoxigraph.Store()
    store.bulk_extend(
        pyoxigraph.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in graph.triples((None, None, None))
    )
    OX_COPY[0], OX_COPY[1] = graph, store
    return store


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _to_ox(term: Any) -> Any:
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


def _to_rdflib(term: Any) -> Any:
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


def freeze_shapes_graph(shapes: Any) -> None:
    """Keep each shape's (predicate, object) pairs: pyshacl reads them on every run to find the
    shape's constraints (~1,600 pairs per passport), and the shapes graph never changes once
    loaded (pyshacl has already added its system triples)."""
    read = shapes.predicate_objects
    kept: dict[Any, list[tuple[Any, Any]]] = {}

    def predicate_objects(subject: Any) -> list[tuple[Any, Any]]:
        found = kept.get(subject)
        if found is None:
            found = kept[subject] = list(read(subject))
        return found

    shapes.predicate_objects = predicate_objects


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
    targets: dict[int, tuple[Any, tuple[list[Any], ...]]] = {}

    def target(shape: Any) -> tuple[list[Any], ...]:
        found = targets.get(id(shape))
        if found is None or found[0] is not shape:
            parts = plain_target(shape)  # type: ignore[no-untyped-call]
            found = targets[id(shape)] = (shape, tuple(list(part) for part in parts))
        return found[1]

    shape_module.Shape.target = target  # type: ignore[method-assign]

    # pyshacl formats each shape's name into debug messages on every run, logging or not.
    plain_str = shape_module.Shape.__str__
    names: dict[int, tuple[Any, str]] = {}

    def shape_name(shape: Any) -> str:
        found = names.get(id(shape))
        if found is None or found[0] is not shape:
            found = names[id(shape)] = (shape, plain_str(shape))  # type: ignore[no-untyped-call]
        return found[1]

    shape_module.Shape.__str__ = shape_name  # type: ignore[method-assign]


class _CachedComponent:
    """Builds a pyshacl constraint component once per shape instead of on every validation.

    A component reads its parameters from the shapes graph when built and keeps no state about
    the data graph (``evaluate`` takes it as an argument), so one instance serves every run.
    Shapes live as long as the process's ShapesGraph, which holds them.
    """

    def __init__(self, cls: Any) -> None:
        self.cls = cls
        self.built: dict[int, tuple[Any, Any]] = {}

    def __call__(self, shape: Any) -> Any:
        found = self.built.get(id(shape))
        if found is None or found[0] is not shape:
            found = self.built[id(shape)] = (shape, self.cls(shape))
        return found[1]
