"""The graph index follows the store: every tier view as a named graph in its tier's store,
updates replace, deletes remove, and a reopened index resumes where it stopped."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyoxigraph
import pytest

from resolver.cli import main
from resolver.sparql.follower import IndexFollower
from resolver.sparql.index import GraphIndex, view_lines
from resolver.sparql.names import history_graph_name, view_graph_name
from resolver.sparql.profile_graph import PROFILE_GRAPH
from resolver.stores import Store, open_store
from resolver.stores.base import Record
from resolver.tiers import Tier
from resolver.validation import PreparedPassport
from tests.sparql.conftest import examples, new_index, put_examples, tier_only

EV = "88.100.1/BAT-EV-000001"
EV_IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"
_NAME = "https://ref.gs1.org/voc/productName"


def graphs(index: GraphIndex, tier: Tier, *, history: bool = False) -> set[str]:
    return {
        g.value
        for g in index.store(tier, history=history).named_graphs()
        if isinstance(g, pyoxigraph.NamedNode)
    }


def default_is_union(store: pyoxigraph.Store) -> bool:
    """Whether the store's default graph holds exactly the triples of its passports' named
    graphs (blank nodes are the store's own, so triples compare as they are). The named graphs
    are read one by one, all but the profile graph: that graph holds ~60 % of a store's quads,
    which a walk of the whole store would read only to leave out."""
    profile = pyoxigraph.NamedNode(PROFILE_GRAPH)
    named = {
        (q.subject, q.predicate, q.object)
        for graph in store.named_graphs()
        if graph != profile
        for q in store.quads_for_pattern(None, None, None, graph)
    }
    default = {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
    }
    return bool(named) and named == default


def outside_the_profile_graph(store: pyoxigraph.Store) -> Iterator[pyoxigraph.Quad]:
    """Every quad of ``store`` but the profile graph's (~60 % of a store's quads, which a walk of
    the whole store would read only to leave out): the default graph's, then each named graph's."""
    profile = pyoxigraph.NamedNode(PROFILE_GRAPH)
    yield from store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())
    for graph in store.named_graphs():
        if graph != profile:
            yield from store.quads_for_pattern(None, None, None, graph)


def predicates(index: GraphIndex, tier: Tier) -> set[str]:
    return {q.predicate.value for q in index.store(tier).quads_for_pattern(None, None, None)}


async def test_every_passport_has_one_graph_per_tier_in_its_tier_store(store: Store, tmp_path: Path) -> None:
    passports = await put_examples(store)
    index = GraphIndex.open(new_index(tmp_path / "index"))
    follower = IndexFollower(store, index)
    try:
        applied = await follower.catch_up()
        assert applied == len(passports)
        assert index.last_seq == applied
        for tier in Tier:
            views = {view_graph_name(p.iri, tier) for p in passports.values()}
            assert graphs(index, tier) == views | {PROFILE_GRAPH}
        li_only, _ = tier_only(Tier.LEGITIMATE_INTEREST)
        assert li_only
        assert li_only <= predicates(index, Tier.LEGITIMATE_INTEREST)
        assert not li_only & predicates(index, Tier.PUBLIC)
    finally:
        await follower.stop()
        index.close()


async def test_a_new_version_replaces_the_graph_and_a_delete_removes_it(store: Store, tmp_path: Path) -> None:
    await put_examples(store)
    index = GraphIndex.open(new_index(tmp_path / "index"), history=True)
    follower = IndexFollower(store, index)
    try:
        await follower.catch_up()
        public = index.store(Tier.PUBLIC)
        graph = pyoxigraph.NamedNode(view_graph_name(EV_IRI, Tier.PUBLIC))
        before = len(list(public.quads_for_pattern(None, None, None, graph)))
        await store.put(EV, examples()[EV].views)  # version 2, same content
        await follower.catch_up()
        assert len(list(public.quads_for_pattern(None, None, None, graph))) == before
        assert default_is_union(public)
        assert history_graph_name(EV_IRI, Tier.PUBLIC, 2) in graphs(index, Tier.PUBLIC, history=True)

        await store.delete(EV)
        await follower.catch_up()
        for tier in Tier:
            assert view_graph_name(EV_IRI, tier) not in graphs(index, tier)
            assert not any(g.startswith(EV_IRI + "#") for g in graphs(index, tier, history=True))
        assert index.passport_count() == len(examples()) - 1
        assert all(default_is_union(index.store(tier)) for tier in Tier)
        assert not any(True for _ in public.quads_for_pattern(pyoxigraph.NamedNode(EV_IRI), None, None))
    finally:
        await follower.stop()
        index.close()


def default_terms(store: pyoxigraph.Store) -> tuple[set[str], set[str]]:
    """Predicates and literal values of the store's default graph (the tier's union graph)."""
    quads = list(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    return (
        {q.predicate.value for q in quads},
        {q.object.value for q in quads if isinstance(q.object, pyoxigraph.Literal)},
    )


def stricter_terms_in_union(index: GraphIndex) -> dict[Tier, set[str]]:
    """For each tier store: the predicates and literals of a stricter tier's view that its
    default graph holds (none, if the tier guarantee holds)."""
    found: dict[Tier, set[str]] = {tier: set() for tier in Tier}
    for tier in Tier:
        predicates, literals = default_terms(index.store(tier))
        for stricter in (t for t in Tier if t > tier):
            only_predicates, only_literals = tier_only(stricter)
            assert only_predicates or only_literals  # else the check would prove nothing
            found[tier].update(predicates & only_predicates, literals & only_literals)
    return found


async def test_a_tier_s_union_graph_never_holds_a_stricter_tier_s_triple(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The default graph a tier's queries read is kept in step with its passports' graphs on
    a write, a delete (a tombstone version) and a write after it, and never holds a data point
    of a stricter tier."""
    await put_examples(sqlite_store)
    index = GraphIndex.open(new_index(tmp_path / "index"))
    follower = IndexFollower(sqlite_store, index)
    subject = pyoxigraph.NamedNode(EV_IRI)
    public = index.store(Tier.PUBLIC)

    def names() -> set[str]:
        name = pyoxigraph.NamedNode(_NAME)
        found = public.quads_for_pattern(subject, name, None, pyoxigraph.DefaultGraph())
        return {q.object.value for q in found if isinstance(q.object, pyoxigraph.Literal)}

    def checked() -> None:
        assert all(default_is_union(index.store(tier)) for tier in Tier)
        assert stricter_terms_in_union(index) == {tier: set() for tier in Tier}

    try:
        await follower.catch_up()
        checked()
        li_union = default_terms(index.store(Tier.LEGITIMATE_INTEREST))
        assert tier_only(Tier.LEGITIMATE_INTEREST)[0] <= li_union[0]  # seen by the tier itself
        old = names()
        assert len(old) == 1

        renamed = {tier: _with_name(view, "renamed battery") for tier, view in examples()[EV].views.items()}
        await sqlite_store.put(EV, renamed)
        await follower.catch_up()
        checked()
        assert names() == {"renamed battery"}

        await sqlite_store.delete(EV)
        await follower.catch_up()
        assert (await sqlite_store.get(EV)) is not None  # a tombstone, not a missing record
        checked()
        assert not any(True for _ in public.quads_for_pattern(subject, None, None, pyoxigraph.DefaultGraph()))

        await sqlite_store.put(EV, examples()[EV].views)
        await follower.catch_up()
        checked()
        assert names() == old
    finally:
        await follower.stop()
        index.close()


