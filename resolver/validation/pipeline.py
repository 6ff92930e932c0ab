"""The worker side of the one write path: body -> graph -> validation -> canonical form and views.

``prepare`` runs in a validation worker (resolver/validation/pool.py) or, for one-shot tools and
tests, in-process (``prepare_sync``). What it returns is what is stored: the tier views are
framed from the validated graph (relabelled by RDFC-1.0), never copied from the input bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
import pyoxigraph

from resolver import jsonld
from resolver.context_terms import Terms
from resolver.errors import LostValue, ResolverError
from resolver.jsontypes import JSONObject
from resolver.passport import canonical, frame, graph, plain, read
from resolver.passport.graph import Statement
from resolver.passport.plain import Views as PlainViews
from resolver.passport.vocabulary import ProfileVocabulary
from resolver.profile import Profile
from resolver.tiers import Tier
from resolver.validation.engine import Engine
from resolver.validation.report import PreparedPassport, ValidationReport, ValidationResult

__all__ = [
    "DEFAULT_MEDIA_TYPE",
    "engine",
    "prepare",
    "prepare_many",
    "prepare_many_sync",
    "prepare_sync",
    "validate",
    "validate_sync",
]

DEFAULT_MEDIA_TYPE = "application/ld+json"


def prepare(
    engine: Engine,
    body: bytes,
    *,
    expected_iri: str | None = None,
    media_type: str = DEFAULT_MEDIA_TYPE,
    verdict: ValidationReport | None = None,
) -> PreparedPassport:
    """Read, validate and frame one passport (ResolverError for unusable input).

    ``verdict``: the report to keep instead of validating the passport alone: a passport
    linked to model and batch passports is judged with them (resolver/linked/)."""
    read_in = _read(engine, body, expected_iri, media_type)
    report = verdict if verdict is not None else engine.validate(read_in.labelled, read_in.root)
    return _framed(engine, read_in, report)


def prepare_many(engine: Engine, bodies: Sequence[bytes]) -> list[PreparedPassport | ResolverError]:
    """:func:`prepare` of each body (JSON-LD), or the ResolverError it raises, in order; the
    passports that read are validated together (Engine.validate_many: one query per SPARQL
    constraint for all of them), with the same reports as one by one."""
    out: list[PreparedPassport | ResolverError | _Read] = []
    for body in bodies:
        try:
            read.require_utf8(body)
            out.append(_read(engine, body, None, DEFAULT_MEDIA_TYPE))
        except ResolverError as err:
            out.append(err)
    ready = [(i, item) for i, item in enumerate(out) if isinstance(item, _Read)]
    reports = engine.validate_many(
        [(item.labelled, item.root) for _, item in ready], [item.lines for _, item in ready]
    )
    for (i, item), report in zip(ready, reports, strict=True):
        try:
            out[i] = _framed(engine, item, report)
        except ResolverError as err:
            out[i] = err
    return [item for item in out if not isinstance(item, _Read)]


@dataclass(frozen=True, slots=True)
class _Read:
    """A passport read: its canonically labelled triples and their canonical N-Quads lines,
    root, digest and tier views (read the plain way: ``plain`` and its ``plain_views``, the
    triples and views as pyoxigraph terms made only when asked for)."""

    labelled: Sequence[pyoxigraph.Quad]
    lines: list[bytes]
    root: pyoxigraph.NamedNode
    digest: str
    general_views: dict[Tier, list[Statement]] | None = None
    plain: plain.PlainRead | None = None
    plain_views: PlainViews | None = None

    def views(self) -> dict[Tier, list[Statement]]:
        if self.general_views is not None:
            return self.general_views
        assert self.plain is not None and self.plain_views is not None
        return plain.statements(self.plain_views, self.plain)


def _read(engine: Engine, body: bytes, expected_iri: str | None, media_type: str) -> _Read:
    """A passport read: JSON-LD in the plain form the fast way (resolver.passport.plain), the
    same triples, labels and views as the general way, which reads everything else and raises
    every problem (a problem met the fast way is met again the general way, with its message)."""
    profile = engine.profile
    vocabulary = _vocabulary(profile)
    if media_type not in read.JSON_TYPES and media_type:
        triples = read.read_triples(body, media_type, vocabulary, profile.context_url)
        return _read_triples(engine, triples, expected_iri)
    expanded = read.expanded_jsonld(body, vocabulary, profile.context_url)
    fast = plain.read_plain(expanded, vocabulary)
    if fast is not None:
        root = plain.find_root(fast, expected_iri)
        views = plain.tier_views(fast, root, profile.tier_of) if root is not None else None
        if root is not None and views is not None:
            return _Read(fast.labelled, fast.lines, root, fast.digest, plain=fast, plain_views=views)
    return _read_triples(engine, read.jsonld_triples(expanded, vocabulary), expected_iri)


def _read_triples(engine: Engine, triples: list[pyoxigraph.Quad], expected_iri: str | None) -> _Read:
    profile = engine.profile
    root = graph.find_root(triples, expected_iri)
    labelled, lines = canonical.canonical_form(triples)
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    views = graph.tier_views(labelled, root, profile.tier_of)  # refuses unreachable nodes
    return _Read(labelled, lines, root, digest, general_views=views)


def _framed(engine: Engine, read_in: _Read, report: ValidationReport) -> PreparedPassport:
    """The views, canonical document and signed N-Quads of a passport read and validated."""
    profile, root = engine.profile, read_in.root
    terms = jsonld.context_terms(profile.context_url)
    if terms is None:  # a profile whose context is beyond the framer: a broken installation
        raise RuntimeError("the profile's context is beyond the framer (resolver/context_terms.py)")
    if report.conforms:
        docs = _frame_views(engine, read_in, terms)
        framed = {tier: orjson.dumps(doc) for tier, doc in docs.items()}
        document = framed[max(Tier)]
        # What the write path signs (resolver.integrity): each view's graph as a verifier reads
        # it from the served JSON-LD. That is the tier triples with doubles in their served
        # lexical form (8.500000000000001E-2 here, 8.5E-2 as served): frame.served_views,
        # without reading each framed view back.
        nquads = _views_nquads(read_in)
    else:
        framed, nquads = {}, {}
        document = orjson.dumps(_frame_document(engine, read_in, terms))
    return PreparedPassport(
        iri=root.value,
        report=report,
        views=framed,
        document=document,
        digest=read_in.digest,
        nquads=nquads,
        profile=profile.name,
    )


def _frame_views(engine: Engine, read_in: _Read, terms: Terms) -> dict[Tier, JSONObject]:
    """The framed views: from the plain reading's terms when there is one, else pyoxigraph's."""
    profile, root = engine.profile, read_in.root
    if read_in.plain is not None and read_in.plain_views is not None:
        found = plain.frame_views(
            read_in.plain_views, read_in.plain, root, terms, profile.context_url, profile.tier_of
        )
        if found is not None:
            return found
    return frame.frame_views(read_in.views(), root, terms, profile.context_url, profile.tier_of)


def _frame_document(engine: Engine, read_in: _Read, terms: Terms) -> JSONObject:
    """The authority view framed (the document of a passport refused): from the plain
    reading's terms when there is one, else pyoxigraph's."""
    context_url, root = engine.profile.context_url, read_in.root
    if read_in.plain is not None and read_in.plain_views is not None:
        found = plain.frame_document(read_in.plain_views, read_in.plain, root, terms, context_url)
        if found is not None:
            return found
    return frame.frame(read_in.views()[max(Tier)], root, terms, context_url)


def _views_nquads(read_in: _Read) -> dict[Tier, bytes]:
    """Each view's canonical N-Quads in its served form: from the plain reading's bytes when
    there is one (resolver.passport.plain.views_nquads), else from pyoxigraph's terms."""
    found = None
    if read_in.plain is not None and read_in.plain_views is not None:
        found = plain.views_nquads(read_in.plain_views, read_in.plain)
    if found is not None:
        return found
    served = frame.served_views(read_in.views())
    return canonical.views_nquads(served, (read_in.labelled, read_in.lines))


