"""Each tier view of a passport is signed on its own: a redacted view verifies without the
others, a proof moved onto another view fails, and the log entry names each view's graph."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from resolver import jsonld, views
from resolver.integrity import canon, proofs
from resolver.integrity.errors import ProofError
from resolver.integrity.keyring import Keyring
from resolver.integrity.signer import ViewSigner, keyring_resolver
from resolver.jsontypes import JSONObject
from resolver.tiers import Tier
from resolver.translog.entry import LogEntry

PASSPORT = Path(__file__).parents[2] / "examples" / "valid" / "ev-nmc811.jsonld"
BASE = "https://node.example"


def _views() -> dict[Tier, JSONObject]:
    expanded = jsonld.expand(json.loads(PASSPORT.read_text()))
    return {tier: views.view(expanded, tier) for tier in Tier}


def test_each_view_verifies_on_its_own_and_the_log_names_it(tmp_path: Path) -> None:
    ring = Keyring.open(tmp_path)
    signer = ViewSigner(ring, base_url=BASE)
    unsigned = _views()
    nquads = {tier: canon.canonical_nquads(canon.document_quads(doc)) for tier, doc in unsigned.items()}
    assert len(set(nquads.values())) == 3  # the tiers do differ
    signed = {tier: signer.sign(doc, nquads=nquads[tier]) for tier, doc in unsigned.items()}
    entry = LogEntry.of_views(
        "88.100.1/NMC", 1, "2026-11-30T12:00:00Z", {t.name.lower(): n for t, n in nquads.items()}
    )
    for tier, document in signed.items():
        assert proofs.verify(document, resolve_key=keyring_resolver(ring, BASE))
        held = proofs.unsecured_nquads(document)
        assert entry.names(tier.name.lower(), held)
        assert hashlib.sha256(held).hexdigest() == entry.views[tier.name.lower()]


def test_proof_of_the_authority_view_does_not_cover_the_public_view(tmp_path: Path) -> None:
    ring = Keyring.open(tmp_path)
    signer = ViewSigner(ring, base_url=BASE)
    unsigned = _views()
    authority = signer.sign(unsigned[Tier.AUTHORITY])
    public = proofs.with_proof_context(unsigned[Tier.PUBLIC])
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify({**public, "proof": authority["proof"]}, resolve_key=keyring_resolver(ring, BASE))


async def test_seal_version_signs_every_view_and_logs_their_graphs(tmp_path: Path) -> None:
    import orjson

    from resolver.translog.log import TransparencyLog
    from resolver.translog.seal import seal_version
    from resolver.translog.sqlite import SQLiteLog

    ring = Keyring.open(tmp_path / "keys")
    signer = ViewSigner(ring, base_url=BASE)
    unsigned = {tier: orjson.dumps(doc) for tier, doc in _views().items()}
    sealed = seal_version(
        signer, identifier="88.100.1/NMC", version=2, time="2026-11-30T12:00:00Z", views=unsigned
    )
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    try:
        log = await TransparencyLog(backend, signer=signer.sign_bytes).open()
        index = await log.append(sealed.entry)
        proof = await log.inclusion("88.100.1/NMC", 2)
    finally:
        await backend.aclose()
    assert proof.leaf_index == index == 0
    logged = LogEntry.from_leaf_bytes(proof.leaf)
    for tier, body in sealed.views.items():
        document = orjson.loads(body)
        assert proofs.verify(document, resolve_key=keyring_resolver(ring, BASE))
        assert logged.names(tier.label, proofs.unsecured_nquads(document))


def test_turtle_answer_verifies_with_its_passport_proof_header(tmp_path: Path) -> None:
    import orjson
    import pyoxigraph

    ring = Keyring.open(tmp_path)
    signed = ViewSigner(ring, base_url=BASE).sign(_views()[Tier.PUBLIC])
    header = proofs.proof_header(signed)
    rendered = pyoxigraph.serialize(
        canon.document_quads(proofs.unsecured(signed)), format=pyoxigraph.RdfFormat.N_QUADS
    )  # what a Turtle or N-Triples answer carries: the graph, no proof
    as_json_ld = pyoxigraph.serialize(
        pyoxigraph.parse(rendered, format=pyoxigraph.RdfFormat.N_QUADS), format=pyoxigraph.RdfFormat.JSON_LD
    )
    assert as_json_ld is not None
    graph = orjson.loads(as_json_ld)
    rebuilt = proofs.with_proof_header({"@graph": graph}, header)
    assert proofs.verify(rebuilt, resolve_key=keyring_resolver(ring, BASE))
    graph[0][next(k for k in graph[0] if k.startswith("http"))] = [{"@value": "forged"}]
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify(
            proofs.with_proof_header({"@graph": graph}, header), resolve_key=keyring_resolver(ring, BASE)
        )