async def test_a_reopened_index_resumes_after_its_last_sequence(sqlite_store: Store, tmp_path: Path) -> None:
    passports = examples()
    keys = sorted(passports)
    for key in keys[:5]:
        await sqlite_store.put(key, passports[key].views)
    index = GraphIndex.open(new_index(tmp_path / "index"))
    follower = IndexFollower(sqlite_store, index)
    assert await follower.catch_up() == 5
    await follower.stop()
    index.close()

    for key in keys[5:]:
        await sqlite_store.put(key, passports[key].views)
    index = GraphIndex.open(new_index(tmp_path / "index"))
    follower = IndexFollower(sqlite_store, index)
    try:
        assert follower.applied_seq == 5
        assert await follower.catch_up() == len(keys) - 5
        views = {view_graph_name(p.iri, Tier.PUBLIC) for p in passports.values()}
        assert graphs(index, Tier.PUBLIC) == views | {PROFILE_GRAPH}
    finally:
        await follower.stop()
        index.close()


def test_index_rebuild_command_replays_the_feed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/passports.sqlite3"

    async def write() -> dict[str, PreparedPassport]:
        store = await open_store(url)
        try:
            passports = await put_examples(store)
            await store.delete(EV)
            return passports
        finally:
            await store.aclose()

    passports = asyncio.run(write())
    directory = tmp_path / "index"
    assert main(["index", "rebuild", "--store", url, "--dir", str(directory)]) == 0
    index = GraphIndex.open(directory)
    try:
        assert index.passport_count() == len(passports) - 1
        assert index.last_seq == len(passports) + 1
        assert view_graph_name(EV_IRI, Tier.PUBLIC) not in graphs(index, Tier.PUBLIC)
    finally:
        index.close()


