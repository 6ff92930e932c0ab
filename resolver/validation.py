"""Validation of passports against the profile's SHACL shapes, and preparation for storage
(report, tier views, compact document), in a bounded pool of worker processes.

Each worker loads the profile and pyshacl's shapes once; the event loop only awaits futures.
``prepare_sync``/``validate_sync`` run the same code in-process for the CLI and tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import orjson
import pyoxigraph
import rdflib
from pyshacl import Validator as _ShaclValidator
from pyshacl.graph_abstraction import DataGraph
from rdflib.namespace import SH

from resolver import jsonld, shacl_core, views
from resolver.errors import InputError, ResolverError
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = [
    "PreparedPassport",
    "ValidationReport",
    "ValidationResult",
    "Validator",
    "prepare_sync",
    "validate_sync",
]

_T = TypeVar("_T")


@dataclasses.dataclass(frozen=True, slots=True)
class ValidationResult:
    """One SHACL result, named for a battery maker: where, which data point(s), what is wrong."""

    focus_node: str
    path: str | None
    data_points: tuple[int, ...]
    severity: str  # "Violation" | "Warning" | "Info"
    message: str
    value: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "focusNode": self.focus_node,
            "path": self.path,
            "dataPoints": list(self.data_points),
            "severity": self.severity,
            "message": self.message,
            "value": self.value,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating one passport; results are sorted for stable output."""

    conforms: bool
    results: tuple[ValidationResult, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"conforms": bool, "results": [...]}``."""
        return {"conforms": self.conforms, "results": [r.to_json() for r in self.results]}


@dataclasses.dataclass(frozen=True, slots=True)
class PreparedPassport:
    """A passport ready to store: its @id, report, tier views (if it conforms) and full document."""

    iri: str
    report: ValidationReport
    views: dict[Tier, bytes]
    document: bytes


class _Engine:
    """The per-process state: the profile and a pyshacl validator whose shapes are parsed once."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        advanced = _needs_advanced(profile.shapes)
        _cache_sparql_queries()
        _sparql_on_oxigraph()
        if not advanced:  # advanced mode extends pyshacl's parameter list in place
            _cache_constraint_lookup()
        # One pyshacl Validator, reused: its ShapesGraph harvests (parses) the shapes on first
        # use and keeps them; only the data graph changes between runs.
        self._shacl = _ShaclValidator(
            DataGraph.from_rdflib(rdflib.Graph()),
            shacl_graph=profile.shapes,
            # Warnings (sh:Warning shapes: data points not to be filled) are reported, not refused.
            options={"inference": "none", "advanced": advanced, "inplace": True, "allow_warnings": True},
        )
        _freeze_shapes_graph(self._shacl.shacl_graph)
        # The fast check: most passports conform, and for them it replaces pyshacl's run (see
        # resolver/shacl_core.py); anything it cannot show to conform goes through pyshacl.
        self._core: shacl_core.CoreChecker | None = None
        if os.environ.get("PASSPORT_SHACL_FAST", "1") != "0":
            try:
                self._core = shacl_core.CoreChecker(self._shacl.shacl_graph, advanced=advanced)
            except shacl_core.Unsupported:
                self._core = None

    def validate_expanded(self, expanded: list[dict[str, Any]]) -> ValidationReport:
        triples, quads = jsonld.triples_and_quads(expanded)
        if self._core is not None and self._core.conforms(triples, _SparqlRunner(quads)):
            report = ValidationReport(conforms=True)
        else:
            report = self.validate_graph(jsonld.graph_of(triples), quads=quads)
        untyped = _untyped_battery(expanded)
        if untyped is None:
            return report
        return ValidationReport(conforms=False, results=(untyped, *report.results))

    def validate_graph(
        self, graph: rdflib.Graph, *, quads: list[pyoxigraph.Quad] | None = None
    ) -> ValidationReport:
        data = DataGraph.from_rdflib(graph)
        if quads is not None:
            # The SPARQL constraints' copy, straight from the parser's quads (same blank node ids).
            store = pyoxigraph.Store()
            store.bulk_extend(quads)
            _OX_COPY[0], _OX_COPY[1] = data, store
        self._shacl.data_graph = data
        self._shacl._target_graph = None
        conforms, report_graph, _ = self._shacl.run()  # type: ignore[no-untyped-call]
        if conforms and (None, SH.result, None) not in report_graph:
            return ValidationReport(conforms=True)
        return _report(report_graph, self.profile)

    def prepare(
        self, parsed: Any, expanded: list[dict[str, Any]], expected_iri: str | None
    ) -> PreparedPassport:
        iri = _top_iri(expanded)
        if expected_iri is not None and iri != expected_iri:
            raise InputError(
                f"the passport's @id is {iri!r}, but it is written to {expected_iri!r}",
                iri=iri,
                expected=expected_iri,
            )
        report = self.validate_expanded(expanded)
        document = _compact(parsed, expanded, self.profile)
        views: dict[Tier, bytes] = {}
        if report.conforms:
            views = {tier: _view(document, expanded, tier, self.profile) for tier in Tier}
        return PreparedPassport(iri=iri, report=report, views=views, document=orjson.dumps(document))


