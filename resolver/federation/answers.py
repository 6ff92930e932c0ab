"""What a peer's response means: a verified passport view, a definite "not found", or an error.

Identity, structure and the tier bound are checked inline (well under a millisecond); the
profile's shapes run in the validator's worker pool, with absences above the tier excused.
"""

from __future__ import annotations

import email.utils
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import orjson
import pyoxigraph

from resolver import jsonld
from resolver.errors import (
    BadPeerAnswer,
    DocumentError,
    FederationError,
    Gone,
    InvalidIdentifier,
    LoopDetected,
    NotFound,
    PeerTimeout,
    ResolverError,
)
from resolver.federation.answer_graph import AnswerGraph
from resolver.federation.client import MAX_PEER_BODY, PeerResponse
from resolver.identifiers import parse_identifier
from resolver.integrity.served import SIGNED_CONTEXT
from resolver.lookup import OWNER_HEADER, TIER_HEADER, Answer, Lookup, Owner
from resolver.memo import ENTRY_OVERHEAD, Memo
from resolver.profile import Profile
from resolver.stores.base import View
from resolver.tiers import Tier
from resolver.views import NotCompact, within_tier

__all__ = [
    "PeerGone",
    "PeerNotFound",
    "PeerNotModified",
    "PeerReferral",
    "ProofCheck",
    "ShapesChecker",
    "VerifiedViews",
    "check_identity",
    "check_tier_bound",
    "excused",
    "freshness",
    "interpret",
]


# Checks the proof of a peer's answer against its owner's keys (BadSignature, 502): given the
# parsed document and the canonical N-Quads of its unsecured graph when they were read already.
ProofCheck = Callable[[dict[str, object], bytes | None], None]


class PeerNotFound(NotFound):
    """The authoritative peer said "not found": definite, so it may be cached briefly."""


class PeerGone(Gone):
    """The authoritative peer holds a tombstone: definite, so it may be cached briefly."""


class PeerNotModified(ResolverError):
    """The peer answered 304 to a revalidation: the cached copy stands, fresh for ``max_age``.

    Caught by the cache stage, which asked (``Lookup.if_none_match``); never an HTTP answer.
    """

    slug = "not-modified"

    def __init__(self, detail: str, *, max_age: int, age: int, **extensions: object) -> None:
        super().__init__(detail, **extensions)
        self.max_age = max_age
        self.age = age


class PeerReferral(FederationError):
    """The peer referred this node to the owner (a 307 with a referral body) instead of answering.

    The federation stage learns the owner from it and asks that node when it is one of its own
    peers; otherwise this is the lookup's failure (502: this node cannot follow it).
    """

    def __init__(self, detail: str, *, owner: Owner, **extensions: object) -> None:
        super().__init__(detail, **extensions)
        self.owner = owner


