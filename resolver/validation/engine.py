"""The validation engine of one process: the profile's shapes parsed once, a fast conformance
check (shacl_core) for the common case, and pyshacl for everything it cannot show to conform."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, cast

import pyoxigraph
import rdflib
from pyshacl import Validator as _ShaclValidator
from pyshacl.graph_abstraction import DataGraph
from rdflib.namespace import SH
from rdflib.term import Node

from resolver import jsonld
from resolver.jsontypes import JSONObject
from resolver.passport.graph import Statement, find_root
from resolver.profile import Profile
from resolver.validation import shacl_core, sparql_batch, worker_patches
from resolver.validation.report import ValidationReport, ValidationResult, report_of, report_of_results

if TYPE_CHECKING:
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

__all__ = ["Engine", "SparqlRunner"]

_Focus = rdflib.term.IdentifiedNode | rdflib.Literal  # a focus node, as pyshacl types it

_RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_PASSPORT_CLASS = pyoxigraph.NamedNode("https://w3id.org/battery-passport/eu-battery#BatteryPassport")
_RDF_TYPE_TERM, _PASSPORT_TERM = str(_RDF_TYPE).encode(), str(_PASSPORT_CLASS).encode()


class Engine:
    """The per-process state: the profile and a pyshacl validator whose shapes are parsed once.

    ``speedups`` installs resolver/validation/worker_patches.py (process-wide: only for worker
    processes and one-shot tools); ``fast`` enables the fast check.
    """

    def __init__(self, profile: Profile, *, speedups: bool, fast: bool = True) -> None:
        self.profile = profile
        advanced = _needs_advanced(profile.shapes)
        if speedups:
            worker_patches.install(advanced=advanced)
        # One pyshacl Validator, reused: its ShapesGraph harvests (parses) the shapes on first
        # use and keeps them; only the data graph changes between runs.
        self._shacl = _ShaclValidator(
            DataGraph.from_rdflib(rdflib.Graph()),
            shacl_graph=profile.shapes,
            # Warnings (sh:Warning shapes: data points not to be filled) are reported, not refused.
            options={"inference": "none", "advanced": advanced, "inplace": True, "allow_warnings": True},
        )
        if speedups:
            worker_patches.freeze_shapes_graph(self._shacl.shacl_graph)
        # The fast check: most passports conform, and for them it replaces pyshacl's run (see
        # resolver/validation/shacl_core.py); anything it cannot show to conform goes to pyshacl.
        self._core: shacl_core.CoreChecker | None = None
        if fast:
            try:
                self._core = shacl_core.CoreChecker(self._shacl.shacl_graph, advanced=advanced)
            except shacl_core.Unsupported:
                self._core = None

    @property
    def runs_pairs(self) -> bool:
        """pyshacl runs only the pairs the fast check cannot clear (see :meth:`_judged`)."""
        return self._core is not None and self._core.decomposable

    def validate(self, triples: Sequence[Statement], root: pyoxigraph.NamedNode) -> ValidationReport:
        """Validate the passport's triples or default-graph quads (``root`` is its node)."""
        return self._judged(jsonld.rdflib_triples(triples), _quads(triples), triples, root)

    def _judged(
        self,
        rdf: list[jsonld.Triple],
        quads: list[pyoxigraph.Quad],
        triples: Sequence[Statement],
        root: pyoxigraph.NamedNode,
        diagnosis: shacl_core.Diagnosis | None = None,
    ) -> ValidationReport:
        """The report of one passport (its rdflib triples and quads); ``diagnosis``: the fast
        check's, if the caller has made it. pyshacl runs only the (shape, focus node) pairs the
        fast check could not clear (the same results as its whole run: see shacl_core.diagnose)."""
        if self._core is None:
            return _typed(self.validate_graph(jsonld.graph_of(rdf), quads=quads), triples, root)
        if diagnosis is None:
            diagnosis = self._core.diagnose(rdf)
        runner = SparqlRunner(quads)
        diagnosis.settle(runner)
        if diagnosis.conforms:
            return _typed(ValidationReport(conforms=True), triples, root)
        # pyshacl's SPARQL constraints read the copy the fast check made, if it made one.
        store = runner.store if worker_patches.installed() else None
        if diagnosis.whole:
            report = self.validate_graph(jsonld.graph_of(rdf), quads=quads, store=store)
        else:
            report = self.validate_pairs(jsonld.graph_of(rdf), diagnosis.suspects, quads=quads, store=store)
        return _typed(report, triples, root)

    def validate_many(
        self,
        passports: Sequence[tuple[Sequence[Statement], pyoxigraph.NamedNode]],
        lines: Sequence[Sequence[bytes]] | None = None,
    ) -> list[ValidationReport]:
        """:meth:`validate` of each (triples, root), with the SPARQL constraints of the passports
        that pass every other check asked once for all of them (resolver/validation/sparql_batch.py).
        A passport the batch cannot clear is validated on its own: the same reports.

        ``lines``: each passport's triples as N-Quads lines (its canonical lines): the fast
        check reads its rdflib terms from them, and the batch's SPARQL store is loaded from
        them (sparql_batch.flagged), faster than from the triples' pyoxigraph objects."""
        if self._core is None or len(passports) < 2 or not worker_patches.installed():
            return [self.validate(triples, root) for triples, root in passports]
        reports: dict[int, ValidationReport] = {}
        pending: dict[int, tuple[list[jsonld.Triple], shacl_core.Diagnosis]] = {}
        made: dict[int, list[pyoxigraph.Quad]] = {}

        def quads(index: int) -> list[pyoxigraph.Quad]:
            # With lines, the quads are made only for a passport pyshacl or a lone SPARQL ask needs.
            if index not in made:
                made[index] = _quads(passports[index][0])
            return made[index]

        calls: list[sparql_batch.Call] = []
        for index, (triples, root) in enumerate(passports):
            rdf = (
                jsonld.rdflib_triples(triples)
                if lines is None
                else jsonld.rdflib_triples_of_lines(lines[index])
            )
            diagnosis = self._core.diagnose(rdf)
            if diagnosis.conforms:  # but for its SPARQL constraints, asked in the batch
                recorder = _Recorder(index)
                diagnosis.settle(recorder)
                calls.extend(recorder.calls)
                pending[index] = (rdf, diagnosis)
            else:
                reports[index] = self._judged(rdf, quads(index), triples, root, diagnosis)

        def one_by_one(call: sparql_batch.Call) -> bool:
            component: SPARQLBasedConstraint = call.key  # type: ignore[assignment]
            return SparqlRunner(quads(call.passport))(component, call.text, dict(call.bindings))

        # With lines, the batch's store is loaded from them rather than from the quads.
        given = [] if lines is not None else [quads(index) for index in range(len(passports))]
        again = sparql_batch.flagged(given, calls, one_by_one, lines)
        for index, (rdf, diagnosis) in pending.items():
            triples, root = passports[index]
            if index in again:  # settled again, one query at a time
                reports[index] = self._judged(rdf, quads(index), triples, root, diagnosis)
            else:
                conforms = ValidationReport(conforms=True)
                reports[index] = (
                    _typed(conforms, triples, root)
                    if lines is None
                    else _typed_lines(conforms, lines[index], root)
                )
        return [reports[index] for index in range(len(passports))]

    def validate_expanded(self, expanded: list[JSONObject]) -> ValidationReport:
        """Validate an expanded JSON-LD passport (adapters' output, tests)."""
        triples = jsonld.oxigraph_quads(expanded)
        return self.validate(triples, find_root(triples, None))

    def validate_graph(
        self,
        graph: rdflib.Graph,
        *,
        quads: list[pyoxigraph.Quad] | None = None,
        store: Callable[[], pyoxigraph.Store] | None = None,
    ) -> ValidationReport:
        """pyshacl's whole run on ``graph`` (``quads``: the same triples, or ``store``: their
        pyoxigraph copy, for the SPARQL constraints with the worker speed-ups)."""
        data = self._data(graph, quads, store)
        self._shacl.data_graph = data
        self._shacl._target_graph = None
        conforms, report_graph, _ = self._shacl.run()  # type: ignore[no-untyped-call]
        if conforms and (None, SH.result, None) not in report_graph:
            return ValidationReport(conforms=True)
        return report_of(report_graph, self.profile)

    def validate_pairs(
        self,
        graph: rdflib.Graph,
        pairs: Iterable[tuple[Node, Node]],
        *,
        quads: list[pyoxigraph.Quad] | None = None,
        store: Callable[[], pyoxigraph.Store] | None = None,
    ) -> ValidationReport:
        """pyshacl's run of only these (shape node, focus node) pairs, each through the shape's
        own ``validate`` as pyshacl's run calls it, into one report built as the run builds it
        (``quads`` and ``store`` as for :meth:`validate_graph`)."""
        data = self._data(graph, quads, store)
        shapes = self._shacl.shacl_graph
        executor = self._shacl.make_executor()
        results = []
        for node, focus in pairs:
            shape = shapes.lookup_shape_from_node(node)
            _, found = shape.validate(executor, data, focus=[cast(_Focus, focus)])
            results.extend(found)
        if not results:
            return ValidationReport(conforms=True)
        # The report's verdict is its results' (report_of): no Violation among them.
        return report_of_results(results, self.profile)

    def _data(
        self,
        graph: rdflib.Graph,
        quads: list[pyoxigraph.Quad] | None,
        store: Callable[[], pyoxigraph.Store] | None = None,
    ) -> DataGraph:
        data = DataGraph.from_rdflib(graph)
        if store is not None and worker_patches.installed():
            worker_patches.OX_COPY[0], worker_patches.OX_COPY[1] = data, store()
        elif quads is not None and worker_patches.installed():
            # The SPARQL constraints' copy, straight from the parser's quads (same blank node ids).
            copy = pyoxigraph.Store()
            copy.extend(quads)
            worker_patches.OX_COPY[0], worker_patches.OX_COPY[1] = data, copy
        return data