class _SparqlRunner:
    """Runs SPARQL constraints for the fast check on a pyoxigraph copy of the passport, made on
    first use, through the same function pyshacl's run uses (so the verdicts are the same)."""

    __slots__ = ("quads", "token")

    def __init__(self, quads: list[pyoxigraph.Quad]) -> None:
        self.quads = quads
        self.token: object | None = None

    def __call__(self, component: Any, text: str, bindings: dict[str, Any]) -> bool:
        """True if the constraint reports anything (or cannot be run here)."""
        if self.token is None:
            store = pyoxigraph.Store()
            store.bulk_extend(self.quads)
            self.token = object()
            _OX_COPY[0], _OX_COPY[1] = self.token, store
        elif _OX_COPY[0] is not self.token:
            return True
        try:
            return bool(component._validate_sparql_query(text, bindings, self.token))
        except Exception:  # e.g. a query only rdflib's engine takes: let pyshacl run it
            return True


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
_OX_COPY: list[Any] = [None, None]


def _oxigraph_copy(graph: Any) -> pyoxigraph.Store:
    if _OX_COPY[0] is graph:
        store: pyoxigraph.Store = _OX_COPY[1]
        return store
    store = pyoxigraph.Store()
    store.bulk_extend(
        pyoxigraph.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in graph.triples((None, None, None))
    )
    _OX_COPY[0], _OX_COPY[1] = graph, store
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
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def _freeze_shapes_graph(shapes: Any) -> None:
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


def _compact(parsed: Any, expanded: list[dict[str, Any]], profile: Profile) -> dict[str, Any]:
    """The passport as compact JSON-LD in our context: the document itself when it already is
    (plainly, every key a term of ours), otherwise pyld's compaction of the expanded form."""
    if isinstance(parsed, dict):
        try:
            if views.filter_compact(parsed, max(Tier), profile) == parsed:
                return parsed
        except views.NotCompact:
            pass
    return views.compact_document(expanded)


def _view(document: dict[str, Any], expanded: list[dict[str, Any]], tier: Tier, profile: Profile) -> bytes:
    try:
        return orjson.dumps(views.filter_compact(document, tier, profile))
    except views.NotCompact:
        return views.view_bytes(expanded, tier, profile)


def _needs_advanced(shapes: rdflib.Graph) -> bool:
    # SHACL-AF (rules, custom functions, targets) needs advanced mode; sh:sparql constraints do not.
    sh_af = (SH.rule, SH.target)
    return any(True for p in sh_af for _ in shapes.subject_objects(p))


