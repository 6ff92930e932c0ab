"""The configuration: every table parsed and checked when the file is loaded, keys named when refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resolver.config import STAGE_NAMES, ConfigError, default_config, hash_token, load_config
from resolver.node import STAGE_BUILDERS
from resolver.sparql.names import configured_index_dir
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
        ("[lifecycle]\nwarn_soh = 70", "unknown configuration key 'lifecycle.warn_soh'"),
        ('[lifecycle]\nsilence_days = "a month"', "'lifecycle.silence_days' must be a number"),
        ("[lifecycle]\ndelivery_attempts = 2.5", "'lifecycle.delivery_attempts' must be a whole number"),
        ("[lifecycle]\nallowed_webhook_hosts = [1]", "'lifecycle.allowed_webhook_hosts' must be a list"),
        ("lifecycle = 3", "'lifecycle' must be a table"),
        ("not toml at all [", "not valid TOML"),
        ('[sparql]\nindex = "x"', "unknown configuration key 'sparql.index'"),
        ("[sparql]\nhistory = 1", "'sparql.history' has the wrong type"),
        ('data_dir = ""', "'data_dir' must not be empty"),
    ],
)
def test_bad_configuration_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"node\.toml") as caught:
        _load(tmp_path, text)
    assert message in str(caught.value)


def test_sparql_index_dir_is_configured_or_beside_the_store(tmp_path: Path) -> None:
    config = _load(tmp_path, '[sparql]\nindex_dir = "/srv/index"\nhistory = true')
    assert configured_index_dir(config) == Path("/srv/index") and config.sparql.history
    sqlite = default_config(store=f"sqlite:///{tmp_path}/p.sqlite3")
    assert configured_index_dir(sqlite) == Path(f"{tmp_path}/p.sqlite3.sparql-index")
    shared = default_config(store="redis://127.0.0.1:6379/0", node_id="eu", data_dir=str(tmp_path))
    assert configured_index_dir(shared) == tmp_path / "sparql-index-eu"


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


def test_lifecycle_table_is_parsed_into_the_node_configuration(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "[lifecycle]\nwarn_soh_below = 75\ndefault_min_temperature = -30\ndelivery_attempts = 3\n"
        'allowed_webhook_hosts = ["hooks.example.com", "127.0.0.1"]\n',
    )
    settings = config.lifecycle
    assert (settings.warn_soh_below, settings.default_min_temperature) == (75.0, -30.0)
    assert settings.delivery_attempts == 3
    assert settings.allowed_webhook_hosts == ("hooks.example.com", "127.0.0.1")
    assert default_config().lifecycle.allowed_webhook_hosts == ()


def test_the_integrity_table_is_typed() -> None:
    from resolver.config import IntegrityConfig

    config = default_config(integrity={"key_file": "/etc/node.key", "sign": True})
    assert config.integrity == IntegrityConfig(sign=True, key_file="/etc/node.key")
    with pytest.raises(ConfigError, match=r"integrity\.keyfile"):
        default_config(integrity={"keyfile": "x"})
    with pytest.raises(ConfigError, match=r"'integrity\.sign' has the wrong type"):
        default_config(integrity={"sign": "yes"})
