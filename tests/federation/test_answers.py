"""Reading a peer's response: freshness, identity, tier label, and what each status means."""

import time

import orjson
import pytest

from resolver.config.federation import PeerConfig
from resolver.errors import BadPeerAnswer, FederationError, LoopDetected, PeerTimeout
from resolver.federation.answers import PeerGone, PeerNotFound, check_identity, freshness, interpret
from resolver.federation.client import PeerResponse
from resolver.lookup import Lookup
from resolver.tiers import Tier

_CTX = "https://w3id.org/battery-passport/eu-battery/v1"
_PEER = PeerConfig(
    id="cn-national", base_urls=("http://127.0.0.1:1",), prefixes=("88.100",), verify="identity"
)


def _view(iri: str = "https://hdl.handle.net/88.100.1/BAT-1") -> bytes:
    return orjson.dumps({"@context": _CTX, "id": iri, "type": "BatteryPassport", "productName": "VX"})


def _response(status: int, body: bytes, **headers: str) -> PeerResponse:
    return PeerResponse(peer=_PEER, replica=_PEER.base_urls[0], status=status, headers=headers, body=body)


def _lookup(tier: Tier = Tier.PUBLIC) -> Lookup:
    return Lookup(handle="88.100.1/BAT-1", tier=tier, deadline=time.monotonic() + 2)


async def _interpret(response: PeerResponse, tier: Tier = Tier.PUBLIC):  # type: ignore[no-untyped-def]
    return await interpret(response, _lookup(tier), default_ttl=60, max_ttl=300, validator=None, profile=None)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "public, max-age=120", "age": "7"}, (120, 7)),
        ({"cache-control": "max-age=9999"}, (300, 0)),  # capped
        ({"cache-control": "max-age=100, s-maxage=30"}, (30, 0)),  # a shared cache's own lifetime
        ({"cache-control": "no-store, max-age=100"}, (0, 0)),
        ({}, (60, 0)),  # the configured default
        ({"cache-control": "max-age=abc", "age": "x"}, (60, 0)),
    ],
)
def test_freshness_follows_the_peers_cache_control_capped(
    headers: dict[str, str], expected: tuple[int, int]
) -> None:
    assert freshness(headers, default_ttl=60, max_ttl=300) == expected


def test_identity_accepts_the_passport_asked_for_in_any_case_of_the_handle() -> None:
    check_identity(_view("https://hdl.handle.net/88.100.1/bat-1"), "88.100.1/BAT-1", "p")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _view("https://hdl.handle.net/88.100.1/BAT-2"),
            "asked for 88.100.1/BAT-1 and answered with the passport of",
        ),
        (b"not json", "unreadable JSON"),
        (b"[1, 2]", "not one passport"),
        (orjson.dumps({"@context": "https://evil.example/ctx", "id": "x"}), "another JSON-LD context"),
        (orjson.dumps({"@context": _CTX, "type": "BatteryPassport"}), "without an @id"),
    ],
)
def test_identity_refuses_a_passport_that_is_not_the_one_asked_for(body: bytes, message: str) -> None:
    with pytest.raises(BadPeerAnswer, match=message) as caught:
        check_identity(body, "88.100.1/BAT-1", "cn-national")
    assert caught.value.status == 502
    assert caught.value.extensions["peer"] == "cn-national"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"@context": "x", "a": ' + b"[" * 60 + b"]" * 60 + b"}", "nested too deeply"),
        (b'{"@context": "x", "a": [' + b"1," * 70_000 + b"1]}", "more than 60000 JSON values"),
    ],
)
def test_identity_bounds_the_depth_and_size_of_any_answer(body: bytes, message: str) -> None:
    with pytest.raises(BadPeerAnswer, match=message):
        check_identity(body, "88.100.1/BAT-1", "cn-national")


async def test_a_verified_answer_carries_view_source_age_and_served_tier() -> None:
    answer = await _interpret(
        _response(
            200,
            _view(),
            **{
                "passport-tier": "public",
                "cache-control": "max-age=50",
                "age": "3",
                "etag": '"v4.public.jsonld"',
            },
        ),
        Tier.AUTHORITY,
    )
    assert answer.view is not None and answer.view.body == _view() and answer.view.version == 4
    assert answer.source == "peer:cn-national"
    assert (answer.max_age, answer.age) == (50, 3)
    assert answer.tier is Tier.PUBLIC  # the peer granted less than the caller may see