def _top_iri(expanded: list[dict[str, Any]]) -> str:
    """The @id of the battery: the one top node with an IRI that no other node points to."""
    tops = [node for node in expanded if isinstance(node, dict) and "@id" in node]
    named = [node["@id"] for node in tops if not str(node["@id"]).startswith("_:")]
    if not expanded:
        raise InputError(
            "the document holds no data once read as JSON-LD: are its keys terms of the context?"
        )
    if not named:
        raise InputError("the passport has no @id: its top node must carry the battery's IRI")
    if len(named) > 1:
        referenced = _referenced_ids(expanded)
        roots = [iri for iri in named if iri not in referenced]
        if len(roots) != 1:
            raise InputError(
                "the document holds several top-level nodes; a passport has exactly one battery",
                nodes=named[:10],
            )
        return _absolute_iri(str(roots[0]))
    return _absolute_iri(str(named[0]))


_PASSPORT_CLASS = "https://w3id.org/battery-passport/eu-battery#BatteryPassport"


def _untyped_battery(expanded: list[dict[str, Any]]) -> ValidationResult | None:
    """A result when the battery node lacks the passport type: the shapes target that class, so
    without it they would find nothing to check and the document would pass vacuously."""
    try:
        iri = _top_iri(expanded)
    except InputError:
        return None  # not a passport at all: prepare reports that as unusable input
    for node in expanded:
        if node.get("@id") == iri and _PASSPORT_CLASS in node.get("@type", []):
            return None
    return ValidationResult(
        focus_node=iri,
        path="http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        data_points=(1,),
        severity="Violation",
        message='Data point 1 (passport identifier): the battery must have the type "BatteryPassport"; '
        "without it none of the profile's rules apply",
        value=None,
    )


def _absolute_iri(iri: str) -> str:
    # JSON-LD drops every triple of a node whose IRI is relative or malformed, which would leave
    # nothing for the shapes to check: such a passport is refused, not found vacuously valid.
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError as err:
        raise InputError(f"the passport's @id {iri!r} is not an absolute IRI: {err}", iri=iri) from err
    return iri


