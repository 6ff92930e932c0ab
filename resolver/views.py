"""Tier views of a passport: the passport with only the properties a tier may see, as compact
JSON-LD in our context.

A property's tier is the vocabulary's; a structural property (bp:structural, such as a
quantity's value) takes the tier of the property it sits under, a nested property never shows
below its parent's tier, and a predicate the vocabulary does not know fails closed.

Two ways give the same triples: :func:`view` filters the expanded document and compacts it with
pyld (the reference); :func:`filter_compact` filters a document already compact in our context by
resolving its keys against the context, which is some 100 times faster and is what ``prepare``
uses. Both are tested to give isomorphic graphs.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import orjson

from resolver import jsonld
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = [
    "CompactTerms",
    "NotCompact",
    "compact_document",
    "compact_terms",
    "filter_compact",
    "filter_expanded",
    "view",
    "view_bytes",
]

# Keywords a node keeps in every view. Everything else that starts with "@" (@reverse, @graph
# inside a node, @included, @nest ...) could carry triples from outside the node's own
# properties: dropped (fail closed).
_KEPT_KEYWORDS = frozenset({"@id", "@type", "@index"})


def filter_expanded(expanded: list[dict[str, Any]], tier: Tier, profile: Profile) -> list[dict[str, Any]]:
    """The expanded document holding only the triples ``tier`` may see."""
    return [_node(node, tier, Tier.PUBLIC, profile) for node in expanded if isinstance(node, dict)]


def _node(node: dict[str, Any], tier: Tier, parent: Tier, profile: Profile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("@"):
            if key in _KEPT_KEYWORDS:
                out[key] = value
            continue
        own = profile.tier_of(key)
        effective = parent if own is None else max(parent, own)
        if effective > tier:
            continue
        out[key] = [_value(item, tier, effective, profile) for item in value]
    return out


def _value(value: Any, tier: Tier, parent: Tier, profile: Profile) -> Any:
    if not isinstance(value, dict) or "@value" in value:
        return value
    if "@list" in value:
        return {"@list": [_value(item, tier, parent, profile) for item in value["@list"]]}
    return _node(value, tier, parent, profile)


def view(expanded_doc: list[dict[str, Any]], tier: Tier, profile: Profile | None = None) -> dict[str, Any]:
    """The compact JSON-LD view of an expanded passport for ``tier``, in our context (via pyld)."""
    profile = profile or Profile.load()
    return jsonld.compact(filter_expanded(expanded_doc, tier, profile))


def view_bytes(expanded_doc: list[dict[str, Any]], tier: Tier, profile: Profile | None = None) -> bytes:
    """:func:`view` as the bytes the node stores and serves."""
    return orjson.dumps(view(expanded_doc, tier, profile))


def compact_document(expanded_doc: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole passport (every tier) as compact JSON-LD in our context."""
    return jsonld.compact(expanded_doc)


# --- fast path: filtering a compact document -----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CompactTerms:
    """Our context as a key -> IRI (or keyword) table, when the context is simple enough.

    ``simple`` is False if the context uses a feature under which a key's meaning depends on
    where it sits (scoped contexts, @reverse, @nest, maps as containers, @vocab, @base,
    @import); the fast path is then never used.
    """

    keys: dict[str, str]
    prefixes: dict[str, str]
    simple: bool

    def iri(self, key: str) -> str | None:
        """What a key of a compact document means: an IRI, a keyword, or None (not ours)."""
        found = self.keys.get(key)
        if found is not None:
            return found
        if key.startswith("@"):
            return key
        prefix, colon, suffix = key.partition(":")
        if not colon:
            return None
        if suffix.startswith("//"):
            return key  # an absolute IRI
        base = self.prefixes.get(prefix)
        return base + suffix if base is not None else key


_SIMPLE_CONTAINERS = frozenset({"@set", "@list"})
_UNSAFE_CONTEXT_KEYS = frozenset({"@vocab", "@base", "@import", "@propagate", "@language", "@direction"})
_UNSAFE_TERM_KEYS = frozenset({"@reverse", "@context", "@nest", "@index", "@language", "@direction"})