async def test_a_peer_serving_more_than_asked_is_refused() -> None:
    with pytest.raises(BadPeerAnswer, match="served the authority view"):
        await _interpret(_response(200, _view(), **{"passport-tier": "authority"}), Tier.PUBLIC)


async def test_an_answer_without_a_tier_label_is_refused() -> None:
    with pytest.raises(BadPeerAnswer, match="Passport-Tier"):
        await _interpret(_response(200, _view()))


async def test_statuses_map_to_definite_not_found_or_named_failures() -> None:
    with pytest.raises(PeerNotFound, match="cn-national"):
        await _interpret(_response(404, b""))
    with pytest.raises(PeerGone):
        await _interpret(_response(410, b""))
    loop = orjson.dumps({"detail": "lookup came back to node a: a -> b -> a", "path": ["a", "b", "a"]})
    with pytest.raises(LoopDetected) as caught:
        await _interpret(_response(508, loop))
    assert caught.value.extensions["path"] == ["a", "b", "a"]
    with pytest.raises(PeerTimeout, match="cn-national reported: enterprise too slow"):
        await _interpret(_response(504, orjson.dumps({"detail": "enterprise too slow"})))
    with pytest.raises(FederationError, match="credentials"):
        await _interpret(_response(401, b""))
    with pytest.raises(BadPeerAnswer, match="HTTP 307"):
        await _interpret(_response(307, b""))


def test_the_tier_bound_passes_honest_views_and_refuses_mislabelled_ones() -> None:
    from resolver.federation.answers import check_tier_bound
    from resolver.profile import Profile
    from resolver.validation import prepare_sync
    from tests.support.federation import passport_for

    profile = Profile.load()
    views = prepare_sync(passport_for("88.100.1/BAT-1")).views
    for tier, body in views.items():
        check_tier_bound(orjson.loads(body), tier, "88.100.1/BAT-1", "p", profile)
    with pytest.raises(BadPeerAnswer, match="above that tier"):
        check_tier_bound(orjson.loads(views[Tier.AUTHORITY]), Tier.PUBLIC, "88.100.1/BAT-1", "p", profile)


class _CountingValidator:
    """The real in-process validator, counting how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def validate(self, body: bytes):  # type: ignore[no-untyped-def]
        from resolver.validation import validate_sync

        self.calls += 1
        return validate_sync(body)


async def test_a_view_that_passed_the_shapes_is_not_validated_again_when_it_comes_back() -> None:
    from resolver.federation.answers import VerifiedViews
    from resolver.profile import Profile
    from resolver.validation import prepare_sync
    from tests.support.federation import passport_for

    body = prepare_sync(passport_for("88.100.1/BAT-1")).views[Tier.PUBLIC]
    validator, verified = _CountingValidator(), VerifiedViews()
    peer = PeerConfig(id="b", base_urls=("http://127.0.0.1:1",), prefixes=("88.100",))  # verify = "shapes"
    response = PeerResponse(
        peer=peer, replica="x", status=200, headers={"passport-tier": "public"}, body=body
    )
    for _ in range(2):
        answer = await interpret(
            response,
            _lookup(),
            default_ttl=60,
            max_ttl=300,
            validator=validator,
            profile=Profile.load(),
            verified=verified,
        )
        assert answer.view is not None and answer.view.body == body
    assert validator.calls == 1


async def test_a_peers_problem_text_is_passed_on_bounded() -> None:
    noisy = orjson.dumps({"detail": "x" * 10_000, "peer": "far", "errors": list(range(100)), "secret": "no"})
    with pytest.raises(PeerTimeout) as caught:
        await _interpret(_response(504, noisy))
    err = caught.value
    assert len(err.detail) < 600
    upstream = err.extensions["upstream"]
    assert isinstance(upstream, dict)
    assert len(upstream["errors"]) == 16 and "secret" not in upstream