def _referenced_ids(expanded: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    stack: list[Any] = [value for node in expanded for key, value in node.items() if key != "@id"]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if set(value) == {"@id"}:
                found.add(str(value["@id"]))
            stack.extend(v for k, v in value.items() if k != "@id")
    return found


def _report(graph: rdflib.Graph, profile: Profile) -> ValidationReport:
    results = []
    for result in graph.objects(None, SH.result):
        focus = graph.value(result, SH.focusNode)
        path = graph.value(result, SH.resultPath)
        shape = graph.value(result, SH.sourceShape)
        severity = graph.value(result, SH.resultSeverity)
        value = graph.value(result, SH.value)
        points: tuple[int, ...] = ()
        if shape is not None:
            points = profile.shape_data_points.get(shape.n3(), ())
        if not points and isinstance(path, rdflib.URIRef):
            points = profile.data_points_of(str(path))
        results.append(
            ValidationResult(
                focus_node=_text(focus) or "",
                path=_path_text(graph, path),
                data_points=points,
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
                message=_message(graph, result),
                value=_text(value),
            )
        )
    # One sh:message often covers several constraints of a property shape: one line per problem.
    unique = sorted(
        set(results), key=lambda r: (r.focus_node, r.path or "", r.data_points, r.message, r.value or "")
    )
    return ValidationReport(conforms=all(r.severity != "Violation" for r in unique), results=tuple(unique))


def _text(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def _path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    if path is None or isinstance(path, rdflib.URIRef):
        return _text(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_text(inverse)}"
    items = list(rdflib.collection.Collection(graph, path)) if graph.value(path, rdflib.RDF.first) else []
    if items:
        return "/".join(_path_text(graph, item) or "?" for item in items)
    return _text(path)


def _message(graph: rdflib.Graph, result: rdflib.term.Node) -> str:
    messages = list(graph.objects(result, SH.resultMessage))
    for message in messages:  # prefer English, then any language
        if isinstance(message, rdflib.Literal) and message.language in (None, "en"):
            return str(message)
    return str(messages[0]) if messages else "constraint not satisfied"


# --- in-process path ----------------------------------------------------------------------------

_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine(Profile.load())
    return _ENGINE


def _expand(body: bytes) -> tuple[Any, list[dict[str, Any]]]:
    # Before the engine: unusable input is refused without loading the profile.
    parsed = jsonld.parse_json(body)
    return parsed, jsonld.expand(parsed)


def prepare_sync(body: bytes, *, expected_iri: str | None = None) -> PreparedPassport:
    """:meth:`Validator.prepare` in this process (CLI, tests, import tools)."""
    parsed, expanded = _expand(body)
    return _engine().prepare(parsed, expanded, expected_iri)


def validate_sync(body: bytes) -> ValidationReport:
    """:meth:`Validator.validate` in this process."""
    _, expanded = _expand(body)
    _top_iri(expanded)  # a passport without a usable @id would be found vacuously valid
    return _engine().validate_expanded(expanded)


# --- worker pool -------------------------------------------------------------------------------

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
    _engine()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _warm_up(_: int) -> int:
    _engine()
    return os.getpid()


def _call(function: Callable[..., Any], *args: Any) -> _Outcome:
    try:
        return ("ok", function(*args))
    except ResolverError as err:
        return ("error", type(err), err.detail, err.extensions)


def _prepare_in_worker(body: bytes, expected_iri: str | None) -> _Outcome:
    return _call(lambda: prepare_sync(body, expected_iri=expected_iri))


def _prepare_batch_in_worker(bodies: list[bytes]) -> list[_Outcome]:
    return [_call(prepare_sync, body) for body in bodies]


def _validate_in_worker(body: bytes) -> _Outcome:
    return _call(validate_sync, body)


def _batch_outcome(bodies: list[bytes]) -> _Outcome:
    # One outcome per passport inside the batch's own ("ok", ...): one bad passport fails only itself.
    return ("ok", _prepare_batch_in_worker(bodies))


class Validator:
    """Validates and prepares passports in a bounded pool of worker processes.

    ``workers`` defaults to the number of CPUs. Workers are spawned (not forked: the parent runs
    an event loop and threads) and each loads the shapes once, in ``start()``. A call that takes
    longer than ``timeout`` seconds (input limits make that a fault, not a big passport) stops the
    workers, which are replaced, and fails with a ResolverError.
    """

    def __init__(self, *, workers: int | None = None, timeout: float = 60.0) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    async def start(self) -> None:
        """Start the workers and wait until each has loaded the profile."""
        if self._pool is not None:
            return
        self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, _warm_up, i) for i in range(self.workers)))

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
            # The executor cannot cancel a running call; ending its processes is the only way.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(pool.shutdown, wait=True, cancel_futures=True)
            )

    async def prepare(self, body: bytes, *, expected_iri: str | None = None) -> PreparedPassport:
        """Parse, expand, check the @id, validate and build the views of one passport."""
        prepared: PreparedPassport = await self._submit(_prepare_in_worker, body, expected_iri)
        return prepared

    async def prepare_batch(self, bodies: list[bytes]) -> list[PreparedPassport | ResolverError]:
        """:meth:`prepare` for several passports in one worker call (bulk imports: one task and
        one round trip per batch instead of per passport); each unusable one comes back as the
        error :meth:`prepare` would raise, in order."""
        outcomes: list[_Outcome] = await self._submit(_batch_outcome, bodies)
        results: list[PreparedPassport | ResolverError] = []
        for outcome in outcomes:
            if outcome[0] == "ok":
                results.append(outcome[1])
            else:
                _, cls, detail, extensions = outcome
                results.append(cls(detail, **extensions))
        return results

    async def validate(self, body: bytes) -> ValidationReport:
        report: ValidationReport = await self._submit(_validate_in_worker, body)
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
