"""The node's keyring: made at first start (0600), reopened, rotated; keys served as Multikey."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from resolver.http.keys import key_routes, route_defs
from resolver.integrity import proofs
from resolver.integrity.errors import ProofError, UnusableKey
from resolver.integrity.keyring import Keyring
from resolver.integrity.multikey import public_key_multibase
from resolver.integrity.signer import ViewSigner, keyring_resolver

BASE = "https://node.example"
DOC: dict[str, Any] = {
    "@context": "https://www.w3.org/ns/credentials/v2",
    "id": "urn:example:doc",
    "type": ["VerifiableCredential"],
    "issuer": "https://node.example",
}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_first_start_makes_a_key_readable_only_by_the_owner(tmp_path: Path) -> None:
    ring = Keyring.open(tmp_path / "keys", clock=Clock())
    files = list((tmp_path / "keys").glob("*.key"))
    assert [f.name for f in files] == [f"{ring.active.name}.key"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    again = Keyring.open(tmp_path / "keys")
    assert public_key_multibase(again.active_key.public_key()) == ring.active.public_key_multibase


def test_rotation_retires_the_old_key_and_old_proofs_still_verify(tmp_path: Path) -> None:
    clock = Clock()
    ring = Keyring.open(tmp_path, clock=clock)
    signer = ViewSigner(ring, base_url=BASE, clock=clock)
    clock.now += timedelta(minutes=1)
    old_proof = signer.sign(DOC)
    old_name = ring.active.name
    clock.now += timedelta(days=1)
    new = ring.rotate(clock=clock)
    reopened = Keyring.open(tmp_path)
    assert [e.name for e in reopened.entries] == [old_name, new.name]
    assert reopened.entries[0].retired == clock.now
    assert not (tmp_path / f"{old_name}.key").exists()
    resolve = keyring_resolver(reopened, BASE)
    assert proofs.verify(old_proof, resolve_key=resolve)[0].verification_method == f"{BASE}/keys/{old_name}"
    clock.now += timedelta(minutes=1)
    assert proofs.verify(signer.sign(DOC), resolve_key=resolve)[0].verification_method.endswith(new.name)


def test_proof_by_a_retired_key_made_after_its_retirement_fails(tmp_path: Path) -> None:
    clock = Clock()
    ring = Keyring.open(tmp_path, clock=clock)
    retired_key, method = ring.active_key, f"{BASE}/keys/{ring.active.name}"
    clock.now += timedelta(days=1)
    ring.rotate(clock=clock)
    late = proofs.secure(DOC, key=retired_key, verification_method=method, created="2026-12-02T00:00:00Z")
    with pytest.raises(ProofError, match="outside the validity period"):
        proofs.verify(late, resolve_key=keyring_resolver(ring, BASE))


def test_key_from_a_configured_file_cannot_be_rotated(tmp_path: Path) -> None:
    made = Keyring.open(tmp_path / "made")
    ring = Keyring.from_key_file(tmp_path / "made" / f"{made.active.name}.key", valid_from=Clock()())
    assert ring.active.public_key_multibase == made.active.public_key_multibase
    with pytest.raises(UnusableKey, match="configured file"):
        ring.rotate()


def test_keyring_with_a_foreign_active_key_is_refused(tmp_path: Path) -> None:
    ring = Keyring.open(tmp_path / "a")
    other = Keyring.open(tmp_path / "b")
    (tmp_path / "a" / f"{ring.active.name}.key").write_bytes(
        (tmp_path / "b" / f"{other.active.name}.key").read_bytes()
    )
    with pytest.raises(UnusableKey, match="does not match"):
        Keyring.open(tmp_path / "a")


async def test_keys_are_served_as_multikey_documents_retired_ones_included(tmp_path: Path) -> None:
    clock = Clock()
    ring = Keyring.open(tmp_path, clock=clock)
    first = ring.active.name
    clock.now += timedelta(hours=1)
    ring.rotate(clock=clock)
    app = web.Application()
    app.router.add_routes(route_defs(key_routes(ring, base_url=BASE)))
    async with TestClient(TestServer(app)) as client:
        listing = await (await client.get("/keys")).json(content_type=None)
        assert [k["id"] for k in listing["keys"]] == [f"{BASE}/keys/{e.name}" for e in ring.entries]
        response = await client.get(f"/keys/{first}")
        document = await response.json(content_type=None)
        assert response.headers["Content-Type"].startswith("application/ld+json")
        assert document["type"] == "Multikey"
        assert document["publicKeyMultibase"].startswith("z6Mk")
        assert document["revoked"] == "2026-11-30T13:00:00Z"
        missing = await client.get("/keys/nope")
        assert missing.status == 404
        assert missing.headers["Content-Type"].startswith("application/problem+json")


def test_operator_proof_checked_on_write_then_the_node_adds_its_own(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from resolver.integrity.multikey import did_key_verification_method
    from resolver.integrity.signer import any_of, did_key_resolver

    operator = Ed25519PrivateKey.generate()
    method = did_key_verification_method(operator.public_key())
    body = proofs.secure(DOC, key=operator, verification_method=method, created="2026-11-30T11:00:00Z")
    ring = Keyring.open(tmp_path, clock=Clock())
    on_write = any_of(did_key_resolver, keyring_resolver(ring, BASE))
    assert proofs.verify(body, resolve_key=on_write)[0].verification_method == method
    stored = ViewSigner(ring, base_url=BASE, clock=Clock()).sign(body)
    assert [v.verification_method for v in proofs.verify(stored, resolve_key=on_write)] == [
        method,
        f"{BASE}/keys/{ring.active.name}",
    ]
    forged = {**body, "issuer": "https://evil.example"}
    with pytest.raises(ProofError) as caught:
        proofs.verify(forged, resolve_key=on_write)
    assert caught.value.status == 422
    with pytest.raises(ProofError, match="no known key"):
        proofs.verify(
            {**body, "proof": {**_object(body["proof"]), "verificationMethod": "https://x.example/k"}},
            resolve_key=on_write,
        )


def test_processes_sharing_the_directory_make_one_first_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: Keyring.open(tmp_path / "shared"), range(8)))
    assert len({ring.active.public_key_multibase for ring in rings}) == 1
    assert len(Keyring.open(tmp_path / "shared").entries) == 1


def test_rotation_by_another_process_takes_effect_at_the_next_signature(tmp_path: Path) -> None:
    serving = Keyring.open(tmp_path)
    signer = ViewSigner(serving, base_url=BASE)
    before = signer.verification_method
    rotated = Keyring.open(tmp_path).rotate()  # `passport-node keys rotate`, another process
    signed = signer.sign(DOC)
    assert signed["proof"]["verificationMethod"] == f"{BASE}/keys/{rotated.name}" != before
    assert proofs.verify(signed, resolve_key=keyring_resolver(serving, BASE))
    assert [e.name for e in serving.entries][-1] == rotated.name


def _object(value: object) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value
