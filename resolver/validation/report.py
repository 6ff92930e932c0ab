"""What validation says about a passport, and what a worker hands back for storage."""

from __future__ import annotations

import dataclasses
from typing import TypedDict

import rdflib
from rdflib.namespace import SH

from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = [
    "PreparedPassport",
    "ReportJSON",
    "ResultJSON",
    "ValidationReport",
    "ValidationResult",
    "report_of",
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


@dataclasses.dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating one passport; results are sorted for stable output."""

    conforms: bool
    results: tuple[ValidationResult, ...] = ()

    def to_json(self) -> ReportJSON:
        """A JSON-ready dict: ``{"conforms": bool, "results": [...]}``."""
        return {"conforms": self.conforms, "results": [r.to_json() for r in self.results]}


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
    # it only under a prefix the configuration gives that profile (resolver/passport/write.py).
    profile: str = "eu-battery"


def report_of(graph: rdflib.Graph, profile: Profile) -> ValidationReport:
    """The report of a non-conforming pyshacl run, one result per problem, sorted."""
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