def validate(engine: Engine, body: bytes, *, media_type: str = DEFAULT_MEDIA_TYPE) -> ValidationReport:
    """Read and validate one passport, without framing it. A term or value that would be lost
    is a violation of the report (a write refuses it with the same message)."""
    try:
        profile = engine.profile
        triples = read.read_triples(body, media_type, _vocabulary(profile), profile.context_url)
        root = graph.find_root(triples, None)
        graph.tier_views(triples, root, profile.tier_of)
    except LostValue as err:
        return ValidationReport(conforms=False, results=(_lost_result(err),))
    return engine.validate(triples, root)


def _lost_result(err: LostValue) -> ValidationResult:
    extensions = err.extensions
    value = extensions.get("value")
    path = extensions.get("path") or extensions.get("term")
    listed = extensions.get("dataPoints")
    points = tuple(p for p in listed if isinstance(p, int)) if isinstance(listed, (list, tuple)) else ()
    return ValidationResult(
        focus_node="",
        path=path if isinstance(path, str) else None,
        data_points=points,
        severity="Violation",
        message=err.detail,
        value=str(value) if value is not None else None,
    )


_VOCABULARIES: dict[int, tuple[Profile, ProfileVocabulary]] = {}


def _vocabulary(profile: Profile) -> ProfileVocabulary:
    found = _VOCABULARIES.get(id(profile))
    if found is None or found[0] is not profile:
        found = _VOCABULARIES[id(profile)] = (
            profile,
            ProfileVocabulary(profile, jsonld.context_terms(profile.context_url)),
        )
    return found[1]


# --- in-process (one-shot tools, tests, benchmarks; the node itself uses the worker pool) ---------

_ENGINES: dict[str, Engine] = {}
EU = "eu-battery"


def engine(profile: str = EU) -> Engine:
    """This process's engine for ``profile`` (a name of resolver.profile.PROFILES), with the
    worker speed-ups (never called by the node's own process)."""
    found = _ENGINES.get(profile)
    if found is None:
        found = _ENGINES[profile] = Engine(Profile.load(name=profile), speedups=True)
    return found


def prepare_sync(
    body: bytes,
    *,
    expected_iri: str | None = None,
    media_type: str = DEFAULT_MEDIA_TYPE,
    verdict: ValidationReport | None = None,
    profile: str = EU,
) -> PreparedPassport:
    """:func:`prepare` in this process, in ``profile``."""
    read.require_utf8(body)
    return prepare(engine(profile), body, expected_iri=expected_iri, media_type=media_type, verdict=verdict)


def prepare_many_sync(bodies: Sequence[bytes], profile: str = EU) -> list[PreparedPassport | ResolverError]:
    """:func:`prepare_many` in this process."""
    return prepare_many(engine(profile), bodies)


def validate_sync(
    body: bytes, *, media_type: str = DEFAULT_MEDIA_TYPE, profile: str = EU
) -> ValidationReport:
    """:func:`validate` in this process."""
    return validate(engine(profile), body, media_type=media_type)