class ShapesResult(Protocol):
    """What the federation reads of one SHACL result (``resolver.validation``'s results)."""

    @property
    def focus_node(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def severity(self) -> str: ...
    @property
    def value(self) -> str | None: ...
    def to_json(self) -> Mapping[str, object]: ...


class ShapesReport(Protocol):
    @property
    def results(self) -> Sequence[ShapesResult]: ...


class ShapesChecker(Protocol):
    """The part of ``resolver.validation.Validator`` the federation uses."""

    async def validate(self, body: bytes) -> ShapesReport: ...


def freshness(headers: Mapping[str, str], *, default_ttl: int, max_ttl: int) -> tuple[int, int]:
    """(max_age, age) of a peer's answer from Cache-Control and Age, max_age capped at ``max_ttl``.

    ``no-store`` or ``no-cache`` give 0 (kept by no cache); ``s-maxage`` wins over ``max-age``
    because this node is a shared cache.
    """
    max_age: int | None = None
    shared: int | None = None
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        name = name.lower()
        if name in ("no-store", "no-cache"):
            return 0, _age(headers)
        if name in ("max-age", "s-maxage"):
            try:
                seconds = max(0, int(value.strip().strip('"')))
            except ValueError:
                continue
            if name == "max-age":
                max_age = seconds
            else:
                shared = seconds
    chosen = shared if shared is not None else max_age if max_age is not None else default_ttl
    return min(chosen, max_ttl), _age(headers)


def _age(headers: Mapping[str, str]) -> int:
    try:
        return max(0, int(headers.get("age", "0")))
    except ValueError:
        return 0


def check_identity(
    body: bytes, handle: str, peer_id: str, *, case_sensitive: bool = False
) -> dict[str, object]:
    """The body is one JSON-LD passport in our context whose ``@id`` is the identifier asked for.

    Returns the parsed document.
    """
    try:
        doc = _parse(body)
    except ResolverError as err:
        raise BadPeerAnswer(
            f"peer {peer_id} answered {handle} with unreadable JSON: {err.detail}", peer=peer_id
        ) from err
    if not isinstance(doc, dict):
        raise BadPeerAnswer(
            f"peer {peer_id} answered {handle} with JSON that is not one passport", peer=peer_id
        )
    if doc.get("@context") != jsonld.CONTEXT_URL and not (
        "proof" in doc and doc.get("@context") == SIGNED_CONTEXT
    ):
        raise BadPeerAnswer(
            f"peer {peer_id} answered {handle} in another JSON-LD context ({_show(doc.get('@context'))}); "
            f"passports cross between nodes in {jsonld.CONTEXT_URL}",
            peer=peer_id,
        )
    answered = doc.get("@id", doc.get("id"))  # our context aliases "id" to "@id"
    if not isinstance(answered, str):
        raise BadPeerAnswer(f"peer {peer_id} answered {handle} with a document without an @id", peer=peer_id)
    try:
        key = parse_identifier(answered, case_sensitive=case_sensitive).key
    except InvalidIdentifier:
        key = None
    if key != handle:
        raise BadPeerAnswer(
            f"peer {peer_id} was asked for {handle} and answered with the passport of {_show(answered)}",
            peer=peer_id,
            asked=handle,
            answered=answered,
        )
    return doc


def _parse(body: bytes) -> object:
    """``jsonld.parse_json`` within the peer body's bound. A body with no more opening brackets
    than the depth limit and no more bytes than the value limit is within both: its values are
    not walked to count them (the parser itself says why a body is unreadable)."""
    if (
        len(body) <= min(MAX_PEER_BODY, jsonld.MAX_VALUES)
        and body.count(b"{") + body.count(b"[") <= jsonld.MAX_DEPTH
    ):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return jsonld.parse_json(body, max_bytes=MAX_PEER_BODY)


def _unsigned(doc: dict[str, object]) -> dict[str, object]:
    if "proof" not in doc:
        return doc
    unsigned = {key: value for key, value in doc.items() if key != "proof"}
    unsigned["@context"] = jsonld.CONTEXT_URL  # the appended context defines only proof terms
    return unsigned


def check_tier_bound(
    doc: dict[str, object],
    served: Tier,
    handle: str,
    peer_id: str,
    profile: Profile,
    *,
    quads: Sequence[pyoxigraph.Quad] | None = None,
) -> None:
    """Nothing in the view is above the tier the peer labelled it with (the graph rule of views.py).

    A peer that labels an authority view "public" would otherwise make this node show it to
    the public; the filter is the one that makes views at write time, so an honest view passes.
    """
    try:
        within = within_tier(doc, served, profile, quads=quads)
    except NotCompact as err:
        raise BadPeerAnswer(
            f"peer {peer_id} answered {handle} with a document this node cannot read by tier: {err}",
            peer=peer_id,
        ) from err
    if not within:
        raise BadPeerAnswer(
            f"peer {peer_id} labelled its answer for {handle} {served.label}, "
            "but it holds data above that tier",
            peer=peer_id,
        )


def excused(result: ShapesResult, served: Tier, profile: Profile) -> bool:
    """Whether a SHACL result only says that data above the served tier is absent.

    A view for a lower tier legitimately lacks the higher tiers' mandatory properties. A result
    with a value (something present and wrong) or on a property the tier may see always counts.
    Results on structural properties (no tier of their own) count too: fail closed.
    """
    # SPARQL-based "required" constraints report the focus node itself as the value.
    about_absence = result.value is None or result.value == result.focus_node
    if not about_absence or result.path is None:
        return False
    # Only a property the vocabulary declares (not an inverse or sequence path) can be excused.
    info = profile.properties.get(result.path)
    return info is not None and info.tier > served


async def check_shapes(
    body: bytes, handle: str, served: Tier, peer_id: str, validator: ShapesChecker, profile: Profile
) -> None:
    """The view passes the profile's shapes for the tier it was served at, or BadPeerAnswer."""
    try:
        report = await validator.validate(body)
    except (DocumentError, InvalidIdentifier) as err:
        raise BadPeerAnswer(
            f"peer {peer_id} answered {handle} with an unusable passport: {err.detail}", peer=peer_id
        ) from err
    failing = [r for r in report.results if r.severity == "Violation" and not excused(r, served, profile)]
    if failing:
        raise BadPeerAnswer(
            f"peer {peer_id} answered {handle} with a passport that fails the profile's shapes "
            f"({len(failing)} violation(s) at the {served.label} tier)",
            peer=peer_id,
            violations=[r.to_json() for r in failing[:20]],
        )


async def interpret(
    response: PeerResponse,
    lookup: Lookup,
    *,
    default_ttl: int,
    max_ttl: int,
    validator: ShapesChecker | None,
    profile: Profile | None,
    case_sensitive: bool = False,
    verified: VerifiedViews | None = None,
    proof: ProofCheck | None = None,
) -> Answer:
    """The Answer for a peer's 200, or the error its other statuses mean (see docs/federation.md).

    ``verified`` remembers views that passed the shapes, so a refresh that brings the same
    bytes again is not validated again. ``proof`` checks a 200's proof against its owner's keys,
    after the tier bound and before the shapes (None: not checked here).
    """
    peer_id = response.peer.id
    status = response.status
    if status == 200:
        served = _served_tier(response, lookup)
        doc = check_identity(response.body, lookup.handle, peer_id, case_sensitive=case_sensitive)
        # A signed view is checked here as the graph it signs, without its proof; it is served
        # as received. The tier bound and the proof read the graph once between them.
        unsigned = _unsigned(doc)
        graph = AnswerGraph.of(doc, unsigned) if profile is not None and proof is not None else None
        if profile is not None and (graph is None or not graph.fits(served, profile)):
            quads = None if graph is None else graph.quads()
            check_tier_bound(unsigned, served, lookup.handle, peer_id, profile, quads=quads)
        if proof is not None:
            proof(doc, None if graph is None else graph.nquads())
        if profile is not None and response.peer.verify == "shapes" and validator is not None:
            body = response.body if unsigned is doc else orjson.dumps(unsigned)
            await _check_shapes_once(body, lookup.handle, served, peer_id, validator, profile, verified)
        max_age, age = freshness(response.headers, default_ttl=default_ttl, max_ttl=max_ttl)
        view = View(
            handle=lookup.handle,
            version=_version(response.headers.get("etag", "")),
            modified=_modified(response.headers.get("last-modified")),
            deleted=False,
            body=response.body,
        )
        named = response.headers.get(OWNER_HEADER.lower())
        return Answer(
            view=view,
            source=f"peer:{peer_id}",
            max_age=max_age,
            age=age,
            hops=(peer_id,),
            tier=served if served < lookup.tier else None,
            owner=Owner.parse(named) if named else None,
        )
    if status == 304 and lookup.if_none_match is not None:
        max_age, age = freshness(response.headers, default_ttl=default_ttl, max_ttl=max_ttl)
        raise PeerNotModified(f"{lookup.handle} is unchanged at {peer_id}", max_age=max_age, age=age)
    raise _refusal(response, lookup, max_ttl=max_ttl)


def _refusal(response: PeerResponse, lookup: Lookup, *, max_ttl: int) -> ResolverError:
    """The error a peer's answer other than 200 (or 304 to a revalidation) means."""
    peer_id, status, handle = response.peer.id, response.status, lookup.handle
    problem = _problem(response.body)
    if status == 307 and isinstance(owner := _referred_to(problem), Owner):
        return PeerReferral(
            f"peer {peer_id} referred {lookup.handle} to node {owner.node_id} (prefix {owner.prefix})",
            peer=peer_id,
            owner=owner,
        )
    detail = _clip(str(problem.get("detail") or f"HTTP {status}"))
    if status in (404, 410):
        # RFC 2308: a "not found" that another cache kept says how long it has left, so the
        # lifetimes of negative answers never add up hop after hop.
        left: dict[str, object] = {}
        if "max-age" in response.headers.get("cache-control", ""):
            max_age, age = freshness(response.headers, default_ttl=0, max_ttl=max_ttl)
            left["max_age"] = max(0, max_age - age)
        if status == 404:
            return PeerNotFound(
                f"no passport is registered for {lookup.handle} (answer of {peer_id})", peer=peer_id, **left
            )
        return PeerGone(
            f"the passport {lookup.handle} was deleted (answer of {peer_id})", peer=peer_id, **left
        )
    if status == 508:
        path = problem.get("path")
        trail = [_clip(str(hop), 100) for hop in path[:_MAX_LISTED]] if isinstance(path, list) else []
        return LoopDetected(detail, peer=peer_id, path=trail)
    if status == 504:
        return PeerTimeout(f"peer {peer_id} reported: {detail}", peer=peer_id, upstream=_upstream(problem))
    if status == 502:
        upstream = _upstream(problem)
        return FederationError(f"peer {peer_id} reported: {detail}", peer=peer_id, upstream=upstream)
    if status in (401, 403):
        return FederationError(
            f"peer {peer_id} refused this node's credentials (HTTP {status}): {detail}", peer=peer_id
        )
    return BadPeerAnswer(f"peer {peer_id} answered {handle} with HTTP {status}: {detail}", peer=peer_id)


def _digest_size(key: tuple[bytes, Tier], seen: bool) -> int:
    return len(key[0]) + ENTRY_OVERHEAD


class VerifiedViews:
    """Digests of views that passed the shapes at a tier (bounded, least recently used dropped)."""

    def __init__(self, max_bytes: int = 2 * 1024 * 1024) -> None:
        self._seen: Memo[tuple[bytes, Tier], bool] = Memo(max_bytes, _digest_size)

    def __contains__(self, key: tuple[bytes, Tier]) -> bool:
        return self._seen.get(key) is not None

    def add(self, key: tuple[bytes, Tier]) -> None:
        self._seen.put(key, True)


async def _check_shapes_once(
    body: bytes,
    handle: str,
    served: Tier,
    peer_id: str,
    validator: ShapesChecker,
    profile: Profile,
    verified: VerifiedViews | None,
) -> None:
    key = (hashlib.sha256(body).digest(), served)
    if verified is not None and key in verified:
        return
    await check_shapes(body, handle, served, peer_id, validator, profile)
    if verified is not None:
        verified.add(key)


def _served_tier(response: PeerResponse, lookup: Lookup) -> Tier:
    label = response.headers.get(TIER_HEADER.lower())
    peer_id = response.peer.id
    try:
        served = Tier.from_label(label.strip()) if label is not None else None
    except ValueError:
        served = None
    if served is None:
        # Without the label this node cannot know whom it may show the view to: fail closed.
        raise BadPeerAnswer(
            f"peer {peer_id} answered {lookup.handle} without a valid {TIER_HEADER} header", peer=peer_id
        )
    if served > lookup.tier:
        raise BadPeerAnswer(
            f"peer {peer_id} served the {served.label} view of {lookup.handle} when asked for "
            f"at most {lookup.tier.label}",
            peer=peer_id,
        )
    return served


def _problem(body: bytes) -> dict[str, object]:
    try:
        doc = orjson.loads(body[:65536]) if body else {}
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _referred_to(body: Mapping[str, object]) -> Owner | None:
    """The owner a referral body names (``resolver/http/passports.py``), or None."""
    node_id, prefix = body.get("node_id"), body.get("prefix")
    if not isinstance(node_id, str) or not isinstance(prefix, str):
        return None
    return Owner.parse(f"{node_id}; prefix={prefix}")


def _upstream(problem: Mapping[str, object]) -> dict[str, object]:
    """The parts of a peer's problem document worth passing on, bounded (it is the peer's text)."""
    out: dict[str, object] = {}
    for key in ("type", "status", "detail", "peer"):
        value = problem.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            out[key] = _clip(value) if isinstance(value, str) else value
    errors = problem.get("errors")
    if isinstance(errors, list):
        out["errors"] = errors[:_MAX_LISTED]
    return out


_MAX_LISTED = 16


def _clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _version(etag: str) -> int:
    """The version a node's entity tag names (``"v3.public.jsonld"`` -> 3); 0 if it names none."""
    digits = ""
    for ch in etag.removeprefix("W/").strip('"').removeprefix("v"):
        if not ch.isdigit():
            break
        digits += ch
    return int(digits) if digits else 0


def _modified(value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
