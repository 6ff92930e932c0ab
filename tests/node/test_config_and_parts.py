"""Pure parts of the node: configuration checks, content negotiation, JSON merge patch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resolver.config import STAGE_NAMES, ConfigError, default_config, hash_token, load_config
from resolver.errors import NotAcceptable
from resolver.http.negotiation import negotiate
from resolver.node import STAGE_BUILDERS
from resolver.patch import merge_patch
from resolver.tiers import Role

REPO = Path(__file__).resolve().parents[2]


def _load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "node.toml"
    path.write_text(text)
    return load_config(path)


def test_shipped_node_config_loads_with_its_three_roles() -> None:
    config = load_config(REPO / "deploy" / "node.toml")
    assert config.node_id == "eu-node-1"
    assert {c.role for c in config.credentials} == {Role.OPERATOR, Role.LEGITIMATE_INTEREST, Role.AUTHORITY}
    operator = next(c for c in config.credentials if c.role is Role.OPERATOR)
    assert operator.token_sha256 == hash_token("demo-operator")


def test_defaults_without_a_file() -> None:
    config = default_config()
    assert config.store == "sqlite:///./var/passports.sqlite3"
    assert (config.host, config.port, config.deadline, config.max_hops) == ("127.0.0.1", 8080, 2.0, 8)
    assert "88.100.1" in config.prefixes
    assert config.credentials == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('nodeid = "x"', "unknown configuration key 'nodeid'"),
        ("[limits]\nmax_body = 10", "unknown configuration key 'limits.max_body'"),
        ('port = "8080"', "'port' has the wrong type"),
        ('chain = ["local", "dns"]', "unknown stage 'dns'"),
        (
            '[[credentials]]\nname = "a"\nrole = "root"\ntoken_sha256 = "' + "0" * 64 + '"',
            "role 'root' is not one of",
        ),
        (
            '[[credentials]]\nname = "a"\nrole = "operator"\ntoken_sha256 = "' + "0" * 64 + '"',
            "an operator needs 'prefixes'",
        ),
        ('[[credentials]]\nname = "a"\nrole = "authority"\ntoken_sha256 = "secret"', "64 hex digits"),
        ('[[credentials]]\nname = "a"\nrole = "authority"\ntoken = "x"', "'credentials[0].token'"),
        ("deadline = 0", "'deadline' must be positive"),
        ("not toml at all [", "not valid TOML"),
    ],
)
def test_bad_configuration_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"node\.toml") as caught:
        _load(tmp_path, text)
    assert message in str(caught.value)


def test_federation_table_is_parsed_when_the_file_is_loaded(tmp_path: Path) -> None:
    config = _load(tmp_path, "[federation.cache]\nmax_ttl = 30\n")
    assert config.federation.cache.max_ttl == 30
    assert config.federation.peers == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("federation = 3\n", "'federation' must be a table"),
        ("[federation]\npeers = 1\n", "federation.peers must be an array of tables"),
        (
            "[[federation.peers]]\nid = 'x'\nbase_url = 'ftp://x'\nprefixes = ['1']\n",
            "federation.peers[0].base_urls",
        ),
        ("[federation.cache]\nmax_tll = 3\n", "federation.cache: unknown key(s) max_tll"),
        ("[federation.breaker]\nfailures = 0\n", "federation.breaker.failures must be at least 1"),
    ],
)
def test_bad_federation_table_is_refused_at_load_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=r"node\.toml") as caught:
        _load(tmp_path, text)
    assert message in str(caught.value)


def test_every_stage_name_the_configuration_accepts_has_a_builder() -> None:
    assert tuple(STAGE_BUILDERS) == STAGE_NAMES


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type"),
    [
        (None, "jsonld", "application/ld+json"),
        ("*/*", "jsonld", "application/ld+json"),
        ("application/json", "jsonld", "application/json"),
        ("text/turtle;q=0.9, application/n-triples", "ntriples", "application/n-triples"),
        ("text/*", "turtle", "text/turtle"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html", "text/html"),
        ("application/ld+json;q=0, */*;q=0.1", "jsonld", "application/json"),
    ],
)
def test_negotiation_follows_quality_and_specificity(accept: str | None, fmt: str, media_type: str) -> None:
    chosen = negotiate(accept)
    assert (chosen.fmt, chosen.media_type) == (fmt, media_type)


def test_negotiation_refuses_what_is_not_offered() -> None:
    with pytest.raises(NotAcceptable, match="offered"):
        negotiate("image/png, application/pdf;q=0.5")
    with pytest.raises(NotAcceptable):
        negotiate("text/turtle;q=0")


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [  # the examples of RFC 7396, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_matches_rfc_7396_examples(target: Any, patch: Any, result: Any) -> None:
    before = repr(target)
    assert merge_patch(target, patch) == result
    assert repr(target) == before  # the target is not modified


async def test_unexpected_exception_is_a_500_problem_without_a_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import aiohttp
    from aiohttp import web

    from resolver.http.problems import guarded
    from resolver.metrics import Metrics

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals /etc/passwd")

    app = web.Application()
    app.router.add_get("/boom", guarded(broken, "boom", Metrics()))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/boom") as response:
            assert response.status == 500
            assert response.content_type == "application/problem+json"
            text = await response.text()
            assert "secret" not in text and "Traceback" not in text
            assert (await response.json(content_type=None))["status"] == 500
    finally:
        await runner.cleanup()
    assert any("secret internals" in r.getMessage() or r.exc_info for r in caplog.records)
