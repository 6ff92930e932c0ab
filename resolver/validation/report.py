"""What validation says about a passport, and what a worker hands back for storage."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, TypedDict

import rdflib
from rdflib.namespace import SH
from rdflib.term import Node

from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = [
    "PreparedPassport",
    "ReportJSON",
    "ResultJSON",
    "ValidationReport",
    "ValidationResult",
    "report_of",
    "report_of_results",
]


class ResultJSON(TypedDict):
    """:meth:`ValidationResult.to_json`."""

    focusNode: str
    path: str | None
    dataPoints: list[int]
    severity: str
    message: str
    value: str | None


class ReportJSON(TypedDict):
    """:meth:`ValidationReport.to_json`."""

    conforms: bool
    results: list[ResultJSON]


@dataclasses.dataclass(frozen=True, slots=True)
class ValidationResult:
    """One SHACL result, named for a battery maker: where, which data point(s), what is wrong."""

    focus_node: str
    path: str | None
    data_points: tuple[int, ...]
    severity: str  # "Violation" | "Warning" | "Info"
    message: str
    value: str | None

    def to_json(self) -> ResultJSON:
        return {
            "focusNode": self.focus_node,
            "path": self.path,
            "dataPoints": list(self.data_points),
            "severity": self.severity,
            "message": self.message,
            "value": self.value,
        }

    @classmethod
    def from_json(cls, data: ResultJSON) -> ValidationResult:
        """The result :meth:`to_json` wrote."""
        return cls(
            focus_node=data["focusNode"],
            path=data["path"],
            data_points=tuple(data["dataPoints"]),
            severity=data["severity"],
            message=data["message"],
            value=data["value"],
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating one passport; results are sorted for stable output."""

    conforms: bool
    results: tuple[ValidationResult, ...] = ()

    def to_json(self) -> ReportJSON:
        """A JSON-ready dict: ``{"conforms": bool, "results": [...]}``."""
        return {"conforms": self.conforms, "results": [r.to_json() for r in self.results]}

    @classmethod
    def from_json(cls, data: ReportJSON) -> ValidationReport:
        """The report :meth:`to_json` wrote."""
        return cls(bool(data["conforms"]), tuple(ValidationResult.from_json(r) for r in data["results"]))


@dataclasses.dataclass(frozen=True, slots=True)
class PreparedPassport:
    """A passport ready to store: its @id, report, and, if it conforms, its tier views (framed
    from the graph; the authority view is the canonical document) and the RDFC-1.0 digest."""

    iri: str
    report: ValidationReport
    views: dict[Tier, bytes]
    document: bytes
    digest: str = ""
    # Each view's canonical N-Quads (RDFC-1.0, sorted lines): what its proof and log entry sign.
    nquads: dict[Tier, bytes] = dataclasses.field(default_factory=dict)
    # The profile it was read and judged in (resolver.profile.PROFILES): the write path stores
    # it only under a prefix the configuration gives that profile (resolver/write.py).
    profile: str = "eu-battery"


def report_of(graph: rdflib.Graph, profile: Profile) -> ValidationReport:
    """The report of a non-conforming pyshacl run, one result per problem, sorted."""
    results = []
    for result in graph.objects(None, SH.result):
        path = graph.value(result, SH.resultPath)
        results.append(
            _result(
                profile,
                focus=graph.value(result, SH.focusNode),
                path=_path_text(graph, path),
                path_node=path,
                shape=graph.value(result, SH.sourceShape),
                severity=graph.value(result, SH.resultSeverity),
                value=graph.value(result, SH.value),
                messages=list(graph.objects(result, SH.resultMessage)),
            )
        )
    return _report(results)


# pyshacl's result: (text, result node, triples), an object given as (source graph, node) where
# the report graph gets a copy of it (pyshacl's Validator.create_validation_report).
Result = tuple[str, Node, Sequence[tuple[Any, Any, Any]]]


def report_of_results(results: Sequence[Result], profile: Profile) -> ValidationReport:
    """``report_of`` the report graph pyshacl makes of ``results`` (its
    ``Validator.create_validation_report``), read from the results themselves: the graph
    copies a blank node of the shapes or data graph keeping its id, and report_of reads of a
    node its id only, or for a result path its list or inverse path, read here in the graph it
    comes from; and of a result its own triples only, not those of the results sh:node nests
    under it (sh:detail), which the graph holds but not as results of the report
    (tests/profile/test_report_graph.py compares the two). Building the graph (its copies of
    shapes and data nodes) was ~a tenth of the write path of an invalid passport."""
    made = []
    for _, node, triples in results:
        found: dict[Node, dict[Node, None]] = {}  # predicate -> objects, as the graph lists them
        sources: dict[Node, rdflib.Graph] = {}  # a copied node -> the graph it comes from
        for s, p, o in triples:
            if s != node:  # a result nested under this one (sh:detail), which report_of never reads
                continue
            if isinstance(o, tuple):
                source, o = o
                if not isinstance(o, rdflib.Literal):
                    o = rdflib.BNode(str(o)) if isinstance(o, rdflib.BNode) else rdflib.URIRef(str(o))
                    sources.setdefault(o, source)
            found.setdefault(p, {})[o] = None
        one = {p: next(iter(objects)) for p, objects in found.items()}
        path = one.get(SH.resultPath)
        made.append(
            _result(
                profile,
                focus=one.get(SH.focusNode),
                path=_path_text(sources.get(path, _EMPTY) if path is not None else _EMPTY, path),
                path_node=path,
                shape=one.get(SH.sourceShape),
                severity=one.get(SH.resultSeverity),
                value=one.get(SH.value),
                messages=list(found.get(SH.resultMessage, ())),
            )
        )
    return _report(made)


_EMPTY = rdflib.Graph()


def _result(
    profile: Profile,
    *,
    focus: Node | None,
    path: str | None,
    path_node: Node | None,
    shape: Node | None,
    severity: Node | None,
    value: Node | None,
    messages: list[Node],
) -> ValidationResult:
    points: tuple[int, ...] = ()
    if shape is not None:
        points = profile.shape_data_points.get(shape.n3(), ())
    if not points and isinstance(path_node, rdflib.URIRef):
        points = profile.data_points_of(str(path_node))
    return ValidationResult(
        focus_node=_text(focus) or "",
        path=path,
        data_points=points,
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        message=_message(messages),
        value=_text(value),
    )


def _report(results: list[ValidationResult]) -> ValidationReport:
    # One sh:message often covers several constraints of a property shape: one line per problem.
    unique = sorted(
        set(results), key=lambda r: (r.focus_node, r.path or "", r.data_points, r.message, r.value or "")
    )
    return ValidationReport(conforms=all(r.severity != "Violation" for r in unique), results=tuple(unique))


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def _path_text(graph: rdflib.Graph, path: Node | None) -> str | None:
    if path is None or isinstance(path, rdflib.URIRef):
        return _text(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_text(inverse)}"
    items = list(rdflib.collection.Collection(graph, path)) if graph.value(path, rdflib.RDF.first) else []
    if items:
        return "/".join(_path_text(graph, item) or "?" for item in items)
    return _text(path)


def _message(messages: list[Node]) -> str:
    for message in messages:  # prefer English, then any language
        if isinstance(message, rdflib.Literal) and message.language in (None, "en"):
            return str(message)
    return str(messages[0]) if messages else "constraint not satisfied"
