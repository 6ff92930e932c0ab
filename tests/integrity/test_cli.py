"""The sign, verify, log verify and keys commands, against files and a real node's routes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer, unused_port

from resolver.cli import main
from resolver.http.keys import key_routes, route_defs
from resolver.integrity import canon
from resolver.integrity.keyring import Keyring
from resolver.integrity.signer import ViewSigner
from resolver.translog.entry import LogEntry
from resolver.translog.log import TransparencyLog
from resolver.translog.sqlite import SQLiteLog

VECTORS = Path(__file__).parent / "vectors"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2=" + str(VECTORS / "credentials-examples-v2.jsonld")
SIGNED = json.loads((VECTORS / "signedDataInt.json").read_text())
PASSPORT = Path(__file__).parents[2] / "examples" / "valid" / "ev-lfp.jsonld"


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_sign_reproduces_the_vector(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unsigned = _write(tmp_path / "unsigned.json", {k: v for k, v in SIGNED.items() if k != "proof"})
    code = main(
        [
            "sign", str(unsigned), "--key", str(VECTORS / "keyPair.json"),
            "--verification-method", SIGNED["proof"]["verificationMethod"],
            "--created", SIGNED["proof"]["created"], "--context", EXAMPLES,
        ]
    )  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["proof"] == SIGNED["proof"]


@pytest.mark.parametrize(
    ("change", "extra", "code"),
    [
        (None, ["--context", EXAMPLES], 0),
        (lambda d: d["credentialSubject"].update(alumniOf="Fake U"), ["--context", EXAMPLES], 1),
        (None, [], 2),  # the examples context is not at hand: cannot check
    ],
    ids=["valid", "tampered", "missing-context"],
)
def test_verify_exit_codes(tmp_path: Path, change: Any, extra: list[str], code: int) -> None:
    document = json.loads(json.dumps(SIGNED))
    if change:
        change(document)
    path = _write(tmp_path / "doc.json", document)
    assert main(["verify", str(path), "--key", str(VECTORS / "keyPair.json"), *extra]) == code


def test_verify_without_a_key_for_an_http_method_cannot_check(tmp_path: Path) -> None:
    path = _write(tmp_path / "doc.json", SIGNED)
    assert main(["verify", str(path), "--context", EXAMPLES]) == 2


def test_sign_then_verify_round_trip_with_did_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ring = Keyring.open(tmp_path / "k")
    from resolver.integrity.multikey import did_key_verification_method

    method = did_key_verification_method(ring.active_key.public_key())
    key_file = tmp_path / "k" / f"{ring.active.name}.key"
    assert main(["sign", str(PASSPORT), "--key", str(key_file), "--verification-method", method]) == 0
    signed = tmp_path / "signed.json"
    signed.write_text(capsys.readouterr().out)
    assert main(["verify", str(signed)]) == 0
    document = json.loads(signed.read_text())
    document["expectedLifetimeCycles"] = 9999
    assert main(["verify", str(_write(tmp_path / "forged.json", document))]) == 1


def test_keys_rotate_keeps_the_retired_key_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = Keyring.open(tmp_path).active.name
    assert main(["keys", "rotate", "--keys-dir", str(tmp_path)]) == 0
    assert main(["keys", "list", "--keys-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"retired {first}")
    assert first in lines[2] and "retired" in lines[2] and lines[3].endswith("active")


class Node:
    """A real HTTP server on 127.0.0.1 with the key and log routes, and a signed view."""

    def __init__(self, server: TestServer, log: TransparencyLog, signer: ViewSigner) -> None:
        self.server, self.log, self.signer = server, log, signer

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    from resolver.http.translog import log_routes

    ring = Keyring.open(tmp_path / "keys")
    backend = await SQLiteLog.open(tmp_path / "log.sqlite3")
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    signer = ViewSigner(ring, base_url=base)
    log = await TransparencyLog(backend, signer=signer.sign_bytes).open()
    app = web.Application()
    app.router.add_routes(route_defs(key_routes(ring, base_url=base) + log_routes(log)))
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield Node(server, log, signer)
    finally:
        await server.close()
        await backend.aclose()


async def _signed_and_logged(node: Node, tmp_path: Path, count: int) -> Path:
    passport = json.loads(PASSPORT.read_text())
    signed = node.signer.sign(passport)
    nquads = canon.canonical_nquads(canon.document_quads(passport))
    for i in range(count):
        await node.log.append(
            LogEntry.of_views(f"88.100.1/B-{i}", 1, "2026-11-30T12:00:00Z", {"public": b"x"})
        )
    await node.log.append(LogEntry.of_views("88.100.1/LFP", 3, "2026-11-30T12:00:00Z", {"public": nquads}))
    return _write(tmp_path / "signed.json", signed)


async def test_verify_with_the_node_key_and_its_log(node: Node, tmp_path: Path) -> None:
    path = await _signed_and_logged(node, tmp_path, 5)
    args = ["verify", str(path), "--node", node.url]
    assert await asyncio.to_thread(main, args) == 0
    assert await asyncio.to_thread(main, [*args, "--log", "--id", "88.100.1/LFP", "--version", "3"]) == 0
    assert await asyncio.to_thread(main, [*args, "--log", "--id", "88.100.1/B-1", "--version", "1"]) == 1
    assert await asyncio.to_thread(main, [*args, "--log", "--id", "88.100.1/LFP", "--version", "9"]) == 2


async def test_log_verify_audits_and_detects_a_fork(node: Node, tmp_path: Path) -> None:
    await _signed_and_logged(node, tmp_path, 40)
    state = tmp_path / "state.json"
    args = ["log", "verify", "--node", node.url, "--state", str(state)]
    assert await asyncio.to_thread(main, args) == 0
    await node.log.append(LogEntry.of_views("88.100.1/NEW", 1, "2026-11-30T13:00:00Z", {"public": b"y"}))
    assert await asyncio.to_thread(main, args) == 0
    seen = json.loads(state.read_text())
    assert seen["tree_size"] == 42
    seen["root_hash"] = "A" * 43 + "="  # a head of the same size with another root: a fork
    state.write_text(json.dumps(seen))
    assert await asyncio.to_thread(main, args) == 1
