"""`passport-node import` into a store keeps operator proofs as a PUT does (issue 11): a proof
that verifies against the validated graph is stored beside the node's own, one that does not is
refused for that file (the reason in the summary) with nothing written.

The operator's key is the W3C vc-di-eddsa test vectors' key pair, used as a did:key.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import orjson
import pytest

from resolver.config import default_config
from resolver.identifiers import parse_identifier
from resolver.integrity import proofs
from resolver.integrity.keyring import Keyring
from resolver.integrity.signer import any_of, did_key_resolver, keyring_resolver
from resolver.jsontypes import JSONObject
from resolver.parts.integrity import keys_directory, node_base_url
from resolver.stores import open_store
from resolver.stores.base import Record
from resolver.tiers import Tier
from tests.integrity.test_operator import PASSPORT, signed_passport, vector_key
from tests.support.cli import passport_node

TAMPERED_SOURCE = PASSPORT.parent / "lmt-ebike.jsonld"


def _import(store: str, *files: Path) -> int:
    args = ["import", *map(str, files), "--store", store, "--workers", "1", "--json", "--no-progress"]
    return passport_node(args)


def _summary(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    summary: dict[str, object] = json.loads(capsys.readouterr().out)
    return summary


def _key(document: JSONObject) -> str:
    return parse_identifier(str(document["id"])).key


async def _records(store_url: str, *keys: str) -> list[Record | None]:
    store = await open_store(store_url)
    try:
        return [await store.get(key) for key in keys]
    finally:
        await store.aclose()


def test_import_keeps_a_good_operator_proof_and_refuses_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = vector_key()
    good = signed_passport(key)
    tampered = signed_passport(key, TAMPERED_SOURCE.read_text())
    tampered["manufacturingDate"] = "2026-05-02"  # after signing: the proof no longer matches
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.jsonld").write_bytes(orjson.dumps(good))
    (tmp_path / "in" / "tampered.jsonld").write_bytes(orjson.dumps(tampered))
    store = f"sqlite:///{tmp_path}/passports.sqlite3"

    assert _import(store, tmp_path / "in") == 1  # one file refused
    summary = _summary(capsys)
    assert (summary["created"], summary["rejected"]) == (1, 1)
    assert "unmapped" not in summary  # the proof is kept, not listed as dropped
    rejections = summary["rejections"]
    assert isinstance(rejections, list)
    (rejection,) = rejections
    assert rejection["source"].endswith("tampered.jsonld")
    assert rejection["handle"] == _key(tampered)
    assert "does not verify against the passport's canonical graph" in rejection["reason"]

    stored, refused = asyncio.run(_records(store, _key(good), _key(tampered)))
    assert refused is None  # nothing half-written
    assert stored is not None and stored.version == 1
    authority = orjson.loads(stored.views[Tier.AUTHORITY])
    config = default_config(store=store)
    base_url = node_base_url(config)
    node_keys = keyring_resolver(Keyring.open(keys_directory(config)), base_url)
    verified = proofs.verify(authority, resolve_key=any_of(did_key_resolver, node_keys))
    methods = [v.verification_method for v in verified]
    assert methods[0] == good["proof"]["verificationMethod"]  # type: ignore[index, call-overload]
    assert methods[1].startswith(f"{base_url}/keys/")
    public = orjson.loads(stored.views[Tier.PUBLIC])
    assert isinstance(public["proof"], dict)  # a redaction: the node's proof only

    # Again, and the node's own export of it (its proof beside the operator's): nothing new.
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "good.jsonld").write_bytes(orjson.dumps(good))
    (tmp_path / "again" / "export.jsonld").write_bytes(stored.views[Tier.AUTHORITY])
    assert _import(store, tmp_path / "again") == 0
    summary = _summary(capsys)
    assert (summary["unchanged"], summary["rejected"]) == (2, 0)


def test_import_stores_a_new_version_for_an_operator_proof_the_current_one_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path}/passports.sqlite3"
    assert _import(store, PASSPORT) == 0
    capsys.readouterr()
    signed = tmp_path / "signed.jsonld"
    document = signed_passport(vector_key())
    signed.write_bytes(orjson.dumps(document))

    assert _import(store, signed) == 0
    assert _summary(capsys)["replaced"] == 1
    (record,) = asyncio.run(_records(store, _key(document)))
    assert record is not None and record.version == 2
    carried = orjson.loads(record.views[Tier.AUTHORITY])["proof"]
    assert carried[0] == document["proof"]
