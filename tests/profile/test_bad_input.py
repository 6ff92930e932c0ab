"""Unusable input gets a clear error, in bounded time and memory, from the library and the CLI."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.errors import ContextRefused, DocumentError, InputError, PayloadTooLarge
from resolver.validation import prepare_sync
from tests.profile.conftest import Validate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
MIB = 1024 * 1024


def _million_triples() -> bytes:
    # Each array item is one triple; about 4 MB of JSON.
    values = b"100," * 999_999 + b"100"  # what b",".join of a million b"100" gives, without the loop
    return (
        b'{"@context": {"@vocab": "https://example.org/"}, "@id": "https://example.org/b", "p": ['
        + values
        + b"]}"
    )


def test_invalid_json_is_refused_with_line_and_column() -> None:
    with pytest.raises(DocumentError) as caught:
        jsonld.parse_json(b'{"id": "x",\n  "model": }', max_bytes=MIB, max_depth=48)
    assert "line 2, column 12" in caught.value.detail
    problem = caught.value.problem()
    assert problem["status"] == 400
    assert problem["line"] == 2


def test_a_body_over_the_size_limit_is_refused_before_parsing() -> None:
    body = b" " * (50 * MIB)  # 50 MB of JSON whitespace: would parse if the size were not checked
    with pytest.raises(PayloadTooLarge) as caught:
        jsonld.parse_json(body, max_bytes=jsonld.MAX_BODY_BYTES, max_depth=48)
    assert caught.value.problem()["status"] == 413
    assert "52428800 bytes" in caught.value.detail


@pytest.mark.parametrize("depth", [49, 1_025, 10_000])
def test_deep_nesting_is_refused(depth: int) -> None:
    body = b'{"a":' * depth + b"1" + b"}" * depth
    with pytest.raises(DocumentError, match="nested too deeply"):
        jsonld.parse_json(body, max_bytes=MIB, max_depth=48)


def test_nesting_within_the_limit_is_accepted() -> None:
    body = b"[" * 48 + b"1" + b"]" * 48
    assert jsonld.parse_json(body, max_bytes=MIB, max_depth=48) is not None


def test_a_remote_context_is_refused_naming_its_url() -> None:
    doc = {"@context": "https://evil.example/context.jsonld", "@id": "https://example.org/b"}
    with pytest.raises(ContextRefused) as caught:
        jsonld.expand(doc)
    assert "https://evil.example/context.jsonld" in caught.value.detail
    assert caught.value.problem()["context"] == "https://evil.example/context.jsonld"


@pytest.mark.parametrize(
    "context",
    [
        ["https://w3id.org/battery-passport/eu-battery/v1", "https://example.org/more.jsonld"],
        {"@import": "https://example.org/imported.jsonld"},
        {"p": {"@id": "https://example.org/p", "@context": "https://example.org/scoped.jsonld"}},
        "http://w3id.org/battery-passport/eu-battery/v1",  # not our URL: http, not https
    ],
)
def test_unknown_contexts_are_refused_wherever_they_appear(context: Any) -> None:
    doc = {"@context": context, "@id": "https://example.org/b", "https://example.org/q": 1}
    with pytest.raises(ContextRefused):
        jsonld.expand(doc)


def test_a_relative_context_url_is_refused_without_a_base() -> None:
    with pytest.raises(DocumentError, match=r"context\.jsonld"):
        jsonld.expand({"@context": "context.jsonld", "@id": "https://example.org/b"})


def test_nothing_is_fetched_when_a_context_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the loader tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(ContextRefused):
        jsonld.expand({"@context": "https://example.org/ctx", "@id": "https://example.org/b"})


def test_openepcis_documents_using_the_missing_gs1_shortcuts_context_are_refused() -> None:
    doc = {
        "@context": [
            "https://ref.openepcis.io/extensions/common/core/dpp-core-context.jsonld",
        ],
        "@id": "https://example.org/b",
        "gs1:masterDataAvailableFor": [{"gs1:countryOfOrigin": "DE"}],
    }
    with pytest.raises(ContextRefused) as caught:
        jsonld.expand(doc)
    assert "gs1-shortcuts-context.jsonld" in caught.value.detail


def test_a_million_triples_are_refused_in_bounded_work() -> None:
    body = _million_triples()
    with pytest.raises(PayloadTooLarge):
        prepare_sync(body)
    # Even with the size limit lifted, the value count stops it before pyld starts.
    with pytest.raises(DocumentError, match="more than 60000 JSON values"):
        jsonld.parse_json(body, max_bytes=len(body), max_depth=48)


def test_the_triple_cap_stops_conversion_early() -> None:
    doc = {
        "@context": {"@vocab": "https://example.org/"},
        "@id": "https://example.org/b",
        "p": [*range(25_000)],
    }
    expanded = jsonld.expand(doc)
    with pytest.raises(DocumentError, match="more than 20000 RDF triples"):
        jsonld.to_triples(expanded)


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DocumentError):
        jsonld.expand(jsonld.parse_json(b'"just a string"', max_bytes=MIB, max_depth=48))


def test_a_passport_without_an_id_is_refused() -> None:
    doc = orjson.loads(EXAMPLE.read_bytes())
    del doc["id"]
    with pytest.raises(InputError, match="no @id"):
        prepare_sync(orjson.dumps(doc))


@pytest.mark.parametrize("iri", ["BAT-EV-000001", "https://exa mple.org/b", "//hdl.handle.net/88.100.1/B"])
def test_a_passport_whose_id_is_not_an_absolute_iri_is_refused(iri: str) -> None:
    # JSON-LD would silently drop all of its triples, and the shapes would find nothing to check.
    doc = orjson.loads(EXAMPLE.read_bytes())
    doc["id"] = iri
    with pytest.raises(InputError, match="not an absolute IRI"):
        prepare_sync(orjson.dumps(doc))


def test_a_passport_for_another_identifier_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        prepare_sync(EXAMPLE.read_bytes(), expected_iri="https://hdl.handle.net/88.100.1/OTHER")
    assert "https://hdl.handle.net/88.100.1/BAT-EV-000001" in caught.value.detail


def test_invalid_json_ld_is_a_document_error_not_a_traceback() -> None:
    with pytest.raises(DocumentError, match="not usable JSON-LD"):
        jsonld.expand({"@context": {"@version": 1.1, "p": {"@id": 5}}, "p": 1})


# --- the CLI: exit 2 with a one-line reason, never a traceback, bounded memory and time -----------


# Each command in a process of its own (tests/profile/conftest.py), its address space limited
# as a preexec_fn's setrlimit would: a million triples must not need more.
_MEMORY = 1536 * MIB


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    files = {
        "invalid-json": b'{"id": "x",',
        "remote-context": b'{"@context": "https://evil.example/c", "@id": "https://example.org/b"}',
        "deep": b"[" * 10_000 + b"]" * 10_000,
        "million-triples": _million_triples(),
    }
    paths = {}
    for name, body in files.items():
        path = folder / f"{name}.jsonld"
        path.write_bytes(body)
        paths[name] = path
    big = folder / "fifty-mb.jsonld"
    with big.open("wb") as handle:  # sparse: 50 MB on paper, no disk
        handle.truncate(50 * 1024 * 1024)
    paths["fifty-mb"] = big
    return paths


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("invalid-json", "not valid JSON"),
        ("remote-context", "https://evil.example/c"),
        ("deep", "nested too deeply"),
        ("million-triples", "the limit is"),
        ("fifty-mb", "52428800 bytes"),
    ],
)
def test_the_cli_reports_unusable_input_with_exit_2(
    validate_cli: Validate, bad_files: dict[str, Path], name: str, reason: str
) -> None:
    result = validate_cli(bad_files[name], timeout=120, address_space=_MEMORY)  # hang guard, not speed
    assert result.returncode == 2, result.stderr
    assert "UNUSABLE" in result.stdout
    assert reason in result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_the_cli_json_output_carries_the_problem(validate_cli: Validate, bad_files: dict[str, Path]) -> None:
    result = validate_cli("--json", bad_files["remote-context"], timeout=120, address_space=_MEMORY)
    assert result.returncode == 2
    (outcome,) = orjson.loads(result.stdout)
    assert outcome["status"] == "unusable"
    assert outcome["problem"]["type"].endswith("/context-refused")


def test_the_cli_reports_a_missing_file_as_unusable(validate_cli: Validate, tmp_path: Path) -> None:
    result = validate_cli(tmp_path / "nope.jsonld", timeout=120, address_space=_MEMORY)
    assert result.returncode == 2
    assert "cannot read" in result.stdout
    assert "Traceback" not in result.stderr
