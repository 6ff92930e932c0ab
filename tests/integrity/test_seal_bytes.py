"""The write path's signed views (the proof spliced into each view's bytes, resolver.integrity.
proofs.secure_json) are byte for byte what reading each view, securing it and writing it again
gives (the way main signed them), and the log entry is the same: stored bytes, ETags and the log
are unchanged by the splice."""

from __future__ import annotations

import functools
from pathlib import Path

import orjson
import pytest

from resolver.integrity import proofs
from resolver.integrity.keyring import Keyring, utc_now
from resolver.integrity.signer import ViewSigner, keyring_resolver
from resolver.jsontypes import JSONObject
from resolver.translog.seal import seal_version
from resolver.validation.report import PreparedPassport
from tests.support.validators import shared_validator
from tools.examples import generate

EXAMPLES = Path(__file__).parents[2] / "examples"
BASE = "https://node.example"


def _signer(tmp_path: Path) -> tuple[Keyring, ViewSigner]:
    ring = Keyring.open(tmp_path / "keys")
    when = utc_now()  # one time for every signature: the two ways must sign the same
    return ring, ViewSigner(ring, base_url=BASE, clock=lambda: when)


async def _prepared() -> list[PreparedPassport]:
    validator = await shared_validator(1)
    eu = [path.read_bytes() for path in sorted((EXAMPLES / "valid").glob("*.jsonld"))]
    eu += [orjson.dumps(doc) for doc in generate(300, seed=8, prefix="88.100.1")]
    cn = [path.read_bytes() for path in sorted((EXAMPLES / "cn-battery").glob("*.jsonld"))]
    found = await validator.prepare_batch(eu) + await validator.prepare_batch(cn, profile="cn-battery")
    prepared = [p for p in found if isinstance(p, PreparedPassport) and p.views]
    assert len(prepared) == len(found) >= 300 + 14
    return prepared


async def test_spliced_views_and_entry_are_main_s(tmp_path: Path) -> None:
    ring, signer = _signer(tmp_path)
    for number, prepared in enumerate(await _prepared(), start=1):
        seal = functools.partial(
            seal_version, signer, identifier=prepared.iri, version=number, time="2026-12-01T15:00:00Z"
        )
        spliced = seal(views=prepared.views, nquads=prepared.nquads)
        documents = {tier: orjson.loads(view) for tier, view in prepared.views.items()}
        read = seal(views=documents, nquads=prepared.nquads)  # main's way: each view read and written
        assert spliced.views == read.views
        assert spliced.entry.leaf_bytes() == read.entry.leaf_bytes()
        digest = bytes.fromhex(spliced.entry.views["public"])
        for view in prepared.views.values():  # the splice is taken, not the fallback
            made = proofs.secure_json(
                view, key=ring.active_key, verification_method="urn:m", created="2026", document_hash=digest
            )
            assert made is not None
        if number % 50 == 1:
            for body in spliced.views.values():
                assert proofs.verify(orjson.loads(body), resolve_key=keyring_resolver(ring, BASE))


def _secured(tmp_path: Path, document: JSONObject) -> tuple[bytes | None, bytes]:
    ring, signer = _signer(tmp_path)
    nquads = proofs.unsecured_nquads(document)
    view = orjson.dumps(document)
    (signed,) = signer.sign_json([(view, nquads, proofs.hash_data(b"", nquads)[32:])])
    created = orjson.loads(signed)["proof"]["created"]
    digest = proofs.hash_data(b"", nquads)[32:]
    spliced = proofs.secure_json(
        view,
        key=ring.active_key,
        verification_method=signer.verification_method,
        created=created,
        document_hash=digest,
    )
    assert signed == orjson.dumps(signer.sign_all([(document, nquads)])[0])
    return spliced, signed


CONTEXT = "https://w3id.org/battery-passport/eu-battery/v1"
ID = "https://hdl.handle.net/88.100.1/X"


@pytest.mark.parametrize(
    ("document", "spliced"),
    [
        ({"@context": CONTEXT}, True),
        ({"@context": CONTEXT, "id": ID, "type": "BatteryPassport", "note": 'Zürich \u2028 "q" \\ é'}, True),
        ({"id": ID, "@context": CONTEXT, "type": "BatteryPassport"}, False),  # context not first
        ({"@context": [CONTEXT], "id": ID}, False),  # a list
        ({"@context": proofs.DATA_INTEGRITY_V2, "id": ID}, False),  # defines the proof terms already
        ({"@context": CONTEXT, "id": ID, "operator": {"name": "proofs"}}, True),
        ({"@context": CONTEXT, "id": ID, "operator": {"name": '"proof"'}}, True),
        ({"@context": CONTEXT, "id": ID, "operator": {"name": "proof"}}, False),  # might be a key
    ],
)
def test_secure_json_is_secure_or_declines(tmp_path: Path, document: JSONObject, spliced: bool) -> None:
    made, signed = _secured(tmp_path, document)
    assert (made is not None) is spliced
    if made is not None:
        assert made == signed
