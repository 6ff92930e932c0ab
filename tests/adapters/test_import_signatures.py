"""Signatures on import: the node's own exports (a signed JSON-LD view, a UNTP credential
enveloped as vc+jwt), imported again, are checked with its keyring, offline, retired keys within
their validity included, and so are those by a peer's pinned key; each is reported verified or
not checked with the reason, and one that does not verify is refused with its path."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.adapters import di_check, envelope
from resolver.commands.export import _export
from resolver.commands.import_proofs import NodeKeys, node_keys, node_proofs
from resolver.commands.importer import Item, Summary, _converted
from resolver.config import default_config
from resolver.config.federation import FederationConfig, PeerConfig
from resolver.errors import DocumentError
from resolver.integrity.keyring import Keyring, time_text
from resolver.integrity.multikey import did_key, public_key_multibase
from resolver.integrity.proofs import CREDENTIALS_V2, secure
from resolver.integrity.signer import key_url
from resolver.parts.integrity import keys_directory, node_base_url
from resolver.tiers import Tier
from tests.adapters.test_untp import CREDENTIAL
from tests.support.cli import passport_node

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"


def _import(store: str, fmt: str, *sources: Path) -> tuple[int, dict[str, Any]]:
    args = ["import", "--format", fmt, *map(str, sources), "--store", store, "--workers", "1"]
    code = passport_node([*args, "--json", "--no-progress"])
    return code, {}


def _summary(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    said: dict[str, Any] = json.loads(capsys.readouterr().out)
    return said


def _exported(store: str, fmt: str, tmp_path: Path) -> Path:
    """The authority view exported (what imports again whole), as ``export --tier authority``."""
    out = tmp_path / f"export-{fmt}"
    assert asyncio.run(_export(default_config(store=store), "", str(out), Tier.AUTHORITY, fmt)) == 1
    [written] = out.iterdir()
    return written


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path}/p.sqlite3"
    code, _ = _import(url, "jsonld", EXAMPLE)
    assert code == 0
    capsys.readouterr()
    return url


def _later() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=2)


def _active(store: str) -> tuple[Keyring, str]:
    config = default_config(store=store)
    ring = Keyring.open(keys_directory(config))
    return ring, key_url(node_base_url(config), ring.active.name)


def test_the_nodes_own_jsonld_export_is_verified_on_import(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported(store, "jsonld", tmp_path)
    _, kid = _active(store)
    code, _ = _import(store, "jsonld", exported)
    summary = _summary(capsys)
    assert code == 0 and summary["unchanged"] == 1
    [said] = summary["issuers"].values()
    name = kid.rsplit("/", 1)[1]
    assert said["proof"] == f"proof: eddsa-rdfc-2022 by {kid} (this node's key {name}): verified"
    # in the text summary too
    assert passport_node(["import", str(exported), "--store", store, "--workers", "1", "--no-progress"]) == 0
    assert f"signature of {exported}: proof: eddsa-rdfc-2022 by {kid}" in capsys.readouterr().out


def test_a_changed_export_is_refused_naming_the_proof(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported(store, "jsonld", tmp_path)
    doc = orjson.loads(exported.read_bytes())
    doc["productName"] = "another battery"
    exported.write_bytes(orjson.dumps(doc))
    code, _ = _import(store, "jsonld", exported)
    [rejection] = _summary(capsys)["rejections"]
    assert code == 1
    assert rejection["reason"].startswith("proof: the proof by http://127.0.0.1:8080/keys/key-")
    assert "does not verify: the proof by" in rejection["reason"]


def test_a_retired_key_verifies_what_it_signed_before_it_was_retired(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported(store, "jsonld", tmp_path)
    ring, old_kid = _active(store)
    old_key = ring.active_key
    ring.rotate(clock=_later)  # retired after the export's second (keys.json keeps seconds)
    code, _ = _import(store, "jsonld", exported)
    [said] = _summary(capsys)["issuers"].values()
    assert code == 0
    assert f"by {old_kid} (this node's key" in said["proof"] and ", retired at " in said["proof"]
    # signed by the old key after its retirement: refused
    doc = orjson.loads(exported.read_bytes())
    later = time_text(datetime.now(UTC) + timedelta(hours=1))
    doc.pop("proof")
    forged = secure(doc, key=old_key, verification_method=old_kid, created=later)
    exported.write_bytes(orjson.dumps(forged))
    code, _ = _import(store, "jsonld", exported)
    [rejection] = _summary(capsys)["rejections"]
    assert code == 1 and "outside the validity period of" in rejection["reason"]


def test_a_key_under_the_nodes_url_that_its_keyring_does_not_hold_is_not_checked(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = f"sqlite:///{tmp_path}/other.sqlite3"  # another store, served at the same URL
    exported = _exported(store, "jsonld", tmp_path)
    code, _ = _import(other, "jsonld", exported)
    summary = _summary(capsys)
    assert code == 0 and summary["created"] == 1
    [said] = summary["issuers"].values()
    assert said["proof"].endswith("not checked (under this node's URL, but its keyring holds no such key: "
                                  "a document of another store served at the same URL?)")  # fmt: skip


def test_the_nodes_own_untp_export_is_verified_and_a_forged_one_refused(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported(store, "untp", tmp_path)
    _, kid = _active(store)
    opened = envelope.open_envelope(orjson.loads(exported.read_bytes()))
    assert datetime.fromisoformat(str(opened.credential["validFrom"])) <= datetime.now(UTC)
    code, _ = _import(store, "untp", exported)
    summary = _summary(capsys)
    assert code == 0, summary
    [said] = summary["issuers"].values()
    assert said["envelope"] == f"vc+jwt (EdDSA) signed by {kid}: verified"
    head, _, signature = str(opened_id(exported)).split(".")
    changed: Any = copy.deepcopy(opened.credential)
    changed["credentialSubject"]["product"]["name"] = "another battery"
    forged = ".".join((head, envelope._b64(orjson.dumps(changed)), signature))
    exported.write_text(forged)
    code, _ = _import(store, "untp", exported)
    [rejection] = _summary(capsys)["rejections"]
    assert code == 1
    assert rejection["reason"] == f"id: the vc+jwt signature does not verify with the key of {kid}"


def opened_id(path: Path) -> str:
    return str(orjson.loads(path.read_bytes())["id"]).split(",", 1)[1]


def test_a_retired_keys_credential_counts_by_its_validfrom(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported(store, "untp", tmp_path)
    ring, old_kid = _active(store)
    old_key = ring.active_key
    ring.rotate(clock=_later)  # retired after the export's second (keys.json keeps seconds)
    code, _ = _import(store, "untp", exported)
    [said] = _summary(capsys)["issuers"].values()
    assert code == 0 and said["envelope"] == f"vc+jwt (EdDSA) signed by {old_kid}: verified"
    credential = envelope.open_envelope(orjson.loads(exported.read_bytes())).credential
    for when, why in (
        (time_text(datetime.now(UTC) + timedelta(hours=1)), "outside the validity period of"),
        (None, "says no time it was made (validFrom or iat)"),
    ):
        made = {k: v for k, v in credential.items() if k != "validFrom"}
        if when is not None:
            made["validFrom"] = when
        exported.write_bytes(orjson.dumps(envelope.envelop(made, kid=old_kid, sign=old_key.sign)))
        code, _ = _import(store, "untp", exported)
        [rejection] = _summary(capsys)["rejections"]
        assert code == 1 and why in rejection["reason"], rejection


def test_a_pinned_peer_key_is_checked(tmp_path: Path) -> None:
    peer_key = Ed25519PrivateKey.generate()
    url = "https://peer.example/keys/key-1"
    pinned = ((url, public_key_multibase(peer_key.public_key())),)
    peer = PeerConfig(id="peer", base_urls=("https://peer.example",), keys=pinned)
    config = dataclasses.replace(
        default_config(store=f"sqlite:///{tmp_path}/p.sqlite3"), federation=FederationConfig(peers=(peer,))
    )
    keys = node_keys(config)
    assert keys.known(url) is not None and keys.known("https://elsewhere.example/keys/k") is None
    doc = orjson.loads(EXAMPLE.read_bytes())
    signed = secure(doc, key=peer_key, verification_method=url, created="2026-11-30T10:00:00Z")
    body, said = node_proofs(orjson.dumps(signed), keys)
    assert said == (f"proof: eddsa-rdfc-2022 by {url} (a key pinned for peer): verified",)
    assert b'"proof"' not in body  # a node's proof is taken off: the node signs anew
    # into a node (own_methods None), the same check, and the proof taken off before the PUT
    summary = Summary()
    given = [Item("peer.json", orjson.dumps(signed))]
    [item] = _converted(given, "jsonld", summary, own_methods=None, keys=keys)
    assert b'"proof"' not in item.body and summary.issuers["peer.json"]["proof"] == said[0]
    signed["productName"] = "another battery"
    with pytest.raises(DocumentError, match=r"^proof: the proof by https://peer\.example/keys/key-1 \(a key"):
        node_proofs(orjson.dumps(signed), keys)


def test_an_operator_proof_is_left_to_the_write_path() -> None:
    key = Ed25519PrivateKey.generate()
    doc = secure(orjson.loads(EXAMPLE.read_bytes()), key=key, verification_method=did_key(key.public_key()),
                 created="2026-11-30T10:00:00Z")  # fmt: skip
    body = orjson.dumps(doc)
    assert node_proofs(body, NodeKeys("http://127.0.0.1:8080/keys/")) == (body, ())


def test_an_embedded_proof_in_a_untp_credential_is_not_checked_naming_the_context() -> None:
    from resolver.adapters import untp

    credential = copy.deepcopy(CREDENTIAL)
    key = Ed25519PrivateKey.generate()
    credential["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                           "verificationMethod": did_key(key.public_key()), "proofPurpose": "assertionMethod",
                           "proofValue": "z3FXQ"}  # fmt: skip
    read = untp.convert_with_notes(credential)
    assert read.issuer["proof"] == (
        f"proof: eddsa-rdfc-2022 by {did_key(key.public_key())}: not checked (the credential's context "
        "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/ is not held offline, so its graph cannot "
        "be canonicalised)"
    )
    assert any(field.startswith("proof.") for field in read.unmapped)


def test_an_embedded_proof_whose_contexts_are_held_is_checked() -> None:
    key = Ed25519PrivateKey.generate()
    method = did_key(key.public_key())
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "issuer": method.split("#")[0],
        "validFrom": "2026-11-30T10:00:00Z",
        "credentialSubject": {"id": "https://hdl.handle.net/88.100.1/BAT-EV-000001"},
    }
    signed = secure(credential, key=key, verification_method=method, created="2026-11-30T10:00:00Z")
    assert di_check.check(signed) == f"proof: eddsa-rdfc-2022 by {method}: verified"
    web = secure(credential, key=key, verification_method="did:web:maker.example#key-1",
                 created="2026-11-30T10:00:00Z")  # fmt: skip
    assert di_check.check(web) == (
        "proof: eddsa-rdfc-2022 by did:web:maker.example#key-1: not checked (its key is not resolved offline)"
    )
    signed["credentialSubject"] = {"id": "https://hdl.handle.net/88.100.1/OTHER"}
    with pytest.raises(DocumentError, match=r"^proof: the proof does not verify"):
        di_check.check(signed)
