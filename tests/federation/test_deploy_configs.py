"""The three-node deployment in deploy/federation: configurations that load and fit together."""

import hashlib
from pathlib import Path

import pytest

from resolver.config import NodeConfig, load_config
from resolver.config.federation import FederationConfig
from resolver.identifiers import longest_claim

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "federation"
NODES = {
    "cn-national": "cn-national.toml",
    "cn-enterprise": "cn-enterprise.toml",
    "eu-central": "eu.toml",
    "eu-west": "eu-west.toml",
}


def _load() -> dict[str, tuple[NodeConfig, FederationConfig]]:
    loaded = {}
    for node_id, name in NODES.items():
        config = load_config(DEPLOY / name)
        loaded[node_id] = (config, config.federation)
    return loaded


def test_each_node_configuration_loads_with_its_id() -> None:
    for node_id, (config, _) in _load().items():
        assert config.node_id == node_id


@pytest.mark.parametrize(
    ("asking", "key", "asked"),
    [
        ("eu-central", "88.100.1/BAT-EV-000001", "cn-national"),
        ("cn-national", "88.100.1/BAT-EV-000001", "cn-enterprise"),
        ("cn-national", "21.11101/GEN-2-0000000", "eu-central"),
        ("cn-enterprise", "21.11101/GEN-2-0000000", "cn-national"),  # its parent
        ("eu-west", "88.100.1/BAT-EV-000001", "cn-enterprise"),  # the second path, direct
        ("eu-west", "88.100/GEN-1-0000000", "cn-national"),
        ("cn-national", "21.11102/GEN-3-0000000", "eu-west"),
    ],
)
def test_lookups_are_routed_to_the_node_that_holds_the_prefix(asking: str, key: str, asked: str) -> None:
    from resolver.federation.routing import RoutingTable

    _, federation = _load()[asking]
    route = RoutingTable(federation).route(key)
    assert route is not None and route.peer.id == asked


def test_every_token_a_node_presents_is_the_one_its_peer_accepts_from_it() -> None:
    loaded = _load()
    for node_id, (_, federation) in loaded.items():
        for peer in federation.nodes:
            _, theirs = loaded[peer.id]
            (back,) = [p for p in theirs.nodes if p.id == node_id]
            assert peer.token is not None
            assert back.accept_token_sha256 == hashlib.sha256(peer.token.encode()).hexdigest(), (
                node_id,
                peer.id,
            )


def test_each_node_is_authoritative_for_what_its_peers_say_it_holds() -> None:
    loaded = _load()
    for _, (_, federation) in loaded.items():
        for peer in federation.peers:
            own = loaded[peer.id][0].prefixes
            for prefix in peer.prefixes:
                if prefix != "88":  # the EU node asks the national node about the whole 88 namespace
                    assert longest_claim(own, prefix + "/X") is not None, (peer.id, prefix)