class _SparqlQuery(Protocol):
    """The method of pyshacl's SPARQLBasedConstraint that runs one query (untyped in pyshacl;
    resolver/validation/worker_patches.py replaces it in worker processes)."""

    def _validate_sparql_query(
        self, query: str, init_binds: dict[str, Node], target_graph: object
    ) -> object: ...


class SparqlRunner:
    """Runs SPARQL constraints for the fast check on a pyoxigraph copy of the passport, made on
    first use, through the same function pyshacl's run uses (so the verdicts are the same)."""

    __slots__ = ("_store", "quads", "token")

    def __init__(self, quads: list[pyoxigraph.Quad]) -> None:
        self.quads = quads
        self.token: object | None = None
        self._store: pyoxigraph.Store | None = None

    def store(self) -> pyoxigraph.Store:
        """The pyoxigraph copy of the passport, made once (read-only: queries only), for the
        fast check and then for pyshacl's run of the pairs it could not clear."""
        if self._store is None:
            self._store = pyoxigraph.Store()
            self._store.extend(self.quads)
        return self._store

    def __call__(self, component: SPARQLBasedConstraint, text: str, bindings: dict[str, Node]) -> bool:
        """True if the constraint reports anything (or cannot be run here)."""
        if not worker_patches.installed():
            return True  # stock pyshacl runs SPARQL on rdflib only: let its full run decide
        if self.token is None:
            self.token = object()
            worker_patches.OX_COPY[0], worker_patches.OX_COPY[1] = self.token, self.store()
        elif worker_patches.OX_COPY[0] is not self.token:
            return True
        query: _SparqlQuery = component
        try:
            return bool(query._validate_sparql_query(text, bindings, self.token))
        except Exception:  # e.g. a query only rdflib's engine takes: let pyshacl run it
            return True