@functools.cache
def compact_terms(context_url: str = jsonld.CONTEXT_URL) -> CompactTerms:
    document = jsonld.load_context(context_url)
    context = document.get("@context") if isinstance(document, dict) else None
    if not isinstance(context, dict):
        return CompactTerms(keys={}, prefixes={}, simple=False)
    simple = not (_UNSAFE_CONTEXT_KEYS & set(context))
    raw: dict[str, str] = {}
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        if isinstance(definition, str):
            raw[term] = definition
        elif isinstance(definition, dict):
            if _UNSAFE_TERM_KEYS & set(definition):
                simple = False
            container = definition.get("@container")
            containers = set(container) if isinstance(container, list) else {container} - {None}
            if containers - _SIMPLE_CONTAINERS:
                simple = False
            iri = definition.get("@id")
            if isinstance(iri, str):
                raw[term] = iri
            else:
                simple = False
        else:
            simple = False
    prefixes = {term: iri for term, iri in raw.items() if iri.endswith(("#", "/", ":")) and "://" in iri}
    keys: dict[str, str] = {}
    for term, iri in raw.items():
        prefix, colon, suffix = iri.partition(":")
        if colon and not suffix.startswith("//") and prefix in prefixes:
            iri = prefixes[prefix] + suffix
        keys[term] = iri
    return CompactTerms(keys=keys, prefixes=prefixes, simple=simple)


class NotCompact(ValueError):
    """The document is not plainly compact in our context: use the pyld path instead."""


def filter_compact(
    document: dict[str, Any], tier: Tier, profile: Profile, terms: CompactTerms | None = None
) -> dict[str, Any]:
    """A compact document in our context holding only what ``tier`` may see; NotCompact if a key
    cannot be read against the context alone."""
    terms = terms or compact_terms()
    if not terms.simple or document.get("@context") != jsonld.CONTEXT_URL:
        raise NotCompact("the document is not in our context alone")
    body = {key: value for key, value in document.items() if key != "@context"}
    graph_keys = [key for key in body if terms.iri(key) == "@graph"]
    if graph_keys:
        if len(body) != 1:
            raise NotCompact("@graph beside other top-level keys")
        nodes = body[graph_keys[0]]
        nodes = nodes if isinstance(nodes, list) else [nodes]
        return {
            "@context": jsonld.CONTEXT_URL,
            graph_keys[0]: [_cnode(node, tier, Tier.PUBLIC, profile, terms) for node in nodes],
        }
    return {"@context": jsonld.CONTEXT_URL, **_cnode(body, tier, Tier.PUBLIC, profile, terms)}


# key -> (what it means, the vocabulary's tier for it), for the (terms, profile) pair in
# _KEY_OWNER: each key of every node is read for each view, and the answers never change.
_KEY_INFO: dict[str, tuple[str | None, Tier | None]] = {}
_KEY_OWNER: list[Any] = [None, None]


def _key_info(key: str, profile: Profile, terms: CompactTerms) -> tuple[str | None, Tier | None]:
    if _KEY_OWNER[0] is not terms or _KEY_OWNER[1] is not profile:
        _KEY_INFO.clear()
        _KEY_OWNER[0], _KEY_OWNER[1] = terms, profile
    found = _KEY_INFO.get(key)
    if found is None:
        iri = terms.iri(key)
        own = profile.tier_of(iri) if iri is not None and not iri.startswith("@") else None
        found = (iri, own)
        if len(_KEY_INFO) < 4096:  # keys are mostly our terms; odd documents must not grow it
            _KEY_INFO[key] = found
    return found


def _cnode(node: Any, tier: Tier, parent: Tier, profile: Profile, terms: CompactTerms) -> Any:
    if not isinstance(node, dict):
        return node  # an IRI string or a literal
    infos = [(key, value, _key_info(key, profile, terms)) for key, value in node.items()]
    if any(info[0] == "@value" for _, _, info in infos):
        return node  # a value object
    out: dict[str, Any] = {}
    for key, value, (iri, own) in infos:
        if iri is None:
            raise NotCompact(f"the key {key!r} is not a term of our context")
        if iri.startswith("@"):
            if iri in _KEPT_KEYWORDS:
                out[key] = value
            elif iri in ("@list", "@set"):
                out[key] = _cvalue(value, tier, parent, profile, terms)
            elif iri == "@context":
                raise NotCompact("a nested @context")
            continue
        effective = parent if own is None else max(parent, own)
        if effective > tier:
            continue
        out[key] = _cvalue(value, tier, effective, profile, terms)
    return out


def _cvalue(value: Any, tier: Tier, parent: Tier, profile: Profile, terms: CompactTerms) -> Any:
    if isinstance(value, list):
        return [_cnode(item, tier, parent, profile, terms) for item in value]
    return _cnode(value, tier, parent, profile, terms)
