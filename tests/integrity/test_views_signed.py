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
from resolver.tiers import Tier
from resolver.translog.entry import LogEntry

PASSPORT = Path(__file__).parents[2] / "examples" / "valid" / "ev-nmc811.jsonld"
BASE = "https://node.example"


def _views() -> dict[Tier, dict[str, object]]:
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