class _Recorder:
    """A SparqlRun for the fast check that asks nothing: it keeps each call (constraint, query,
    focus node) for one batched query per constraint, and lets the check go on."""

    __slots__ = ("calls", "passport")

    def __init__(self, passport: int) -> None:
        self.passport = passport
        self.calls: list[sparql_batch.Call] = []

    def __call__(self, component: SPARQLBasedConstraint, text: str, bindings: dict[str, Node]) -> bool:
        self.calls.append(sparql_batch.Call(self.passport, component, text, dict(bindings)))
        return False


def _quads(triples: Sequence[Statement]) -> list[pyoxigraph.Quad]:
    return [
        t if isinstance(t, pyoxigraph.Quad) else pyoxigraph.Quad(t.subject, t.predicate, t.object)
        for t in triples
    ]


def _typed(
    report: ValidationReport, triples: Sequence[Statement], root: pyoxigraph.NamedNode
) -> ValidationReport:
    """``report``, with a violation first when the root lacks the passport type."""
    if any(t.subject == root and t.predicate == _RDF_TYPE and t.object == _PASSPORT_CLASS for t in triples):
        return report
    return ValidationReport(conforms=False, results=(_untyped(root.value), *report.results))


def _typed_lines(
    report: ValidationReport, lines: Sequence[bytes], root: pyoxigraph.NamedNode
) -> ValidationReport:
    """:func:`_typed` of a passport given by its N-Quads lines (``root`` named: its line is
    written one way only)."""
    if b"%s %s %s .\n" % (str(root).encode(), _RDF_TYPE_TERM, _PASSPORT_TERM) in lines:
        return report
    return ValidationReport(conforms=False, results=(_untyped(root.value), *report.results))


def _needs_advanced(shapes: rdflib.Graph) -> bool:
    # SHACL-AF (rules, custom functions, targets) needs advanced mode; sh:sparql constraints do not.
    sh_af = (SH.rule, SH.target)
    return any(True for p in sh_af for _ in shapes.subject_objects(p))


def _untyped(iri: str) -> ValidationResult:
    """The result when the battery node lacks the passport type: the shapes target that class,
    so without it they would find nothing to check and the document would pass vacuously."""
    return ValidationResult(
        focus_node=iri,
        path="http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        data_points=(1,),
        severity="Violation",
        message='Data point 1 (passport identifier): the battery must have the type "BatteryPassport"; '
        "without it none of the profile's rules apply",
        value=None,
    )
