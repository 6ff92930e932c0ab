"""The [federation] table: peers, parent, trust and cache settings, refused clearly when wrong."""

import hashlib
from pathlib import Path
from typing import Any

import pytest

from resolver.config.federation import FederationConfig, FederationConfigError, describe
from resolver.tiers import Role, Tier

_PEER = {
    "id": "cn-national",
    "region": "CN",
    "insecure": True,
    "base_urls": ["http://127.0.0.1:8101/"],
    "prefixes": ["88.100"],
}


def test_peers_parent_and_cache_settings_are_read_with_defaults() -> None:
    config = FederationConfig.from_mapping(
        {
            "peers": [_PEER],
            "parent": {"id": "root", "base_url": "https://root.example"},
            "cache": {"max_ttl": 120, "negative_ttl": 5},
        }
    )
    (peer,) = config.peers
    assert peer.base_urls == ("http://127.0.0.1:8101",)  # trailing slash dropped
    assert peer.prefixes == ("88.100",)
    assert peer.grant is Tier.PUBLIC
    assert config.parent is not None and config.parent.id == "root"
    assert config.cache.max_ttl == 120 and config.cache.negative_ttl == 5
    assert config.cache.default_ttl == 60  # default kept
    assert [n.id for n in config.nodes] == ["cn-national", "root"]


def test_no_federation_table_means_no_peers() -> None:
    config = FederationConfig.from_mapping(None)
    assert config.peers == () and config.parent is None


def test_token_can_come_from_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_FOR_CN", "s3cret")
    config = FederationConfig.from_mapping({"peers": [{**_PEER, "token_env": "TOKEN_FOR_CN"}]})
    assert config.peers[0].token == "s3cret"
    assert "s3cret" not in repr(config.peers[0])


def test_missing_token_environment_variable_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN_VAR", raising=False)
    with pytest.raises(FederationConfigError, match="NO_SUCH_TOKEN_VAR"):
        FederationConfig.from_mapping({"peers": [{**_PEER, "token_env": "NO_SUCH_TOKEN_VAR"}]})


def test_a_peer_grant_becomes_a_node_credential_for_its_incoming_token() -> None:
    config = FederationConfig.from_mapping(
        {"peers": [{**_PEER, "grant": "legitimate-interest", "accept_token": "from-cn"}]}
    )
    (cred,) = config.credentials()
    assert cred.name == "peer:cn-national"
    assert cred.role is Role.LEGITIMATE_INTEREST
    assert cred.token_sha256 == hashlib.sha256(b"from-cn").hexdigest()


def test_a_grant_above_public_without_a_way_to_recognise_the_peer_is_refused() -> None:
    with pytest.raises(FederationConfigError, match="accept_token_sha256"):
        FederationConfig.from_mapping({"peers": [{**_PEER, "grant": "authority"}]})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"peers": [{**_PEER, "colour": "red"}]}, "unknown key.*colour"),
        ({"peers": [{**_PEER, "base_urls": ["ftp://x"]}]}, "not an http"),
        ({"peers": [{**_PEER, "base_urls": []}]}, "needs base_urls"),
        ({"peers": [{**_PEER, "prefixes": []}]}, "claims no prefixes"),
        ({"peers": [_PEER, _PEER]}, "appears twice"),
        ({"peers": [{**_PEER, "grant": "operator"}]}, "not an access tier"),
        ({"peers": [{**_PEER, "verify": "nothing"}]}, "verify"),
        ({"cache": {"max_ttl": -1}}, "max_ttl"),
        ({"breaker": {"failures": 0}}, "at least 1"),
        ({"peers": {"id": "x"}}, "array of tables"),
        ({"peer": []}, "unknown key"),
    ],
)
def test_bad_federation_tables_are_refused_naming_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(FederationConfigError, match=message):
        FederationConfig.from_mapping(raw)