def test_a_second_opener_of_an_index_directory_is_told_why_it_cannot(tmp_path: Path) -> None:
    first = GraphIndex.open(tmp_path / "index")
    try:
        with pytest.raises(OSError, match="open in another process"):
            GraphIndex.open(tmp_path / "index")
    finally:
        first.close()


def test_a_triple_two_views_share_stays_in_the_default_graph_until_both_go(tmp_path: Path) -> None:
    index = GraphIndex.open(new_index(tmp_path / "index"))
    try:
        shared = ("https://example.org/maker", "https://schema.org/name", "Maker")
        views = {
            f"88.100.1/X-{n}": {
                tier: orjson.dumps(
                    {
                        "@context": {"@vocab": "https://schema.org/"},
                        "@id": f"https://hdl.handle.net/88.100.1/X-{n}",
                        "name": f"battery {n}",
                        "manufacturer": {"@id": shared[0], "name": shared[2]},
                    }
                )
                for tier in Tier
            }
            for n in (1, 2)
        }
        index.apply({key: Record(key, 1, 0.0, views=v) for key, v in views.items()})
        public = index.store(Tier.PUBLIC)
        maker, name = pyoxigraph.NamedNode(shared[0]), pyoxigraph.NamedNode(shared[1])

        def in_default() -> bool:
            literal = pyoxigraph.Literal(shared[2])
            found = public.quads_for_pattern(maker, name, literal, pyoxigraph.DefaultGraph())
            return any(True for _ in found)

        index.apply({"88.100.1/X-1": None})
        assert in_default() and default_is_union(public)
        index.apply({"88.100.1/X-2": None})
        assert not in_default()
        assert not any(True for _ in public.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    finally:
        index.close()


def test_a_new_version_changes_only_the_triples_that_differ(tmp_path: Path) -> None:
    passport = examples()[EV]
    renamed = {tier: _with_name(view, "renamed battery") for tier, view in passport.views.items()}
    index = GraphIndex.open(new_index(tmp_path / "index"))
    try:
        index.apply({EV: Record(EV, 1, 0.0, views=passport.views)})
        public = index.store(Tier.PUBLIC)
        graph = pyoxigraph.NamedNode(view_graph_name(EV_IRI, Tier.PUBLIC))
        before = set(public.quads_for_pattern(None, None, None, graph))
        assert any(isinstance(q.subject, pyoxigraph.BlankNode) for q in before)

        index.apply({EV: Record(EV, 2, 0.0, views=renamed)})
        after = set(public.quads_for_pattern(None, None, None, graph))
        assert [q.object for q in after - before] == [pyoxigraph.Literal("renamed battery")]
        assert [q.predicate.value for q in before - after] == ["https://ref.gs1.org/voc/productName"]
        assert all(default_is_union(index.store(tier)) for tier in Tier)

        index.apply({EV: Record(EV, 3, 0.0, views=passport.views)})  # and back
        assert set(public.quads_for_pattern(None, None, None, graph)) == before
        assert all(default_is_union(index.store(tier)) for tier in Tier)
    finally:
        index.close()


def _with_name(view: bytes, name: str) -> bytes:
    doc = orjson.loads(view)
    doc["productName"] = name
    return orjson.dumps(doc)


async def test_a_woken_follower_applies_a_write_without_waiting_for_its_poll(
    sqlite_store: Store, tmp_path: Path
) -> None:
    index = GraphIndex.open(new_index(tmp_path / "index"))
    follower = IndexFollower(sqlite_store, index, poll_interval=3600)  # no poll within the test
    keys = sorted(examples())[:2]
    follower.start()
    try:
        # Its pass at start may find the first write; only a wake can bring the second.
        for n, key in enumerate(keys, start=1):
            await sqlite_store.put(key, examples()[key].views)
            follower.wake()
            async with asyncio.timeout(10):
                await follower.reached(n)
        assert index.passport_count() == len(keys)
    finally:
        await follower.stop()
        index.close()


@pytest.mark.parametrize("bulk", [False, True])
def test_a_view_with_a_graph_object_is_indexed_pointing_at_the_graph(tmp_path: Path, *, bulk: bool) -> None:
    """A ``@container: @graph`` value (a signed view's proof): the view is indexed, its
    property pointing at a node of its own; what the inner graph holds is left out."""
    key, iri = "88.100.1/SIGNED-1", "https://hdl.handle.net/88.100.1/SIGNED-1"
    context = {
        "@vocab": "https://schema.org/",
        "proof": {"@id": "https://w3id.org/security#proof", "@container": "@graph"},
    }
    view = orjson.dumps(
        {"@context": context, "@id": iri, "name": "signed", "proof": {"@type": "Proof", "created": "2026"}}
    )
    index = GraphIndex.open(new_index(tmp_path / "index"))
    try:
        assert index.apply({key: Record(key, 1, 0.0, views=dict.fromkeys(Tier, view))}, bulk=bulk) == {}
        public = index.store(Tier.PUBLIC)
        graph = pyoxigraph.NamedNode(view_graph_name(iri, Tier.PUBLIC))
        held = {
            (q.predicate.value, type(q.object)) for q in public.quads_for_pattern(None, None, None, graph)
        }
        assert held == {
            ("https://schema.org/name", pyoxigraph.Literal),
            ("https://w3id.org/security#proof", pyoxigraph.BlankNode),
        }
        assert default_is_union(public)
        index.apply({key: Record(key, 2, 0.0, views=dict.fromkeys(Tier, view))})  # unchanged: same quads
        assert {
            (q.predicate.value, type(q.object)) for q in public.quads_for_pattern(None, None, None, graph)
        } == held
    finally:
        index.close()


def test_rows_bulk_loaded_from_view_lines_are_what_apply_writes(tmp_path: Path) -> None:
    """``view_lines`` and ``load_nquads`` (the benchmark's fast build) give the stores the very
    quads ``apply`` writes, blank node labels included, so later writes diff against them."""
    passports = examples()
    applied, loaded = (
        GraphIndex.open(new_index(tmp_path / "applied")),
        GraphIndex.open(new_index(tmp_path / "loaded")),
    )
    try:
        applied.apply({key: Record(key, 1, 0.0, views=p.views) for key, p in passports.items()})
        rows: dict[Tier, list[bytes]] = {tier: [] for tier in Tier}
        found = []
        for key, passport in passports.items():
            iri, lines = view_lines(passport.views)
            found.append((key, iri, 1))
            for tier, got in lines.items():
                rows[tier].extend(got)
        loaded.load_nquads(
            {t: io.BytesIO(b"\n".join(r) + b"\n") for t, r in rows.items()}, found, [len(found)]
        )
        for tier in Tier:
            mine, theirs = (set(outside_the_profile_graph(i.store(tier))) for i in (applied, loaded))
            assert mine == theirs and mine
        assert loaded.passport_count() == len(passports) and loaded.positions(1) == [len(found)]
    finally:
        applied.close()
        loaded.close()


def test_a_view_whose_bytes_did_not_change_is_not_read_again(tmp_path: Path) -> None:
    """The ledger keeps a digest of each view applied: an unchanged view is left as it is (a
    triple taken out of its graph behind the index's back shows that it was not rewritten)."""
    passport = examples()[EV]
    index = GraphIndex.open(new_index(tmp_path / "index"))
    try:
        index.apply({EV: Record(EV, 1, 0.0, views=passport.views)})
        public = index.store(Tier.PUBLIC)
        graph = pyoxigraph.NamedNode(view_graph_name(EV_IRI, Tier.PUBLIC))
        taken = next(iter(public.quads_for_pattern(None, None, None, graph)))
        public.remove(taken)
        views = dict(passport.views)
        views[Tier.AUTHORITY] = _with_name(views[Tier.AUTHORITY], "renamed battery")
        index.apply({EV: Record(EV, 2, 0.0, views=views)})
        assert taken not in public  # the public view was not read nor diffed again
        authority = index.store(Tier.AUTHORITY)
        name = pyoxigraph.NamedNode("https://ref.gs1.org/voc/productName")
        assert {str(q.object) for q in authority.quads_for_pattern(None, name, None, None)} == {
            '"renamed battery"'
        }

        del views[Tier.LEGITIMATE_INTEREST]  # a view that went: every view is read again
        index.apply({EV: Record(EV, 3, 0.0, views=views)})
        assert taken in public
        li = pyoxigraph.NamedNode(view_graph_name(EV_IRI, Tier.LEGITIMATE_INTEREST))
        assert (
            next(iter(index.store(Tier.LEGITIMATE_INTEREST).quads_for_pattern(None, None, None, li)), None)
            is None
        )
        assert default_is_union(public) and default_is_union(authority)
        default = pyoxigraph.DefaultGraph()
        assert (
            next(
                iter(index.store(Tier.LEGITIMATE_INTEREST).quads_for_pattern(None, None, None, default)), None
            )
            is None
        )
    finally:
        index.close()
