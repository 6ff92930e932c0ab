"""The tier views' canonical N-Quads: derived from an already canonical graph where RDFC-1.0
allows it (only quads without blank nodes differ), and always byte-identical to canonicalising
each view on its own with pyoxigraph."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.passport import canonical, frame, graph
from resolver.profile import Profile
from resolver.tiers import Tier
from resolver.validation import prepare_sync
from tests.passport.forms import EXAMPLES

_EX = "https://example.org/"
_DOUBLE = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def _alone(quads: Sequence[pyoxigraph.Quad]) -> bytes:
    """A view canonicalised on its own, as a verifier does: pyoxigraph, lines sorted."""
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    text = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    return b"".join(sorted(text.splitlines(keepends=True)))


def _n(name: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(_EX + name)


def _q(s: pyoxigraph.NamedNode | pyoxigraph.BlankNode, p: str, o: object) -> pyoxigraph.Quad:
    obj = o if isinstance(o, pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal) else None
    return pyoxigraph.Quad(s, _n(p), obj if obj is not None else pyoxigraph.Literal(str(o)))


def _passport() -> list[pyoxigraph.Quad]:
    # Two blank nodes alike but for one value: their labels depend on each other's quads.
    root, a, b = _n("root"), pyoxigraph.BlankNode("a"), pyoxigraph.BlankNode("b")
    return [
        _q(root, "capacity", a),
        _q(a, "value", "1"),
        _q(a, "unit", "Ah"),
        _q(root, "resistance", b),
        _q(b, "value", "1"),
        _q(b, "unit", "mOhm"),
        _q(root, "name", "cell"),
        _q(root, "secret", "s"),
    ]


def test_a_view_less_plain_values_of_named_nodes_is_derived_and_identical() -> None:
    labelled, lines = canonical.canonical_form(_passport())
    secret = _n("secret")
    view = [q for q in labelled if q.predicate != secret]
    derived = canonical._derived_lines(frozenset(view), frozenset(labelled), lines)
    assert derived is not None
    assert b"".join(derived) == _alone(view)
    assert canonical.views_nquads({Tier.PUBLIC: view}, (labelled, lines)) == {Tier.PUBLIC: _alone(view)}


def test_a_view_without_a_blank_node_or_one_of_its_values_is_canonicalised_on_its_own() -> None:
    labelled, lines = canonical.canonical_form(_passport())
    unit = _n("unit")
    # Dropping one blank node's unit makes the two alike: their labels are decided anew.
    partial = [q for q in labelled if not (q.predicate == unit and q.object == pyoxigraph.Literal("Ah"))]
    resistance = _n("resistance")
    held = {q.object for q in labelled if q.predicate == resistance}
    pruned = [q for q in labelled if q.subject not in held and q.object not in held]
    for view in (partial, pruned):
        assert canonical._derived_lines(frozenset(view), frozenset(labelled), lines) is None
    got = canonical.views_nquads({Tier.LEGITIMATE_INTEREST: partial, Tier.PUBLIC: pruned}, (labelled, lines))
    assert got == {Tier.LEGITIMATE_INTEREST: _alone(partial), Tier.PUBLIC: _alone(pruned)}


def test_a_served_double_on_a_blank_node_is_not_derived_but_on_a_named_node_is() -> None:
    root, quantity = _n("root"), pyoxigraph.BlankNode("q")
    written, served = (pyoxigraph.Literal(v, datatype=_DOUBLE) for v in ("8.390000000000001E1", "8.39E1"))
    for subject, extra in ((root, [_q(root, "q", quantity)]), (quantity, [_q(root, "q", quantity)])):
        quads = [*extra, _q(subject, "efficiency", written), _q(quantity, "unit", "%")]
        labelled, lines = canonical.canonical_form(quads)
        view = [
            q if q.object != written else pyoxigraph.Quad(q.subject, q.predicate, served) for q in labelled
        ]
        derived = canonical._derived_lines(frozenset(view), frozenset(labelled), lines)
        assert (derived is not None) == (subject == root)
        assert canonical.views_nquads({Tier.AUTHORITY: view}, (labelled, lines)) == {
            Tier.AUTHORITY: _alone(view)
        }


def test_every_example_s_views_sign_what_canonicalising_each_view_alone_gives() -> None:
    profile = Profile.load()
    for path in EXAMPLES:
        prepared = prepare_sync(path.read_bytes())
        assert prepared.report.conforms, path.name
        triples = _read_back(prepared.views)
        for tier, quads in triples.items():
            assert prepared.nquads[tier] == _alone(quads), (path.name, tier)
        # The worker's served views (not read back) agree too.
        labelled, lines = canonical.canonical_form(triples[max(Tier)])
        root = graph.find_root(labelled, None)
        served = frame.served_views(graph.tier_views(labelled, root, profile.tier_of))
        assert canonical.views_nquads(served, (labelled, lines)) == {t: _alone(q) for t, q in served.items()}


def _read_back(views: dict[Tier, bytes]) -> dict[Tier, list[pyoxigraph.Quad]]:
    # pyoxigraph's own JSON-LD reader, with the node's offline context: what a verifier reads.
    import orjson

    from resolver.integrity.canon import document_quads

    return {tier: document_quads(orjson.loads(body)) for tier, body in views.items()}


_NAMED = [_n(f"n{i}") for i in range(3)]
_BLANK = [pyoxigraph.BlankNode(f"b{i}") for i in range(4)]
_VALUES = [pyoxigraph.Literal(v) for v in ("1", "2", "x")]
_quad = st.builds(
    pyoxigraph.Quad,
    st.sampled_from(_NAMED + _BLANK),
    st.sampled_from([_n("p"), _n("q")]),
    st.sampled_from(_NAMED + _BLANK + _VALUES),
)
_ground = st.builds(
    pyoxigraph.Quad, st.sampled_from(_NAMED), st.sampled_from([_n("p"), _n("r")]), st.sampled_from(_VALUES)
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_quad, min_size=1, max_size=12, unique=True),
    st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=1, max_size=3),
    st.lists(_ground, max_size=3),
)
def test_derived_or_not_every_view_is_its_own_canonical_form(
    quads: list[pyoxigraph.Quad], keeps: list[list[bool]], extra: list[pyoxigraph.Quad]
) -> None:
    labelled, lines = canonical.canonical_form(quads)
    views: dict[Tier, list[pyoxigraph.Quad]] = {}
    for tier, keep in zip(sorted(Tier, reverse=True), keeps, strict=False):
        kept = [q for q, k in zip(labelled, keep, strict=False) if k]
        views[tier] = list(dict.fromkeys(kept + (extra if tier == max(Tier) else [])))
    assert canonical.views_nquads(views, (labelled, lines)) == {t: _alone(v) for t, v in views.items()}