def test_node_description_lists_peers_and_parent_without_credentials() -> None:
    config = FederationConfig.from_mapping(
        {
            "peers": [{**_PEER, "token": "never-shown", "accept_token": "x", "grant": "legitimate-interest"}],
            "parent": {"id": "root", "base_url": "https://root.example", "token": "hidden-too"},
        }
    )
    published = describe(config)
    assert published == {
        "peers": [
            {
                "id": "cn-national",
                "region": "CN",
                "base_urls": ["http://127.0.0.1:8101"],
                "prefixes": ["88.100"],
            }
        ],
        "parent": {"id": "root", "region": "", "base_urls": ["https://root.example"], "prefixes": []},
    }
    assert "never-shown" not in repr(published) and "hidden-too" not in repr(published)


def test_a_plain_http_peer_is_refused_unless_it_is_marked_insecure() -> None:
    plain = {"id": "p", "base_urls": ["http://10.0.0.5:8101"], "prefixes": ["88"]}
    with pytest.raises(
        FederationConfigError, match=r"plain http:// URL \(http://10.0.0.5:8101\).*insecure = true"
    ):
        FederationConfig.from_mapping({"peers": [plain]})
    assert FederationConfig.from_mapping({"peers": [{**plain, "insecure": True}]}).peers[0].insecure
    secure = FederationConfig.from_mapping({"peers": [{**plain, "base_urls": ["https://cn.example"]}]})
    assert not secure.peers[0].insecure


def test_tls_files_must_exist_and_come_as_a_pair(tmp_path: Path) -> None:
    with pytest.raises(FederationConfigError, match="cert_file and key_file together"):
        FederationConfig.from_mapping({"tls": {"cert_file": str(tmp_path / "c.pem")}})
    with pytest.raises(FederationConfigError, match=r"federation.tls.ca_file: no file at"):
        FederationConfig.from_mapping({"tls": {"ca_file": str(tmp_path / "missing.pem")}})


def test_the_new_cache_and_limit_keys_are_read() -> None:
    config = FederationConfig.from_mapping(
        {
            "cache": {"negative_bytes": 1024, "serve_stale_after_ms": 200, "follow_changes": False},
            "limits": {"per_second": 5, "burst": 10, "peer_concurrency": 4},
        }
    )
    assert (config.cache.negative_bytes, config.cache.serve_stale_after_ms) == (1024, 200)
    assert not config.cache.follow_changes
    assert (config.limits.per_second, config.limits.burst, config.limits.peer_concurrency) == (5, 10, 4)
    with pytest.raises(FederationConfigError, match="follow_changes must be true or false"):
        FederationConfig.from_mapping({"cache": {"follow_changes": "yes"}})


def test_several_peers_may_claim_one_prefix_and_are_asked_in_order() -> None:
    from resolver.federation.routing import RoutingTable

    config = FederationConfig.from_mapping(
        {
            "peers": [
                {"id": "relay", "base_urls": ["https://relay.example"], "prefixes": ["88"]},
                {"id": "owner-a", "base_urls": ["https://a.example"], "prefixes": ["88.100.1"]},
                {"id": "owner-b", "base_urls": ["https://b.example"], "prefixes": ["88.100.1"]},
            ]
        }
    )
    route = RoutingTable(config).route("88.100.1/BAT-1")
    assert route is not None
    assert [(peer.id, prefix) for peer, prefix in route.paths] == [
        ("owner-a", "88.100.1"),
        ("owner-b", "88.100.1"),
        ("relay", "88"),
    ]


def test_a_peer_pins_its_owner_and_the_owner_keys_which_must_be_ed25519_multikeys() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from resolver.integrity.multikey import public_key_multibase

    multibase = public_key_multibase(Ed25519PrivateKey.generate().public_key())
    url = "https://owner.example/keys/k1"
    entry: dict[str, Any] = {"id": "relay", "base_url": "https://relay.example", "prefixes": ["88.100"]}
    relay = FederationConfig.from_mapping({"peers": [{**entry, "owner": "owner", "keys": {url: multibase}}]})
    assert (relay.peers[0].owner_id, relay.peers[0].keys) == ("owner", ((url, multibase),))
    with pytest.raises(FederationConfigError, match="keys"):
        FederationConfig.from_mapping({"peers": [{**entry, "keys": {url: "zNotAKey"}}]})
