"""Owners' keys an operator accepted: the peer-key file, and what the node makes of it."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from resolver.cli import main
from resolver.config import default_config
from resolver.errors import DocumentError
from resolver.integrity.multikey import public_key_multibase
from resolver.parts.pins import PeerKeyFile, fingerprint, offered_keys, peer_keys_path, with_pinned_keys

OLD, NEW = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
OLD_MB, NEW_MB = public_key_multibase(OLD.public_key()), public_key_multibase(NEW.public_key())


def test_fingerprint_is_the_sha256_of_the_raw_key() -> None:
    raw = OLD.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert fingerprint(OLD_MB) == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert fingerprint(OLD_MB) != fingerprint(NEW_MB)


def test_offered_keys_are_read_from_a_description_and_bad_ones_refused() -> None:
    doc = {
        "keys": [
            {
                "id": "https://o.example/keys/a",
                "publicKeyMultibase": OLD_MB,
                "revoked": "2026-01-01T00:00:00Z",
            }
        ]
    }
    (key,) = offered_keys(doc)
    assert (key.url, key.fingerprint, key.revoked, key.valid_from) == (
        "https://o.example/keys/a",
        fingerprint(OLD_MB),
        "2026-01-01T00:00:00Z",
        None,
    )
    for bad, why in [
        ({}, "lists no keys"),
        ({"keys": ["x"]}, "not a Multikey"),
        ({"keys": [{"id": "u"}]}, "no 'id' or 'publicKeyMultibase'"),
        ({"keys": [{"id": "u", "publicKeyMultibase": "zNotAKey"}]}, "not an Ed25519 Multikey"),
    ]:
        with pytest.raises(DocumentError, match=why):
            offered_keys(bad)


def test_the_file_pins_and_the_node_adds_the_keys_to_its_peers(tmp_path: Path) -> None:
    path = tmp_path / "pins.json"
    store = PeerKeyFile(path)
    assert store.load() == {}
    store.pin("owner", {"https://o.example/keys/a": OLD_MB})
    store.pin("owner", {"https://o.example/keys/b": NEW_MB})
    assert store.load() == {"owner": {"https://o.example/keys/a": OLD_MB, "https://o.example/keys/b": NEW_MB}}
    configured = {"https://o.example/keys/a": NEW_MB}  # the configuration wins for a URL it names
    peers = [
        {
            "id": "owner",
            "base_urls": ["http://127.0.0.1:1"],
            "prefixes": ["88.100.1"],
            "insecure": True,
            "keys": configured,
        },
        {
            "id": "relay",
            "base_urls": ["http://127.0.0.1:2"],
            "prefixes": ["88.100.7"],
            "insecure": True,
            "owner": "owner",
        },
        {"id": "other", "base_urls": ["http://127.0.0.1:3"], "prefixes": ["88.100.9"], "insecure": True},
    ]
    config = default_config(federation={"peers": peers}, integrity={"peer_keys": str(path)})
    assert peer_keys_path(config) == path
    merged = {peer.id: dict(peer.keys) for peer in with_pinned_keys(config).federation.peers}
    assert merged == {
        "owner": {"https://o.example/keys/a": NEW_MB, "https://o.example/keys/b": NEW_MB},
        "relay": {"https://o.example/keys/a": OLD_MB, "https://o.example/keys/b": NEW_MB},
        "other": {},
    }
    path.write_text("[1]")
    with pytest.raises(DocumentError, match="must map owner ids"):
        PeerKeyFile(path).load()
    path.write_text("{")
    with pytest.raises(DocumentError, match="not JSON"):
        PeerKeyFile(path).load()


async def test_keys_learn_shows_a_changed_key_until_it_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The owner rotated: its description lists its key under a URL pinned with another value."""
    url = "https://o.example/keys/a"
    app = web.Application()

    async def describe(request: web.Request) -> web.Response:
        return web.json_response({"keys": [{"id": url, "publicKeyMultibase": NEW_MB}]})

    app.router.add_get("/.well-known/passport-node", describe)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    pins = tmp_path / "pins.json"
    PeerKeyFile(pins).pin("owner", {url: OLD_MB})
    args = [
        "keys",
        "learn",
        "--node",
        str(server.make_url("")).rstrip("/"),
        "--owner",
        "owner",
        "--peer-keys",
        str(pins),
    ]
    try:
        assert await asyncio.to_thread(main, args) == 1
        assert "CHANGED" in capsys.readouterr().out
        assert PeerKeyFile(pins).load()["owner"][url] == OLD_MB
        assert await asyncio.to_thread(main, [*args, "--accept", fingerprint(NEW_MB)]) == 0
        assert PeerKeyFile(pins).load()["owner"][url] == NEW_MB
        assert await asyncio.to_thread(main, args) == 0
        assert f"{fingerprint(NEW_MB)}  {url}  from ?  pinned" in capsys.readouterr().out
    finally:
        await server.close()
    assert await asyncio.to_thread(main, args) == 2  # the node is gone: cannot say
