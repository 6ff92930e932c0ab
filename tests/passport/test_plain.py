"""The plain reading (resolver/passport/plain.py) against the general one: for every example,
every invalid example and mutants of them, the same prepared passport (views, canonical
document, digest, signed N-Quads, report) or the same problem."""

from __future__ import annotations

import random
from collections.abc import Sequence

import orjson
import pyoxigraph
import pytest

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.passport import canonical, frame, graph, plain, read
from resolver.passport.graph import Statement
from resolver.validation import PreparedPassport, ValidationReport, pipeline
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import INVALID, _distinct_mutants

MUTANTS = 600
_SEED = 20261201


def _outcomes(bodies: list[bytes]) -> list[PreparedPassport | tuple[str, str, str]]:
    out: list[PreparedPassport | tuple[str, str, str]] = []
    for item in pipeline.prepare_many_sync(bodies):
        if isinstance(item, ResolverError):
            out.append((type(item).__name__, item.detail, repr(sorted(item.extensions.items()))))
        else:
            out.append(item)
    return out


def _both(bodies: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    engine = pipeline.engine()
    validate_many = engine.validate_many
    # Validation is a function of what it is given, the root and the canonical lines (with their
    # triples): the general way's passports that read to the same as the plain way's get the
    # report already made for them rather than the same validation twice; the others are
    # validated (a report made from other lines is then compared as before).
    reports: dict[tuple[str, tuple[bytes, ...]], ValidationReport] = {}

    def kept(
        passports: Sequence[tuple[Sequence[Statement], pyoxigraph.NamedNode]],
        lines: Sequence[Sequence[bytes]] | None = None,
    ) -> list[ValidationReport]:
        assert lines is not None  # prepare_many gives the lines
        keys = [(root.value, tuple(found)) for (_, root), found in zip(passports, lines, strict=True)]
        new = [i for i, key in enumerate(keys) if key not in reports]
        made = validate_many([passports[i] for i in new], [lines[i] for i in new]) if new else []
        reports.update((keys[i], report) for i, report in zip(new, made, strict=True))
        return [reports[key] for key in keys]

    with monkeypatch.context() as patch:
        patch.setattr(engine, "validate_many", kept)
        fast = _outcomes(bodies)
        patch.setattr(plain, "read_plain", lambda *_: None)  # the general way only
        general = _outcomes(bodies)
    for body, one, other in zip(bodies, fast, general, strict=True):
        assert one == other, body[:300]


def _bodies() -> list[bytes]:
    return [path.read_bytes() for path in EXAMPLES]


def test_the_examples_are_read_the_plain_way() -> None:
    engine = pipeline.engine()
    vocabulary = pipeline._vocabulary(engine.profile)
    for path in EXAMPLES:
        expanded = read.expanded_jsonld(path.read_bytes(), vocabulary, engine.profile.context_url)
        assert plain.read_plain(expanded, vocabulary) is not None, path.name


def test_the_examples_views_are_framed_and_canonicalised_the_plain_way() -> None:
    engine = pipeline.engine()
    profile = engine.profile
    vocabulary = pipeline._vocabulary(profile)
    terms = jsonld.context_terms(profile.context_url)
    assert terms is not None
    for path in EXAMPLES:
        expanded = read.expanded_jsonld(path.read_bytes(), vocabulary, profile.context_url)
        found = plain.read_plain(expanded, vocabulary)
        assert found is not None
        root = graph.find_root(found.labelled, None)
        assert plain.find_root(found, None) == root, path.name
        indices = plain.tier_views(found, root, profile.tier_of)
        assert indices is not None
        views = plain.statements(indices, found)
        assert views == graph.tier_views(found.labelled, root, profile.tier_of), path.name
        framed = plain.frame_views(indices, found, root, terms, profile.context_url, profile.tier_of)
        assert framed == frame.frame_views(views, root, terms, profile.context_url, profile.tier_of)
        served = canonical.views_nquads(frame.served_views(views), (found.labelled, found.lines))
        assert plain.views_nquads(indices, found) == served, path.name
        assert found.lines == sorted(str(q).encode() + b" .\n" for q in found.labelled), path.name


def test_examples_and_invalid_examples_prepare_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    invalid = [path.read_bytes() for path in sorted(INVALID.glob("*.jsonld"))]
    _both(_bodies() + invalid, monkeypatch)


@pytest.mark.timeout(900)  # 2 x 600 preparations: minutes on a loaded 2-core machine
def test_mutants_prepare_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    originals = [orjson.loads(body) for body in _bodies()]
    mutants = _distinct_mutants(originals, random.Random(_SEED), MUTANTS)
    for start in range(0, len(mutants), 50):
        _both(mutants[start : start + 50], monkeypatch)


def _set(doc: dict[str, object], key: str, value: object) -> bytes:
    return orjson.dumps({**doc, key: value})


def test_numbers_escapes_and_duplicates_prepare_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = orjson.loads(EXAMPLES[0].read_bytes())
    bodies = [
        _set(doc, "weight", {"value": 83.9, "unit": "KGM"}),  # 8.390000000000001E1 stored
        _set(doc, "weight", {"value": 0.1 + 0.2, "unit": "KGM"}),  # not 16 digits exact
        _set(doc, "weight", {"value": "1e400", "unit": "KGM"}),  # refused: not finite
        _set(doc, "weight", {"value": "7.0e+01", "unit": "KGM"}),  # another lexical form
        _set(doc, "weight", {"value": 2**60, "unit": "KGM"}),  # beyond 2^53: general way
        _set(doc, "productName", 'quote " and \\ backslash'),  # escapes: general way
        _set(doc, "productName", "tab\there"),
        _set(doc, "criticalRawMaterials", ["Lithium", "Lithium", "Cobalt"]),  # a duplicate
        _set(doc, "expectedLifetimeCycles", "+0100"),  # an integer normalised
    ]
    _both(bodies, monkeypatch)
