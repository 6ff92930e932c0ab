"""The ``passport-node`` commands as an operator runs them: serve, import, resolve, export."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from resolver.config import hash_token
from resolver.integrity.signer import key_url
from tests.integration.conftest import EXAMPLE_HANDLE, OPERATOR, REPAIRER, passport
from tests.support.cli import passport_node
from tests.support.cli_runner import CliRunner
from tests.support.node import REPO, NodeProcess

Cli = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture(scope="module")
def cli() -> Iterator[Cli]:
    """``passport-node ARGS`` in a process of its own (forked from the preloaded interpreter the
    module's nodes are forked from: a cold start costs ~0.7 CPU-s of imports, and a local
    resolve ~1 CPU-s more of the node's modules and profile), with only PYTHONPATH and PATH in
    its environment."""
    with CliRunner({"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, nodes=True) as runner:

        def run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
            return runner.run(args, cwd=cwd, stdin=stdin, timeout=120)

        yield run


def _summary(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """Three good passports, one failing the shapes, one for another prefix, one not JSON."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in (1, 2, 3):
        (folder / f"good-{i}.jsonld").write_bytes(passport(f"88.100.1/CLI-{i}"))
    document = orjson.loads(passport("88.100.1/CLI-BAD"))
    del document["manufacturingDate"]
    (folder / "no-date.jsonld").write_bytes(orjson.dumps(document))
    (folder / "elsewhere.jsonld").write_bytes(passport("21.999/OTHER-1"))
    (folder / "broken.json").write_bytes(b'{"id": ')
    return folder


def _import(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``passport-node import ARGS --workers 1`` in this process, on the test pool
    (tests/support/cli.py): its exit code and what it printed. What these import tests check is
    the summary and the store, not the process (the tests below run the command as a process)."""
    capsys.readouterr()
    code = passport_node(["import", *args, "--workers", "1"])
    return code, capsys.readouterr().out


def test_import_summarises_accepted_and_rejected_with_reasons_and_reruns_change_nothing(
    capsys: pytest.CaptureFixture[str], sources: Path, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path}/store.sqlite3"
    code, out = _import(capsys, str(sources), "--store", store, "--json")
    assert code == 1  # some were rejected
    summary: dict[str, Any] = json.loads(out)
    assert (summary["created"], summary["unchanged"], summary["rejected"]) == (3, 0, 3)
    reasons = {Path(r["source"].split(":")[0]).name: r["reason"] for r in summary["rejections"]}
    assert "Data point 9" in reasons["no-date.jsonld"]
    assert "not under this node's prefixes" in reasons["elsewhere.jsonld"]
    assert "not valid JSON" in reasons["broken.json"]

    again = json.loads(_import(capsys, str(sources), "--store", store, "--json")[1])
    assert (again["created"], again["replaced"], again["unchanged"]) == (0, 0, 3)

    changed = sources / "good-2.jsonld"
    changed.write_bytes(changed.read_bytes().replace(b'"cycleCount": 40', b'"cycleCount": 41'))
    third = json.loads(_import(capsys, str(sources), "--store", store, "--json")[1])
    assert (third["created"], third["replaced"], third["unchanged"]) == (0, 1, 2)


def test_import_after_an_interruption_completes_the_rest(
    capsys: pytest.CaptureFixture[str], sources: Path, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path}/store.sqlite3"
    # As if the first run stopped after one file.
    assert _import(capsys, str(sources / "good-1.jsonld"), "--store", store)[0] == 0
    text = _import(capsys, str(sources), "--store", store)[1]
    assert "3 accepted (2 created, 0 replaced, 1 unchanged), 3 rejected" in text
    assert "rejected" in text and "Data point 9" in text


def test_import_from_stdin_json_lines_then_export_and_reimport_round_trip(
    cli: Cli, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path}/a.sqlite3"
    lines = b"\n".join(orjson.dumps(orjson.loads(passport(f"88.100.1/LINE-{i}"))) for i in range(4))
    result = cli("import", "-", "--store", store, "--workers", "1", "--json", cwd=tmp_path, stdin=lines)
    assert result.returncode == 0, result.stderr
    assert _summary(result)["created"] == 4

    config = tmp_path / "node.toml"
    config.write_text(
        f'store = "{store}"\n\n[[credentials]]\nname = "msa"\nrole = "authority"\n'
        f'token_sha256 = "{hash_token("msa-token")}"\n'
        f'\n[[credentials]]\nname = "repairer"\nrole = "legitimate-interest"\n'
        f'token_sha256 = "{hash_token(REPAIRER)}"\n'
    )
    full = ("--config", str(config), "--tier", "authority", "--token", "msa-token")
    exported = cli("export", *full, "--prefix", "88.100.1", cwd=tmp_path)
    assert exported.returncode == 0
    documents = [orjson.loads(line) for line in exported.stdout.splitlines()]
    assert sorted(d["id"] for d in documents) == [
        f"https://hdl.handle.net/88.100.1/LINE-{i}" for i in range(4)
    ]
    assert all("testReports" in d for d in documents)  # the full (authority) view

    public = cli("export", "--store", store, cwd=tmp_path)  # the public view by default
    assert public.returncode == 0 and len(public.stdout.splitlines()) == 4
    assert all("stateOfCharge" not in orjson.loads(line) for line in public.stdout.splitlines())
    for refused in (
        ("--store", store, "--tier", "authority"),  # no credential
        ("--config", str(config), "--tier", "authority", "--token", REPAIRER),  # not allowed it
        ("--config", str(config), "--tier", "authority", "--token", "unknown"),
    ):
        result = cli("export", *refused, cwd=tmp_path)
        assert result.returncode == 2 and not result.stdout, result.stderr

    out = tmp_path / "out"
    assert cli("export", *full, "--out", str(out), cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [f"88.100.1_LINE-{i}.jsonld" for i in range(4)]
    code, copy = _import(capsys, str(out), "--store", f"sqlite:///{tmp_path}/b.sqlite3", "--json")
    assert code == 0 and json.loads(copy)["created"] == 4


def test_resolve_from_the_local_store_in_each_format(cli: Cli, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/store.sqlite3"
    source = tmp_path / "p.jsonld"
    source.write_bytes(passport("88.100.1/RES-1"))
    assert passport_node(["import", str(source), "--store", store, "--workers", "1"]) == 0  # in this process
    result = cli("resolve", "hdl:88.100.1/res-1", "--store", store, cwd=tmp_path)
    assert result.returncode == 0
    assert orjson.loads(result.stdout)["id"] == "https://hdl.handle.net/88.100.1/RES-1"
    turtle = cli("resolve", "88.100.1/RES-1", "--store", store, "--format", "turtle", cwd=tmp_path)
    assert turtle.stdout.startswith(b"@prefix")
    missing = cli("resolve", "88.100.1/NOT-THERE", "--store", store, cwd=tmp_path)
    assert missing.returncode == 1
    assert b"404" in missing.stderr and b"88.100.1/NOT-THERE" in missing.stderr
    invalid = cli("resolve", "no-slash-here", "--store", store, cwd=tmp_path)
    assert invalid.returncode == 1 and b"Invalid identifier" in invalid.stderr


def test_resolve_without_config_or_node_names_the_store_and_never_creates_one(
    cli: Cli, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli("resolve", EXAMPLE_HANDLE, cwd=elsewhere)
    assert result.returncode == 2
    assert b"no store at sqlite:///./var/passports.sqlite3" in result.stderr
    assert str(elsewhere / "var" / "passports.sqlite3").encode() in result.stderr
    assert not (elsewhere / "var").exists()  # nothing created
    missing = cli("resolve", EXAMPLE_HANDLE, "--store", f"sqlite:///{tmp_path}/nope.sqlite3", cwd=tmp_path)
    assert missing.returncode == 2 and not (tmp_path / "nope.sqlite3").exists()

    source = tmp_path / "p.jsonld"
    source.write_bytes(passport(EXAMPLE_HANDLE))
    cli("import", str(source), "--workers", "1", cwd=elsewhere)  # the default store, here
    found = cli("resolve", EXAMPLE_HANDLE, cwd=elsewhere)
    assert found.returncode == 0, found.stderr
    assert b"reading the store sqlite:///./var/passports.sqlite3" in found.stderr


def test_serve_refuses_a_config_with_an_unknown_key_naming_it(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('node_id = "x"\nprefixs = ["88.100.1"]\n')
    result = cli("serve", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert b"'prefixs'" in result.stderr and b"node.toml" in result.stderr


# Two cold node starts with --demo and a dozen commands: a few minutes on a loaded machine, so a
# bound of its own above the suite's 180 s (pytest-timeout still ends a hang).
@pytest.mark.asyncio
@pytest.mark.timeout(480)
async def test_served_node_with_demo_resolves_and_takes_imports_over_http(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(
        f"""
node_id = "cli-node"
region = "EU"
prefixes = ["88.100.1"]
store = "sqlite:///{tmp_path}/served.sqlite3"
workers = 1

[[credentials]]
name = "maker"
role = "operator"
token_sha256 = "{hash_token(OPERATOR)}"
prefixes = ["88.100.1"]

[[credentials]]
name = "repairer"
role = "legitimate-interest"
token_sha256 = "{hash_token(REPAIRER)}"

# Nothing here asks /sparql: no index process (~1.3 CPU-s for each of the two starts).
[sparql]
enabled = false
"""
    )
    async with NodeProcess("--config", str(config), "--demo", cwd=tmp_path, forked=True) as node:
        async with (
            aiohttp.ClientSession() as http,
            http.get(node.url + "/.well-known/passport-node") as response,
        ):
            assert (await response.json())["id"] == "cli-node"
        public = cli("resolve", EXAMPLE_HANDLE, "--node", node.url, cwd=tmp_path)
        assert public.returncode == 0 and "stateOfCharge" not in orjson.loads(public.stdout)
        legit = cli("resolve", EXAMPLE_HANDLE, "--node", node.url, "--token", REPAIRER, cwd=tmp_path)
        assert "stateOfCharge" in orjson.loads(legit.stdout)
        wrong = cli("resolve", EXAMPLE_HANDLE, "--node", node.url, "--token", "nope", cwd=tmp_path)
        assert wrong.returncode == 1 and b"401" in wrong.stderr

        folder = tmp_path / "up"
        folder.mkdir()
        for i in (1, 2):
            (folder / f"{i}.jsonld").write_bytes(passport(f"88.100.1/HTTP-{i}"))
        # A lower-case suffix goes to the path as written, which matches its @id (finding 7).
        (folder / "lower.jsonld").write_bytes(passport("88.100.1/lower-case-0001"))
        document = orjson.loads(passport("88.100.1/HTTP-BAD"))
        del document["chemistry"]
        (folder / "bad.jsonld").write_bytes(orjson.dumps(document))
        args = ("import", str(folder), "--node", node.url, "--token", OPERATOR, "--json")
        first = _summary(cli(*args, cwd=tmp_path))
        assert (first["created"], first["rejected"]) == (3, 1), first
        assert first["rejections"][0]["reason"].startswith("422:")
        again = _summary(cli(*args, cwd=tmp_path))
        assert (again["created"], again["unchanged"]) == (0, 3)
        fetched = cli("resolve", "88.100.1/HTTP-2", "--node", node.url, "--format", "html", cwd=tmp_path)
        assert fetched.stdout.startswith(b"<!DOCTYPE html>")
    # The demo load is idempotent across restarts.
    async with (
        NodeProcess("--config", str(config), "--demo", cwd=tmp_path, forked=True) as node,
        aiohttp.ClientSession() as http,
        http.get(f"{node.url}/{EXAMPLE_HANDLE}/history") as response,
    ):
        assert len((await response.json())["versions"]) == 1


def test_serve_refuses_a_bad_federation_table_in_one_line_naming_the_key(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('[[federation.peers]]\nid = "p"\nbase_url = "https://127.0.0.1:9"\n')
    result = cli("serve", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert b"federation.peers" in result.stderr and b"claims no prefixes" in result.stderr
    assert b"Traceback" not in result.stderr


async def test_resolve_with_a_federation_config_asks_the_peer_and_checks_its_answer(
    cli: Cli, tmp_path: Path
) -> None:
    from tests.support.federation import node

    async with node(tmp_path, "peer", ["88.3"], passports=["88.3/FED-CLI-1"]) as peer:
        # The peer's key is pinned: unpinned owners are refused by default (federation.unpinned).
        assert peer.node.integrity is not None
        active = peer.node.integrity.keyring.active
        config = tmp_path / "fed.toml"
        config.write_text(
            f'node_id = "asker"\nprefixes = ["99.1"]\nstore = "sqlite:///{tmp_path}/asker.sqlite3"\n'
            f'workers = 1\n[[federation.peers]]\nid = "peer"\nbase_url = "{peer.url}"\n'
            'insecure = true\nprefixes = ["88.3"]\n'
            f'[federation.peers.keys]\n"{key_url(peer.url, active.name)}" = "{active.public_key_multibase}"\n'
        )
        args = ("resolve", "88.3/FED-CLI-1", "--config", str(config))
        result = await asyncio.to_thread(cli, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout)["id"] == "https://hdl.handle.net/88.3/FED-CLI-1"
