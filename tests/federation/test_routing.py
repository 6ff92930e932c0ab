"""Routing: the longest claim wins, the parent takes the rest, nothing else is guessed."""

from resolver.config.federation import FederationConfig
from resolver.federation.routing import RoutingTable


def _table(parent: bool) -> RoutingTable:
    raw: dict[str, object] = {
        "peers": [
            {"id": "national", "insecure": True, "base_url": "http://n", "prefixes": ["88.100"]},
            {"id": "enterprise", "insecure": True, "base_url": "http://e", "prefixes": ["88.100.1"]},
            {"id": "gs1-eu", "insecure": True, "base_url": "http://g", "prefixes": ["01/0952123"]},
        ]
    }
    if parent:
        raw["parent"] = {"id": "root", "insecure": True, "base_url": "http://root"}
    return RoutingTable(FederationConfig.from_mapping(raw))


def test_the_peer_with_the_longest_claim_is_asked() -> None:
    table = _table(parent=False)
    route = table.route("88.100.1/BAT-1")
    assert route is not None and route.peer.id == "enterprise" and route.prefix == "88.100.1"
    route = table.route("88.100.2/BAT-1")
    assert route is not None and route.peer.id == "national"


def test_prefixes_match_by_whole_segments_and_gs1_by_company_prefix() -> None:
    table = _table(parent=False)
    assert table.route("88.1000/BAT-1") is None
    route = table.route("01/09521234543213/21/S1")
    assert route is not None and route.peer.id == "gs1-eu"


def test_the_parent_answers_for_what_no_peer_claims() -> None:
    route = _table(parent=True).route("21.11101/X")
    assert route is not None and route.peer.id == "root" and route.via_parent
